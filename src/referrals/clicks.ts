import { type Db, transaction } from '../db/connect.ts';
import { newId } from '../lib/ids.ts';
import { hmac, serverSecret } from '../lib/server-secrets.ts';
import { type ResolvedLink, resolveLinkByCode } from './links.service.ts';

export type Click = { workspaceId: string; linkId: string; programId: string; visitorKey: string };

export type ClickRecorderOptions = {
  /** a group is written at most this long after its first click */
  flushMs?: number;
  /** a group is written as soon as it has this many clicks */
  maxRows?: number;
  /** clicks kept in memory while the database refuses writes; beyond this the oldest are dropped */
  maxPending?: number;
  /** told about a failed write (the clicks stay buffered and are retried) or dropped clicks */
  onError?: (err: unknown, info: { pending: number; dropped: number }) => void;
};

export type ClickRecorder = {
  /** Buffers one click; never waits for the database. */
  record: (click: Click) => void;
  /** Writes everything buffered so far. */
  flush: () => Promise<void>;
  /** Writes everything buffered; later clicks are dropped. Call on shutdown, before closing the db. */
  close: () => Promise<void>;
  /** clicks buffered and not yet written */
  readonly pending: number;
};

// Rows per INSERT: 6 columns × 500 stays far below both dialects' bound-parameter limits.
const CHUNK = 500;

/**
 * Records clicks in groups: the request only appends to an in-memory buffer; a group is written
 * `flushMs` after its first click or once it reaches `maxRows`, in one transaction of multi-row
 * inserts. A write in progress never blocks recording (new clicks go to a fresh buffer). `close()`
 * writes everything, so a clean shutdown loses nothing; a crash loses at most the clicks of the
 * last `flushMs` (plus any group being written at that moment).
 */
export function createClickRecorder(db: Db, opts: ClickRecorderOptions = {}): ClickRecorder {
  const flushMs = opts.flushMs ?? 10;
  const maxRows = opts.maxRows ?? 500;
  const maxPending = opts.maxPending ?? 100_000;
  const onError =
    opts.onError ??
    ((err, info) => console.error(`click recorder: write failed (${info.pending} clicks waiting)`, err));
  type Row = {
    workspace_id: string;
    id: string;
    link_id: string;
    program_id: string;
    visitor_key: string;
    at: string;
  };
  let buffer: Row[] = [];
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();
  let inFlight = 0;
  let closed = false;
  let dropped = 0;

  const write = async (rows: Row[]) => {
    try {
      await transaction(db, async (tx) => {
        for (let i = 0; i < rows.length; i += CHUNK) {
          await tx
            .insertInto('clicks')
            .values(rows.slice(i, i + CHUNK))
            .execute();
        }
      });
    } catch (err) {
      // Keep them for the next group, within bounds: clicks are worth less than memory.
      buffer = rows.concat(buffer);
      if (buffer.length > maxPending) {
        dropped += buffer.length - maxPending;
        buffer = buffer.slice(buffer.length - maxPending);
      }
      onError(err, { pending: buffer.length, dropped });
      throw err;
    }
  };

  /** Starts writing the current buffer after any write in progress; resolves when written. */
  const startFlush = (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    const next = writing.then(async () => {
      if (!buffer.length) return;
      const rows = buffer;
      buffer = [];
      inFlight = rows.length;
      try {
        await write(rows);
      } finally {
        inFlight = 0;
      }
    });
    // The chain goes on after a failure; the caller of this flush sees the error.
    writing = next.catch(() => {});
    return next;
  };

  const schedule = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      startFlush().catch(() => {});
    }, flushMs);
    // The timer alone does not keep a process alive: close() is what writes the last group.
    timer.unref();
  };

  return {
    record(click) {
      if (closed) {
        // Too late to write (the database may be gone); a visitor never gets an error for it.
        dropped++;
        onError(new Error('click recorded after close'), { pending: buffer.length, dropped });
        return;
      }
      buffer.push({
        workspace_id: click.workspaceId,
        id: newId(),
        link_id: click.linkId,
        program_id: click.programId,
        visitor_key: click.visitorKey,
        at: new Date().toISOString(),
      });
      if (buffer.length >= maxRows) startFlush().catch(() => {});
      else schedule();
    },
    flush() {
      // Queued after any write in progress, this takes every click recorded before the call.
      return startFlush();
    },
    async close() {
      closed = true;
      await this.flush();
    },
    get pending() {
      return buffer.length + inFlight;
    },
  };
}

const dayOf = (at: Date) => at.toISOString().slice(0, 10);

/**
 * A visitor key: HMAC over address, browser and the UTC date with a server secret. It counts
 * repeat clicks and bursts within a day; it rotates daily and cannot be turned back into an
 * address, so it identifies nobody.
 */
export async function visitorKey(db: Db, ip: string, userAgent: string, at = new Date()): Promise<string> {
  const secret = await serverSecret(db, 'visitor');
  return hmac(secret, ip, userAgent, dayOf(at)).slice(0, 22);
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
  recorder.record({
    workspaceId: resolved.link.workspaceId,
    linkId: resolved.link.id,
    programId: resolved.link.programId,
    visitorKey: await visitorKey(db, visitor.ip, visitor.userAgent),
  });
  return resolved;
}
