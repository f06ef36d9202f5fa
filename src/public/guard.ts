import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/connect.ts';
import { safeEqual } from '../lib/secrets.ts';
import { hmac, serverSecret } from '../lib/server-secrets.ts';

const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/**
 * The hidden token every public form carries: bound to the form's path and the UTC day, so a
 * form stays good for a day or two and a token made for one form opens no other.
 */
export async function formToken(db: Db, path: string, at = new Date()): Promise<string> {
  return hmac(await serverSecret(db, 'form'), path, utcDay(at)).slice(0, 32);
}

/** Valid when made today or yesterday (UTC) for this path. */
export async function checkFormToken(db: Db, path: string, sent: unknown, at = new Date()): Promise<boolean> {
  if (typeof sent !== 'string' || !sent) return false;
  for (const day of [at, new Date(at.getTime() - 86_400_000)]) {
    if (safeEqual(sent, await formToken(db, path, day))) return true;
  }
  return false;
}

/**
 * A form posted from another site: its Origin (or, without one, its Referer) names a host other
 * than ours. `Origin: null` (a sandboxed or no-referrer page) counts as another site: our own
 * pages send `Referrer-Policy: same-origin`, under which browsers send the real origin.
 * A request with neither header (an old browser, a script) passes on to the form-token check.
 */
export function isCrossSite(req: FastifyRequest, publicUrl: string): boolean {
  // Compare hosts without default ports: a Host header may say "shop.example:443".
  const bare = (h: string) => h.toLowerCase().replace(/:(80|443)$/, '');
  const ours = new Set<string>([bare(req.host)]);
  try {
    ours.add(bare(new URL(publicUrl).host));
  } catch {}
  const hostOf = (u: string) => {
    try {
      return bare(new URL(u).host);
    } catch {
      return null;
    }
  };
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const h = origin === 'null' ? null : hostOf(origin);
    return h === null || !ours.has(h);
  }
  const referer = req.headers.referer;
  if (referer) {
    const h = hostOf(referer);
    return h === null || !ours.has(h);
  }
  return false;
}

/** A keyed hash of the address, rotating daily: counts claims from one address, identifies nobody. */
export async function ipKey(db: Db, ip: string, at = new Date()): Promise<string> {
  return hmac(await serverSecret(db, 'ip'), ip, utcDay(at)).slice(0, 22);
}

/**
 * Counts failed lookups (unknown codes, coupons, form tokens) per address in this process, so a
 * guesser is stopped long before finding anything, while visitors with a real code, however
 * many, are never slowed.
 */
export class MissLimiter {
  private readonly hits = new Map<string, { n: number; until: number }>();
  readonly max: number;
  readonly windowMs: number;
  readonly maxKeys: number;
  constructor(max = 30, windowMs = 10 * 60_000, maxKeys = 50_000) {
    this.max = max;
    this.windowMs = windowMs;
    this.maxKeys = maxKeys;
  }
  /** Whether this address has used up its misses. */
  blocked(key: string, now = Date.now()): boolean {
    const e = this.hits.get(key);
    if (!e) return false;
    if (e.until <= now) {
      this.hits.delete(key);
      return false;
    }
    return e.n >= this.max;
  }
  miss(key: string, now = Date.now()) {
    const e = this.hits.get(key);
    if (e && e.until > now) e.n++;
    else {
      this.hits.delete(key);
      this.hits.set(key, { n: 1, until: now + this.windowMs });
      if (this.hits.size > this.maxKeys) this.hits.delete(this.hits.keys().next().value as string);
    }
  }
  /** Seconds until this address may try again. */
  retryAfter(key: string, now = Date.now()): number {
    const e = this.hits.get(key);
    return e ? Math.max(1, Math.ceil((e.until - now) / 1000)) : 1;
  }
}

/** One string field from a urlencoded body (the first, when a field is repeated), trimmed and capped. */
export function field(body: unknown, name: string, max = 200): string {
  if (!body || typeof body !== 'object') return '';
  let v = (body as Record<string, unknown>)[name];
  if (Array.isArray(v)) v = v[0];
  return typeof v === 'string' ? v.trim().slice(0, max) : '';
}

export const ticked = (body: unknown, name: string) => field(body, name) !== '';
