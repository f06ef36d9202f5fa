import fastifyFormbody from '@fastify/formbody';
import { type Db, transaction } from '../db/connect.ts';
import { AppError, statusOf } from '../errors.ts';
import type { App, Deps } from '../http/types.ts';
import { nowIso } from '../lib/ids.ts';
import { maskEmail } from '../lib/secrets.ts';
import { FORM_BODY_LIMIT, POST_LIMIT, REDIRECT_LIMIT, sendHtml } from '../public/context.ts';
import { MissLimiter } from '../public/guard.ts';
import { html } from '../public/html.ts';
import { messagePage, page, type Theme, theme } from '../public/layout.ts';
import { type MessageRow, readUnsubscribeToken, suppress, suppressionOf } from './outbox.ts';

/**
 * Unsubscribes the address a message went to: onto the suppression list (every later send is
 * refused, marketing or not), the person's marketing consent withdrawn (how: the consent source
 * says "unsubscribe"; when: the suppression's created_at), and mail still waiting for that
 * address suppressed at once.
 */
export async function unsubscribe(db: Db, m: MessageRow, how: 'one-click' | 'link'): Promise<void> {
  await transaction(db, async (tx) => {
    const now = nowIso();
    await suppress(tx, m.workspace_id, m.email_key, 'unsubscribe', how, m.id);
    const people = await tx
      .selectFrom('people')
      .select('id')
      .where('workspace_id', '=', m.workspace_id)
      .where((eb) =>
        m.person_id
          ? eb.or([eb('id', '=', m.person_id), eb('email_key', '=', m.email_key)])
          : eb('email_key', '=', m.email_key),
      )
      .execute();
    if (people.length)
      await tx
        .updateTable('people')
        .set({
          marketing_consent_at: null,
          marketing_consent_source: `unsubscribe (${how})`,
          updated_at: now,
        })
        .where('workspace_id', '=', m.workspace_id)
        .where(
          'id',
          'in',
          people.map((p) => p.id),
        )
        .execute();
    await tx
      .updateTable('messages')
      .set({ status: 'suppressed', last_error: 'suppressed: unsubscribe', updated_at: now })
      .where('workspace_id', '=', m.workspace_id)
      .where('email_key', '=', m.email_key)
      .where('status', '=', 'queued')
      .execute();
  });
}

/**
 * GET  /u/:token  a page that asks to confirm (link scanners follow GETs: a GET never unsubscribes)
 * POST /u/:token  unsubscribes: the confirm page's button, and RFC 8058 one-click from mail apps
 *                 (body "List-Unsubscribe=One-Click"; no cookie, no form token: the signed token
 *                 is the authority, and it can do nothing but this)
 */
export async function unsubscribeRoutes(app: App, { db }: Deps): Promise<void> {
  await app.register(fastifyFormbody, { bodyLimit: FORM_BODY_LIMIT });
  // RFC 8058 allows the one-click POST as multipart/form-data too; its content is not needed.
  app.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
    (_r, body, done) => done(null, { multipart: String(body) }),
  );
  const misses = new MissLimiter();

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cache-control', 'no-store');
    return payload;
  });
  app.setErrorHandler((err, req, reply) => {
    const e = err as Error & { statusCode?: number };
    let status = e instanceof AppError ? statusOf[e.code] : (e.statusCode ?? 500);
    if (status < 400 || status > 599) status = 500;
    if (status >= 500) req.log.error({ err }, 'unsubscribe page failed');
    return sendHtml(
      reply,
      status,
      messagePage({
        title: status === 429 ? 'Please slow down' : 'Something went wrong',
        message:
          status === 429
            ? 'There have been many requests from this connection. Please wait a minute and try again.'
            : 'Sorry, we could not do this just now. Please try again in a moment.',
      }),
    );
  });

  const load = async (token: string, ip: string) => {
    if (misses.blocked(ip)) throw new AppError('rate_limited', 'Too many unknown links');
    const m = await readUnsubscribeToken(db, token);
    if (!m) misses.miss(ip);
    return m;
  };
  const looks = async (m: MessageRow): Promise<{ t: Theme; name: string }> => {
    const w = await db
      .selectFrom('workspaces')
      .select(['name', 'brand_color', 'logo_url'])
      .where('id', '=', m.workspace_id)
      .executeTakeFirstOrThrow();
    return { t: theme({ name: w.name, brandColor: w.brand_color, logoUrl: w.logo_url }), name: w.name };
  };
  const unknown = {
    title: 'We could not find this link',
    message:
      'This unsubscribe link is not one of ours, or it was cut short. Please copy the whole link from the email.',
  };
  const done = (name: string, t: Theme) =>
    messagePage({
      theme: t,
      title: 'You are unsubscribed',
      message: `${name} will not send email to this address again.`,
    });

  app.get<{ Params: { token: string } }>(
    '/u/:token',
    { schema: { hide: true }, config: { rateLimit: REDIRECT_LIMIT } },
    async (req, reply) => {
      const m = await load(req.params.token, req.ip);
      if (!m) return sendHtml(reply, 404, messagePage(unknown));
      const { t, name } = await looks(m);
      if (await suppressionOf(db, m.workspace_id, m.email_key)) return sendHtml(reply, 200, done(name, t));
      return sendHtml(
        reply,
        200,
        page({
          title: `Unsubscribe from ${name}`,
          theme: t,
          noindex: true,
          body: html`<div class="card"><h1>Unsubscribe?</h1>
<p>Stop all email from ${name} to <strong>${maskEmail(m.to_address)}</strong>.</p>
<form method="post" action="/u/${req.params.token}"><button type="submit" class="full">Unsubscribe</button></form>
</div>`,
        }),
      );
    },
  );

  app.post<{ Params: { token: string } }>(
    '/u/:token',
    { schema: { hide: true }, bodyLimit: FORM_BODY_LIMIT, config: { rateLimit: POST_LIMIT } },
    async (req, reply) => {
      const m = await load(req.params.token, req.ip);
      if (!m) return sendHtml(reply, 404, messagePage(unknown));
      const body = req.body as Record<string, unknown> | undefined;
      const oneClick =
        body?.['List-Unsubscribe'] === 'One-Click' || String(body?.multipart ?? '').includes('One-Click');
      await unsubscribe(db, m, oneClick ? 'one-click' : 'link');
      const { t, name } = await looks(m);
      return sendHtml(reply, 200, done(name, t));
    },
  );
}
