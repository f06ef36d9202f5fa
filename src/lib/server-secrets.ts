import { createHmac } from 'node:crypto';
import type { Db } from '../db/connect.ts';
import { nowIso } from './ids.ts';
import { randomToken } from './secrets.ts';

const cache = new WeakMap<object, Map<string, string>>();

/**
 * A random secret created once per installation and kept in the database (the only state), so
 * every web process derives the same keys.
 */
export async function serverSecret(db: Db, name: string): Promise<string> {
  let byName = cache.get(db);
  if (!byName) {
    byName = new Map();
    cache.set(db, byName);
  }
  const hit = byName.get(name);
  if (hit) return hit;
  await db
    .insertInto('server_secrets')
    .values({ name, value: randomToken(32), created_at: nowIso() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .selectFrom('server_secrets')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  byName.set(name, row.value);
  return row.value;
}

export const hmac = (secret: string, ...parts: string[]) =>
  createHmac('sha256', secret).update(parts.join('\u0000')).digest('base64url');
