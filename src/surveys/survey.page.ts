import type { FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import type { App } from '../http/types.ts';
import type { Program } from '../programs/programs.schema.ts';
import { isOpen, listPrograms, todayIn } from '../programs/programs.service.ts';
import { FORM_BODY_LIMIT, POST_LIMIT, type PublicCtx, refuseGuesser, sendHtml } from '../public/context.ts';
import { firstWord, incentiveText } from '../public/format.ts';
import { field as bodyField, checkFormToken, formToken, isCrossSite, ticked } from '../public/guard.ts';
import { type Html, html, raw } from '../public/html.ts';
import { crossSitePage } from '../public/landing.ts';
import { field, messagePage, neutralTheme, page, type Theme, theme } from '../public/layout.ts';
import { getOrCreateLink, linkUrls, type PublicWorkspace } from '../referrals/links.service.ts';
import {
  type Answer,
  answerSurvey,
  defaultQuoteName,
  type Outcome,
  outcomeOf,
  QUOTE_NAME_MAX,
  type SurveyRow,
  surveyByToken,
  TEXT_MAX,
} from './surveys.service.ts';

type Ctx = {
  db: PublicCtx['db'];
  survey: SurveyRow;
  ws: PublicWorkspace & { reviewLinks: Array<{ label: string; url: string }> };
  person: { id: string; firstName: string; lastName: string; kind: string };
  t: Theme;
};

type Values = { score: string; better: string; feedback: string; mayQuote: boolean; quoteName: string };
type Errors = Partial<Record<'score' | 'feedback' | 'quoteName', string>>;

// The 0–10 scale: eleven radio buttons in one row, two rows of six on a phone (big enough to
// tap), with the ends named beneath.
const CSS = `.scale{display:grid;grid-template-columns:repeat(11,minmax(0,1fr));gap:4px;margin:8px 0 4px}
@media(max-width:479px){.scale{grid-template-columns:repeat(6,minmax(0,1fr));gap:8px}.scale label{min-height:48px}}
.scale input{position:absolute;opacity:0;width:1px;height:1px}
.scale label{margin:0;display:flex;align-items:center;justify-content:center;min-height:44px;border:1.5px solid #8a939b;border-radius:8px;font-weight:650;cursor:pointer;background:#fff}
.scale input:checked+label{background:var(--brand);color:var(--on-brand);border-color:var(--brand)}
.scale input:focus-visible+label{outline:3px solid var(--accent);outline-offset:2px}
.ends{display:flex;justify-content:space-between;gap:12px;font-size:.88rem;color:#555d66;margin:0 0 4px}
legend.q{font-weight:650;font-size:1.05rem;margin:0}
textarea{width:100%;font:inherit;padding:11px 12px;border:1.5px solid #8a939b;border-radius:9px;background:#fff;color:#1b1f23;min-height:6.5em;resize:vertical}
textarea:focus{outline:3px solid var(--accent);outline-offset:2px}
fieldset[aria-invalid=true] .scale label{border-color:#b00020}
.share{word-break:break-all;font-weight:650}
.qr{text-align:center;margin:8px 0 0}.qr svg{width:180px;height:180px;max-width:100%}
ul.links{list-style:none;padding:0;margin:0 0 4px}ul.links li{margin:0 0 8px}`;

async function load(ctx: PublicCtx, token: string): Promise<Ctx | null> {
  const survey = await surveyByToken(ctx.db, token);
  if (!survey) return null;
  const w = await ctx.db
    .selectFrom('workspaces')
    .select([
      'id',
      'slug',
      'name',
      'brand_color',
      'logo_url',
      'country',
      'currency',
      'time_zone',
      'review_links',
    ])
    .where('id', '=', survey.workspace_id)
    .executeTakeFirstOrThrow();
  const p = await ctx.db
    .selectFrom('people')
    .select(['id', 'first_name', 'last_name', 'kind', 'merged_into_id'])
    .where('workspace_id', '=', survey.workspace_id)
    .where('id', '=', survey.person_id)
    .executeTakeFirstOrThrow();
  const ws = {
    id: w.id,
    slug: w.slug,
    name: w.name,
    brandColor: w.brand_color,
    logoUrl: w.logo_url,
    country: w.country,
    currency: w.currency,
    timeZone: w.time_zone,
    reviewLinks: JSON.parse(w.review_links) as Ctx['ws']['reviewLinks'],
  };
  return {
    db: ctx.db,
    survey,
    ws,
    // A merged person shares as the one they were merged into.
    person: {
      id: p.merged_into_id ?? p.id,
      firstName: p.first_name,
      lastName: p.last_name,
      kind: p.kind,
    },
    t: theme(ws),
  };
}

function formHtml(c: Ctx, token: string, formTok: string, v: Values, errors: Errors = {}): string {
  const who = firstWord(c.person.firstName);
  const business = c.ws.name;
  const list = Object.entries(errors) as Array<[keyof Errors, string]>;
  const anchor = (k: keyof Errors) => (k === 'score' ? 'score0' : k);
  const scoreErr = errors.score ? 'score-err' : null;
  const body = html`<div class="card">
<h1>${who ? `${who}, how` : 'How'} did we do?</h1>
<p>Thank you for choosing ${business}. Three quick questions; only the first one needs an answer.</p>
</div>
<form method="post" action="/s/${token}" class="card" novalidate>
${
  list.length
    ? html`<div class="problem" role="alert"><strong>Please check ${list.length === 1 ? 'one thing' : `${list.length} things`}:</strong><ul class="plain">${list.map(
        ([k, msg]) => html`<li><a href="#${anchor(k)}">${msg}</a></li>`,
      )}</ul></div>`
    : ''
}
<input type="hidden" name="token" value="${formTok}">
<fieldset${errors.score ? raw(' aria-invalid="true"') : ''} aria-describedby="score-ends${scoreErr ? ' score-err' : ''}">
<legend class="q">How likely are you to recommend ${business} to a friend?</legend>
<div class="scale">${Array.from(
    { length: 11 },
    (_, n) =>
      html`<input type="radio" id="score${n}" name="score" value="${n}"${v.score === String(n) ? raw(' checked') : ''}${
        n === 0
          ? raw(' aria-label="0, not at all likely"')
          : n === 10
            ? raw(' aria-label="10, extremely likely"')
            : ''
      }><label for="score${n}">${n}</label>`,
  )}</div>
<p class="ends" id="score-ends"><span>0 = not at all likely</span><span>10 = extremely likely</span></p>
${errors.score ? html`<p class="err" id="score-err">${errors.score}</p>` : ''}
</fieldset>
<label for="better">What would make us better? <span class="opt">(optional)</span></label>
<textarea id="better" name="better" maxlength="${TEXT_MAX}" rows="3">${v.better}</textarea>
<label for="feedback">Anything else you would like to tell us? <span class="opt">(optional)</span></label>
<textarea id="feedback" name="feedback" maxlength="${TEXT_MAX}" rows="4"${
    errors.feedback ? raw(' aria-invalid="true" aria-describedby="feedback-err"') : ''
  }>${v.feedback}</textarea>
${errors.feedback ? html`<p class="err" id="feedback-err">${errors.feedback}</p>` : ''}
<label class="check" for="may_quote"><input type="checkbox" id="may_quote" name="may_quote" value="yes"${
    v.mayQuote ? raw(' checked') : ''
  } aria-describedby="may-quote-hint"> <span>You may quote my feedback in your marketing</span></label>
<p class="hint" id="may-quote-hint">Only what you wrote in the box above, under the name below, and only once ${business} has read it.</p>
${field({
  name: 'quote_name',
  id: 'quoteName',
  label: 'Name to show with your words',
  value: v.quoteName,
  error: errors.quoteName,
  hint: 'For example “Sue P., Elm Street”.',
  maxlength: QUOTE_NAME_MAX,
  autocomplete: 'off',
})}
<button type="submit" class="full">Send my answers</button>
</form>
<p class="muted">${business} reads every answer. Your answers are kept with your client record.</p>`;
  return page({ title: `How did we do? · ${business}`, theme: c.t, body, noindex: true, css: CSS });
}

/** The customer program to share (or the partner program, for a partner) open today. */
async function shareProgram(c: Ctx): Promise<Program | null> {
  const today = todayIn(c.ws.timeZone);
  const audience = c.person.kind === 'partner' ? 'partners' : 'customers';
  const open = (await listPrograms(c.db, c.ws.id, { status: 'active' })).filter(
    (p) => p.audience === audience && isOpen(p, today),
  );
  // The oldest open program of the audience: the business's main offer (the list is newest first).
  return open.at(-1) ?? null;
}

async function thanksHtml(c: Ctx, publicUrl: string, outcome: Outcome): Promise<string> {
  const who = firstWord(c.person.firstName);
  const business = c.ws.name;
  let body: Html;
  if (outcome === 'low') {
    body = html`<div class="card"><h1>We are sorry${who ? `, ${who}` : ''}</h1>
<p>Thank you for telling us. We clearly fell short of what you expected from ${business}, and we want to put it right.</p>
<p>Someone from ${business} will read your answers and get in touch with you personally.</p></div>`;
  } else if (outcome === 'passive') {
    body = html`<div class="card"><h1>Thank you${who ? `, ${who}` : ''}!</h1>
<p>Your answers help ${business} get better. We read every one.</p></div>
${reviewsHtml(c)}`;
  } else {
    const program = await shareProgram(c);
    let share: Html | string = '';
    if (program) {
      const { link } = await getOrCreateLink(c.db, c.ws.id, program.id, c.person.id);
      if (!link.disabledAt) {
        const { shareUrl, formUrl } = linkUrls(publicUrl, link);
        const gift = incentiveText(program.terms.friendIncentive, c.ws.currency, c.ws.country);
        const reward = incentiveText(program.terms.referrerReward, c.ws.currency, c.ws.country);
        const svg = (
          await QRCode.toString(shareUrl, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' })
        ).replace('<svg ', '<svg role="img" aria-label="QR code of your link" focusable="false" ');
        share = html`<section class="card" aria-labelledby="share"><h2 id="share">Know someone who would like ${business}?</h2>
${gift ? html`<p>Your friends get <strong>${gift.headline}</strong>${gift.detail ? ` ${gift.detail}` : ''}.</p>` : ''}
${reward ? html`<p>And when a friend becomes a client, ${business} thanks you with <strong>${reward.headline}</strong>.</p>` : ''}
<p>Your personal link to share:</p>
<p class="share"><a href="${shareUrl}">${shareUrl}</a></p>
<div class="qr">${raw(svg)}</div>
<p><a class="button full" href="${formUrl}" style="text-align:center">Name a few friends who would like us</a></p>
<p class="muted">${business} only gets in touch with the people you name once you have told them about us.</p>
</section>`;
      }
    }
    body = html`<div class="card"><h1>Thank you${who ? `, ${who}` : ''}!</h1>
<p>We are so glad you are happy with ${business}. It means a lot to the whole team.</p></div>
${share}
${reviewsHtml(c)}`;
  }
  return page({ title: `Thank you · ${business}`, theme: c.t, body, noindex: true, css: CSS });
}

function reviewsHtml(c: Ctx): Html | string {
  if (!c.ws.reviewLinks.length) return '';
  return html`<section class="card" aria-labelledby="reviews"><h2 id="reviews">Would you leave us a review?</h2>
<p>A few words where others look for ${c.ws.name} help more than any advert.</p>
<ul class="links">${c.ws.reviewLinks.map((l) => html`<li><a href="${l.url}" rel="noopener" target="_blank">Review us on ${l.label}</a></li>`)}</ul>
</section>`;
}

const notFoundPage = () =>
  messagePage({
    theme: neutralTheme,
    title: 'We could not find this survey',
    message: 'The link may be incomplete. Please open it again from your email.',
  });

async function answered(ctx: PublicCtx, c: Ctx): Promise<string> {
  return thanksHtml(
    c,
    ctx.publicUrl,
    // As it was answered: a later change of the workspace's threshold does not reword it.
    c.survey.complaint_at ? 'low' : outcomeOf(Number(c.survey.score), -1),
  );
}

async function submit(
  ctx: PublicCtx,
  req: FastifyRequest<{ Params: { token: string } }>,
  reply: FastifyReply,
) {
  if (isCrossSite(req, ctx.publicUrl)) return sendHtml(reply, 403, crossSitePage());
  if (refuseGuesser(ctx, req, reply)) return reply;
  const token = req.params.token;
  const c = await load(ctx, token);
  if (!c) {
    ctx.misses.miss(req.ip);
    return sendHtml(reply, 404, notFoundPage());
  }
  const path = `/s/${token}`;
  if (c.survey.answered_at) return reply.redirect(path, 303);
  const body = req.body;
  if (!(await checkFormToken(ctx.db, path, bodyField(body, 'token', 100)))) {
    return sendHtml(
      reply,
      403,
      messagePage({
        theme: c.t,
        title: 'This page has expired',
        message:
          'The survey was open for a long time, so for your safety we did not accept it. Please open it again; nothing was saved from it.',
        links: [{ href: path, label: 'Open the survey again' }],
      }),
    );
  }
  const v: Values = {
    score: bodyField(body, 'score', 10),
    better: bodyField(body, 'better', TEXT_MAX),
    feedback: bodyField(body, 'feedback', TEXT_MAX),
    mayQuote: ticked(body, 'may_quote'),
    quoteName: bodyField(body, 'quote_name', QUOTE_NAME_MAX),
  };
  const errors: Errors = {};
  const score = /^(10|[0-9])$/.test(v.score) ? Number(v.score) : null;
  if (score === null) {
    errors.score = v.score
      ? 'Score: please choose a number from 0 to 10.'
      : 'Score: please choose how likely you are to recommend us, from 0 to 10.';
    v.score = '';
  }
  if (v.mayQuote && !v.feedback)
    errors.feedback = 'Please write what we may quote in this box, or untick “You may quote my feedback”.';
  if (v.mayQuote && !v.quoteName) errors.quoteName = 'Please tell us the name to show with your words.';
  if (score === null || Object.keys(errors).length)
    return sendHtml(reply, 422, formHtml(c, token, await formToken(ctx.db, path), v, errors));
  const answer: Answer = { ...v, score };
  await answerSurvey(ctx.db, c.survey, answer);
  // Answered (now or by a tab sent a moment earlier): the thanks page, at its own address.
  return reply.redirect(path, 303);
}

/**
 *   GET  /s/:token   the survey, or once answered the thanks (promoters: their link, the friends
 *                    form and the review sites)
 *   POST /s/:token   the answer, once (form token, same-site check, rate limit)
 */
export function surveyRoutes(app: App, ctx: PublicCtx) {
  app.get<{ Params: { token: string } }>('/s/:token', { schema: { hide: true } }, async (req, reply) => {
    if (refuseGuesser(ctx, req, reply)) return reply;
    const c = await load(ctx, req.params.token);
    if (!c) {
      ctx.misses.miss(req.ip);
      return sendHtml(reply, 404, notFoundPage());
    }
    reply.header('cache-control', 'no-store');
    if (c.survey.answered_at) return sendHtml(reply, 200, await answered(ctx, c));
    const person = { first_name: c.person.firstName, last_name: c.person.lastName };
    return sendHtml(
      reply,
      200,
      formHtml(c, req.params.token, await formToken(ctx.db, `/s/${req.params.token}`), {
        score: '',
        better: '',
        feedback: '',
        mayQuote: false,
        quoteName: defaultQuoteName(person),
      }),
    );
  });
  app.post<{ Params: { token: string } }>(
    '/s/:token',
    { schema: { hide: true }, bodyLimit: FORM_BODY_LIMIT, config: { rateLimit: POST_LIMIT } },
    (req, reply) => submit(ctx, req, reply),
  );
}
