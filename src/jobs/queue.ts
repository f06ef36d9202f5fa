import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type Selectable, sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import type { JobsTable } from './jobs.table.ts';

export type JobRow = Selectable<JobsTable>;

export const DEFAULT_MAX_ATTEMPTS = 8;

export type EnqueueOptions = {
  /** the tenant the job works for; omitted for the installation's own jobs */
  workspaceId?: string | null;
  /** not before this time (ISO); now by default */
  runAt?: string;
  /**
   * A dedupe key, unique across every job ever kept (done jobs are purged after a week): a second
   * enqueue with it does nothing. Per-workspace keys must contain the workspace id.
   */
  key?: string;
  maxAttempts?: number;
};

/**
 * Adds a job. Pass the caller's transaction so the job exists exactly when the change that
 * causes it commits. Returns the new job's id, or null when `key` was already taken.
 */
export async function enqueue(
  tx: Db,
  kind: string,
  payload: unknown,
  opts: EnqueueOptions = {},
): Promise<string | null> {
  const now = nowIso();
  const row = await tx
    .insertInto('jobs')
    .values({
      id: newId(),
      workspace_id: opts.workspaceId ?? null,
      kind,
      payload: JSON.stringify(payload ?? {}),
      key: opts.key ?? null,
      status: 'queued',
      run_at: opts.runAt ?? now,
      attempts: 0,
      max_attempts: opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      locked_by: null,
      locked_until: null,
      last_error: null,
      created_at: now,
      started_at: null,
      finished_at: null,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

/** A name for this worker process, shown in `locked_by`. */
export const workerName = () => `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

const plusMs = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/**
 * Claims up to `limit` due jobs for `worker` with a lease of `leaseMs`: queued jobs whose time
 * has come, and running jobs whose lease ended (their worker died). One UPDATE … RETURNING: on
 * PostgreSQL its subquery takes row locks with SKIP LOCKED, so concurrent workers claim disjoint
 * jobs without waiting on each other; SQLite runs it under its single write lock.
 */
export async function claim(
  db: Db,
  worker: string,
  limit: number,
  leaseMs: number,
  kinds?: readonly string[],
): Promise<JobRow[]> {
  const now = nowIso();
  // Abandoned on their last attempt: failed, not claimed again.
  await db
    .updateTable('jobs')
    .set({
      status: 'failed',
      locked_by: null,
      locked_until: null,
      finished_at: now,
      last_error: 'The worker running the last attempt stopped before finishing (lease expired)',
    })
    .where('status', '=', 'running')
    .where('locked_until', '<=', now)
    .whereRef('attempts', '>=', 'max_attempts')
    .$if(Boolean(kinds), (q) => q.where('kind', 'in', kinds!))
    .execute();
  let due = db
    .selectFrom('jobs')
    .select('id')
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'queued'), eb('run_at', '<=', now)]),
        eb.and([eb('status', '=', 'running'), eb('locked_until', '<=', now)]),
      ]),
    )
    .$if(Boolean(kinds), (q) => q.where('kind', 'in', kinds!))
    .orderBy('run_at')
    .limit(limit);
  if (db.dialect === 'postgres') due = due.forUpdate().skipLocked();
  const rows = await db
    .updateTable('jobs')
    .set({
      status: 'running',
      attempts: sql`attempts + 1`,
      locked_by: worker,
      locked_until: plusMs(now, leaseMs),
      started_at: now,
    })
    .where('id', 'in', due)
    .returningAll()
    .execute();
  return rows.sort((a, b) => (a.run_at < b.run_at ? -1 : a.run_at > b.run_at ? 1 : 0));
}

/** Extends the lease of a job this worker still holds; false when it lost it. */
export async function renewLease(db: Db, job: JobRow, worker: string, leaseMs: number): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({ locked_until: plusMs(nowIso(), leaseMs) })
    .where('id', '=', job.id)
    .where('locked_by', '=', worker)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Marks a job done, if this worker still holds it. */
export async function complete(db: Db, job: JobRow, worker: string): Promise<boolean> {
  const r = await db
    .updateTable('jobs')
    .set({ status: 'done', locked_by: null, locked_until: null, finished_at: nowIso(), last_error: null })
    .where('id', '=', job.id)
    .where('locked_by', '=', worker)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Exponential backoff with jitter: about base·2^(attempt-1), capped, drawn from its upper half so
 * jobs that failed together do not all come back at the same instant.
 */
export function backoffMs(attempt: number, baseMs = 10_000, maxMs = 60 * 60_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * Records a failed attempt: the job runs again after a backoff, or, on its last attempt or when
 * `permanent`, is failed for good with the error kept.
 */
export async function fail(
  db: Db,
  job: JobRow,
  worker: string,
  error: string,
  opts: { permanent?: boolean; backoff?: (attempt: number) => number } = {},
): Promise<'retry' | 'failed' | 'lost'> {
  const now = nowIso();
  const last = opts.permanent || job.attempts >= job.max_attempts;
  const r = await db
    .updateTable('jobs')
    .set(
      last
        ? { status: 'failed', locked_by: null, locked_until: null, finished_at: now, last_error: error }
        : {
            status: 'queued',
            locked_by: null,
            locked_until: null,
            run_at: plusMs(now, (opts.backoff ?? backoffMs)(job.attempts)),
            last_error: error,
          },
    )
    .where('id', '=', job.id)
    .where('locked_by', '=', worker)
    .where('status', '=', 'running')
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return 'lost';
  return last ? 'failed' : 'retry';
}

/** Puts a failed job back in the queue with a fresh set of attempts. */
export async function retryJob(db: Db, id: string, workspaceId?: string | null): Promise<JobRow> {
  let q = db
    .updateTable('jobs')
    .set({ status: 'queued', run_at: nowIso(), attempts: 0, finished_at: null })
    .where('id', '=', id)
    .where('status', '=', 'failed');
  if (workspaceId !== undefined) q = q.where('workspace_id', '=', workspaceId);
  const row = await q.returningAll().executeTakeFirst();
  if (row) return row;
  let find = db.selectFrom('jobs').select('status').where('id', '=', id);
  if (workspaceId !== undefined) find = find.where('workspace_id', '=', workspaceId);
  const found = await find.executeTakeFirst();
  if (!found) throw new AppError('not_found', 'Job not found');
  throw new AppError('conflict', `Only a failed job can be retried; this one is ${found.status}`);
}

/** Jobs, newest first: one workspace's, or (workspaceId undefined) the whole installation's. */
export async function listJobs(
  db: Db,
  opts: { workspaceId?: string; status?: JobRow['status']; kind?: string; limit?: number } = {},
): Promise<JobRow[]> {
  let q = db.selectFrom('jobs').selectAll();
  if (opts.workspaceId !== undefined) q = q.where('workspace_id', '=', opts.workspaceId);
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.kind) q = q.where('kind', '=', opts.kind);
  return q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(opts.limit ?? 100)
    .execute();
}

/** Forgets finished jobs: done ones after `doneDays`, failed ones after `failedDays`. */
export async function purgeJobs(db: Db, doneDays = 7, failedDays = 90): Promise<void> {
  const now = Date.parse(nowIso());
  const before = (days: number) => new Date(now - days * 86_400_000).toISOString();
  await db
    .deleteFrom('jobs')
    .where('status', '=', 'done')
    .where('finished_at', '<', before(doneDays))
    .execute();
  await db
    .deleteFrom('jobs')
    .where('status', '=', 'failed')
    .where('finished_at', '<', before(failedDays))
    .execute();
}
