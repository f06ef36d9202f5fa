import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/db.ts';
import { loadConfig } from '../config.ts';
import { transaction } from '../db/connect.ts';
import { nowIso, withClock } from '../lib/ids.ts';
import './handlers.ts';
import { claim, complete, enqueue, fail, listJobs, retryJob } from './queue.ts';
import { defineJob, PermanentJobError, type WorkerServices } from './registry.ts';
import { drain, startRunner } from './runner.ts';
import { scheduleRecurring } from './worker.ts';

const services: WorkerServices = { config: loadConfig({}), mailer: null };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` under a clock the test moves by hand. */
function manualClock(start = Date.parse('2030-03-01T10:00:00Z')) {
  let now = start;
  return {
    run: <T>(fn: () => Promise<T>) => withClock(() => now, fn),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe.each(dialects)('jobs on %s', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb(dialect, 10);
  });
  afterAll(() => t.close());

  const count = async (kind: string, status?: string) => {
    let q = t.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', kind);
    if (status) q = q.where('status', '=', status as 'done');
    return Number((await q.executeTakeFirstOrThrow()).n);
  };

  it('enqueues inside the caller’s transaction and dedupes by key', async () => {
    defineJob('test:noop', async () => {});
    await transaction(t.db, async (tx) => {
      expect(await enqueue(tx, 'test:noop', { a: 1 }, { key: 'once' })).toBeTruthy();
      expect(await enqueue(tx, 'test:noop', { a: 2 }, { key: 'once' })).toBeNull();
    });
    await expect(
      transaction(t.db, async (tx) => {
        await enqueue(tx, 'test:noop', {}, { key: 'rolled-back' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await count('test:noop')).toBe(1);
    const [job] = await listJobs(t.db, { kind: 'test:noop' });
    expect(JSON.parse(job!.payload)).toEqual({ a: 1 });
  });

  it('runs a job once and marks it done', async () => {
    const seen: unknown[] = [];
    defineJob('test:record', async (_ctx, payload) => {
      seen.push(payload);
    });
    await enqueue(t.db, 'test:record', { n: 1 });
    await enqueue(t.db, 'test:record', { n: 2 }, { runAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(await drain(t.db, services, { kinds: ['test:record'] })).toBe(1);
    expect(seen).toEqual([{ n: 1 }]);
    expect(await count('test:record', 'done')).toBe(1);
    expect(await count('test:record', 'queued')).toBe(1);
  });

  it('retries with exponential backoff, then fails with the error kept; a failed job can be retried', async () => {
    const clock = manualClock();
    let calls = 0;
    let healthy = false;
    defineJob('test:flaky', async () => {
      calls++;
      if (!healthy) throw new Error(`temporary trouble ${calls}`);
    });
    const only = { kinds: ['test:flaky'] };
    await clock.run(async () => {
      const id = (await enqueue(t.db, 'test:flaky', {}, { maxAttempts: 4 }))!;
      const delays: number[] = [];
      for (let i = 1; i <= 4; i++) {
        expect(await drain(t.db, services, only)).toBe(1);
        const job = (await listJobs(t.db, { kind: 'test:flaky' }))[0]!;
        expect(job.attempts).toBe(i);
        expect(job.last_error).toBe(`temporary trouble ${i}`);
        if (i < 4) {
          expect(job.status).toBe('queued');
          const delay = Date.parse(job.run_at) - Date.parse(nowIso());
          delays.push(delay);
          // Not due yet: nothing runs until the clock passes run_at.
          expect(await drain(t.db, services, only)).toBe(0);
          clock.advance(delay);
        } else {
          expect(job.status).toBe('failed');
          expect(job.finished_at).toBeTruthy();
        }
      }
      // base 10 s · 2^(n-1), jittered within its upper half
      expect(delays[0]).toBeGreaterThanOrEqual(5_000);
      expect(delays[0]).toBeLessThanOrEqual(10_000);
      expect(delays[1]).toBeGreaterThanOrEqual(10_000);
      expect(delays[1]).toBeLessThanOrEqual(20_000);
      expect(delays[2]).toBeGreaterThanOrEqual(20_000);
      expect(delays[2]).toBeLessThanOrEqual(40_000);
      expect((await listJobs(t.db, { status: 'failed', kind: 'test:flaky' })).map((j) => j.id)).toEqual([id]);

      await expect(retryJob(t.db, id, 'some-other-workspace')).rejects.toThrow('Job not found');
      healthy = true;
      const again = await retryJob(t.db, id);
      expect(again).toMatchObject({ status: 'queued', attempts: 0 });
      await expect(retryJob(t.db, id)).rejects.toThrow('Only a failed job can be retried');
      expect(await drain(t.db, services, only)).toBe(1);
      expect((await listJobs(t.db, { kind: 'test:flaky' }))[0]).toMatchObject({
        status: 'done',
        last_error: null,
      });
    });
  });

  it('fails at once on a permanent error', async () => {
    defineJob('test:doomed', async () => {
      throw new PermanentJobError('no such thing');
    });
    await enqueue(t.db, 'test:doomed', {});
    await drain(t.db, services, { kinds: ['test:doomed'] });
    expect((await listJobs(t.db, { kind: 'test:doomed' }))[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'no such thing',
    });
  });

  it('claims a crashed worker’s job again once its lease expires, and the late worker cannot finish it', async () => {
    const clock = manualClock(Date.parse('2030-04-01T10:00:00Z'));
    await clock.run(async () => {
      await enqueue(t.db, 'test:lease', {}, { maxAttempts: 2 });
      const [a] = await claim(t.db, 'worker-a', 10, 30_000, ['test:lease']);
      expect(a).toMatchObject({ kind: 'test:lease', attempts: 1, locked_by: 'worker-a' });
      // Leased: nobody else gets it.
      expect(await claim(t.db, 'worker-b', 10, 30_000, ['test:lease'])).toEqual([]);
      clock.advance(30_001);
      const [b] = await claim(t.db, 'worker-b', 10, 30_000, ['test:lease']);
      expect(b).toMatchObject({ id: a!.id, attempts: 2, locked_by: 'worker-b' });
      expect(await complete(t.db, a!, 'worker-a')).toBe(false);
      expect(await fail(t.db, a!, 'worker-a', 'late')).toBe('lost');
      // Worker b dies too, on the last attempt: the job is failed, not claimed a third time.
      clock.advance(30_001);
      expect(await claim(t.db, 'worker-c', 10, 30_000, ['test:lease'])).toEqual([]);
      expect((await listJobs(t.db, { kind: 'test:lease' }))[0]).toMatchObject({
        status: 'failed',
        attempts: 2,
        last_error: expect.stringMatching(/lease expired/),
      });
    });
  });

  it('never runs a job twice when several workers run at once', async () => {
    const N = 120;
    const runs = new Map<number, string[]>();
    let running = 0;
    let maxRunning = 0;
    defineJob('test:parallel', async ({ worker }, payload) => {
      const { i } = payload as { i: number };
      running++;
      maxRunning = Math.max(maxRunning, running);
      runs.set(i, [...(runs.get(i) ?? []), worker]);
      await sleep(2);
      running--;
    });
    await transaction(t.db, async (tx) => {
      for (let i = 0; i < N; i++) await enqueue(tx, 'test:parallel', { i });
    });
    const workers = ['w1', 'w2', 'w3'].map((worker) =>
      startRunner(t.db, services, { worker, concurrency: 4, pollMs: 5, kinds: ['test:parallel'] }),
    );
    for (let i = 0; i < 400 && (await count('test:parallel', 'done')) < N; i++) await sleep(25);
    await Promise.all(workers.map((w) => w.stop()));
    expect(await count('test:parallel', 'done')).toBe(N);
    expect(runs.size).toBe(N);
    for (const [, by] of runs) expect(by).toHaveLength(1);
    const per = new Map<string, number>();
    for (const [, [w]] of runs) per.set(w!, (per.get(w!) ?? 0) + 1);
    // Every worker took a share: they claimed disjoint jobs, not the same ones.
    expect(per.size).toBe(3);
    expect(maxRunning).toBeGreaterThan(1);
  });

  it('schedules each recurring job once per period however many workers ask, and runs hold releases as a job', async () => {
    const at = '2030-05-01T10:00:30.000Z';
    await Promise.all([
      scheduleRecurring(t.db, at),
      scheduleRecurring(t.db, at),
      scheduleRecurring(t.db, at),
    ]);
    const jobs = await listJobs(t.db, { kind: 'release-holds' });
    expect(jobs.map((j) => j.key)).toEqual(['release-holds@2030-05-01T10:00:00.000Z']);
    await scheduleRecurring(t.db, '2030-05-01T10:01:05.000Z');
    expect(await count('release-holds')).toBe(2);
    const kinds = ['release-holds', 'purge-sessions', 'purge-idempotency-keys', 'purge-jobs'];
    await withClock(
      () => Date.parse('2030-05-01T10:01:10.000Z'),
      () => drain(t.db, services, { kinds }),
    );
    expect(await count('release-holds', 'done')).toBe(2);
    expect(await count('purge-sessions', 'done')).toBe(1);
  });
});

describe('vouch jobs (CLI)', () => {
  it('lists failed jobs with their error and retries one', async () => {
    const t = await testDb('sqlite');
    try {
      defineJob('test:cli', async () => {
        throw new PermanentJobError('the printer is on fire');
      });
      const id = (await enqueue(t.db, 'test:cli', {}))!;
      await drain(t.db, services, { kinds: ['test:cli'] });
      const { printJobs, retryFromCli } = await import('./cli.ts');
      let out = '';
      const sink = {
        write: (s: string) => {
          out += s;
          return true;
        },
      };
      await printJobs(t.db, { failed: true }, sink);
      expect(out).toContain(id);
      expect(out).toContain('failed');
      expect(out).toContain('the printer is on fire');
      out = '';
      await retryFromCli(t.db, id, sink);
      expect(out).toContain(`Job ${id} (test:cli) is queued again`);
      out = '';
      await printJobs(t.db, { failed: true }, sink);
      expect(out).toBe('No failed jobs.\n');
    } finally {
      await t.close();
    }
  });
});
