/**
 * The writing half of a people import: one batch of valid rows matched to the people already
 * there and written in one transaction, with the import's counts and reject rows, by a few bulk
 * statements per dialect.
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';
import { CompiledQuery, type Selectable, sql } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';
import { type Db, transaction } from '../db/connect.ts';
import { notFound } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { type ColumnField, guardCell } from './csv-columns.ts';
import { parsePiece } from './csv-input.ts';
import {
  COL,
  FIELD_BITS,
  type PieceResult,
  ROW_WIDTH,
  unpackTags,
  valueAt,
  valueStart,
} from './import-packing.ts';
import type { PeopleTable } from './people.table.ts';

type PersonRow = Selectable<PeopleTable>;

/**
 * A parsed piece whose rows wait in a batch: its bytes (for reject rows) and its valid rows;
 * `own` when nothing else refers to their buffers (they came back from the worker).
 */
export type Part = { buf: Buffer; r: PackedRows; own: boolean };
type PackedRows = Pick<PieceResult, 'lines' | 'present' | 'ranges' | 'chars' | 'wide' | 'ends'>;

/**
 * The valid rows of one batch, each a piece and its index there: parallel arrays of numbers,
 * not an object per row, so a batch waiting to be written costs the garbage collector nothing.
 */
export class BatchRows {
  parts: Part[] = [];
  private part: number[] = [];
  private row: number[] = [];

  get length() {
    return this.row.length;
  }

  add(part: Part, row: number) {
    if (this.parts[this.parts.length - 1] !== part) this.parts.push(part);
    this.part.push(this.parts.length - 1);
    this.row.push(row);
  }

  value(i: number, col: number): string | null {
    return valueAt(this.parts[this.part[i]!]!.r, this.row[i]!, col);
  }

  /** The packed rows of the piece row `i` is in (COPY copies their bytes as they are)… */
  packed(i: number): PackedRows {
    return this.parts[this.part[i]!]!.r;
  }

  /** …and its index there. */
  rowIn(i: number): number {
    return this.row[i]!;
  }

  line(i: number): number {
    return this.parts[this.part[i]!]!.r.lines[this.row[i]!]!;
  }

  /**
   * The phone hash (FNV-1a, see FNV_OFFSET) of value `col` of row `i`, made from its packed
   * characters with no string; -1 for null.
   */
  hash(i: number, col: number): number {
    const r = this.parts[this.part[i]!]!.r;
    const k = this.row[i]! * ROW_WIDTH + col;
    const end = r.ends[k]!;
    if (end < 0) return -1;
    const { chars, wide } = r;
    let h = FNV_OFFSET;
    for (let p = valueStart(r, k); p < end; p++)
      h = Math.imul(h ^ (wide ? chars[2 * p]! | (chars[2 * p + 1]! << 8) : chars[p]!), FNV_PRIME);
    return h & 0x3fffffff;
  }

  present(i: number): number {
    return this.parts[this.part[i]!]!.r.present[this.row[i]!]!;
  }

  /**
   * Frees the memory of the batch's pieces once it is written, but the last's (its rows may go
   * on into the next batch) and those not its own: V8 would keep them until its next full
   * collection, 10–15 MB at the peak of a big import.
   */
  free() {
    for (const { buf, r, own } of this.parts.slice(0, -1)) {
      if (!own) continue;
      for (const v of [buf, r.chars, r.ends, r.lines, r.present, r.ranges])
        if (v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) (v.buffer as ArrayBuffer).transfer(0);
    }
  }

  /** The original cells of row `i` (parsed again from its piece: only ever needed for a reject). */
  fields(i: number, delimiter: string): string[] {
    return cellsOf(this.parts[this.part[i]!]!, this.row[i]!, delimiter);
  }
}

export function cellsOf({ buf, r }: Part, row: number, delimiter: string): string[] {
  const bytes = buf.subarray(r.ranges[2 * row]!, r.ranges[2 * row + 1]!);
  return parsePiece(bytes, delimiter, r.lines[row]!).records[0]?.fields ?? [];
}

export type Reject = { line: number; fields: string[]; reason: string };
export type Counts = { created: number; updated: number; unchanged: number; rejected: number };

/** One batch for `writeBatch`: its rows, the rows already refused, and the import's state. */
export type BatchJob = {
  workspaceId: string;
  importId: string;
  headers: string[];
  delimiter: string;
  rows: BatchRows;
  rejects: Reject[];
  /** The counts committed before this batch. */
  counts: Counts;
  /** Whether the reject file has its header row yet. */
  headerWritten: boolean;
  /** PostgreSQL: new people are copied without per-row foreign-key checks (see `mayCopyUnchecked`). */
  copyUnchecked?: boolean;
  /** Where people writes stood when the import last looked, while it is alone (see `aloneFrom`). */
  alone?: string | undefined;
  /** The phones of the people the import has created, while it is alone. */
  phones?: WrittenPhones;
};

/**
 * The phones of the people an import has created, as one bit each of a 2 MB table, by hash.
 * While the import is alone (`aloneFrom`) those are the only people a phone can find, so a phone
 * whose bit is clear is not looked up: a first import looks up almost none. A bit set by another
 * phone (about one in seventeen at a million people) costs a look-up that finds nobody. Phones
 * are given by their hash (`BatchRows.hash`), which the batch makes anyway.
 */
export class WrittenPhones {
  private readonly bits = new Uint8Array(1 << 21);

  add(hash: number) {
    this.bits[(hash >>> 3) & 0x1fffff]! |= 1 << (hash & 7);
  }

  mayHave(hash: number): boolean {
    return (this.bits[(hash >>> 3) & 0x1fffff]! & (1 << (hash & 7))) !== 0;
  }
}

/**
 * When the workspace has nobody yet: where people writes stand, of every workspace, for
 * `BatchJob.alone`. While nobody but the import adds a person, only a phone can find someone for
 * its rows: the file's Vouch ids, external ids and emails each appear once (a second is
 * refused), so the look-ups by those are skipped. Anyone else's new person ends it for the rest
 * of the import.
 * - SQLite: the largest people rowid. A batch compares it as it begins (a SQLite writer has the
 *   database to itself until it commits) and reads it again after its own inserts.
 * - PostgreSQL: the `people_writes` sequence, which every statement adding people moves but the
 *   import's own (migration 0016). A batch compares it just before it commits; when it moved,
 *   the batch rolls back and is written again with every look-up.
 */
export async function aloneFrom(db: Db, workspaceId: string): Promise<string | undefined> {
  const someone = await db
    .selectFrom('people')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .limit(1)
    .execute();
  return someone.length ? undefined : peopleWrites(db);
}

const peopleWrites = async (db: Db): Promise<string> => {
  const query =
    db.dialect === 'postgres'
      ? sql<{ n: string }>`select people_writes_now() as n`
      : sql<{ n: string }>`select cast(coalesce(max(rowid), 0) as text) as n from people`;
  return (await query.execute(db)).rows[0]!.n;
};

/**
 * Adds a batch's refused rows (CSV text) to its import's reject file, as the part keyed by the
 * line of the first: parts in that order are the file's order (migration 0017, `getRejectsCsv`).
 */
export async function addRejectPart(
  tx: Db,
  workspaceId: string,
  importId: string,
  firstLine: number,
  csv: string,
) {
  await tx
    .insertInto('import_rejects')
    .values({ workspace_id: workspaceId, import_id: importId, part: firstLine, csv })
    .execute();
}

/** Thrown inside a batch's transaction to roll it back: someone added a person meanwhile. */
class NotAlone extends Error {}

/**
 * Whether a PostgreSQL connection may copy new people without their per-row foreign-key checks:
 * setting `session_replication_role` takes a superuser or, from PostgreSQL 15, a role granted
 * `SET ON PARAMETER session_replication_role` (docs/scaling.md).
 */
export async function mayCopyUnchecked(db: Db): Promise<boolean> {
  if (db.dialect !== 'postgres') return false;
  const { rows } = await sql<{ su: string; version: number }>`
    select current_setting('is_superuser') as su, current_setting('server_version_num')::int as version`.execute(
    db,
  );
  if (rows[0]!.su === 'on') return true;
  if (rows[0]!.version < 150000) return false;
  const granted = await sql<{ ok: boolean }>`
    select has_parameter_privilege('session_replication_role', 'SET') as ok`.execute(db);
  return granted.rows[0]!.ok;
}

/**
 * Matches and writes one batch in one transaction, with the import's counts and the batch's
 * reject rows: returns the counts as committed and the rows refused only now (their keys are
 * free again for later rows of the file). A batch written without look-ups that finds, before
 * it commits, that someone else added a person meanwhile is rolled back and written again.
 */
export async function writeBatch(db: Db, job: BatchJob): Promise<BatchWritten> {
  if (db.dialect === 'sqlite' && !db.isTransaction)
    return withoutForeignKeys(db, (c) => transaction(c, (tx) => writeIn(tx, job, job.alone)));
  try {
    return await transaction(db, (tx) => writeIn(tx, job, job.alone));
  } catch (err) {
    if (!(err instanceof NotAlone)) throw err;
    return transaction(db, (tx) => writeIn(tx, job, undefined));
  }
}

type BatchWritten = { counts: Counts; late: number[]; alone: string | undefined };

/**
 * SQLite: runs `fn` on the connection with foreign keys off, for one batch's transaction (the
 * setting changes nothing inside a transaction). Checked, they make every multi-row insert keep
 * a statement journal, a copy of each page it changes, to undo that one statement if a later row
 * fails a check: a quarter of the inserts' time at a million rows. The batch needs no check: it
 * holds the write lock from its first statement, finds its workspace there first (`writeIn`),
 * and tags only people it writes or finds in that same transaction. Its inserts run `or fail`
 * for the same reason: any failure rolls back the whole batch.
 */
async function withoutForeignKeys<T>(db: Db, fn: (c: Db) => Promise<T>): Promise<T> {
  return db.connection().execute(async (c) => {
    const conn = Object.assign(c, { dialect: db.dialect });
    await sql`pragma foreign_keys = off`.execute(conn);
    try {
      return await fn(conn);
    } finally {
      await sql`pragma foreign_keys = on`.execute(conn);
    }
  });
}

async function writeIn(tx: Db, job: BatchJob, alone: string | undefined): Promise<BatchWritten> {
  const { rows } = job;
  const counts = { ...job.counts };
  const late: number[] = [];
  const rejects = [...job.rejects];
  const before = alone === undefined ? undefined : await peopleWrites(tx);
  const onlyPhones = before !== undefined && before === alone;
  const store = new Store(tx, job.workspaceId, job.copyUnchecked ?? false);
  // The batch writes its rows without per-row foreign-key checks (`withoutForeignKeys`,
  // `mayCopyUnchecked`), so it checks the workspace once, and keeps it until it commits: on
  // SQLite the batch holds the write lock, on PostgreSQL the row's lock that each check would take.
  const workspace = tx.selectFrom('workspaces').select('id').where('id', '=', job.workspaceId);
  if (!(await (tx.dialect === 'postgres' ? workspace.forKeyShare() : workspace).execute()).length)
    throw notFound('Workspace');
  if (tx.dialect === 'postgres') {
    // Bulk statements over thousands of rows look expensive enough to PostgreSQL to compile
    // them (JIT), which costs more than it saves here.
    await sql`set local jit = off`.execute(tx);
    if (onlyPhones) await sql`set local vouch.import = 'on'`.execute(tx);
  }
  const phones = onlyPhones ? job.phones : undefined;
  for (const { i, reason } of await applyBatch(store, rows, counts, onlyPhones, phones)) {
    late.push(i);
    rejects.push({ line: rows.line(i), fields: rows.fields(i, job.delimiter), reason });
  }
  counts.rejected += rejects.length;
  let csv = '';
  if (rejects.length) {
    rejects.sort((a, b) => a.line - b.line);
    const lines = rejects.map((r) => [String(r.line), r.reason, ...r.fields].map(guardCell));
    if (!job.headerWritten) lines.unshift(['line', 'reason', ...job.headers].map(guardCell));
    csv = stringify(lines);
  }
  await tx
    .updateTable('imports')
    .set({
      rows_total: counts.created + counts.updated + counts.unchanged + counts.rejected,
      rows_created: counts.created,
      rows_updated: counts.updated,
      rows_unchanged: counts.unchanged,
      rows_rejected: counts.rejected,
    })
    .where('workspace_id', '=', job.workspaceId)
    .where('id', '=', job.importId)
    .execute();
  if (csv) await addRejectPart(tx, job.workspaceId, job.importId, rejects[0]!.line, csv);
  if (!onlyPhones) return { counts, late, alone: undefined };
  const after = await peopleWrites(tx);
  if (tx.dialect === 'postgres' && after !== before) throw new NotAlone();
  return { counts, late, alone: after };
}

// --- matching and writing one batch ---------------------------------------------------------

/** A person as this batch sees them: loaded from the database or created by an earlier row. */
type Working = { row: PersonRow; tags: Set<string>; added: string[]; isNew: boolean; dirty: boolean };

const ADDRESS_KEYS = ['line1', 'line2', 'city', 'region', 'postalCode', 'country'] as const;
const canonicalAddress = (json: string, over?: Record<string, string>) => {
  const a = JSON.parse(json) as Record<string, string | undefined>;
  return JSON.stringify(Object.fromEntries(ADDRESS_KEYS.map((k) => [k, over?.[k] ?? a[k] ?? ''])));
};

/**
 * Matches every row of a batch to a person (by Vouch id, external id, email key, then phone;
 * a phone alone does not join two people with different emails or external ids), merges or
 * creates, and writes the lot. Counts go into `counts`; rows refused only now are returned.
 *
 * Merging: the columns the file has overwrite, empty cells never erase; tags are added; an
 * external id is filled in but never replaced; consent and do-not-contact are only ever added.
 *
 * A row that matches nobody is written straight from its packed values (most rows of a first
 * import); objects are made only for the people it finds and for a new person a later row of
 * the batch matches by phone.
 */
async function applyBatch(
  store: Store,
  rows: BatchRows,
  counts: Counts,
  onlyPhones: boolean,
  /** While the import is alone: phones it has not written are not looked up, and new ones go in. */
  phones: WrittenPhones | undefined,
) {
  const late: Array<{ i: number; reason: string }> = [];
  const n = rows.length;
  // Look up by email and phone only the rows an earlier key did not find (a re-import finds
  // nearly everyone by external id, and then needs no more queries).
  const found = new Map<string, PersonRow>();
  const seen = { id: new Set<string>(), external_id: new Set<string>(), email_key: new Set<string>() };
  const matched = (i: number) => {
    const id = rows.value(i, COL.vouch_id);
    const ext = rows.value(i, COL.external_id);
    const email = rows.value(i, COL.email_key);
    return (
      (id !== null && seen.id.has(id)) ||
      (ext !== null && seen.external_id.has(ext)) ||
      (email !== null && seen.email_key.has(email))
    );
  };
  const lookups = [
    ['id', COL.vouch_id],
    ['external_id', COL.external_id],
    ['email_key', COL.email_key],
    ['phone', COL.phone],
  ] as const;
  for (const [column, col] of onlyPhones ? lookups.slice(3) : lookups) {
    // Every external id is looked up: one that belongs to someone else must not be filled in.
    const values = new Set<string>();
    for (let i = 0; i < n; i++) {
      if (phones) {
        const h = rows.hash(i, col);
        if (h < 0 || !phones.mayHave(h)) continue;
      }
      const k = column !== 'external_id' && found.size && matched(i) ? null : rows.value(i, col);
      if (k !== null) values.add(k);
    }
    if (!values.size) continue;
    for (const r of await store.people(column, [...values])) {
      found.set(r.id, r);
      seen.id.add(r.id);
      if (r.external_id) seen.external_id.add(r.external_id);
      if (r.email_key) seen.email_key.add(r.email_key);
    }
  }
  const tags = await store.tags([...found.keys()]);
  const people = new Map<string, Working>();
  const byExt = new Map<string, Working>();
  const byEmail = new Map<string, Working>();
  const byPhone = new Map<string, Working[]>();
  const index = (w: Working) => {
    const r = w.row;
    if (r.external_id && !byExt.has(r.external_id)) byExt.set(r.external_id, w);
    if (r.email_key && !byEmail.has(r.email_key)) byEmail.set(r.email_key, w);
    if (r.phone) {
      const list = byPhone.get(r.phone);
      if (!list) byPhone.set(r.phone, [w]);
      else if (!list.includes(w)) list.push(w);
    }
  };
  // Oldest first (ids are time-ordered), so a key shared by several people finds the first.
  for (const row of [...found.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const w: Working = {
      row, // the look-up's own object: nothing else reads it
      tags: new Set(tags.get(row.id)),
      added: [],
      isNew: false,
      dirty: false,
    };
    people.set(row.id, w);
    index(w);
  }

  const now = nowIso();
  /**
   * Rows that create a person (FRESH), written from their packed values unless a later row
   * matches them by phone (MADE into a Working). Their phones are found through a hash and a
   * chain of rows, so the batch keeps no string per row (see BatchRows).
   */
  const state = new Uint8Array(n);
  const freshByPhone = new Map<number, number>();
  const samePhone = new Int32Array(n);
  const makeWorking = (i: number): Working => {
    const f = incoming(rows, i);
    const row: PersonRow = {
      workspace_id: store.workspaceId,
      id: newId(),
      ...f,
      merged_into_id: null,
      first_purchase_at: null,
      created_at: now,
      updated_at: now,
    };
    const t = unpackTags(rows.value(i, COL.tags));
    const w: Working = { row, tags: new Set(t), added: t, isNew: true, dirty: true };
    state[i] = MADE;
    people.set(row.id, w);
    index(w);
    return w;
  };
  const phoneMatch = (emailKey: string | null, ext: string | null, e: string | null, x: string | null) =>
    (!emailKey || !e || e === emailKey) && (!ext || !x || x === ext);
  /** The entry of `map` for value `col` of row `i`: no string is made while the map is empty. */
  const lookUp = <T>(map: Map<string, T>, i: number, col: number): T | undefined => {
    if (!map.size) return undefined;
    const key = rows.value(i, col);
    return key === null ? undefined : map.get(key);
  };
  for (let i = 0; i < n; i++) {
    // A row that creates a person (most of a first import) makes no string here.
    let w =
      lookUp(people, i, COL.vouch_id) ??
      lookUp(byExt, i, COL.external_id) ??
      lookUp(byEmail, i, COL.email_key);
    const h = w ? -1 : rows.hash(i, COL.phone);
    if (h >= 0 && (byPhone.size || freshByPhone.has(h))) {
      const phone = rows.value(i, COL.phone)!;
      const emailKey = rows.value(i, COL.email_key);
      const ext = rows.value(i, COL.external_id);
      w = byPhone.get(phone)?.find((t) => phoneMatch(emailKey, ext, t.row.email_key, t.row.external_id));
      // The first row of this batch that creates a person with this phone and may be this one.
      let first = -1;
      for (let j = freshByPhone.get(h) ?? -1; !w && j >= 0; j = samePhone[j]! - 1) {
        if (
          state[j] === FRESH &&
          rows.value(j, COL.phone) === phone &&
          phoneMatch(emailKey, ext, rows.value(j, COL.email_key), rows.value(j, COL.external_id))
        )
          first = j;
      }
      if (first >= 0) w = makeWorking(first);
    }
    if (!w) {
      state[i] = FRESH;
      if (h >= 0) {
        phones?.add(h);
        samePhone[i] = (freshByPhone.get(h) ?? -1) + 1;
        freshByPhone.set(h, i);
      }
      counts.created++;
      continue;
    }
    const f = incoming(rows, i);
    const present = rows.present(i);
    const cur = w.row;
    if (f.external_id && !cur.external_id) {
      const owner = byExt.get(f.external_id);
      if (owner && owner !== w) {
        late.push({
          i,
          reason: `external id ${f.external_id} belongs to another person (${owner.row.id}) than the one this row matches (${cur.id})`,
        });
        continue;
      }
    }
    let changed = false;
    const set = <K extends keyof PersonRow>(k: K, value: PersonRow[K]) => {
      if (cur[k] !== value) {
        cur[k] = value;
        changed = true;
      }
    };
    const has = (field: ColumnField) => (present & FIELD_BITS[field]) !== 0;
    if (has('kind')) set('kind', f.kind);
    if (has('firstName')) set('first_name', f.first_name);
    if (has('lastName')) set('last_name', f.last_name);
    if (has('organisation')) set('organisation', f.organisation);
    if (has('email')) {
      set('email', f.email);
      set('email_key', f.email_key);
    }
    if (has('phone')) set('phone', f.phone);
    // An external id is filled in, never replaced: it links the person to another system.
    if (has('externalId') && !cur.external_id) set('external_id', f.external_id);
    if (ADDRESS_KEYS.some((k) => has(k))) {
      const incomingAddress = JSON.parse(f.address) as Record<string, string>;
      const over = Object.fromEntries(
        ADDRESS_KEYS.filter((k) => has(k)).map((k) => [k, incomingAddress[k] ?? '']),
      );
      const merged = canonicalAddress(cur.address, over);
      if (merged !== canonicalAddress(cur.address)) set('address', merged);
    }
    if (has('notes')) set('notes', f.notes);
    if (has('howHeard')) set('how_heard', f.how_heard);
    // Consent and do-not-contact are only ever added by an import, keeping their first time.
    if (has('marketingConsent') && f.marketing_consent_at && !cur.marketing_consent_at) {
      set('marketing_consent_at', f.marketing_consent_at);
      set('marketing_consent_source', f.marketing_consent_source);
    }
    if (has('doNotContact') && f.do_not_contact_at && !cur.do_not_contact_at)
      set('do_not_contact_at', f.do_not_contact_at);
    for (const t of unpackTags(rows.value(i, COL.tags))) {
      if (!w.tags.has(t)) {
        w.tags.add(t);
        w.added.push(t);
        changed = true;
      }
    }
    if (changed) {
      cur.updated_at = now;
      w.dirty = true;
      index(w);
      counts.updated++;
    } else {
      counts.unchanged++;
    }
  }

  const writes = [...people.values()].filter((w) => w.dirty);
  const made = writes.filter((w) => w.isNew);
  const fresh: number[] = [];
  for (let i = 0; i < n; i++) if (state[i] === FRESH) fresh.push(i);
  const person: Array<string | null> = [];
  await store.insertPeople(fresh.length + made.length, (k, out, tags) => {
    if (k >= fresh.length) {
      const { row, added } = made[k - fresh.length]!;
      person.length = 0;
      pushPerson(person, row);
      for (const v of person) out.value(v);
      for (const t of added) tags.push(row.id, t);
      return;
    }
    const i = fresh[k]!;
    const id = newId();
    out.value(store.workspaceId);
    out.value(id);
    for (const col of FRESH_COLUMNS) out.packed(rows, i, col);
    out.value(now);
    out.value(now);
    const t = rows.value(i, COL.tags);
    if (t !== null) for (const tag of unpackTags(t)) tags.push(id, tag);
  });
  const changed = writes.filter((w) => !w.isNew);
  await store.updatePeople(changed.map((w) => w.row));
  // Tags of people already there might have been added meanwhile, so those may conflict.
  await store.addTags(
    changed.flatMap((w) => w.added.flatMap((tag) => [w.row.id, tag])),
    true,
  );
  return late;
}

const FRESH = 1;
const MADE = 2;

/**
 * A phone's hash (FNV-1a over its UTF-16 code units), a small integer: collisions are told apart
 * by comparing the phones. Made from packed characters by `BatchRows.hash`.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 16777619;

/** The person row `i` describes, as `preparePerson` made it (for rows that match someone). */
function incoming(rows: BatchRows, i: number) {
  return {
    kind: rows.value(i, COL.kind) as PersonRow['kind'],
    first_name: rows.value(i, COL.first_name)!,
    last_name: rows.value(i, COL.last_name)!,
    organisation: rows.value(i, COL.organisation),
    email: rows.value(i, COL.email),
    email_key: rows.value(i, COL.email_key),
    phone: rows.value(i, COL.phone),
    external_id: rows.value(i, COL.external_id),
    address: rows.value(i, COL.address)!,
    how_heard: rows.value(i, COL.how_heard),
    notes: rows.value(i, COL.notes)!,
    marketing_consent_at: rows.value(i, COL.marketing_consent_at),
    marketing_consent_source: rows.value(i, COL.marketing_consent_source),
    do_not_contact_at: rows.value(i, COL.do_not_contact_at),
  } satisfies Partial<PersonRow>;
}

// --- bulk statements per dialect --------------------------------------------------------------

export const PEOPLE_COLUMNS = [
  'workspace_id',
  'id',
  'kind',
  'first_name',
  'last_name',
  'organisation',
  'email',
  'email_key',
  'phone',
  'external_id',
  'address',
  'how_heard',
  'notes',
  'marketing_consent_at',
  'marketing_consent_source',
  'do_not_contact_at',
  'created_at',
  'updated_at',
] as const satisfies ReadonlyArray<keyof PersonRow>;

/**
 * Where a new person's values sit in a packed row: the people columns a row carries, which come
 * after workspace and id and before the timestamps in PEOPLE_COLUMNS.
 */
const FRESH_COLUMNS = PEOPLE_COLUMNS.flatMap((c) => (c in COL ? [COL[c as keyof typeof COL]] : []));

/** The values of PEOPLE_COLUMNS, in order (spelled out: a loop over column names is slower). */
function pushPerson(params: unknown[], r: PersonRow) {
  params.push(
    r.workspace_id,
    r.id,
    r.kind,
    r.first_name,
    r.last_name,
    r.organisation,
    r.email,
    r.email_key,
    r.phone,
    r.external_id,
    r.address,
    r.how_heard,
    r.notes,
    r.marketing_consent_at,
    r.marketing_consent_source,
    r.do_not_contact_at,
    r.created_at,
    r.updated_at,
  );
}

const UPDATE_SET = PEOPLE_COLUMNS.filter((c) => c !== 'workspace_id' && c !== 'id' && c !== 'created_at')
  .map((c) => `${c} = excluded.${c}`)
  .join(', ');

const PG_TIMESTAMPS = new Set<string>([
  'marketing_consent_at',
  'do_not_contact_at',
  'created_at',
  'updated_at',
]);
/** Where PEOPLE_COLUMNS has its timestamps. */
const PEOPLE_TIMESTAMPS = new Set(PEOPLE_COLUMNS.flatMap((c, i) => (PG_TIMESTAMPS.has(c) ? [i] : [])));
const PG_SEPARATOR = '\u001f';
const PG_NULL = '\u001e';

/**
 * Values as one text for `string_to_array` (`pgUnlist`): cheaper to send and to read than a
 * text[] (which pg escapes element by element) or JSON. Null when that cannot carry them (a
 * value holding a separator), and the caller sends them the old way.
 */
function pgList(values: ReadonlyArray<string | number | null>): string | null {
  // string_to_array('') is an empty array, not one empty string.
  if (values.length === 1 && values[0] === '') return null;
  let text = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'string' && (v.includes(PG_SEPARATOR) || v.includes(PG_NULL))) return null;
    text += (i ? PG_SEPARATOR : '') + (v === null ? PG_NULL : v);
  }
  return text;
}

/** The SQL that turns parameter `n`, made by `pgList`, back into a text[]. */
const pgUnlist = (n: number) => `string_to_array($${n}::text, E'\\x1f', E'\\x1e')`;

/**
 * Bytes of a COPY buffer, sent once rows fill COPY_SEND of it: under the import process's mmap
 * threshold (`importProcessEnv`), so buffers come from the heap, reused, not fresh pages from
 * the kernel each time (256 KB buffers made about 64,000 page faults a million rows).
 */
const COPY_BUFFER = 60 * 1024;
const COPY_SEND = 48 * 1024;

/** PostgreSQL's epoch for binary timestamps, in Unix milliseconds. */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

/**
 * Rows in COPY's binary format, written straight into bytes (no string per row or field): per
 * row the number of fields, per field its length in bytes (-1 for NULL) and its value: text as
 * UTF-8, with nothing to escape, and a timestamp as microseconds since 2000 (the server then
 * parses no text: timestamps were a third of its COPY parsing). `timestamps` are the positions of
 * the timestamp columns.
 */
class CopyRows implements PersonSink {
  private buf = Buffer.allocUnsafeSlow(COPY_BUFFER);
  private at = 0;
  /** Fields written of the current row, and where its field count goes. */
  private fields = 0;
  private rowAt = 0;
  private readonly timestamps: ReadonlySet<number>;
  /** The last timestamp written, and its microseconds (a batch's `now` recurs on every row). */
  private lastTime = '';
  private lastMicros = 0n;

  constructor(timestamps: ReadonlySet<number> = new Set()) {
    this.timestamps = timestamps;
  }

  value(v: string | null) {
    this.room(v === null ? 8 : 8 + 3 * v.length);
    if (this.fields++ === 0) this.rowAt = this.skip(2);
    if (v === null) {
      this.at = this.buf.writeInt32BE(-1, this.at);
    } else if (this.timestamps.has(this.fields - 1)) {
      if (v !== this.lastTime) {
        const ms = Date.parse(v);
        if (Number.isNaN(ms)) throw new Error(`not a timestamp: ${v}`);
        this.lastTime = v;
        this.lastMicros = BigInt(ms - PG_EPOCH_MS) * 1000n;
      }
      this.at = this.buf.writeInt32BE(8, this.at);
      this.at = this.buf.writeBigInt64BE(this.lastMicros, this.at);
    } else {
      const len = this.skip(4);
      this.at += this.buf.write(v, this.at);
      this.buf.writeInt32BE(this.at - len - 4, len);
    }
  }

  /** A packed value, from its Latin-1 bytes to UTF-8 with no string between (most values). */
  packed(rows: BatchRows, i: number, col: number) {
    const r = rows.packed(i);
    const k = rows.rowIn(i) * ROW_WIDTH + col;
    const end = r.ends[k]!;
    if (end < 0 || r.wide || this.timestamps.has(this.fields)) return this.value(rows.value(i, col));
    const start = valueStart(r, k);
    this.room(8 + 2 * (end - start));
    if (this.fields++ === 0) this.rowAt = this.skip(2);
    const len = this.skip(4);
    const { buf } = this;
    let at = this.at;
    for (let p = start; p < end; p++) {
      const c = r.chars[p]!;
      if (c >= 0x80) {
        buf[at++] = 0xc0 | (c >> 6);
        buf[at++] = 0x80 | (c & 0x3f);
      } else buf[at++] = c;
    }
    buf.writeInt32BE(at - len - 4, len);
    this.at = at;
  }

  endRow() {
    this.buf.writeInt16BE(this.fields, this.rowAt);
    this.fields = 0;
  }

  get size() {
    return this.at;
  }

  /** The rows so far; the next ones go into a new buffer. */
  take(): Buffer {
    const rows = this.buf.subarray(0, this.at);
    this.buf = Buffer.allocUnsafeSlow(COPY_BUFFER);
    this.at = 0;
    return rows;
  }

  /** Leaves `n` bytes to be written later; returns where they are. */
  private skip(n: number): number {
    this.at += n;
    return this.at - n;
  }

  private room(n: number) {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(2 * this.buf.length, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }
}

/** What starts and ends a binary COPY: the signature, no flags, no header extension; -1 fields. */
const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const COPY_TRAILER = Buffer.from([0xff, 0xff]);

/**
 * `COPY … FROM STDIN` on the connection of `tx`, a PostgreSQL transaction, with the rows `fill`
 * sends (COPY's binary format, see CopyRows): they reach the server while the next are made.
 * Kysely keeps its pg client to itself, but hands the query text to `client.query` as it is;
 * given a Submittable (pg's interface, which pg-copy-streams implements), pg runs it on that
 * connection like any query. A COPY that fails (a unique key taken meanwhile) rejects here,
 * and the transaction rolls back as for any other statement.
 */
async function pgCopy(
  tx: Db,
  statement: string,
  fill: (send: (rows: Buffer) => Promise<void>) => Promise<void>,
) {
  const stream = copyFrom(statement);
  const done = finished(stream);
  done.catch(() => {}); // awaited below; an early failure must not go unhandled meanwhile
  await tx.executeQuery(CompiledQuery.raw(stream as unknown as string));
  // The stream holds what it is given until the server has answered the COPY (its write
  // callbacks wait for that). Rows made before then would all reach the server only after the
  // last was made, and the server's work would follow Node's instead of running beside it.
  await Promise.race([new Promise((ready) => stream.write(Buffer.alloc(0), ready)), done]);
  // Each send waits while the connection holds more than the stream's buffer: the rows of a big
  // batch wait to be made instead of waiting in memory.
  const send = async (rows: Buffer) => {
    if (!stream.write(rows)) await once(stream, 'drain');
  };
  await send(COPY_HEADER);
  await fill(send);
  stream.end(COPY_TRAILER);
  await done;
}

/**
 * Rows per SQLite multi-row statement. Only these sizes are ever prepared (a remainder of 347 is
 * 6×50 + 9×5 + 2×1), so the driver's statement cache holds a handful of statements, not one per
 * batch size; each holds memory in proportion to its parameters (SQLite allows 32,766).
 */
const SQLITE_CHUNKS = [500, 50, 5, 1];
const sqliteStatements = new Map<string, string>();

/** Splits `n` rows into chunk sizes from SQLITE_CHUNKS, `scale` times bigger. */
function chunkSizes(n: number, scale = 1): number[] {
  const sizes: number[] = [];
  for (const size of [...SQLITE_CHUNKS.map((c) => c * scale), 1]) {
    while (n >= size) {
      sizes.push(size);
      n -= size;
    }
  }
  return sizes;
}

/** A multi-row VALUES statement for `rows` rows, built once per shape. */
function sqliteValues(head: string, width: number, rows: number, tail: string): string {
  const key = `${head}|${width}|${rows}|${tail}`;
  let text = sqliteStatements.get(key);
  if (!text) {
    const tuple = `(${Array(width).fill('?').join(',')})`;
    text = `${head} values ${Array(rows).fill(tuple).join(',')} ${tail}`;
    sqliteStatements.set(key, text);
  }
  return text;
}

/** Where `insertPeople` puts a new person's values: each as a string, or as packed (`BatchRows`). */
type PersonSink = {
  value(v: string | null): void;
  packed(rows: BatchRows, i: number, col: number): void;
};

/**
 * The few statements an import needs, as raw SQL: multi-row VALUES with prepared statements on
 * SQLite, one array per column through `unnest` on PostgreSQL. Never one statement per row.
 */
class Store {
  readonly db: Db;
  readonly workspaceId: string;
  private readonly copyUnchecked: boolean;
  constructor(db: Db, workspaceId: string, copyUnchecked: boolean) {
    this.db = db;
    this.workspaceId = workspaceId;
    this.copyUnchecked = copyUnchecked;
  }

  private async run<R>(text: string, params: unknown[]): Promise<R[]> {
    return (await this.db.executeQuery<R>(CompiledQuery.raw(text, params))).rows;
  }

  /** Live people (not merged away) whose `column` is one of `values`. */
  async people(column: 'id' | 'external_id' | 'email_key' | 'phone', values: string[]): Promise<PersonRow[]> {
    if (this.db.dialect === 'postgres') {
      // One index probe per value: `offset 0` keeps the planner from turning this into a hash
      // join over a sequential scan, which a table growing during the import makes quadratic.
      const list = pgList(values);
      return this.run(
        `select p.* from unnest(${list === null ? '$2::text[]' : pgUnlist(2)}) as k(v) cross join lateral ` +
          `(select * from people where workspace_id = $1 and ${column} = k.v and merged_into_id is null offset 0) as p`,
        [this.workspaceId, list ?? values],
      );
    }
    return this.run(
      `select * from people where workspace_id = ? and merged_into_id is null and ${column} in (select value from json_each(?))`,
      [this.workspaceId, JSON.stringify(values)],
    );
  }

  async tags(personIds: string[]): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    if (!personIds.length) return map;
    const rows =
      this.db.dialect === 'postgres'
        ? await this.run<{ person_id: string; tag: string }>(
            'select t.person_id, t.tag from unnest($2::text[]) as k(v) cross join lateral ' +
              '(select person_id, tag from person_tags where workspace_id = $1 and person_id = k.v offset 0) as t',
            [this.workspaceId, personIds],
          )
        : await this.run<{ person_id: string; tag: string }>(
            'select person_id, tag from person_tags where workspace_id = ? and person_id in (select value from json_each(?))',
            [this.workspaceId, JSON.stringify(personIds)],
          );
    for (const r of rows) {
      const list = map.get(r.person_id);
      if (list) list.push(r.tag);
      else map.set(r.person_id, [r.tag]);
    }
    return map;
  }

  /**
   * Inserts `n` new people and their tags, `push(k, out, tags)` adding the values of
   * PEOPLE_COLUMNS for the k-th to `out` and its tags to `tags` (person id, tag, …): COPY on
   * PostgreSQL, multi-row VALUES on SQLite, each row's values made just before they are sent.
   */
  async insertPeople(n: number, push: (k: number, out: PersonSink, tags: string[]) => void) {
    if (!n) return;
    const cols = PEOPLE_COLUMNS.join(', ');
    if (this.db.dialect === 'postgres') {
      if (this.copyUnchecked) {
        // Half the server's work a new row is its foreign-key checks: a query per row, each
        // taking the same lock again. The batch took the workspace row's lock once (`writeIn`;
        // deleting the workspace waits for this commit, then its cascade removes these rows
        // too), and the tags belong to people this same COPY writes: so the COPYs run without
        // the checks. Unique keys and the other constraints still hold.
        await this.run('set local session_replication_role = replica', []);
      }
      const tags: string[] = [];
      const tagRows = new CopyRows();
      await pgCopy(this.db, `copy people (${cols}) from stdin (format binary)`, async (send) => {
        const people = new CopyRows(PEOPLE_TIMESTAMPS);
        for (let k = 0; k < n; k++) {
          tags.length = 0;
          push(k, people, tags);
          people.endRow();
          for (let t = 0; t < tags.length; t += 2) {
            tagRows.value(this.workspaceId);
            tagRows.value(tags[t]!);
            tagRows.value(tags[t + 1]!);
            tagRows.endRow();
          }
          if (people.size >= COPY_SEND) await send(people.take());
        }
        await send(people.take());
      });
      if (tagRows.size)
        await pgCopy(
          this.db,
          'copy person_tags (workspace_id, person_id, tag) from stdin (format binary)',
          async (send) => send(tagRows.take()),
        );
      if (this.copyUnchecked) await this.run('set local session_replication_role = origin', []);
      return;
    }
    // Each chunk's tags right after it: they never wait for the whole batch.
    let k = 0;
    let params: Array<string | null> = [];
    const sink: PersonSink = {
      value: (v) => params.push(v),
      packed: (rows, i, col) => params.push(rows.value(i, col)),
    };
    for (const size of chunkSizes(n)) {
      params = []; // Kysely freezes the parameters it is given
      const tags: string[] = [];
      for (const end = k + size; k < end; k++) push(k, sink, tags);
      await this.run(
        sqliteValues(`insert or fail into people (${cols})`, PEOPLE_COLUMNS.length, size, ''),
        params,
      );
      await this.addTags(tags, false);
    }
  }

  /** Rewrites changed people (by primary key). */
  async updatePeople(rows: PersonRow[]) {
    if (!rows.length) return;
    const cols = PEOPLE_COLUMNS.join(', ');
    const upsert = `on conflict (workspace_id, id) do update set ${UPDATE_SET}`;
    if (this.db.dialect === 'postgres') {
      // One text per column, split by string_to_array: PostgreSQL reads that about ten times
      // faster than json_populate_recordset (10 µs a row), and joining costs Node little.
      const columns = PEOPLE_COLUMNS.slice(1).map((c) => pgList(rows.map((r) => r[c])));
      if (columns.every((c) => c !== null)) {
        const select = PEOPLE_COLUMNS.slice(1)
          .map((c, i) => `c${i}${PG_TIMESTAMPS.has(c) ? '::timestamptz' : ''}`)
          .join(', ');
        await this.run(
          `insert into people (${cols}) select $1::text, ${select} from unnest(` +
            `${columns.map((_, i) => pgUnlist(i + 2)).join(', ')}) as t(${columns.map((_, i) => `c${i}`).join(', ')}) ${upsert}`,
          [this.workspaceId, ...columns],
        );
      } else {
        // A value holding one of the separators: JSON carries anything.
        await this.run(
          `insert into people (${cols}) select ${cols} from json_populate_recordset(null::people, $1::json) ${upsert}`,
          [JSON.stringify(rows)],
        );
      }
      return;
    }
    let at = 0;
    for (const size of chunkSizes(rows.length)) {
      const params: unknown[] = [];
      for (let i = at; i < at + size; i++) pushPerson(params, rows[i]!);
      at += size;
      await this.run(
        sqliteValues(`insert or fail into people (${cols})`, PEOPLE_COLUMNS.length, size, upsert),
        params,
      );
    }
  }

  /** Adds tags, given as person id, tag, person id, tag … (those already there stay). */
  async addTags(pairs: string[], mayExist: boolean) {
    if (!pairs.length) return;
    const tail = mayExist ? 'on conflict do nothing' : '';
    if (this.db.dialect === 'postgres') {
      const people = pairs.filter((_, i) => i % 2 === 0);
      const tags = pairs.filter((_, i) => i % 2 === 1);
      const ids = pgList(people);
      const tagList = pgList(tags);
      const both = ids !== null && tagList !== null;
      await this.run(
        `insert into person_tags (workspace_id, person_id, tag) select $1::text, * from unnest(` +
          `${both ? `${pgUnlist(2)}, ${pgUnlist(3)}` : '$2::text[], $3::text[]'}) ${tail}`,
        [this.workspaceId, ...(both ? [ids, tagList] : [people, tags])],
      );
      return;
    }
    let at = 0;
    for (const size of chunkSizes(pairs.length / 2, 4)) {
      const params: string[] = [];
      for (let i = at; i < at + size; i++) params.push(this.workspaceId, pairs[2 * i]!, pairs[2 * i + 1]!);
      at += size;
      const text = sqliteValues(
        'insert or fail into person_tags (workspace_id, person_id, tag)',
        3,
        size,
        tail,
      );
      await this.run(text, params);
    }
  }
}
