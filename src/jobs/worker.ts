import type { Config } from '../config.ts';
import type { Db } from '../db/connect.ts';
import { nowIso } from '../lib/ids.ts';
import { createMailer } from '../messaging/mailer.ts';
import { recurring } from './handlers.ts';
import { enqueue } from './queue.ts';
import type { WorkerServices } from './registry.ts';
import { type RunnerOptions, startRunner } from './runner.ts';

/** Enqueues this period's run of every recurring job (a no-op when another worker did). */
export async function scheduleRecurring(db: Db, now = nowIso()): Promise<void> {
  const t = Date.parse(now);
  for (const r of recurring) {
    const start = new Date(Math.floor(t / r.everyMs) * r.everyMs).toISOString();
    await enqueue(db, r.kind, {}, { key: `${r.kind}@${start}`, runAt: start, maxAttempts: 3 });
  }
}

/**
 * The `worker` role: schedules the recurring jobs every minute and runs due jobs. Returns a
 * function that stops claiming, waits for the jobs in flight and closes the SMTP pool.
 */
export function startWorker(
  db: Db,
  config: Config,
  opts: RunnerOptions & { services?: Partial<WorkerServices> } = {},
): () => Promise<void> {
  const services: WorkerServices = {
    config,
    mailer: config.smtp ? createMailer(config.smtp) : null,
    ...opts.services,
  };
  const log = opts.log ?? ((msg: string, err?: unknown) => console.error(`worker: ${msg}`, err ?? ''));
  const runner = startRunner(db, services, { log, ...opts });
  const tick = () =>
    scheduleRecurring(db)
      .then(() => runner.wake())
      .catch((err) => log('scheduling recurring jobs failed', err));
  const scheduled = tick();
  const timer = setInterval(tick, Math.min(...recurring.map((r) => r.everyMs)));
  return async () => {
    clearInterval(timer);
    await scheduled;
    await runner.stop();
    services.mailer?.close();
  };
}
