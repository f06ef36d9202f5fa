import fastifyFormbody from '@fastify/formbody';
import { AppError, statusOf } from '../errors.ts';
import type { App, Deps } from '../http/types.ts';
import { createClickRecorder } from '../referrals/clicks.ts';
import { surveyRoutes } from '../surveys/survey.page.ts';
import { type PublicCtx, sendHtml } from './context.ts';
import { couponRoutes } from './coupon.ts';
import { friendsRoutes } from './friends.ts';
import { generalRoutes } from './general.ts';
import { MissLimiter } from './guard.ts';
import { landingRoutes } from './landing.ts';
import { messagePage } from './layout.ts';

/**
 * The public pages of referrers and friends, server-rendered HTML that works without JavaScript:
 *   GET  /r/:code            share link: records a click, redirects to the landing page
 *   GET  /p/:code            landing page with the claim form
 *   POST /p/:code/claim      claim: friend, referral, coupon → 303 to the coupon
 *   GET  /c/:code[/print]    the friend's coupon with its QR
 *   GET  /code?code=         "have a code?" box
 *   GET|POST /f/:formToken   the referrer's private "who do you know" form
 *   GET|POST /w/:slug        the business's general page and new-client intake form
 *   GET|POST /s/:token       a feedback survey; promoters then see their link and the review sites
 * No staff session here: forms carry a daily token and refuse other sites' posts; look-ups and
 * posts are rate-limited per address.
 */
export async function publicRoutes(app: App, deps: Deps): Promise<void> {
  await app.register(fastifyFormbody, { bodyLimit: 32 * 1024 });
  const recorder = createClickRecorder(deps.db, {
    onError: (err, info) => app.log.error({ err, ...info }, 'click recorder: write failed'),
  });
  app.addHook('onClose', async () => {
    await recorder.close();
  });
  const ctx: PublicCtx = {
    db: deps.db,
    publicUrl: deps.config.publicUrl,
    recorder,
    misses: new MissLimiter(),
  };

  app.addHook('onSend', async (_req, reply, payload) => {
    // Same-origin referrers: browsers then send our real Origin with our own forms (checked on
    // POST), and no code or coupon in a URL leaks to another site.
    reply.header('referrer-policy', 'same-origin');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'private, no-cache');
    return payload;
  });

  // Errors here are pages for people: friendly HTML with the right status, never JSON or a stack.
  app.setErrorHandler((err, req, reply) => {
    const e = err as Error & { statusCode?: number };
    let status = e instanceof AppError ? statusOf[e.code] : (e.statusCode ?? 500);
    if (status < 400 || status > 599) status = 500;
    if (status >= 500) req.log.error({ err }, 'public page failed');
    else req.log.info({ status }, 'public request refused');
    const [title, message] =
      status === 429
        ? [
            'Please slow down',
            'There have been many requests from this connection. Please wait a minute and try again.',
          ]
        : status === 413
          ? ['That was too much for this form', 'Please shorten what you typed and send it again.']
          : status === 415 || status === 400
            ? ['We could not read this form', 'Please go back, check what you typed and send it again.']
            : status === 404
              ? ['We could not find this page', 'Please check the link on your card or message.']
              : status < 500
                ? ['We could not accept this', 'Please go back and try again.']
                : ['Something went wrong on our side', 'Sorry about that. Please try again in a moment.'];
    return sendHtml(reply, status, messagePage({ title, message }));
  });

  landingRoutes(app, ctx);
  couponRoutes(app, ctx);
  friendsRoutes(app, ctx);
  generalRoutes(app, ctx);
  surveyRoutes(app, ctx);
}
