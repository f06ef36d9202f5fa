export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

/** One unit of background work; see src/jobs/queue.ts. */
export interface JobsTable {
  id: string;
  /** null for the installation's own jobs (hold releases, purges) */
  workspace_id: string | null;
  kind: string;
  /** JSON */
  payload: string;
  /** dedupe key: unique, so scheduling the same thing twice is a no-op */
  key: string | null;
  status: JobStatus;
  run_at: string;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  /** the lease: past it, a running job counts as abandoned and is claimed again */
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}
