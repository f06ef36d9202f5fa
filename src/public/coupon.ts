import QRCode from 'qrcode';
import type { App } from '../http/types.ts';
import type { Reward } from '../programs/programs.schema.ts';
import { normalizeCode } from '../referrals/codes.ts';
import { type PublicCtx, refuseGuesser, sendHtml } from './context.ts';
import { addressLines, formatDate, incentiveText } from './format.ts';
import { html, raw } from './html.ts';
import { codeEntryHtml } from './landing.ts';
import { page, theme } from './layout.ts';

/** The coupon's QR as inline SVG (no extra request, crisp in print). */
export async function qrSvg(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
  // qrcode writes only its own markup; label it for screen readers.
  return svg.replace('<svg ', '<svg role="img" aria-label="QR code of the coupon" focusable="false" ');
}

async function loadCoupon(ctx: PublicCtx, code: string) {
  return ctx.db
    .selectFrom('coupons as c')
    .innerJoin('workspaces as w', 'w.id', 'c.workspace_id')
    .innerJoin('people as f', (j) =>
      j.onRef('f.workspace_id', '=', 'c.workspace_id').onRef('f.id', '=', 'c.friend_id'),
    )
    .select([
      'c.code',
      'c.incentive',
      'c.expires_at',
      'c.redeemed_at',
      'f.first_name',
      'w.name',
      'w.slug',
      'w.brand_color',
      'w.logo_url',
      'w.currency',
      'w.country',
      'w.time_zone',
      'w.address',
    ])
    .where('c.code', '=', code)
    .executeTakeFirst();
}

export function couponRoutes(app: App, ctx: PublicCtx) {
  const show = async (
    req: import('fastify').FastifyRequest<{ Params: { code: string } }>,
    reply: import('fastify').FastifyReply,
    printable: boolean,
  ) => {
    if (refuseGuesser(ctx, req, reply)) return reply;
    const code = normalizeCode(req.params.code);
    const c = code ? await loadCoupon(ctx, code) : undefined;
    if (!c) {
      ctx.misses.miss(req.ip);
      return sendHtml(
        reply,
        404,
        codeEntryHtml({
          value: '',
          error: 'We couldn’t find that coupon. If you have a referral code, type it here.',
        }),
      );
    }
    if (req.params.code !== c.code) return reply.redirect(`/c/${c.code}${printable ? '/print' : ''}`, 301);
    const t = theme({ name: c.name, brandColor: c.brand_color, logoUrl: c.logo_url });
    const offer = incentiveText(
      c.incentive ? (JSON.parse(c.incentive) as Reward) : null,
      c.currency,
      c.country,
    );
    const address = addressLines(JSON.parse(c.address));
    const expired = c.expires_at < new Date().toISOString();
    const until = formatDate(c.expires_at, c.time_zone);
    const status = c.redeemed_at
      ? html`<p class="problem"><strong>Used on ${formatDate(c.redeemed_at, c.time_zone)}.</strong></p>`
      : expired
        ? html`<p class="problem"><strong>This coupon expired on ${until}.</strong> Ask ${c.name}: they may still help.</p>`
        : html`<p>Valid until <strong>${until}</strong></p>`;
    const body = html`<div class="card coupon">
<p>${c.first_name ? html`${c.first_name}, here is your coupon` : 'Your coupon'} for ${c.name}</p>
<h1>${offer ? offer.headline : 'Welcome offer'}</h1>
${offer?.detail ? html`<p>${offer.detail}</p>` : ''}
${raw(await qrSvg(c.code))}
<p class="code" aria-label="Coupon code ${c.code.split('').join(' ')}">${c.code}</p>
${status}
<p class="muted">Show this code at ${c.name} (on your phone or printed).</p>
${address.length ? html`<address>${address.map((l, i) => html`${i ? html`<br>` : ''}${l}`)}</address>` : ''}
</div>
${
  printable
    ? ''
    : html`<p class="noprint"><a href="/c/${c.code}/print">Printable version</a> · <a href="/w/${c.slug}">About ${c.name}</a></p>`
}`;
    reply.header('cache-control', 'no-store');
    return sendHtml(reply, 200, page({ title: `Your coupon · ${c.name}`, theme: t, body, noindex: true }));
  };
  app.get<{ Params: { code: string } }>('/c/:code', { schema: { hide: true } }, (req, reply) =>
    show(req, reply, false),
  );
  app.get<{ Params: { code: string } }>('/c/:code/print', { schema: { hide: true } }, (req, reply) =>
    show(req, reply, true),
  );
}
