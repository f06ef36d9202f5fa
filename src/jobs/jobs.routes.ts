import type { z } from 'zod';
import { requireRole } from '../auth/auth.service.ts';
import { IdParams } from '../http/schemas.ts';
import type { App, Deps } from '../http/types.ts';
import { JobList, JobOut, JobQuery } from './jobs.schema.ts';
import { type JobRow, listJobs, retryJob } from './queue.ts';

export const jobOut = (j: JobRow): z.output<typeof JobOut> => ({
  id: j.id,
  kind: j.kind,
  status: j.status,
  payload: JSON.parse(j.payload),
  attempts: Number(j.attempts),
  maxAttempts: Number(j.max_attempts),
  runAt: j.run_at,
  lastError: j.last_error,
  lockedBy: j.locked_by,
  createdAt: j.created_at,
  startedAt: j.started_at,
  finishedAt: j.finished_at,
});

/** The workspace's background jobs (message deliveries, scheduled asks): failed ones and retry. */
export function jobRoutes(app: App, { db }: Deps): void {
  const tags = ['jobs'];
  app.get(
    '/jobs',
    {
      schema: {
        tags,
        summary:
          "The workspace's jobs, newest first; status=failed lists those that gave up, with their error",
        querystring: JobQuery,
        response: { 200: JobList },
      },
    },
    async (req) => {
      requireRole(req.actor, 'manager');
      const rows = await listJobs(db, {
        workspaceId: req.actor.workspaceId,
        limit: req.query.limit,
        ...(req.query.status ? { status: req.query.status } : {}),
        ...(req.query.kind ? { kind: req.query.kind } : {}),
      });
      return { items: rows.map(jobOut) };
    },
  );
  app.post(
    '/jobs/:id/retry',
    {
      schema: {
        tags,
        summary: 'Run a failed job again, with a fresh set of attempts',
        params: IdParams,
        response: { 200: JobOut },
      },
    },
    async (req) => {
      requireRole(req.actor, 'manager');
      return jobOut(await retryJob(db, req.params.id, req.actor.workspaceId));
    },
  );
}
