import type { Config } from '../config.ts';
import type { Db } from '../db/connect.ts';
import type { Mailer } from '../messaging/mailer.ts';
import type { JobRow } from './queue.ts';

/** What a worker process offers its jobs besides the database. */
export type WorkerServices = { config: Config; mailer: Mailer | null };

export type JobCtx = {
  db: Db;
  job: JobRow;
  services: WorkerServices;
  worker: string;
  /**
   * Runs short writes in a transaction shared with the other jobs of this worker that commit at
   * the same moment (one fsync for all on SQLite; its own transaction on PostgreSQL). Resolves
   * once committed.
   */
  commit: <T>(fn: (tx: Db) => Promise<T>) => Promise<T>;
  /**
   * Marks the job done inside the handler's own last transaction (its result and the job's end
   * in one commit); the runner then does not mark it again. False: the lease was lost.
   */
  completeIn: (tx: Db) => Promise<boolean>;
};

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
