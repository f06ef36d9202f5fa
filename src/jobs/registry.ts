import type { Config } from '../config.ts';
import type { Db } from '../db/connect.ts';
import type { Mailer } from '../messaging/mailer.ts';
import type { JobRow } from './queue.ts';

/** What a worker process offers its jobs besides the database. */
export type WorkerServices = { config: Config; mailer: Mailer | null };

export type JobCtx = { db: Db; job: JobRow; services: WorkerServices; worker: string };

export type JobHandler = (ctx: JobCtx, payload: unknown) => Promise<void>;

/** Handlers by job kind: a plain map, filled by src/jobs/handlers.ts. */
export const handlers = new Map<string, JobHandler>();

export function defineJob(kind: string, handler: JobHandler): void {
  handlers.set(kind, handler);
}

/** Thrown by a handler when trying again cannot help: the job fails at once. */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentJobError';
  }
}
