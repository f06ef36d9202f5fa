import type { Db } from '../db/connect.ts';
import { type JobRow, listJobs, retryJob } from './queue.ts';

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** `vouch jobs [--failed]`: the latest jobs of the whole installation, failed ones with their error. */
type Out = { write: (s: string) => unknown };

export async function printJobs(db: Db, opts: { failed: boolean }, out: Out = process.stdout): Promise<void> {
  const rows = await listJobs(db, { ...(opts.failed ? { status: 'failed' as const } : {}), limit: 100 });
  if (!rows.length) {
    out.write(opts.failed ? 'No failed jobs.\n' : 'No jobs.\n');
    return;
  }
  const line = (j: JobRow) =>
    [
      j.id,
      j.status.padEnd(7),
      cut(j.kind, 24).padEnd(24),
      `${j.attempts}/${j.max_attempts}`.padEnd(5),
      (j.status === 'queued' ? `runs ${j.run_at}` : (j.finished_at ?? j.started_at ?? '')).padEnd(29),
      j.workspace_id ?? '(system)',
    ].join('  ');
  for (const j of rows) {
    out.write(`${line(j)}\n`);
    if (j.last_error && j.status !== 'done')
      out.write(`    ${cut(j.last_error.replace(/\s+/g, ' '), 300)}\n`);
  }
}

/** `vouch jobs retry ID`: a failed job back in the queue with fresh attempts. */
export async function retryFromCli(db: Db, id: string, out: Out = process.stdout): Promise<void> {
  const job = await retryJob(db, id);
  out.write(`Job ${job.id} (${job.kind}) is queued again; a running worker picks it up.\n`);
}
