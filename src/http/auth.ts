import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Actor, resolveApiKey, resolveSession } from '../auth/auth.service.ts';
import { AppError } from '../errors.ts';
import { safeEqual } from '../lib/secrets.ts';
import type { App, Deps } from './types.ts';

export const SESSION_COOKIE = 'vouch_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function sessionCookieOptions(deps: Deps, maxAgeSeconds: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    // Browsers treat loopback as a secure context, so Secure also works for a local `npm start`.
    secure:
      deps.config.publicUrl.startsWith('https:') ||
      /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])/.test(deps.config.publicUrl),
    maxAge: maxAgeSeconds,
  };
}

/**
 * Resolves the actor from an API key (Authorization: Bearer) or the session cookie, and
 * requires the CSRF token on every state-changing request made with a cookie.
 */
export async function authenticateRequest(deps: Deps, req: FastifyRequest): Promise<Actor> {
  const header = req.headers.authorization;
  if (header) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new AppError('unauthenticated', 'Authorization header must be "Bearer <API key>"');
    return resolveApiKey(deps.db, m[1]!);
  }
  const token = req.cookies[SESSION_COOKIE];
  const actor = token ? await resolveSession(deps.db, token) : null;
  if (!actor) throw new AppError('unauthenticated', 'Sign in first (no valid session)');
  if (!SAFE_METHODS.has(req.method)) {
    const sent = req.headers['x-csrf-token'];
    if (typeof sent !== 'string' || !safeEqual(sent, actor.csrfToken!)) {
      throw new AppError(
        'csrf',
        'Missing or wrong X-CSRF-Token header (get it from GET /api/v1/auth/session)',
      );
    }
  }
  return actor;
}

/** An onRequest hook that sets `req.actor` or refuses the request. */
export const actorHook = (deps: Deps) => async (req: FastifyRequest, _reply: FastifyReply) => {
  req.actor = await authenticateRequest(deps, req);
};

/** Registers the hook on a scope: every route inside needs a signed-in actor. */
export function requireActor(app: App, deps: Deps) {
  app.addHook('onRequest', actorHook(deps));
}

/** Rejects a cross-site POST made before there is a session (login CSRF). */
export function assertSameOrigin(req: FastifyRequest) {
  const origin = req.headers.origin;
  if (!origin) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new AppError('csrf', 'Malformed Origin header');
  }
  if (host !== req.headers.host) throw new AppError('csrf', 'Cross-site request refused');
}
