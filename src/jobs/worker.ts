import type { Db } from '../db/connect.ts';
import { purgeIdempotencyKeys } from '../http/idempotency.ts';
import { nowIso } from '../lib/ids.ts';
import { releaseDue } from '../rewards/rewards.service.ts';

type Task = { name: string; everyMs: number; run: (db: Db) => Promise<unknown> };

/** Periodic housekeeping; later features register their jobs here. */
export const tasks: Task[] = [
  {
    name: 'purge expired sessions',
    everyMs: 60 * 60 * 1000,
    run: (db) => db.deleteFrom('sessions').where('expires_at', '<', nowIso()).execute(),
  },
  {
    name: 'release rewards whose hold has ended',
    everyMs: 60 * 1000,
    run: async (db) => {
      // In pages, until a page comes back short.
      while ((await releaseDue(db, nowIso(), 500)) === 500);
    },
  },
  {
    name: 'forget idempotency keys after 24 hours',
    everyMs: 60 * 60 * 1000,
    run: purgeIdempotencyKeys,
  },
];

/** Runs every task now and then on its interval; returns a function that waits for a clean stop. */
export function startWorker(db: Db): () => Promise<void> {
  const running = new Set<Promise<unknown>>();
  const timers = tasks.map((task) => {
    const tick = () => {
      const p = task
        .run(db)
        .catch((err) => console.error(`worker: ${task.name} failed`, err))
        .finally(() => running.delete(p));
      running.add(p);
    };
    tick();
    return setInterval(tick, task.everyMs);
  });
  return async () => {
    for (const t of timers) clearInterval(t);
    await Promise.all(running);
  };
}
