import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { nowIso } from '../lib/ids.ts';
import { sha256 } from '../lib/secrets.ts';

const KEEP_MS = 24 * 60 * 60 * 1000;

/** A concurrent request with the same key committed first: run again to replay its answer. */
export class KeyTaken extends Error {}

/** The request's Idempotency-Key, checked, with a hash of what it asks. */
export function idempotencyOf(req: FastifyRequest): { key: string; hash: string } | null {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(raw))
    throw new AppError('bad_request', 'Idempotency-Key: 1 to 255 visible ASCII characters', [
      { path: 'Idempotency-Key', message: 'invalid' },
    ]);
  const hash = sha256(JSON.stringify([req.method, req.routeOptions.url, req.body]));
  return { key: raw, hash };
}

/**
 * Idempotency-Key as Stripe documents it: the first successful response to a key is kept for
 * 24 hours and replayed for the same request; the same key with a different request is a 422.
 * Requests that fail (validation included) are not remembered. Runs in the caller's transaction
 * so the response is stored exactly when the work commits.
 */
export async function idempotent<T>(
  tx: Db,
  workspaceId: string,
  idem: { key: string; hash: string } | null,
  run: () => Promise<{ status: number; body: T }>,
): Promise<{ status: number; body: T; replayed: boolean }> {
  if (!idem) return { ...(await run()), replayed: false };
  const cutoff = new Date(Date.now() - KEEP_MS).toISOString();
  const prior = await tx
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('key', '=', idem.key)
    .where('created_at', '>=', cutoff)
    .executeTakeFirst();
  if (prior) {
    if (prior.request_hash !== idem.hash)
      throw new AppError('unprocessable', 'This Idempotency-Key was already used with a different request', [
        { path: 'Idempotency-Key', message: 'reused with a different request' },
      ]);
    return { status: prior.status, body: JSON.parse(prior.response), replayed: true };
  }
  const result = await run();
  const row = {
    workspace_id: workspaceId,
    key: idem.key,
    request_hash: idem.hash,
    status: result.status,
    response: JSON.stringify(result.body),
    created_at: nowIso(),
  };
  const stored = await tx
    .insertInto('idempotency_keys')
    .values(row)
    .onConflict((oc) =>
      oc
        .columns(['workspace_id', 'key'])
        .doUpdateSet({
          request_hash: row.request_hash,
          status: row.status,
          response: row.response,
          created_at: row.created_at,
        })
        .where('idempotency_keys.created_at', '<', cutoff),
    )
    .returning('key')
    .executeTakeFirst();
  if (!stored) throw new KeyTaken();
  return { ...result, replayed: false };
}

/** Removes keys past their 24 hours (the worker runs it). */
export const purgeIdempotencyKeys = (db: Db) =>
  db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', new Date(Date.now() - KEEP_MS).toISOString())
    .execute();
