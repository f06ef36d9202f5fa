import type { Db } from '../db/connect.ts';
import { groupCommit } from '../db/group-commit.ts';
import { claim, complete, fail, type JobRow, renewLease, workerName } from './queue.ts';
import { handlers, PermanentJobError, type WorkerServices } from './registry.ts';

export type RunnerOptions = {
  /** shown in jobs.locked_by */
  worker?: string;
  /** jobs run at once by this process (20 by default: most jobs wait on the network or disk) */
  concurrency?: number;
  /** how long to sleep when nothing is due */
  pollMs?: number;
  /** how long a claim lasts without renewal; renewed every third of it while the job runs */
  leaseMs?: number;
  backoff?: (attempt: number) => number;
  log?: (message: string, err?: unknown) => void;
  /** only these kinds (a worker dedicated to some work); all by default */
  kinds?: readonly string[];
};

export type Runner = {
  worker: string;
  /** Stops claiming, waits for the jobs in flight to finish. */
  stop: () => Promise<void>;
  /** Ends the sleep between polls (something was just enqueued in this process). */
  wake: () => void;
};

const errorText = (err: unknown) =>
  (err instanceof Error ? err.message || err.name : String(err)).slice(0, 2000);

/** Runs one claimed job to its end: done, retried later, or failed. */
export async function runJob(
  db: Db,
  services: WorkerServices,
  job: JobRow,
  opts: Required<Pick<RunnerOptions, 'worker' | 'leaseMs'>> &
    RunnerOptions & { commit?: <T>(fn: (tx: Db) => Promise<T>) => Promise<T> },
): Promise<'done' | 'retry' | 'failed' | 'lost'> {
  const { worker, leaseMs } = opts;
  const commit = opts.commit ?? groupCommit(db);
  const renew = setInterval(() => {
    renewLease(db, job, worker, leaseMs).catch((err) =>
      opts.log?.(`job ${job.id}: lease renewal failed`, err),
    );
  }, leaseMs / 3);
  try {
    const handler = handlers.get(job.kind);
    if (!handler) throw new Error(`No handler for job kind "${job.kind}" in this worker`);
    let completed: boolean | null = null;
    const completeIn = async (tx: Db) => {
      completed = await complete(tx, job, worker);
      return completed;
    };
    await handler({ db, job, services, worker, commit, completeIn }, JSON.parse(job.payload));
    if (completed === null) completed = await commit((tx) => complete(tx, job, worker));
    return completed ? 'done' : 'lost';
  } catch (err) {
    const outcome = await commit((tx) =>
      fail(tx, job, worker, errorText(err), {
        permanent: err instanceof PermanentJobError,
        ...(opts.backoff ? { backoff: opts.backoff } : {}),
      }),
    );
    opts.log?.(`job ${job.kind} ${job.id} attempt ${job.attempts}: ${outcome}`, err);
    return outcome;
  } finally {
    clearInterval(renew);
  }
}

/**
 * Claims due jobs and runs them, up to `concurrency` at a time, claiming again in batches as
 * slots free up; sleeps `pollMs` when nothing is due.
 */
export function startRunner(db: Db, services: WorkerServices, options: RunnerOptions = {}): Runner {
  // Jobs finishing together commit together.
  const opts = {
    ...options,
    worker: options.worker ?? workerName(),
    leaseMs: options.leaseMs ?? 60_000,
    commit: groupCommit(db),
  };
  const concurrency = options.concurrency ?? 20;
  const pollMs = options.pollMs ?? 1000;
  const inflight = new Set<Promise<unknown>>();
  let stopping = false;
  let wakeUp: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  const loop = async () => {
    while (!stopping) {
      const free = concurrency - inflight.size;
      // Claim in batches: once half the slots are free (one claim per batch, not per job).
      if (free >= Math.ceil(concurrency / 2) || inflight.size === 0) {
        let jobs: JobRow[] = [];
        try {
          jobs = await claim(db, opts.worker, free, opts.leaseMs, opts.kinds);
        } catch (err) {
          opts.log?.('claiming jobs failed', err);
        }
        for (const job of jobs) {
          const p = runJob(db, services, job, opts)
            .catch((err) => opts.log?.(`job ${job.id} could not be recorded`, err))
            .finally(() => {
              inflight.delete(p);
              wakeUp?.();
            });
          inflight.add(p);
        }
        // A full batch: more may be due, claim again as soon as slots free up.
        if (jobs.length === free) continue;
        // Nothing more due for now: poll again later, or sooner when a job ends (it may have
        // enqueued the next).
        await sleep(pollMs);
      } else {
        await sleep(opts.leaseMs);
      }
    }
  };
  const looping = loop();
  return {
    worker: opts.worker,
    wake: () => wakeUp?.(),
    stop: async () => {
      stopping = true;
      wakeUp?.();
      await looping;
      await Promise.all(inflight);
    },
  };
}

/** Runs every due job now, batch after batch, until none is due (tests, the CLI). */
export async function drain(db: Db, services: WorkerServices, options: RunnerOptions = {}): Promise<number> {
  const opts = {
    ...options,
    worker: options.worker ?? workerName(),
    leaseMs: options.leaseMs ?? 60_000,
    commit: groupCommit(db),
  };
  let n = 0;
  for (;;) {
    const jobs = await claim(db, opts.worker, options.concurrency ?? 10, opts.leaseMs, opts.kinds);
    if (!jobs.length) return n;
    await Promise.all(jobs.map((j) => runJob(db, services, j, opts)));
    n += jobs.length;
  }
}
