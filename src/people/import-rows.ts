/**
 * The CPU-heavy half of an import: parse a piece of the CSV and validate each row into a person
 * (`PersonInput`, then `preparePerson`, exactly as the API does). Pure, so it runs in a worker
 * thread or, for small files and while the main thread waits, inline.
 */
import { createRequire } from 'node:module';
import {
  type ColumnField,
  type ColumnMap,
  cell,
  countryCode,
  headerOf,
  mapColumns,
  readFlag,
} from './csv-columns.ts';
import { parsePiece } from './csv-input.ts';
import { FIELD_BITS, PackedValues, type PieceResult, packTags, type RowContext } from './import-packing.ts';
import type * as PeopleSchema from './people.schema.ts';
import { fastPersonInput } from './person-input-fast.ts';
import { type PreparedPerson, preparePerson } from './person-prepare.ts';

/**
 * zod and the people schema, loaded on the first row the hand-written check cannot accept: about
 * 18 MB per thread that a file of ordinary rows never needs.
 */
let schema: typeof PeopleSchema | undefined;
function personInput() {
  schema ??= createRequire(import.meta.url)('./people.schema.ts') as typeof PeopleSchema;
  return schema.PersonInput;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TEXT_FIELDS = ['organisation', 'email', 'phone', 'externalId', 'notes', 'howHeard'] as const;
const ADDRESS_FIELDS = ['line1', 'line2', 'city', 'region', 'postalCode'] as const;

/** Maps a `PersonInput` path (from zod or `preparePerson`) to the column it came from. */
function fieldOfPath(path: ReadonlyArray<PropertyKey>, present: number): ColumnField | null {
  const [top, sub] = path;
  if (top === 'address') return sub === undefined ? 'line1' : (String(sub) as ColumnField);
  if (top === 'firstName') return present & (FIELD_BITS.firstName | FIELD_BITS.lastName) ? 'firstName' : null;
  if (top === 'marketingConsent') {
    return sub === 'source' && present & FIELD_BITS.marketingConsentSource
      ? 'marketingConsentSource'
      : 'marketingConsent';
  }
  return typeof top === 'string' ? (top as ColumnField) : null;
}

export type ReadRow =
  | { ok: true; person: PreparedPerson; present: number; vouchId: string | null }
  | { ok: false; reason: string };

/** Reads one CSV row into a person, or says why it cannot be one, naming the column. */
export function readRow(map: ColumnMap, fields: string[], country: string, now: string): ReadRow {
  const v = (f: ColumnField) => cell(map, fields, f);
  const name = (f: ColumnField) => headerOf(map, fields, f);
  let present = 0;
  const input: Record<string, unknown> = {};
  const problems: string[] = [];

  let first = v('firstName');
  let last = v('lastName');
  if (!first && !last) {
    const full = v('fullName');
    const space = full.lastIndexOf(' ');
    first = space > 0 ? full.slice(0, space).trim() : full;
    last = space > 0 ? full.slice(space + 1) : '';
  }
  if (first) {
    input.firstName = first;
    present |= FIELD_BITS.firstName;
  }
  if (last) {
    input.lastName = last;
    present |= FIELD_BITS.lastName;
  }
  for (const f of TEXT_FIELDS) {
    const value = v(f);
    if (value) {
      input[f] = value;
      present |= FIELD_BITS[f];
    }
  }
  const kind = v('kind');
  if (kind) {
    input.kind = kind.toLowerCase();
    present |= FIELD_BITS.kind;
  }
  let address: Record<string, string> | undefined;
  for (const f of ADDRESS_FIELDS) {
    const value = v(f);
    if (value) {
      address ??= {};
      address[f] = value;
      present |= FIELD_BITS[f];
    }
  }
  const countryCell = v('country');
  if (countryCell) {
    const code = countryCode(countryCell);
    if (code) {
      address ??= {};
      address.country = code;
      present |= FIELD_BITS.country;
    } else {
      problems.push(
        `${name('country')}: "${countryCell}" is not a country we know; use a two-letter code such as US or DE`,
      );
    }
  }
  if (address) input.address = address;
  const tags = v('tags');
  if (tags) {
    input.tags = [
      ...new Set(
        tags
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      ),
    ];
    present |= FIELD_BITS.tags;
  }
  const consent = v('marketingConsent');
  if (consent) {
    const flag = readFlag(consent);
    if (!flag) problems.push(`${name('marketingConsent')}: "${consent}" is neither yes nor no`);
    else if (flag.yes) {
      const source = v('marketingConsentSource');
      if (source) present |= FIELD_BITS.marketingConsentSource;
      input.marketingConsent = {
        given: true,
        source: source || `${map.source} import`,
        ...(flag.at ? { at: flag.at } : {}),
      };
      present |= FIELD_BITS.marketingConsent;
    }
  }
  const dnc = v('doNotContact');
  let dncAt: string | undefined;
  if (dnc) {
    const flag = readFlag(dnc);
    if (!flag) problems.push(`${name('doNotContact')}: "${dnc}" is neither yes nor no`);
    else if (flag.yes) {
      input.doNotContact = true;
      dncAt = flag.at;
      present |= FIELD_BITS.doNotContact;
    }
  }
  let vouchId = v('vouchId') || null;
  if (vouchId) {
    if (UUID.test(vouchId)) vouchId = vouchId.toLowerCase();
    else problems.push(`${name('vouchId')}: "${vouchId}" is not a Vouch id; leave it empty for a new person`);
  }

  // The hand-written check accepts the usual row; zod judges the rest and words the problems.
  const fast = problems.length ? null : fastPersonInput(input);
  const parsed = fast ? ({ success: true, data: fast } as const) : personInput().safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const f = fieldOfPath(issue.path, present);
      problems.push(f ? `${name(f)}: ${issue.message}` : issue.message);
    }
  }
  if (problems.length || !parsed.success) return { ok: false, reason: problems.join('; ') };
  const prepared = preparePerson(parsed.data, country, now);
  if (!prepared.ok) {
    const reasons = prepared.errors.map((e) => {
      const f = fieldOfPath(e.path.split('.'), present);
      return f ? `${name(f)}: ${e.message}` : e.message;
    });
    return { ok: false, reason: reasons.join('; ') };
  }
  if (dncAt) prepared.person.fields.do_not_contact_at = dncAt;
  return { ok: true, person: prepared.person, present, vouchId };
}

/** Parses and validates one piece of the file. */
export function readPiece(
  ctx: RowContext,
  map: ColumnMap,
  seq: number,
  buf: Uint8Array,
  startLine: number,
  now: string,
): PieceResult {
  const { records, error } = parsePiece(buf, ctx.delimiter, startLine);
  const width = ctx.headers.length;
  const lines: number[] = [];
  const present: number[] = [];
  const ranges: number[] = [];
  const values = new PackedValues();
  const rejects: PieceResult['rejects'] = [];
  let seen = 0;
  for (const rec of records) {
    let fields = rec.fields;
    let empty = true;
    for (const f of fields) {
      if (f.trim() !== '') {
        empty = false;
        break;
      }
    }
    if (empty) continue; // a row of empty cells holds nothing
    seen++;
    if (fields.length !== width) {
      if (fields.length > width && fields.slice(width).every((f) => f.trim() === '')) {
        fields = fields.slice(0, width);
      } else {
        rejects.push({
          line: rec.line,
          fields,
          reason:
            `this row has ${fields.length} fields but the header has ${width}` +
            (fields.length > width ? ' (an unquoted delimiter in a value?)' : ''),
        });
        continue;
      }
    }
    const read = readRow(map, fields, ctx.country, now);
    if (!read.ok) {
      rejects.push({ line: rec.line, fields, reason: read.reason });
      continue;
    }
    const f = read.person.fields;
    lines.push(rec.line);
    present.push(read.present);
    ranges.push(rec.start, rec.end);
    values.push(read.vouchId);
    values.push(f.kind ?? 'customer');
    values.push(f.first_name ?? '');
    values.push(f.last_name ?? '');
    values.push(f.organisation ?? null);
    values.push(f.email ?? null);
    values.push(f.email_key ?? null);
    values.push(f.phone ?? null);
    values.push(f.external_id ?? null);
    values.push(f.address ?? null);
    values.push(f.how_heard ?? null);
    values.push(f.notes ?? '');
    values.push(f.marketing_consent_at ?? null);
    values.push(f.marketing_consent_source ?? null);
    values.push(f.do_not_contact_at ?? null);
    values.push(packTags(read.person.tags));
  }
  return {
    seq,
    lines: Int32Array.from(lines),
    present: Int32Array.from(present),
    ranges: Int32Array.from(ranges),
    ...values.done(),
    rejects,
    seen,
    error: error ? { message: error.message, line: error.line } : null,
  };
}

/** The column map of a context (built once per thread). */
export function contextMap(ctx: RowContext): ColumnMap {
  return mapColumns(ctx.headers, ctx.mapping);
}
