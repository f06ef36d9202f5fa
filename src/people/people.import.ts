import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { stringify } from 'csv-stringify/sync';
import { type Selectable, sql } from 'kysely';
import { type Actor, requireRole } from '../auth/auth.service.ts';
import { type Db, transaction } from '../db/connect.ts';
import { restoreSetAsideIndexes } from '../db/migrate.ts';
import { pageOf } from '../db/paging.ts';
import { notFound } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import {
  type ColumnField,
  type ColumnMapping,
  headerOf,
  mapColumns,
  missingColumns,
  type Source,
  unknownMappedHeaders,
} from './csv-columns.ts';
import {
  type Chunk,
  type Header,
  ImportFileError,
  type Piece,
  splitPieces,
  utf8Chunks,
} from './csv-input.ts';
import { COL, type PieceResult, ROW_WIDTH, type RowContext, valueAt, valueStart } from './import-packing.ts';
import {
  aloneFrom,
  BatchRows,
  type Counts,
  cellsOf,
  mayCopyUnchecked,
  type Part,
  type Reject,
  WrittenPhones,
  writeBatch,
} from './import-write.ts';
import type { ImportsTable } from './people.table.ts';
import { SeenKeys } from './seen-keys.ts';

export { ImportFileError } from './csv-input.ts';

/** An import as stored: what came in, what became of it. */
export type Import = {
  id: string;
  kind: 'people' | 'transactions';
  filename: string;
  status: 'running' | 'done' | 'failed';
  rowsTotal: number;
  rowsCreated: number;
  rowsUpdated: number;
  rowsUnchanged: number;
  rowsRejected: number;
  error: string | null;
  createdBy: string | null;
  createdAt: string;
  finishedAt: string | null;
};

/** What `importPeople` returns: the import, and how the file's columns were read. */
export type ImportSummary = Import & {
  /** The system the file came from, as recognised by its headers. */
  source: Source | null;
  /** Every column of the file and the field it fed; null marks a column Vouch did not use. */
  columns: Array<{ header: string; field: ColumnField | null }>;
  /** For a failed import: what kind of failure, and the line it was found on. */
  failure: { code: ImportFileError['code']; line: number | null } | null;
};

export type ImportOptions = {
  filename: string;
  onProgress?: (p: { rows: number; bytes: number }) => void;
  /** Rows per transaction (tests use small ones to cross batch boundaries). */
  batchSize?: number;
  /** Worker threads that parse and validate (default: 1 when there is a second core, else 0). */
  workers?: number;
  /** Bytes per piece handed to a parser (tests use small ones). */
  pieceBytes?: number;
  /** Columns mapped by hand, by header; the others are recognised by their header. */
  mapping?: ColumnMapping;
  /** SQLite: new people after which the name index may be set aside (tests use few). */
  nameIndexAsideAfter?: number;
};

export function toImport(row: Omit<Selectable<ImportsTable>, 'workspace_id'>): Import {
  return {
    id: row.id,
    kind: row.kind,
    filename: row.filename,
    status: row.status,
    rowsTotal: Number(row.rows_total),
    rowsCreated: Number(row.rows_created),
    rowsUpdated: Number(row.rows_updated),
    rowsUnchanged: Number(row.rows_unchanged),
    rowsRejected: Number(row.rows_rejected),
    error: row.error,
    createdBy: row.created_by,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

/** Rows per transaction: thousands, so commits are few and locks short. */
const DEFAULT_BATCH = 5000;
/**
 * Rows per transaction on PostgreSQL while the import is alone (`aloneFrom`): its rows stay
 * packed bytes (no person objects), and a batch's fixed steps (round trips, the matching before
 * COPY starts, the commit), during which the server waits, come four times less often: 54,000
 * → 64,000 rows/s at a million, 24 MB more at the peak. SQLite ran slower with bigger
 * transactions (its small page cache spills to the log before the commit).
 */
const ALONE_PG_BATCH = 20_000;
/** Bytes of the file read ahead of the piece being written (bounds memory: about 6,000 rows). */
const QUEUED_BYTES = 768 * 1024;
/**
 * Bytes a worker holds at once: enough to keep it busy while a batch is written, few enough
 * that a file of very long rows (pieces of up to 2 MB) stays within its heap.
 */
const WORKER_BYTES = 512 * 1024;
/** A worker is started once the file is bigger than this many pieces; small files stay inline. */
const WORKER_AFTER_PIECES = 16;

/** The import's row, `running` until it ends: the import history and its reject file live there. */
export async function startImport(
  db: Db,
  actor: Actor,
  kind: ImportsTable['kind'],
  filename: string,
): Promise<Selectable<ImportsTable>> {
  const row: Selectable<ImportsTable> = {
    workspace_id: actor.workspaceId,
    id: newId(),
    kind,
    filename: cleanFilename(filename),
    status: 'running',
    rows_total: 0,
    rows_created: 0,
    rows_updated: 0,
    rows_unchanged: 0,
    rows_rejected: 0,
    error: null,
    created_by: actor.userId,
    created_at: nowIso(),
    finished_at: null,
  };
  await db.insertInto('imports').values(row).execute();
  return row;
}

/**
 * Imports people from a CSV file, streaming. The file is cut into pieces at record boundaries;
 * each piece is parsed and every row validated (the same `PersonInput` and `preparePerson` as
 * the API), in a worker thread while the main thread writes, or inline. Rows are matched to
 * people already there by Vouch id, external id, email, then phone, and written a few thousand
 * per transaction with a handful of bulk statements. Rows that cannot be imported go to the
 * reject file with their line and reason. A problem with the file itself (encoding, a broken
 * quote, no usable column) ends the import as `failed`, naming the line; the rows before it
 * stay imported.
 */
export async function importPeople(
  db: Db,
  actor: Actor,
  input: Readable | AsyncIterable<Chunk> | Iterable<Chunk> | Chunk,
  opts: ImportOptions,
): Promise<ImportSummary> {
  requireRole(actor, 'manager');
  const ws = await db
    .selectFrom('workspaces')
    .select('country')
    .where('id', '=', actor.workspaceId)
    .executeTakeFirstOrThrow();
  const row = await startImport(db, actor, 'people', opts.filename);
  const tune = await tuneImport(db, opts.nameIndexAsideAfter);

  let bytes = 0;
  const source = splitPieces(
    utf8Chunks(input, (n) => {
      bytes += n;
    }),
    opts.pieceBytes,
  );
  let run: PeopleImport | undefined;
  let pool: ParserPool | undefined;
  let failure: ImportFileError | null = null;
  // Progress counts the bytes of pieces already written (reading runs a few pieces ahead).
  let done = 0;
  const progress = (final = false) =>
    opts.onProgress?.({ rows: run?.seen ?? 0, bytes: final ? bytes : done });
  try {
    const first = await source.next();
    const header = first.done ? null : (first.value as Header);
    if (!header) throw new ImportFileError('The file is empty: there is no header row.');
    const headers = header.fields.map((h) => h.trim());
    const mapping = opts.mapping && Object.keys(opts.mapping).length ? opts.mapping : undefined;
    const unknown = mapping && unknownMappedHeaders(headers, mapping);
    if (unknown) throw new ImportFileError(unknown, header.line);
    const map = mapColumns(headers, mapping);
    const missing = missingColumns(map);
    if (missing) throw new ImportFileError(missing, header.line);
    const ctx: RowContext = {
      headers,
      delimiter: header.delimiter,
      country: ws.country,
      ...(mapping ? { mapping } : {}),
    };
    run = new PeopleImport(db, actor.workspaceId, row.id, ctx, map.source, opts.batchSize);
    run.copyUnchecked = await mayCopyUnchecked(db);
    run.written = tune.written;
    run.alone = await aloneFrom(db, actor.workspaceId);
    if (run.alone !== undefined) run.phones = new WrittenPhones();
    run.columns = map.columns;
    const workers = opts.workers ?? (availableParallelism() > 1 ? 1 : 0);

    // Pieces in file order, each parsed by the worker or, without one, here.
    type Slot = { piece: Piece; size: number; result: Promise<PieceResult> };
    const queue: Slot[] = [];
    let queued = 0;
    let sourceDone = false;
    let sourceError: unknown = null;
    const nextPiece = async (): Promise<Piece | null> => {
      if (sourceDone || sourceError) return null;
      try {
        const r = await source.next();
        if (!r.done) {
          const piece = r.value as Piece;
          if (!pool && workers > 0 && piece.seq >= WORKER_AFTER_PIECES) pool = new ParserPool(ctx);
          return piece;
        }
        sourceDone = true;
      } catch (err) {
        sourceError = err;
      }
      return null;
    };
    for (;;) {
      // Below the limits: so one piece, however big, always goes.
      while (pool && pool.bytes < WORKER_BYTES && queued < QUEUED_BYTES) {
        const piece = await nextPiece();
        if (!piece) break;
        const size = piece.buf.length;
        const result = pool.parse(piece);
        result.catch(() => {}); // a failure surfaces where the piece's turn comes
        queue.push({ piece, size, result });
        queued += size;
      }
      if (!queue.length) {
        // Without a worker (a small file, one core) pieces are parsed here. With one, the main
        // thread only matches and writes, the slower half: the worker keeps up on its own.
        const piece = pool ? null : await nextPiece();
        if (!piece) break;
        // Loaded only here: with a worker, this thread never needs the parser (zod, libphonenumber).
        const { readPiece } = await import('./import-rows.ts');
        const result = readPiece(ctx, map, piece.seq, piece.buf, piece.startLine, nowIso());
        queue.push({ piece, size: piece.buf.length, result: Promise.resolve(result) });
        queued += piece.buf.length;
        continue;
      }
      const slot = queue.shift()!;
      queued -= slot.size;
      const result = await slot.result;
      await run.apply(slot.piece, result);
      // Pieces already parsed resolve at once, and a run of them would starve I/O: the database's
      // answers to the batch being written would wait until the next batch is full (PostgreSQL:
      // its server then idled about 12 ms a batch). Let them in between pieces.
      await setImmediate();
      done += slot.size;
      progress();
      if (result.error) {
        failure = new ImportFileError(result.error.message.replace(/^Line \d+: /, ''), result.error.line);
        break;
      }
    }
    if (!failure && sourceError) throw sourceError;
    await run.finish();
  } catch (err) {
    const internal = async (e: unknown) => {
      await finishRow(db, row, 'failed', 'The import stopped on an internal error; it has been logged').catch(
        () => {},
      );
      throw e;
    };
    if (!(err instanceof ImportFileError)) return internal(err);
    failure = err;
    // Everything read before the problem is good: it is imported.
    await run?.finish().catch(internal);
  } finally {
    await pool?.close();
    await source.return(undefined).catch(() => {});
    await tune.untune();
  }
  await finishRow(db, row, failure ? 'failed' : 'done', failure?.message ?? null);
  progress(true);
  const c = run?.counts ?? { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  return {
    ...toImport({
      ...row,
      rows_total: c.created + c.updated + c.unchanged + c.rejected,
      rows_created: c.created,
      rows_updated: c.updated,
      rows_unchanged: c.unchanged,
      rows_rejected: c.rejected,
    }),
    source: run?.source ?? null,
    columns: run?.columns ?? [],
    failure: failure ? { code: failure.code, line: failure.line } : null,
  };
}

async function finishRow(
  db: Db,
  row: Selectable<ImportsTable>,
  status: 'done' | 'failed',
  error: string | null,
) {
  row.status = status;
  row.error = error;
  row.finished_at = nowIso();
  await db
    .updateTable('imports')
    .set({ status, error, finished_at: row.finished_at })
    .where('workspace_id', '=', row.workspace_id)
    .where('id', '=', row.id)
    .execute();
}

/** Imports running per database connection, and what to put back after the last. */
const runningImports = new WeakMap<
  Db,
  {
    running: number;
    before: Promise<{ settings: [number, number, number] | null; people: number }>;
    /** Whether an import tried to set the name index aside (once), and whether it is aside. */
    nameIndexTried: boolean;
    nameIndexAside: boolean;
  }
>();

/** An import this many new people long may set the people name index aside (see `tuneImport`). */
const NAME_INDEX_ASIDE_AFTER = 50_000;

/**
 * While an import runs, SQLite keeps 2 MB of pages instead of the app's 32 MB (an import touches
 * each page of its indexes a few times per batch, and the operating system's cache serves the
 * rest: 2 MB ran as fast as 8 MB at a million rows, 5–10 MB lower at the peak) and checkpoints
 * the WAL every 40 MB instead of every 4 MB (a page written by many batches is copied back
 * once). It also lets SQLite sort with helper threads, one a core, when it builds the name index
 * again (below; 1.2 → 0.8–1.0 s per million people on two cores). These are the connection's
 * settings, put back when the last import on it ends.
 *
 * A big import also sets the people name index aside, on both databases, once it has created as
 * many people as the table held before it (and at least `asideAfter`): new names land all over
 * that index, which cost a third of SQLite's time per row and a tenth of PostgreSQL's, and
 * building it again from the whole table once sorts them instead (about a second per million
 * people). Meanwhile the people list sorts without it. The last import on the connection builds
 * it again, even when it fails; after a crash, the next start does (`restoreSetAsideIndexes`).
 * PostgreSQL keeps it when the drop would wait more than a second for its lock or the role may
 * not drop it.
 */
async function tuneImport(db: Db, asideAfter = NAME_INDEX_ASIDE_AFTER) {
  const pragma = async (name: string, value?: number) =>
    Object.values(
      (await sql.raw(`pragma ${name}${value === undefined ? '' : ` = ${value}`}`).execute(db)).rows[0] ?? {},
    )[0] as number;
  let state = runningImports.get(db);
  if (state) state.running++;
  else {
    const before = (async () => {
      if (db.dialect === 'postgres') {
        // The planner's estimate of the table's rows (every workspace): cheap, and close enough.
        const { rows } = await sql<{ n: string | null }>`
          select greatest(reltuples, 0)::bigint as n from pg_class where oid = to_regclass('people')`.execute(
          db,
        );
        return { settings: null, people: Number(rows[0]?.n ?? 0) };
      }
      const settings: [number, number, number] = [
        await pragma('cache_size'),
        await pragma('wal_autocheckpoint'),
        await pragma('threads'),
      ];
      await pragma('cache_size', -2_000);
      await pragma('wal_autocheckpoint', 10_000);
      await pragma('threads', availableParallelism());
      // One step down the table: its largest rowid is at least how many people it holds (every workspace).
      const { rows } = await sql<{ n: number | null }>`select max(rowid) as n from people`.execute(db);
      return { settings, people: rows[0]?.n ?? 0 };
    })();
    state = { running: 1, before, nameIndexTried: false, nameIndexAside: false };
    runningImports.set(db, state);
  }
  const s = state;
  const { people } = await s.before;
  return {
    /** After each batch, with the people this import has created so far. */
    async written(created: number) {
      if (s.nameIndexTried || created < Math.max(asideAfter, people)) return;
      s.nameIndexTried = true;
      s.nameIndexAside = true;
      if (db.dialect === 'sqlite') {
        await sql`drop index if exists people_name`.execute(db);
        return;
      }
      await transaction(db, async (tx) => {
        await sql`set local lock_timeout = '1s'`.execute(tx);
        await sql`drop index if exists people_name`.execute(tx);
      }).catch(() => {
        s.nameIndexAside = false; // kept: the import goes on with it
      });
    },
    async untune() {
      if (--s.running > 0) return;
      runningImports.delete(db);
      // Built while the page cache is small: SQLite's sort then spills to a file sooner.
      if (s.nameIndexAside) await restoreSetAsideIndexes(db);
      const { settings } = await s.before;
      if (!settings) return;
      await pragma('cache_size', settings[0]);
      await pragma('wal_autocheckpoint', settings[1]);
      await pragma('threads', settings[2]);
    },
  };
}

function cleanFilename(name: string): string {
  const clean = basename(name.replaceAll('\\', '/'))
    .replace(/[\p{C}"]/gu, '')
    .trim()
    .slice(0, 200);
  return clean || 'upload.csv';
}

/** One worker thread parsing and validating pieces, answers matched to requests by `seq`. */
class ParserPool {
  private readonly worker: Worker;
  private readonly waiting = new Map<
    number,
    { resolve: (r: PieceResult) => void; reject: (e: Error) => void }
  >();
  private failed: Error | null = null;

  constructor(ctx: RowContext) {
    this.worker = new Worker(new URL('./import-worker.ts', import.meta.url), {
      // A small heap: the worker's rows die young, and its live set is a few pieces (about 25 MB
      // less at the peak than a 256 MB old generation, which V8 fills before collecting).
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 128 },
    });
    this.worker.unref();
    this.worker.on('message', (msg: PieceResult | { seq: number; crash: string }) => {
      const w = this.waiting.get(msg.seq);
      this.waiting.delete(msg.seq);
      if ('crash' in msg) w?.reject(new Error(`import worker failed: ${msg.crash}`));
      else w?.resolve(msg);
    });
    const fail = (err: Error) => {
      this.failed = err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`import worker exited (${code})`)));
    this.worker.postMessage({ ctx });
  }

  /** Bytes of the file the worker holds. */
  bytes = 0;

  parse(piece: Piece): Promise<PieceResult> {
    if (this.failed) return Promise.reject(this.failed);
    const size = piece.buf.length;
    this.bytes += size;
    return new Promise((resolve, reject) => {
      this.waiting.set(piece.seq, {
        resolve: (r) => {
          this.bytes -= size;
          piece.buf = Buffer.from(r.buf!.buffer, r.buf!.byteOffset, r.buf!.byteLength);
          // A moved Buffer arrives as a plain Uint8Array.
          r.chars = Buffer.from(r.chars.buffer, r.chars.byteOffset, r.chars.byteLength);
          resolve(r);
        },
        reject: (e) => {
          this.bytes -= size;
          reject(e);
        },
      });
      // The bytes move to the worker and come back with the result (the reject file may need
      // them). A piece that is a view of a bigger buffer (Node's pool, a read chunk) is copied
      // first: sending the view would copy its whole buffer, both ways.
      const own = piece.buf.byteOffset === 0 && piece.buf.byteLength === piece.buf.buffer.byteLength;
      const buf = own ? piece.buf : new Uint8Array(piece.buf);
      this.worker.postMessage({ seq: piece.seq, buf, startLine: piece.startLine, now: nowIso() }, [
        buf.buffer as ArrayBuffer,
      ]);
    });
  }

  async close() {
    this.failed ??= new Error('import finished');
    await this.worker.terminate();
  }
}

// --- one import -----------------------------------------------------------------------------

/** The kinds of key a row claims in the file (see SeenKeys). */
const KEY_KINDS = [
  [COL.vouch_id, 1, 'vouchId'],
  [COL.external_id, 2, 'externalId'],
  [COL.email_key, 3, 'email'],
] as const;

class PeopleImport {
  /** Records read so far (for progress). */
  seen = 0;
  /** What is committed. */
  counts: Counts = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  columns: ImportSummary['columns'] = [];
  private batch = new BatchRows();
  private rejects: Reject[] = [];
  private keys = new SeenKeys();
  private rejectHeaderWritten = false;
  /** PostgreSQL: new people are copied without per-row foreign-key checks (see `mayCopyUnchecked`). */
  copyUnchecked = false;
  /** See `aloneFrom`. */
  alone: string | undefined;
  /** The phones of the people it has created, while it is alone (`aloneFrom`). */
  phones: WrittenPhones | undefined;
  /** Told the people created so far after each batch commits. */
  written?: (created: number) => Promise<void>;
  /** The batch being written while the next is read (PostgreSQL works while Node parses). */
  private inflight: Promise<void> | null = null;
  private readonly db: Db;
  private readonly workspaceId: string;
  private readonly importId: string;
  private readonly ctx: RowContext;
  readonly source: Source;
  /** Rows per transaction when the caller chose (see `batchLimit`). */
  private readonly batchSize: number | undefined;
  private readonly map;

  constructor(
    db: Db,
    workspaceId: string,
    importId: string,
    ctx: RowContext,
    source: Source,
    batchSize: number | undefined,
  ) {
    this.db = db;
    this.workspaceId = workspaceId;
    this.importId = importId;
    this.ctx = ctx;
    this.source = source;
    this.batchSize = batchSize;
    this.map = mapColumns(ctx.headers, ctx.mapping);
  }

  private get batchLimit(): number {
    if (this.batchSize) return this.batchSize;
    return this.db.dialect === 'postgres' && this.alone !== undefined ? ALONE_PG_BATCH : DEFAULT_BATCH;
  }

  /** Takes the rows of a parsed piece: duplicates within the file are refused, the rest queued. */
  async apply(piece: Piece, r: PieceResult) {
    this.seen += r.seen;
    // A piece the worker parsed came back in buffers nothing else refers to (see BatchRows.free).
    const part: Part = { buf: piece.buf, r, own: r.buf !== undefined };
    // Rejects join the stream in line order, so the reject file is in file order.
    let nextReject = 0;
    rows: for (let i = 0; i < r.lines.length; i++) {
      const line = r.lines[i]!;
      while (nextReject < r.rejects.length && r.rejects[nextReject]!.line < line)
        this.rejects.push(r.rejects[nextReject++]!);
      // One person per row: the same Vouch id, external id or email twice in a file is refused.
      for (let k = 0; k < KEY_KINDS.length; k++) {
        const [col, kind, field] = KEY_KINDS[k]!;
        // Hashed from the packed characters: no string for a key seen for the first time.
        const at = i * ROW_WIDTH + col;
        const end = r.ends[at]!;
        const earlier =
          end < 0 ? 0 : this.keys.claimChars(r.chars, valueStart(r, at), end, r.wide, line, kind);
        if (!earlier) continue;
        const key = valueAt(r, i, col);
        // The keys this row claimed before this one are free again.
        for (const [c, kd] of KEY_KINDS.slice(0, k)) {
          const claimed = valueAt(r, i, c);
          if (claimed !== null) this.keys.forget(claimed, kd);
        }
        const fields = cellsOf(part, i, this.ctx.delimiter);
        const shown = field === 'email' ? valueAt(r, i, COL.email) : key;
        const reason = `${headerOf(this.map, fields, field)} ${shown} already appears on line ${earlier}; one person per row`;
        this.rejects.push({ line, fields, reason });
        continue rows;
      }
      this.batch.add(part, i);
      if (this.batch.length >= this.batchLimit) await this.flush(false);
    }
    while (nextReject < r.rejects.length) this.rejects.push(r.rejects[nextReject++]!);
  }

  /** Writes what is pending; waits for all writes when `last`. */
  private async flush(last: boolean) {
    if (this.inflight) {
      const previous = this.inflight;
      this.inflight = null;
      await previous;
    }
    if (this.batch.length || this.rejects.length) {
      const batch = this.batch;
      const rejects = this.rejects;
      this.batch = new BatchRows();
      this.rejects = [];
      const write = this.write(batch, rejects);
      // Never an unhandled rejection: the error surfaces at the next await of `inflight`.
      write.catch(() => {});
      this.inflight = write;
    }
    if (last && this.inflight) {
      const previous = this.inflight;
      this.inflight = null;
      await previous;
    }
  }

  finish() {
    return this.flush(true);
  }

  private async write(rows: BatchRows, rejects: Reject[]) {
    const { counts, late, alone } = await writeBatch(this.db, {
      workspaceId: this.workspaceId,
      importId: this.importId,
      headers: this.ctx.headers,
      delimiter: this.ctx.delimiter,
      rows,
      rejects,
      counts: this.counts,
      headerWritten: this.rejectHeaderWritten,
      copyUnchecked: this.copyUnchecked,
      alone: this.alone,
      phones: this.phones,
    });
    this.alone = alone;
    if (alone === undefined) this.phones = undefined;
    // Rows refused only now free their keys for later rows of the file.
    for (const i of late) {
      for (const [col, kind] of KEY_KINDS) {
        const key = rows.value(i, col);
        if (key !== null) this.keys.forget(key, kind);
      }
    }
    if (counts.rejected > this.counts.rejected) this.rejectHeaderWritten = true;
    this.counts = counts;
    rows.free();
    await this.written?.(counts.created);
  }
}

// --- reading imports back ---------------------------------------------------------------------

const IMPORT_COLUMNS = [
  'id',
  'kind',
  'filename',
  'status',
  'rows_total',
  'rows_created',
  'rows_updated',
  'rows_unchanged',
  'rows_rejected',
  'error',
  'created_by',
  'created_at',
  'finished_at',
] as const;

/** The workspace's imports, newest first (the reject files are fetched one by one). */
export async function listImports(db: Db, actor: Actor, q: { page: number; pageSize: number }) {
  requireRole(actor, 'manager');
  const base = db.selectFrom('imports').where('workspace_id', '=', actor.workspaceId);
  const { rows, total } = await pageOf(base, base.select(IMPORT_COLUMNS).orderBy('id', 'desc'), q);
  return { items: rows.map(toImport), total, page: q.page, pageSize: q.pageSize };
}

export async function getImport(db: Db, actor: Actor, id: string): Promise<Import> {
  requireRole(actor, 'manager');
  const row = await db
    .selectFrom('imports')
    .select(IMPORT_COLUMNS)
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Import');
  return toImport(row);
}

/** The reject file of an import: the refused rows as they were, with `line` and `reason` first. */
export async function getRejectsCsv(
  db: Db,
  actor: Actor,
  id: string,
): Promise<{ filename: string; csv: string }> {
  requireRole(actor, 'manager');
  const row = await db
    .selectFrom('imports')
    .select('filename')
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Import');
  const parts = await db
    .selectFrom('import_rejects')
    .select('csv')
    .where('workspace_id', '=', actor.workspaceId)
    .where('import_id', '=', id)
    .orderBy('part')
    .execute();
  return { filename: row.filename, csv: parts.map((p) => p.csv).join('') || stringify([['line', 'reason']]) };
}
