import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../http/types.ts';
import { HOW_HEARD, type HowHeard, submitIntake } from '../referrals/intake.service.ts';
import { checkEmail, checkPhone } from './contact.ts';
import { FORM_BODY_LIMIT, POST_LIMIT, type PublicCtx, refuseGuesser, sendHtml } from './context.ts';
import { addressLines, splitName } from './format.ts';
import { field as bodyField, checkFormToken, formToken, ipKey, isCrossSite, ticked } from './guard.ts';
import { html } from './html.ts';
import { codeEntryHtml, crossSitePage } from './landing.ts';
import { field, messagePage, page, theme } from './layout.ts';

type Values = {
  name: string;
  email: string;
  phone: string;
  consent: boolean;
  howHeard: string;
  referredBy: string;
  emailChecked: string;
};
type Errors = Partial<Record<'name' | 'email' | 'phone' | 'howHeard' | 'referredBy', string>>;

const blank: Values = {
  name: '',
  email: '',
  phone: '',
  consent: false,
  howHeard: '',
  referredBy: '',
  emailChecked: '',
};

async function loadWorkspace(ctx: PublicCtx, slug: string) {
  if (!/^[a-z0-9-]{1,40}$/.test(slug)) return undefined;
  return ctx.db
    .selectFrom('workspaces')
    .select(['id', 'slug', 'name', 'brand_color', 'logo_url', 'country', 'address'])
    .where('slug', '=', slug)
    .executeTakeFirst();
}
type Ws = NonNullable<Awaited<ReturnType<typeof loadWorkspace>>>;

function generalHtml(w: Ws, token: string, values: Values = blank, errors: Errors = {}): string {
  const t = theme({ name: w.name, brandColor: w.brand_color, logoUrl: w.logo_url });
  const address = addressLines(JSON.parse(w.address));
  const errorList = Object.entries(errors);
  const body = html`<div class="card">
<h1>Welcome to ${w.name}</h1>
<p>We are glad you found us. Most of our new clients come because someone they know sent them, and we take good care of both of you.</p>
${address.length ? html`<address class="muted">${address.map((l, i) => html`${i ? html`<br>` : ''}${l}`)}</address>` : ''}
</div>
<section class="card" aria-labelledby="code-h"><h2 id="code-h">Have a referral code?</h2>
<form method="get" action="/code"><input type="hidden" name="from" value="${w.slug}">
${field({ name: 'code', id: 'code', label: 'Code from your card or message', autocomplete: 'off', maxlength: 40 })}
<button type="submit">See my offer</button></form></section>
<section class="card" aria-labelledby="intake-h"><h2 id="intake-h">New here? Tell us about you</h2>
${
  errorList.length
    ? html`<div class="problem" role="alert"><strong>Please check:</strong><ul class="plain">${errorList.map(
        ([k, m]) => html`<li><a href="#${k}">${m}</a></li>`,
      )}</ul></div>`
    : ''
}
<form method="post" action="/w/${w.slug}#intake-h" novalidate>
<input type="hidden" name="token" value="${token}">
${field({ name: 'name', label: 'Your name', value: values.name, error: errors.name, autocomplete: 'name', required: true, maxlength: 100 })}
${field({ name: 'email', label: 'Email', type: 'email', value: values.email, error: errors.email, autocomplete: 'email', hint: 'An email or a phone number, or both.', maxlength: 254 })}
${values.emailChecked ? html`<input type="hidden" name="email_checked" value="${values.emailChecked}">` : ''}
${field({ name: 'phone', label: 'Phone', type: 'tel', value: values.phone, error: errors.phone, autocomplete: 'tel', optional: true, maxlength: 40 })}
<label for="howHeard">How did you hear about us? <span class="opt">(optional)</span></label>
<select id="howHeard" name="howHeard">
<option value="">Choose one</option>
${Object.entries(HOW_HEARD).map(
  ([k, l]) => html`<option value="${k}"${values.howHeard === k ? html` selected` : ''}>${l}</option>`,
)}
</select>
${field({
  name: 'referredBy',
  label: 'Referred by',
  value: values.referredBy,
  error: errors.referredBy,
  optional: true,
  autocomplete: 'off',
  hint: 'Their name, or the code on the card or link they gave you, so we can thank them.',
  maxlength: 200,
})}
<label class="check" for="consent"><input type="checkbox" id="consent" name="consent" value="yes"${
    values.consent ? html` checked` : ''
  }> <span>Yes, ${w.name} may contact me by email or phone.</span></label>
<button type="submit" class="full">Send</button>
</form></section>`;
  return page({ title: `Welcome to ${w.name}`, theme: t, body });
}

async function submit(
  ctx: PublicCtx,
  req: FastifyRequest<{ Params: { slug: string } }>,
  reply: FastifyReply,
) {
  if (isCrossSite(req, ctx.publicUrl)) return sendHtml(reply, 403, crossSitePage());
  const w = await loadWorkspace(ctx, req.params.slug);
  if (!w) return sendHtml(reply, 404, codeEntryHtml({ error: 'We couldn’t find this business’s page.' }));
  const path = `/w/${w.slug}`;
  const t = theme({ name: w.name, brandColor: w.brand_color, logoUrl: w.logo_url });
  if (!(await checkFormToken(ctx.db, path, bodyField(req.body, 'token', 100)))) {
    return sendHtml(
      reply,
      403,
      messagePage({
        theme: t,
        title: 'This form has expired',
        message:
          'The page was open for a long time, so for your safety we did not accept it. Please open it again and send it once more.',
        links: [{ href: path, label: 'Open the form again' }],
      }),
    );
  }
  const b = req.body;
  const howHeard = bodyField(b, 'howHeard', 20);
  const values: Values = {
    name: bodyField(b, 'name', 100),
    email: bodyField(b, 'email', 254),
    phone: bodyField(b, 'phone', 40),
    consent: ticked(b, 'consent'),
    howHeard: howHeard in HOW_HEARD ? howHeard : '',
    referredBy: bodyField(b, 'referredBy', 200),
    emailChecked: '',
  };
  const errors: Errors = {};
  if (!values.name) errors.name = 'Please tell us your name.';
  const email = checkEmail(values.email, bodyField(b, 'email_checked', 254));
  if (!email.ok) {
    errors.email = email.message;
    if (email.suggestion) values.emailChecked = values.email.toLowerCase();
  }
  const phone = checkPhone(values.phone, w.country);
  if (!phone.ok) errors.phone = phone.message;
  if (!values.email && !values.phone)
    errors.email = 'Please give an email or a phone number, so we can reach you.';
  if (Object.keys(errors).length)
    return sendHtml(reply, 422, generalHtml(w, await formToken(ctx.db, path), values, errors));

  const { firstName, lastName } = splitName(values.name);
  await submitIntake(ctx.db, w.id, {
    firstName,
    lastName,
    email: email.ok && email.value ? email.value : null,
    phone: phone.ok && phone.value ? phone.value : null,
    consent: values.consent,
    howHeard: (values.howHeard || null) as HowHeard | null,
    referredBy: values.referredBy,
    sourceIpKey: await ipKey(ctx.db, req.ip),
  });
  return sendHtml(
    reply,
    200,
    messagePage({
      theme: t,
      title: `Thank you, ${firstName}!`,
      message: `${w.name} has your details. We look forward to seeing you.`,
    }),
  );
}

export function generalRoutes(app: App, ctx: PublicCtx) {
  app.get<{ Params: { slug: string } }>('/w/:slug', { schema: { hide: true } }, async (req, reply) => {
    if (refuseGuesser(ctx, req, reply)) return reply;
    const w = await loadWorkspace(ctx, req.params.slug);
    if (!w) {
      ctx.misses.miss(req.ip);
      return sendHtml(
        reply,
        404,
        codeEntryHtml({
          error: 'We couldn’t find this business’s page. If you have a referral code, type it here.',
        }),
      );
    }
    return sendHtml(reply, 200, generalHtml(w, await formToken(ctx.db, `/w/${w.slug}`)));
  });
  app.post<{ Params: { slug: string } }>(
    '/w/:slug',
    { schema: { hide: true }, bodyLimit: FORM_BODY_LIMIT, config: { rateLimit: POST_LIMIT } },
    (req, reply) => submit(ctx, req, reply),
  );
}
