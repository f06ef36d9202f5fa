import { createHmac } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { CompiledQuery, sql } from 'kysely';
import { type Db, transaction } from '../db/connect.ts';
import { newId } from '../lib/ids.ts';
import { serverSecret } from '../lib/server-secrets.ts';
import { type ResolvedLink, resolveLinkByCode } from './links.service.ts';

export type Click = { workspaceId: string; linkId: string; programId: string; visitorKey: string };

export type ClickRecorderOptions = {
  /** a group is written at most this long after its first click */
  flushMs?: number;
  /** a group is written as soon as it has this many rows (link, visitor, minute) */
  maxRows?: number;
  /** rows kept in memory while the database refuses writes; beyond this the oldest are dropped */
  maxPending?: number;
  /**
   * On a SQLite file, write from a worker thread with its own connection (default true), so the
   * insert and its fsync never hold up the event loop. In-memory databases and PostgreSQL
   * always write from the calling thread (PostgreSQL writes are asynchronous anyway).
   */
  worker?: boolean;
  /** told about a failed write (the clicks stay buffered and are retried) or dropped clicks */
  onError?: (err: unknown, info: { pending: number; dropped: number }) => void;
};

export type ClickRecorder = {
  /** Buffers one click; never waits for the database. */
  record: (click: Click) => void;
  /** Writes everything recorded before the call. */
  flush: () => Promise<void>;
  /** Writes everything buffered; later clicks are dropped. Call on shutdown, before closing the db. */
  close: () => Promise<void>;
  /** clicks buffered or being written */
  readonly pending: number;
};

/**
 * Clicks of one visitor on one link within one minute, counted:
 * [workspaceId, linkId, programId, visitorKey, minute (epoch ms), clicks].
 */
type Pending = [string, string, string, string, number, number];

const MINUTE = 60_000;

/**
 * One statement per group whatever its size: rows travel as one JSON parameter. A row that
 * exists (the same visitor, link and minute in an earlier group) adds its count.
 */
const SQLITE_INSERT = `insert into clicks (workspace_id, id, link_id, program_id, visitor_key, at, clicks)
  select value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6 from json_each(?) where true
  on conflict (workspace_id, link_id, visitor_key, at) do update set clicks = clicks + excluded.clicks`;

/** The group's counts added to the per-link daily rollup that link statistics read. */
const SQLITE_ROLLUP = `insert into link_clicks_daily (workspace_id, link_id, day, program_id, clicks)
  select value->>0, value->>1, value->>2, value->>3, value->>4 from json_each(?) where true
  on conflict (workspace_id, link_id, day) do update set clicks = clicks + excluded.clicks`;

const toRows = (rows: Pending[]) =>
  rows.map((r) => [r[0], newId(), r[1], r[2], r[3], new Date(r[4]).toISOString(), r[5]]);

/** [workspaceId, linkId, day (UTC), programId, clicks] per link and day in a group. */
type Daily = [string, string, string, string, number];

/**
 * Clicks per workspace, link and UTC day in a group. The writer thread runs this same function
 * (its source is embedded below), so both writers count the same way.
 */
export function dailyCounts(rows: Pending[]): Daily[] {
  const byKey = new Map<string, Daily>();
  const days = new Map<number, string>();
  for (const r of rows) {
    const n = Math.floor(r[4] / 86_400_000);
    let day = days.get(n);
    if (day === undefined) {
      day = new Date(n * 86_400_000).toISOString().slice(0, 10);
      days.set(n, day);
    }
    const key = `${r[0]}|${r[1]}|${day}`;
    const hit = byKey.get(key);
    if (hit) hit[4] += r[5];
    else byKey.set(key, [r[0], r[1], day, r[2], r[5]]);
  }
  return [...byKey.values()];
}

type Writer = {
  write: (rows: Pending[]) => Promise<void>;
  close: () => Promise<void>;
  /** the writer can no longer write (its thread died) */
  broken?: () => boolean;
};

/** Writes from the calling thread: PostgreSQL (asynchronous I/O) or an in-memory SQLite. */
function directWriter(db: Db): Writer {
  return {
    async write(rows) {
      const r = toRows(rows);
      const d = dailyCounts(rows);
      await transaction(db, async (tx) => {
        if (db.dialect === 'postgres') {
          const col = (xs: unknown[][], i: number) => xs.map((x) => x[i]);
          await sql`insert into clicks (workspace_id, id, link_id, program_id, visitor_key, at, clicks)
            select * from unnest(${col(r, 0)}::text[], ${col(r, 1)}::text[], ${col(r, 2)}::text[],
              ${col(r, 3)}::text[], ${col(r, 4)}::text[], ${col(r, 5)}::timestamptz[], ${col(r, 6)}::int[])
            on conflict (workspace_id, link_id, visitor_key, at)
            do update set clicks = clicks.clicks + excluded.clicks`.execute(tx);
          await sql`insert into link_clicks_daily (workspace_id, link_id, day, program_id, clicks)
            select * from unnest(${col(d, 0)}::text[], ${col(d, 1)}::text[], ${col(d, 2)}::text[],
              ${col(d, 3)}::text[], ${col(d, 4)}::int[])
            on conflict (workspace_id, link_id, day)
            do update set clicks = link_clicks_daily.clicks + excluded.clicks`.execute(tx);
        } else {
          await tx.executeQuery(CompiledQuery.raw(SQLITE_INSERT, [JSON.stringify(r)]));
          await tx.executeQuery(CompiledQuery.raw(SQLITE_ROLLUP, [JSON.stringify(d)]));
        }
      });
    },
    close: async () => {},
  };
}

// The worker owns a second connection to the SQLite file (WAL lets it write while the main
// connection reads). Plain JavaScript, evaluated: no file to find, no TypeScript loader needed.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const { randomBytes } = require('node:crypto');
const db = new DatabaseSync(workerData.file, { timeout: 5000 });
db.exec('PRAGMA synchronous = FULL');
db.exec('PRAGMA busy_timeout = 5000');
const insert = db.prepare(workerData.sql);
const rollup = db.prepare(workerData.rollupSql);
${dailyCounts.toString()}
// UUIDv7 from the click time, as src/lib/ids.ts makes them.
function ids(rows) {
  const rnd = randomBytes(16 * rows.length);
  return rows.map((r, i) => {
    const b = rnd.subarray(16 * i, 16 * i + 16);
    b.writeUIntBE(r[4], 0, 6);
    b[6] = (b[6] & 0x0f) | 0x70;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toString('hex');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  });
}
parentPort.on('message', (m) => {
  if (m.close) {
    db.close();
    parentPort.postMessage({ ok: true });
    return;
  }
  try {
    const id = ids(m.rows);
    db.exec('BEGIN IMMEDIATE');
    try {
      insert.run(JSON.stringify(m.rows.map((r, i) => [r[0], id[i], r[1], r[2], r[3], new Date(r[4]).toISOString(), r[5]])));
      rollup.run(JSON.stringify(dailyCounts(m.rows)));
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
    parentPort.postMessage({ ok: true });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: String((e && e.message) || e) });
  }
});
`;

/** Writes from a worker thread: the insert and its fsync run off the event loop. */
function workerWriter(file: string): Writer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, sql: SQLITE_INSERT, rollupSql: SQLITE_ROLLUP },
  });
  // Idle, the worker does not keep the process alive; while a write is in flight it does.
  worker.unref();
  let dead: Error | null = null;
  let waiting: { resolve: (m: { ok: boolean; error?: string }) => void; reject: (e: Error) => void } | null =
    null;
  worker.on('message', (m) => {
    const w = waiting;
    waiting = null;
    w?.resolve(m);
  });
  const fail = (err: Error) => {
    dead = err;
    waiting?.reject(err);
    waiting = null;
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`click writer thread exited (${code})`)));
  // One message at a time: the recorder serialises writes.
  const ask = (msg: object) =>
    new Promise<{ ok: boolean; error?: string }>((resolve, reject) => {
      if (dead) return reject(dead);
      waiting = { resolve, reject };
      worker.ref();
      worker.postMessage(msg);
    }).finally(() => worker.unref());
  return {
    async write(rows) {
      const res = await ask({ rows });
      if (!res.ok) throw new Error(res.error);
    },
    async close() {
      if (!dead) await ask({ close: true }).catch(() => {});
      await worker.terminate();
    },
    broken: () => dead !== null,
  };
}

/** Refused for what the rows are (a constraint, bad data), not for the state of the database. */
function isPermanent(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && /^2[23][0-9A-Z]{3}$/.test(e.code)) return true;
  return /constraint failed|datatype mismatch/i.test(String(e?.message ?? ''));
}

async function chooseWriter(db: Db, useWorker: boolean): Promise<Writer> {
  if (db.dialect === 'sqlite' && useWorker && !db.isTransaction) {
    const main = await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`
      .execute(db)
      .then((r) => r.rows[0]?.file ?? '');
    if (main) return workerWriter(main);
  }
  return directWriter(db);
}

/**
 * Records clicks in groups: the request only counts the click in memory (per link, visitor and
 * minute); a group is written `flushMs` after its first click or once it holds `maxRows` rows,
 * in one statement. Counting first means a busy link costs one row per visitor and minute, not
 * one per click. A write in progress never blocks recording (new clicks go to a fresh buffer).
 * `close()` writes everything, so a clean shutdown loses nothing; a crash loses the clicks of at
 * most the last `flushMs` (the buffer, and the group being written if it had not committed).
 */
export function createClickRecorder(db: Db, opts: ClickRecorderOptions = {}): ClickRecorder {
  const flushMs = opts.flushMs ?? 200;
  const maxRows = opts.maxRows ?? 5000;
  const maxPending = opts.maxPending ?? 100_000;
  const onError =
    opts.onError ??
    ((err, info) =>
      console.error(
        `click recorder: write failed (${info.pending} clicks waiting, ${info.dropped} dropped)`,
        err,
      ));
  let buffer: Pending[] = [];
  /** the buffer's rows by link, visitor and minute */
  let index = new Map<string, Pending>();
  const add = (row: Pending) => {
    const key = `${row[0]}|${row[1]}|${row[3]}|${row[4]}`;
    const hit = index.get(key);
    if (hit) hit[5] += row[5];
    else {
      index.set(key, row);
      buffer.push(row);
    }
  };
  const clicksIn = (rows: Pending[]) => rows.reduce((n, r) => n + r[5], 0);
  let timer: NodeJS.Timeout | null = null;
  /** the tail of the chain of writes; never rejects */
  let tail: Promise<void> = Promise.resolve();
  /** a write queued on the tail that has not yet taken the buffer */
  let queued: Promise<void> | null = null;
  let inFlight = 0;
  let closed = false;
  let dropped = 0;
  let writer: Promise<Writer> | null = null;

  /**
   * Writes a group. Rows the database refuses for good (a constraint: their workspace was just
   * deleted, say) are found by halving the group and dropped, so they cannot block the rest.
   * On any other error the rows not yet written go back to the buffer for the next group.
   */
  const write = async (rows: Pending[]) => {
    const todo: Pending[][] = [rows];
    try {
      writer ??= chooseWriter(db, opts.worker ?? true);
      const w = await writer;
      while (todo.length) {
        const part = todo[0]!;
        try {
          await w.write(part);
          todo.shift();
        } catch (err) {
          if (!isPermanent(err)) throw err;
          todo.shift();
          if (part.length === 1) {
            dropped += part[0]![5];
            onError(err, { pending: clicksIn(buffer), dropped });
          } else {
            const mid = part.length >> 1;
            todo.unshift(part.slice(0, mid), part.slice(mid));
          }
        }
      }
    } catch (err) {
      // A writer that cannot recover (no thread, no file) gives way to writing from this thread.
      const w = await writer?.catch(() => null);
      if (!w || w.broken?.()) writer = Promise.resolve(directWriter(db));
      // Keep them for the next group, within bounds: clicks are worth less than memory.
      const kept = todo.flat().concat(buffer);
      buffer = [];
      index = new Map();
      if (kept.length > maxPending) dropped += clicksIn(kept.splice(0, kept.length - maxPending));
      for (const row of kept) add(row);
      onError(err, { pending: clicksIn(buffer), dropped });
      throw err;
    }
  };

  /** Queues a write of the buffer after any write in progress; resolves once it is written. */
  const startFlush = (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (queued) return queued;
    const next = tail.then(async () => {
      queued = null;
      if (!buffer.length) return;
      const rows = buffer;
      buffer = [];
      index = new Map();
      inFlight = clicksIn(rows);
      try {
        await write(rows);
      } finally {
        inFlight = 0;
      }
    });
    queued = next;
    tail = next.catch(() => {});
    return next;
  };

  const schedule = () => {
    if (timer || queued) return;
    timer = setTimeout(() => {
      timer = null;
      startFlush().catch(() => {});
    }, flushMs);
    // The timer alone does not keep a process alive: close() is what writes the last group.
    timer.unref();
  };

  const flush = () => startFlush();

  return {
    record(click) {
      if (closed) {
        // Too late to write (the database may be gone); a visitor never gets an error for it.
        dropped++;
        onError(new Error('click recorded after close'), { pending: clicksIn(buffer), dropped });
        return;
      }
      const minute = Date.now() - (Date.now() % MINUTE);
      add([click.workspaceId, click.linkId, click.programId, click.visitorKey, minute, 1]);
      if (buffer.length >= maxRows) startFlush().catch(() => {});
      else schedule();
    },
    flush,
    async close() {
      closed = true;
      try {
        await flush();
      } finally {
        if (writer) await (await writer.catch(() => null))?.close();
      }
    },
    get pending() {
      return clicksIn(buffer) + inFlight;
    },
  };
}

const secrets = new WeakMap<object, string>();
let dayCache = { second: -1, day: '' };
/** The UTC date, recomputed at most once a second. */
function utcDay(at: Date): string {
  const second = Math.floor(at.getTime() / 1000);
  if (dayCache.second !== second) dayCache = { second, day: at.toISOString().slice(0, 10) };
  return dayCache.day;
}

const keyWith = (secret: string, ip: string, userAgent: string, day: string) =>
  createHmac('sha256', secret).update(`${ip}\u0000${userAgent}\u0000${day}`).digest('base64url').slice(0, 22);

/**
 * A visitor key: HMAC over address, browser and the UTC date with a server secret. It counts
 * repeat clicks and bursts within a day; it rotates daily and cannot be turned back into an
 * address, so it identifies nobody.
 */
export async function visitorKey(db: Db, ip: string, userAgent: string, at = new Date()): Promise<string> {
  let secret = secrets.get(db);
  if (!secret) {
    secret = await serverSecret(db, 'visitor');
    secrets.set(db, secret);
  }
  return keyWith(secret, ip, userAgent, utcDay(at));
}

/**
 * What `GET /r/:code` does before it redirects: resolves the code and, for an open link,
 * records a click. Returns the resolution (null: land on the general page, nothing recorded).
 */
export async function trackClick(
  db: Db,
  recorder: ClickRecorder,
  rawCode: string,
  visitor: { ip: string; userAgent: string },
): Promise<ResolvedLink | null> {
  const resolved = await resolveLinkByCode(db, rawCode);
  if (!resolved) return null;
  const secret = secrets.get(db);
  recorder.record({
    workspaceId: resolved.link.workspaceId,
    linkId: resolved.link.id,
    programId: resolved.link.programId,
    visitorKey: secret
      ? keyWith(secret, visitor.ip, visitor.userAgent, utcDay(new Date()))
      : await visitorKey(db, visitor.ip, visitor.userAgent),
  });
  return resolved;
}
