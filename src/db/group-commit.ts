import { sql } from 'kysely';
import { type Db, transaction } from './connect.ts';

/**
 * Runs `fn` inside a savepoint of the caller's transaction: when it throws, only its own
 * writes are undone and the transaction carries on (one bad event in a batch loses nothing else).
 * Nested savepoints share one name: both databases release and roll back to the most recent.
 * (A fresh name each time would also be a fresh prepared statement each time.)
 */
export async function inSavepoint<T>(tx: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  await sql`savepoint vouch_sp`.execute(tx);
  try {
    const result = await fn(tx);
    await sql`release savepoint vouch_sp`.execute(tx);
    return result;
  } catch (err) {
    await sql`rollback to savepoint vouch_sp`.execute(tx);
    await sql`release savepoint vouch_sp`.execute(tx);
    throw err;
  }
}

type Waiting = {
  fn: (tx: Db) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
};

/**
 * Durable writes that share a commit. SQLite has one writer and `synchronous = FULL` makes each
 * commit wait for the disk, so requests arriving while a commit is under way wait and are then
 * written together: one transaction, each in its own savepoint, one fsync for all. Each caller
 * learns its own outcome only after the commit. PostgreSQL commits concurrent transactions on
 * its own, so there each call is simply its own transaction.
 */
export function groupCommit(db: Db): <T>(fn: (tx: Db) => Promise<T>) => Promise<T> {
  if (db.dialect === 'postgres') return (fn) => transaction(db, fn);
  let queue: Waiting[] = [];
  let draining = false;
  const drain = async () => {
    draining = true;
    while (queue.length) {
      const group = queue;
      queue = [];
      const outcomes: Array<{ ok: boolean; value: unknown }> = [];
      try {
        await transaction(db, async (tx) => {
          for (const w of group) {
            try {
              outcomes.push({ ok: true, value: await inSavepoint(tx, w.fn) });
            } catch (err) {
              outcomes.push({ ok: false, value: err });
            }
          }
        });
        group.forEach((w, i) => {
          const o = outcomes[i] as { ok: boolean; value: unknown };
          if (o.ok) w.resolve(o.value);
          else w.reject(o.value);
        });
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    }
    draining = false;
  };
  return <T>(fn: (tx: Db) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!draining) void drain();
    });
}
