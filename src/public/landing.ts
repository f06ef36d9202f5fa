import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { App } from '../http/types.ts';
import { nowIso } from '../lib/ids.ts';
import type { Program } from '../programs/programs.schema.ts';
import { getTerms } from '../programs/programs.service.ts';
import { visitorKey } from '../referrals/clicks.ts';
import { normalizeCode } from '../referrals/codes.ts';
import {
  type CodeResolution,
  type PublicWorkspace,
  type ResolvedLink,
  resolveCode,
} from '../referrals/links.service.ts';
import { createReferral, issueCoupon } from '../referrals/referrals.service.ts';
import { programTestimonials } from '../surveys/surveys.service.ts';
import { checkEmail, checkPhone } from './contact.ts';
import {
  FORM_BODY_LIMIT,
  POST_LIMIT,
  type PublicCtx,
  REDIRECT_LIMIT,
  refuseGuesser,
  sendHtml,
} from './context.ts';
import { firstWord, incentiveText, splitName } from './format.ts';
import { field as bodyField, checkFormToken, formToken, ipKey, isCrossSite, ticked } from './guard.ts';
import { type Html, html } from './html.ts';
import { field, messagePage, neutralTheme, page, type Theme, theme } from './layout.ts';

/** Clicks from one visitor key within an hour beyond which a claim is flagged for review. */
export const CLICK_BURST = 20;

// Link preview fetchers (chat apps, social sites) and crawlers are not people clicking.
const BOTS = /bot|crawl|spider|preview|facebookexternalhit|slack|whatsapp|telegram|discord|embedly|headless/i;

type ClaimValues = { name: string; email: string; phone: string; consent: boolean; emailChecked: string };
type ClaimErrors = Partial<Record<'name' | 'email' | 'phone' | 'form', string>>;

const referrerName = (r: ResolvedLink['referrer']) => firstWord(r.firstName) || r.organisation || 'a friend';

function paragraphs(text: string): Html[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => html`<p>${p}</p>`);
}

export function landingHtml(
  r: ResolvedLink,
  token: string,
  values: ClaimValues = { name: '', email: '', phone: '', consent: false, emailChecked: '' },
  errors: ClaimErrors = {},
  /** approved testimonials attached to the program (from surveys), shown after the program's own */
  attached: ReadonlyArray<{ quote: string; name: string }> = [],
): string {
  const t = theme(r.workspace);
  const who = referrerName(r.referrer);
  const business = r.workspace.name;
  const landing = r.program.landing;
  const offer = incentiveText(r.program.terms.friendIncentive, r.workspace.currency, r.workspace.country);
  const days = r.program.terms.couponDays;
  const headline = landing.headline || `${who} thinks you’ll love ${business}`;
  const errorList = Object.entries(errors).filter(([k]) => k !== 'form');
  const quotes = [...landing.testimonials, ...attached].slice(0, 6);
  const body = html`
<div class="card">
<p class="from">A welcome from ${business}, on behalf of ${who}</p>
<h1>${headline}</h1>
${landing.imageUrl ? html`<img class="hero" src="${landing.imageUrl}" alt="" width="640" height="360">` : ''}
${
  offer
    ? html`<div class="offer"><span class="muted">Your welcome offer</span><span class="big">${offer.headline}</span>${
        offer.detail ? html`<span>${offer.detail}</span>` : ''
      }<p class="muted" style="margin:6px 0 0">Claim it below; your coupon is valid for ${days} days.</p></div>`
    : ''
}
${paragraphs(landing.story)}
</div>
${
  quotes.length
    ? html`<section class="card" aria-labelledby="said"><h2 id="said">What our clients say</h2>${quotes.map(
        (q) => html`<blockquote><p>“${q.quote}”</p><footer>${q.name}</footer></blockquote>`,
      )}</section>`
    : ''
}
<section class="card" aria-labelledby="claim">
<h2 id="claim">${offer ? 'Claim your offer' : `Let ${business} know ${who} sent you`}</h2>
${
  errorList.length
    ? html`<div class="problem" role="alert"><strong>Please check ${errorList.length === 1 ? 'one thing' : `${errorList.length} things`}:</strong><ul class="plain">${errorList.map(
        ([k, msg]) => html`<li><a href="#${k}">${msg}</a></li>`,
      )}</ul></div>`
    : ''
}
${errors.form ? html`<div class="problem" role="alert">${errors.form}</div>` : ''}
<form method="post" action="/p/${r.link.code}/claim#claim" novalidate>
<input type="hidden" name="token" value="${token}">
${field({ name: 'name', label: 'Your name', value: values.name, error: errors.name, autocomplete: 'name', required: true, maxlength: 100 })}
${field({
  name: 'email',
  label: 'Email',
  type: 'email',
  value: values.email,
  error: errors.email,
  autocomplete: 'email',
  hint: 'An email or a phone number, or both.',
  maxlength: 254,
})}
${values.emailChecked ? html`<input type="hidden" name="email_checked" value="${values.emailChecked}">` : ''}
${field({ name: 'phone', label: 'Phone', type: 'tel', value: values.phone, error: errors.phone, autocomplete: 'tel', optional: true, maxlength: 40 })}
<label class="check" for="consent"><input type="checkbox" id="consent" name="consent" value="yes"${
    values.consent ? html` checked` : ''
  } aria-describedby="consent-hint"> <span>Yes, ${business} may contact me about this offer.</span></label>
<p class="hint" id="consent-hint">Without the tick you still get your coupon on the next screen; ${business} just won’t contact you.</p>
<button type="submit" class="full">${offer ? 'Claim my offer' : 'Send'}</button>
</form>
</section>`;
  return page({ title: `${headline} · ${business}`, theme: t, body });
}

/**
 * The landing page a friend would see with these program settings, for the program form's
 * preview: a made-up referrer and link, nothing saved, nothing counted.
 */
export function landingPreview(workspace: PublicWorkspace, program: Program): string {
  const now = nowIso();
  return landingHtml(
    {
      workspace,
      program,
      referrer: { id: 'preview', firstName: 'Sue', lastName: 'Parker', organisation: null },
      link: {
        id: 'preview',
        workspaceId: workspace.id,
        programId: program.id,
        referrerId: 'preview',
        code: 'PREVIEW',
        formToken: 'preview',
        disabledAt: null,
        createdAt: now,
      },
    },
    'preview',
  );
}

/** The page for a code we do not know: a friendly box to type it again, never an error page. */
export function codeEntryHtml(opts: { theme?: Theme; value?: string; error?: string; slug?: string } = {}) {
  const t = opts.theme ?? neutralTheme;
  const body = html`<div class="card">
<h1>Have a referral code?</h1>
<p>Type the code from your card, letter or message. Letters and numbers only; capitals don’t matter.</p>
<form method="get" action="/code">
${opts.slug ? html`<input type="hidden" name="from" value="${opts.slug}">` : ''}
${field({ name: 'code', label: 'Your code', value: opts.value ?? '', error: opts.error, autocomplete: 'off', maxlength: 40, hint: 'For example 7KX4 M9PQ' })}
<button type="submit">Find my offer</button>
</form></div>`;
  return page({ title: 'Have a referral code?', theme: t, body });
}

const closedPage = (workspace: { name: string; slug: string; brandColor: string; logoUrl: string | null }) =>
  messagePage({
    theme: theme(workspace),
    title: 'This offer has ended',
    message: `This referral offer is no longer running, but ${workspace.name} would still love to hear from you.`,
    links: [{ href: `/w/${workspace.slug}`, label: `Visit ${workspace.name}` }],
  });

export const crossSitePage = () =>
  messagePage({
    title: 'We could not accept this form',
    message:
      'This form was sent from another website, so we did not accept it. If you meant to send it, please open the page again and send it from there.',
  });

async function countRecentClicks(ctx: PublicCtx, workspaceId: string, key: string) {
  const since = new Date(Date.now() - 3_600_000).toISOString();
  const row = await ctx.db
    .selectFrom('clicks')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('clicks'), eb.lit(0)).as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('visitor_key', '=', key)
    .where('at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function claim(ctx: PublicCtx, req: FastifyRequest<{ Params: { code: string } }>, reply: FastifyReply) {
  if (isCrossSite(req, ctx.publicUrl)) return sendHtml(reply, 403, crossSitePage());
  if (refuseGuesser(ctx, req, reply)) return reply;
  const resolution = await resolveCode(ctx.db, req.params.code);
  if (resolution.status === 'unknown') {
    ctx.misses.miss(req.ip);
    return sendHtml(
      reply,
      404,
      codeEntryHtml({ value: req.params.code, error: 'We couldn’t find this code.' }),
    );
  }
  if (resolution.status === 'closed') return sendHtml(reply, 410, closedPage(resolution.workspace));
  const r: ResolvedLink = resolution;
  const path = `/p/${r.link.code}/claim`;
  const body = req.body;
  if (!(await checkFormToken(ctx.db, path, bodyField(body, 'token', 100)))) {
    return sendHtml(
      reply,
      403,
      messagePage({
        theme: theme(r.workspace),
        title: 'This form has expired',
        message:
          'The page was open for a long time, so for your safety we did not accept it. Please open it again and send it once more.',
        links: [{ href: `/p/${r.link.code}`, label: 'Open the offer again' }],
      }),
    );
  }
  const values: ClaimValues = {
    name: bodyField(body, 'name', 100),
    email: bodyField(body, 'email', 254),
    phone: bodyField(body, 'phone', 40),
    consent: ticked(body, 'consent'),
    emailChecked: '',
  };
  const errors: ClaimErrors = {};
  if (!values.name) errors.name = 'Please tell us your name.';
  const email = checkEmail(values.email, bodyField(body, 'email_checked', 254));
  if (!email.ok) {
    errors.email = email.message;
    // Sending the same address again confirms it.
    if (email.suggestion) values.emailChecked = values.email.toLowerCase();
  }
  const phone = checkPhone(values.phone, r.workspace.country);
  if (!phone.ok) errors.phone = phone.message;
  if (!values.email && !values.phone) {
    errors.email = `Please give an email or a phone number, so your coupon can be found if you lose it.`;
  }
  const retry = async (status: number) =>
    sendHtml(
      reply,
      status,
      landingHtml(
        r,
        await formToken(ctx.db, path),
        values,
        errors,
        await programTestimonials(ctx.db, r.workspace.id, r.program.id),
      ),
    );
  if (Object.keys(errors).length) return retry(422);

  const [sourceIpKey, vkey] = await Promise.all([
    ipKey(ctx.db, req.ip),
    visitorKey(ctx.db, req.ip, req.headers['user-agent'] ?? ''),
  ]);
  const clicks = await countRecentClicks(ctx, r.workspace.id, vkey);
  const { firstName, lastName } = splitName(values.name);
  const t = theme(r.workspace);
  const who = referrerName(r.referrer);
  let result: Awaited<ReturnType<typeof createReferral>>;
  try {
    result = await createReferral(
      ctx.db,
      r.workspace.id,
      { userId: null, label: 'the friend' },
      {
        programId: r.program.id,
        referrerId: r.referrer.id,
        linkId: r.link.id,
        channel: 'link',
        friend: {
          firstName,
          lastName,
          email: email.ok ? email.value || null : null,
          phone: phone.ok ? phone.value || null : null,
        },
        friendOptIn: values.consent ? { source: 'claim form' } : null,
        sourceIpKey,
        flag: clicks > CLICK_BURST ? `${clicks} clicks from one visitor within an hour` : null,
      },
    );
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    if (
      err.code === 'unprocessable' &&
      err.details?.some((d) => d.message === 'same person as the referrer')
    ) {
      return sendHtml(
        reply,
        422,
        messagePage({
          theme: t,
          title: `This offer is for ${who}’s friends`,
          message: `These look like ${who}’s own details, and a welcome offer cannot go to the person who shares it. Thank you for spreading the word: send the link to a friend who would like ${r.workspace.name}.`,
          links: [{ href: `/p/${r.link.code}`, label: 'Back to the offer' }],
        }),
      );
    }
    if (err.code === 'conflict') {
      return sendHtml(
        reply,
        409,
        messagePage({
          theme: t,
          title: `You’re already with ${r.workspace.name}`,
          message: `This welcome offer is for people new to ${r.workspace.name}, and our records show you are already a client, so we can’t issue a coupon. Thank you for being with us!`,
          links: [{ href: `/w/${r.workspace.slug}`, label: `Visit ${r.workspace.name}` }],
        }),
      );
    }
    if (err.code === 'validation') {
      for (const d of err.details ?? []) {
        const k = d.path.replace(/^friend\./, '');
        if (k === 'email' || k === 'phone') errors[k] = d.message;
        else errors.name = d.message;
      }
      return retry(422);
    }
    if (err.code === 'unprocessable' || err.code === 'not_found')
      return sendHtml(reply, 410, closedPage(r.workspace));
    throw err;
  }
  const { referral } = result;
  const existing = await ctx.db
    .selectFrom('coupons')
    .select('code')
    .where('workspace_id', '=', r.workspace.id)
    .where('referral_id', '=', referral.id)
    .executeTakeFirst();
  if (existing) {
    // The same claim again (a double tap, a reload): the same coupon, to the same address only,
    // so nobody can read a friend's coupon by typing their email.
    const row = await ctx.db
      .selectFrom('referrals')
      .select('source_ip_key')
      .where('workspace_id', '=', r.workspace.id)
      .where('id', '=', referral.id)
      .executeTakeFirstOrThrow();
    if (row.source_ip_key === sourceIpKey) return reply.redirect(`/c/${existing.code}`, 303);
    return sendHtml(
      reply,
      200,
      messagePage({
        theme: t,
        title: 'You have already claimed this offer',
        message: `Your coupon was shown when you first claimed it. If you can’t find it, just tell ${r.workspace.name} your name when you visit: they can look it up.`,
        links: [{ href: `/w/${r.workspace.slug}`, label: `Visit ${r.workspace.name}` }],
      }),
    );
  }
  const terms = await getTerms(ctx.db, r.workspace.id, referral.termsId);
  const coupon = await issueCoupon(
    ctx.db,
    r.workspace.id,
    referral,
    terms.friendIncentive,
    terms.couponDays,
    ctx.publicUrl,
  );
  return reply.redirect(`/c/${coupon.code}`, 303);
}

/** Why a typed code found nothing, in words that help to type it again. */
export const notFoundMessage = (typed: string) =>
  normalizeCode(typed)
    ? 'We couldn’t find this code. Please check it against your card or message.'
    : 'Codes use the letters A–Z (without I, L and O) and the digits 2–9. Please check it against your card or message.';

/**
 * Where a code that is not open lands: an unknown one on a friendly page to type it again (never
 * an error page; counted against guessing), a disabled one or a closed program on the business's
 * page.
 */
function landElsewhere(
  ctx: PublicCtx,
  req: FastifyRequest<{ Params: { code: string } }>,
  reply: FastifyReply,
  r: Exclude<CodeResolution, { status: 'open' }>,
) {
  if (r.status === 'closed') return reply.redirect(`/w/${r.workspace.slug}`, 302);
  ctx.misses.miss(req.ip);
  return sendHtml(
    reply,
    200,
    codeEntryHtml({ value: req.params.code, error: notFoundMessage(req.params.code) }),
  );
}

export function landingRoutes(app: App, ctx: PublicCtx) {
  const rendered = new WeakMap<object, { token: string; page: string }>();
  app.get<{ Params: { code: string } }>(
    '/r/:code',
    { schema: { hide: true }, config: { rateLimit: REDIRECT_LIMIT } },
    async (req, reply) => {
      if (refuseGuesser(ctx, req, reply)) return reply;
      const r = await resolveCode(ctx.db, req.params.code);
      if (r.status !== 'open') return landElsewhere(ctx, req, reply, r);
      const ua = req.headers['user-agent'] ?? '';
      if (req.method === 'GET' && !BOTS.test(ua)) {
        ctx.recorder.record({
          workspaceId: r.workspace.id,
          linkId: r.link.id,
          programId: r.program.id,
          visitorKey: await visitorKey(ctx.db, req.ip, ua),
        });
      }
      return reply.redirect(`/p/${r.link.code}`, 302);
    },
  );

  // The landing page: no per-request writes, and the code's look-up is cached, so it stays fast.
  app.get<{ Params: { code: string } }>('/p/:code', { schema: { hide: true } }, async (req, reply) => {
    if (refuseGuesser(ctx, req, reply)) return reply;
    const r = await resolveCode(ctx.db, req.params.code);
    if (r.status !== 'open') return landElsewhere(ctx, req, reply, r);
    if (req.params.code !== r.link.code) return reply.redirect(`/p/${r.link.code}`, 301);
    const token = await formToken(ctx.db, `/p/${r.link.code}/claim`);
    // The page is the same for everyone while the code's look-up is cached (its objects are
    // then the same), so keep the rendered page with them.
    let hit = rendered.get(r.link);
    if (!hit || hit.token !== token) {
      const attached = await programTestimonials(ctx.db, r.workspace.id, r.program.id);
      hit = { token, page: landingHtml(r, token, undefined, undefined, attached) };
      rendered.set(r.link, hit);
    }
    return sendHtml(reply, 200, hit.page);
  });

  app.post<{ Params: { code: string } }>(
    '/p/:code/claim',
    { schema: { hide: true }, bodyLimit: FORM_BODY_LIMIT, config: { rateLimit: POST_LIMIT } },
    (req, reply) => claim(ctx, req, reply),
  );

  // The "have a code?" box on every general page.
  app.get<{ Querystring: { code?: string; from?: string } }>(
    '/code',
    { schema: { hide: true }, config: { rateLimit: REDIRECT_LIMIT } },
    async (req, reply) => {
      const typed = typeof req.query.code === 'string' ? req.query.code.slice(0, 40) : '';
      const from =
        typeof req.query.from === 'string' && /^[a-z0-9-]{1,40}$/.test(req.query.from)
          ? req.query.from
          : undefined;
      if (!typed.trim()) return sendHtml(reply, 200, codeEntryHtml({ slug: from }));
      if (refuseGuesser(ctx, req, reply)) return reply;
      const r = await resolveCode(ctx.db, typed);
      if (r.status === 'open') return reply.redirect(`/p/${r.link.code}`, 303);
      if (r.status === 'closed') return reply.redirect(`/w/${r.workspace.slug}`, 303);
      ctx.misses.miss(req.ip);
      return sendHtml(reply, 200, codeEntryHtml({ slug: from, value: typed, error: notFoundMessage(typed) }));
    },
  );
}
