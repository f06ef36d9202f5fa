import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { App } from '../http/types.ts';
import type { Program } from '../programs/programs.schema.ts';
import { getProgram, isOpen, todayIn } from '../programs/programs.service.ts';
import type { PublicWorkspace } from '../referrals/links.service.ts';
import { createReferral } from '../referrals/referrals.service.ts';
import { checkEmail, checkPhone } from './contact.ts';
import { FORM_BODY_LIMIT, POST_LIMIT, type PublicCtx, refuseGuesser, sendHtml } from './context.ts';
import { firstWord, incentiveText, splitName } from './format.ts';
import { field as bodyField, checkFormToken, formToken, ipKey, isCrossSite, ticked } from './guard.ts';
import { type Html, html } from './html.ts';
import { crossSitePage } from './landing.ts';
import { field, messagePage, neutralTheme, page, theme } from './layout.ts';

export const MAX_FRIENDS = 10;

type FormLink = {
  linkId: string;
  workspace: PublicWorkspace;
  referrer: { id: string; firstName: string; organisation: string | null; kind: string };
  program: Program;
  open: boolean;
};

type Row = { name: string; email: string; phone: string; told: boolean; emailChecked: string };
type RowErrors = Partial<Record<'name' | 'email' | 'phone', string>>;
type Outcome = { name: string; note: string };

const emptyRow = (): Row => ({ name: '', email: '', phone: '', told: false, emailChecked: '' });

/** The referrer's link behind a private form token (a merged referrer resolves to the survivor). */
async function loadFormLink(ctx: PublicCtx, token: string): Promise<FormLink | null> {
  if (!/^[A-Za-z0-9_-]{16,100}$/.test(token)) return null;
  const row = await ctx.db
    .selectFrom('referral_links as l')
    .innerJoin('workspaces as w', 'w.id', 'l.workspace_id')
    .innerJoin('people as p', (j) =>
      j.onRef('p.workspace_id', '=', 'l.workspace_id').onRef('p.id', '=', 'l.referrer_id'),
    )
    .select([
      'l.id',
      'l.workspace_id',
      'l.program_id',
      'l.disabled_at',
      'p.id as person_id',
      'p.merged_into_id',
      'w.slug',
      'w.name',
      'w.brand_color',
      'w.logo_url',
      'w.country',
      'w.currency',
      'w.time_zone',
    ])
    .where('l.form_token', '=', token)
    .executeTakeFirst();
  if (!row) return null;
  const person = await ctx.db
    .selectFrom('people')
    .select(['id', 'first_name', 'organisation', 'kind'])
    .where('workspace_id', '=', row.workspace_id)
    .where('id', '=', row.merged_into_id ?? row.person_id)
    .executeTakeFirstOrThrow();
  const program = await getProgram(ctx.db, row.workspace_id, row.program_id);
  return {
    linkId: row.id,
    workspace: {
      id: row.workspace_id,
      slug: row.slug,
      name: row.name,
      brandColor: row.brand_color,
      logoUrl: row.logo_url,
      country: row.country,
      currency: row.currency,
      timeZone: row.time_zone,
    },
    referrer: {
      id: person.id,
      firstName: person.first_name,
      organisation: person.organisation,
      kind: person.kind,
    },
    program,
    open: !row.disabled_at && isOpen(program, todayIn(row.time_zone)),
  };
}

function rowFields(i: number, row: Row, errors: RowErrors = {}): Html {
  const n = i + 1;
  return html`<fieldset class="row"><legend><h3>Person ${n}</h3></legend>
<div class="grid"><div>${field({ name: `name${n}`, id: `name${n}`, label: 'Name', value: row.name, error: errors.name, autocomplete: 'off', maxlength: 100 })}</div>
<div>${field({ name: `email${n}`, id: `email${n}`, label: 'Email', type: 'email', value: row.email, error: errors.email, autocomplete: 'off', optional: true, maxlength: 254 })}</div>
<div>${field({ name: `phone${n}`, id: `phone${n}`, label: 'Phone', type: 'tel', value: row.phone, error: errors.phone, autocomplete: 'off', optional: true, maxlength: 40 })}</div></div>
${row.emailChecked ? html`<input type="hidden" name="emailok${n}" value="${row.emailChecked}">` : ''}
<label class="check" for="told${n}"><input type="checkbox" id="told${n}" name="told${n}" value="yes"${row.told ? html` checked` : ''}> <span>I have told them about you</span></label>
</fieldset>`;
}

function formHtml(
  f: FormLink,
  token: string,
  formToken: string,
  rows: Array<{ row: Row; errors?: RowErrors }> = [],
  saved: Outcome[] = [],
  notAdded: Outcome[] = [],
): string {
  const t = theme(f.workspace);
  const who = firstWord(f.referrer.firstName) || f.referrer.organisation || '';
  const business = f.workspace.name;
  const cats = f.program.targetCategories;
  const reward = incentiveText(f.program.terms.referrerReward, f.workspace.currency, f.workspace.country);
  const gift = incentiveText(f.program.terms.friendIncentive, f.workspace.currency, f.workspace.country);
  const all = [...rows];
  while (all.length < MAX_FRIENDS - saved.length && all.length < MAX_FRIENDS) all.push({ row: emptyRow() });
  const errorCount = rows.filter((r) => r.errors && Object.keys(r.errors).length).length;
  const body = html`<div class="card">
<h1>${who ? `${who}, who` : 'Who'} should know about ${business}?</h1>
<p>Thank you for thinking of the people you know. Name whoever comes to mind, with whatever details you have; a name alone is fine.</p>
${
  cats.length
    ? html`<p><strong>Who do you know who …</strong></p><ul class="plain">${cats.map((c) => html`<li>${c}</li>`)}</ul>`
    : ''
}
${gift ? html`<p>Each of them gets a welcome offer: <strong>${gift.headline}</strong>${gift.detail ? ` ${gift.detail}` : ''}.</p>` : ''}
${reward ? html`<p>If someone you name becomes a client, ${business} thanks you with <strong>${reward.headline}</strong>.</p>` : ''}
<p class="muted">${business} will not contact anyone you name until you have told them about us (tick the box) or they get in touch themselves.</p>
</div>
<div id="result">
${saved.length ? html`<div class="notice" role="status"><strong>Saved:</strong> ${saved.map((s, i) => html`${i ? ', ' : ''}${s.name}`)}. Thank you!</div>` : ''}
${notAdded.length ? html`<div class="problem"><strong>Not added:</strong><ul class="plain">${notAdded.map((o) => html`<li>${o.name}: ${o.note}</li>`)}</ul></div>` : ''}
${errorCount ? html`<div class="problem" role="alert">Please check the ${errorCount === 1 ? 'person' : `${errorCount} people`} marked below; everyone else is saved.</div>` : ''}
</div>
<form method="post" action="/f/${token}#result" class="card" novalidate>
<input type="hidden" name="token" value="${formToken}">
${all.map((r, i) => rowFields(i, r.row, r.errors))}
<button type="submit" class="full">Send my list</button>
</form>`;
  return page({ title: `Who should know about ${business}?`, theme: t, body, noindex: true });
}

function thanksHtml(f: FormLink, token: string, saved: Outcome[], notAdded: Outcome[]): string {
  const t = theme(f.workspace);
  const who = firstWord(f.referrer.firstName) || f.referrer.organisation || '';
  const body = html`<div class="card"><h1>Thank you${who ? `, ${who}` : ''}!</h1>
${
  saved.length
    ? html`<p>We have added:</p><ul class="plain">${saved.map((s) => html`<li><strong>${s.name}</strong>${s.note ? ` (${s.note})` : ''}</li>`)}</ul>`
    : html`<p>Nobody new was added this time.</p>`
}
${notAdded.length ? html`<p>Not added:</p><ul class="plain">${notAdded.map((o) => html`<li>${o.name}: ${o.note}</li>`)}</ul>` : ''}
<p>${f.workspace.name} will only get in touch with the people you have told about us, or once they reach out themselves.</p>
<p><a href="/f/${token}">Name more people</a></p></div>`;
  return page({ title: `Thank you · ${f.workspace.name}`, theme: t, body, noindex: true });
}

const label = (r: Row) => r.name || r.email || r.phone;

async function submit(
  ctx: PublicCtx,
  req: FastifyRequest<{ Params: { token: string } }>,
  reply: FastifyReply,
) {
  if (isCrossSite(req, ctx.publicUrl)) return sendHtml(reply, 403, crossSitePage());
  if (refuseGuesser(ctx, req, reply)) return reply;
  const f = await loadFormLink(ctx, req.params.token);
  if (!f) {
    ctx.misses.miss(req.ip);
    return sendHtml(reply, 404, notFoundPage());
  }
  if (!f.open) return sendHtml(reply, 410, closedPage(f));
  const path = `/f/${req.params.token}`;
  if (!(await checkFormToken(ctx.db, path, bodyField(req.body, 'token', 100)))) {
    return sendHtml(
      reply,
      403,
      messagePage({
        theme: theme(f.workspace),
        title: 'This form has expired',
        message:
          'The page was open for a long time, so for your safety we did not accept it. Please open it again; nothing was saved from it.',
        links: [{ href: path, label: 'Open the form again' }],
      }),
    );
  }
  const body = req.body;
  const rows: Row[] = [];
  for (let n = 1; n <= MAX_FRIENDS; n++) {
    const row: Row = {
      name: bodyField(body, `name${n}`, 100),
      email: bodyField(body, `email${n}`, 254),
      phone: bodyField(body, `phone${n}`, 40),
      told: ticked(body, `told${n}`),
      emailChecked: '',
    };
    if (row.name || row.email || row.phone)
      rows.push({ ...row, emailChecked: bodyField(body, `emailok${n}`, 254) });
  }
  const retry: Array<{ row: Row; errors: RowErrors }> = [];
  const saved: Outcome[] = [];
  const notAdded: Outcome[] = [];
  const sourceIpKey = await ipKey(ctx.db, req.ip);
  const channel = f.referrer.kind === 'partner' ? 'partner' : 'named_by_referrer';
  for (const row of rows) {
    const errors: RowErrors = {};
    const email = checkEmail(row.email, row.emailChecked);
    const phone = checkPhone(row.phone, f.workspace.country);
    const kept: Row = { ...row, emailChecked: '' };
    if (!email.ok) {
      errors.email = email.message;
      if (email.suggestion) kept.emailChecked = row.email.toLowerCase();
    }
    if (!phone.ok) errors.phone = phone.message;
    if (Object.keys(errors).length) {
      retry.push({ row: kept, errors });
      continue;
    }
    const { firstName, lastName } = splitName(row.name);
    try {
      const { created, learnt } = await createReferral(
        ctx.db,
        f.workspace.id,
        { userId: null, label: 'the referrer' },
        {
          programId: f.program.id,
          referrerId: f.referrer.id,
          linkId: f.linkId,
          channel,
          friend: {
            firstName,
            lastName,
            email: email.ok && email.value ? email.value : null,
            phone: phone.ok && phone.value ? phone.value : null,
          },
          introduced: row.told,
          sourceIpKey,
        },
      );
      if (created)
        saved.push({
          name: label(row),
          note: row.told ? 'you have told them' : 'waiting for your introduction',
        });
      // Named before, told since: the business may now get in touch.
      else if (learnt.includes('introduced')) saved.push({ name: label(row), note: 'you have told them' });
      else notAdded.push({ name: label(row), note: 'already on our list, thank you' });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (
        err.code === 'unprocessable' &&
        err.details?.some((d) => d.message === 'same person as the referrer')
      ) {
        notAdded.push({ name: label(row), note: 'that’s you! This list is for the people you know' });
      } else if (err.code === 'conflict') {
        notAdded.push({ name: label(row), note: `already a client of ${f.workspace.name}, thank you` });
      } else if (err.code === 'validation') {
        for (const d of err.details ?? []) {
          const k = d.path.replace(/^friend\./, '');
          if (k === 'email' || k === 'phone') errors[k] = d.message;
          else errors.name = d.message;
        }
        retry.push({ row: kept, errors });
      } else if (err.code === 'unprocessable') {
        return sendHtml(reply, 410, closedPage(f));
      } else throw err;
    }
  }
  if (retry.length) {
    return sendHtml(
      reply,
      422,
      formHtml(f, req.params.token, await formToken(ctx.db, path), retry, saved, notAdded),
    );
  }
  return sendHtml(reply, 200, thanksHtml(f, req.params.token, saved, notAdded));
}

const notFoundPage = () =>
  messagePage({
    theme: neutralTheme,
    title: 'We could not find this form',
    message:
      'The link may be incomplete. Please open it again from your email or card, or ask the business for a new one.',
  });

const closedPage = (f: FormLink) =>
  messagePage({
    theme: theme(f.workspace),
    title: 'This form is closed',
    message: `This referral program is not running any more. Thank you for thinking of ${f.workspace.name}!`,
    links: [{ href: `/w/${f.workspace.slug}`, label: `Visit ${f.workspace.name}` }],
  });

export function friendsRoutes(app: App, ctx: PublicCtx) {
  app.get<{ Params: { token: string } }>('/f/:token', { schema: { hide: true } }, async (req, reply) => {
    if (refuseGuesser(ctx, req, reply)) return reply;
    const f = await loadFormLink(ctx, req.params.token);
    if (!f) {
      ctx.misses.miss(req.ip);
      return sendHtml(reply, 404, notFoundPage());
    }
    if (!f.open) return sendHtml(reply, 410, closedPage(f));
    reply.header('cache-control', 'no-store');
    return sendHtml(
      reply,
      200,
      formHtml(f, req.params.token, await formToken(ctx.db, `/f/${req.params.token}`)),
    );
  });
  app.post<{ Params: { token: string } }>(
    '/f/:token',
    { schema: { hide: true }, bodyLimit: FORM_BODY_LIMIT, config: { rateLimit: POST_LIMIT } },
    (req, reply) => submit(ctx, req, reply),
  );
}
