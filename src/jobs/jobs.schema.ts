import { z } from 'zod';

export const JobStatus = z.enum(['queued', 'running', 'done', 'failed']);

export const JobOut = z.object({
  id: z.string(),
  kind: z.string(),
  status: JobStatus,
  payload: z.unknown(),
  attempts: z.number(),
  maxAttempts: z.number(),
  runAt: z.string().describe('when it runs (next)'),
  lastError: z.string().nullable().describe('the error of the last failed attempt'),
  lockedBy: z.string().nullable().describe('the worker running it'),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

export const JobQuery = z.strictObject({
  status: JobStatus.optional(),
  kind: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const JobList = z.object({ items: z.array(JobOut) });
