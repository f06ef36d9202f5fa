import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/connect.ts';
import type { ClickRecorder } from '../referrals/clicks.ts';
import type { MissLimiter } from './guard.ts';
import { messagePage, neutralTheme, type Theme } from './layout.ts';

/** What every public page handler shares. */
export type PublicCtx = {
  db: Db;
  publicUrl: string;
  recorder: ClickRecorder;
  /** failed look-ups per address (unknown codes, coupons, form links) */
  misses: MissLimiter;
};

export const POST_LIMIT = { max: 20, timeWindow: '1 minute' };
export const REDIRECT_LIMIT = { max: 120, timeWindow: '1 minute' };
/** Forms are small; a big body is not a form of ours. */
export const FORM_BODY_LIMIT = 32 * 1024;

export function sendHtml(reply: FastifyReply, status: number, body: string) {
  return reply.status(status).type('text/html; charset=utf-8').send(body);
}

/** Answers 429 when this address has used up its failed look-ups; true when it did. */
export function refuseGuesser(ctx: PublicCtx, req: FastifyRequest, reply: FastifyReply, theme?: Theme) {
  if (!ctx.misses.blocked(req.ip)) return false;
  reply.header('retry-after', String(ctx.misses.retryAfter(req.ip)));
  sendHtml(
    reply,
    429,
    messagePage({
      theme: theme ?? neutralTheme,
      title: 'Please wait a few minutes',
      message:
        'We could not find several of the codes tried from this connection, so we are pausing look-ups for a little while. Please check the code on your card or message and try again later.',
    }),
  );
  return true;
}
