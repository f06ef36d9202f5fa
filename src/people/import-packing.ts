/**
 * What the parsing half of an import hands the writing half: valid rows packed into flat arrays,
 * cheap to send between threads. Kept apart from the parser (`import-rows.ts`), so a thread that
 * only writes does not load zod, libphonenumber and the rest of it.
 */
import type { ColumnField, ColumnMapping } from './csv-columns.ts';

export type RowContext = {
  headers: string[];
  delimiter: string;
  country: string;
  /** Columns mapped by hand (see `mapColumns`). */
  mapping?: ColumnMapping;
};

/** Every row of a piece, valid ones packed into flat arrays (cheap to send between threads). */
export type PieceResult = {
  seq: number;
  /** Per valid row: its line, which fields it had (bits of FIELD_BITS), its byte range in the piece. */
  lines: Int32Array<ArrayBuffer>;
  present: Int32Array<ArrayBuffer>;
  ranges: Int32Array<ArrayBuffer>;
  /**
   * Per valid row, ROW_WIDTH values in PACKED order, joined, as Latin-1 bytes (a byte a
   * character) or, when a value holds a character beyond Latin-1, UTF-16 (`wide`). Bytes, not
   * a string: they stay out of the JavaScript heap while the rows wait for their batch, so the
   * garbage collector never copies them; each value becomes a string when it is used (`valueAt`).
   */
  chars: Buffer;
  wide: boolean;
  /** Where each value ends in `chars` (in characters); a null value stores `~end` of the value before it. */
  ends: Int32Array<ArrayBuffer>;
  rejects: Array<{ line: number; fields: string[]; reason: string }>;
  /** Records read, not counting rows of empty cells. */
  seen: number;
  /** A problem with the file found in this piece; the rows before it are above. */
  error: { message: string; line: number | null } | null;
  /** The piece's bytes, handed back by a worker they were moved to. */
  buf?: Uint8Array;
};

/** Value `col` (a PACKED index) of valid row `row` of a piece. */
export function valueAt(
  r: Pick<PieceResult, 'chars' | 'wide' | 'ends'>,
  row: number,
  col: number,
): string | null {
  const k = row * ROW_WIDTH + col;
  const end = r.ends[k]!;
  if (end < 0) return null;
  const start = valueStart(r, k);
  return r.wide ? r.chars.toString('utf16le', 2 * start, 2 * end) : r.chars.toString('latin1', start, end);
}

/** Where value `k` (row × ROW_WIDTH + col) starts in `chars`; `ends[k]` is its end, or < 0 for null. */
export function valueStart(r: Pick<PieceResult, 'ends'>, k: number): number {
  const start = k ? r.ends[k - 1]! : 0;
  return start < 0 ? ~start : start;
}

/** Builds a piece's `chars` and `ends` value by value. */
export class PackedValues {
  private parts: string[] = [];
  private at = 0;
  private ends: number[] = [];

  push(value: string | null) {
    if (value === null) this.ends.push(~this.at);
    else {
      this.parts.push(value);
      this.at += value.length;
      this.ends.push(this.at);
    }
  }

  done(): Pick<PieceResult, 'chars' | 'wide' | 'ends'> {
    const text = this.parts.join('');
    const wide = /[\u0100-\uffff]/.test(text);
    // A buffer of its own (never Node's shared pool), so it can be moved to another thread.
    const chars = Buffer.allocUnsafeSlow(wide ? 2 * text.length : text.length);
    chars.write(text, wide ? 'utf16le' : 'latin1');
    return { chars, wide, ends: Int32Array.from(this.ends) };
  }
}

/** What each valid row carries, in this order. */
export const PACKED = [
  'vouch_id',
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
  'tags',
] as const;
export const ROW_WIDTH = PACKED.length;
/** Where PACKED puts each value: `COL.email` is the email's index in a row. */
export const COL = Object.fromEntries(PACKED.map((name, i) => [name, i])) as {
  [K in (typeof PACKED)[number]]: number;
};
/** Tags travel joined by this, or as JSON after it when a tag holds it (see packTags). */
const TAG_SEPARATOR = '\u001f';

/** A row's tags as one value (null for none). */
export function packTags(tags: string[]): string | null {
  if (!tags.length) return null;
  // A tag is never empty, so a joined value never starts with the separator.
  for (const t of tags) if (t.includes(TAG_SEPARATOR)) return TAG_SEPARATOR + JSON.stringify(tags);
  return tags.join(TAG_SEPARATOR);
}

export function unpackTags(packed: string | null | undefined): string[] {
  if (!packed) return [];
  return packed.startsWith(TAG_SEPARATOR) ? JSON.parse(packed.slice(1)) : packed.split(TAG_SEPARATOR);
}

const FIELDS: ColumnField[] = [
  'vouchId',
  'externalId',
  'firstName',
  'lastName',
  'fullName',
  'organisation',
  'email',
  'phone',
  'kind',
  'line1',
  'line2',
  'city',
  'region',
  'postalCode',
  'country',
  'tags',
  'notes',
  'howHeard',
  'marketingConsent',
  'marketingConsentSource',
  'doNotContact',
];
export const FIELD_BITS = Object.fromEntries(FIELDS.map((f, i) => [f, 1 << i])) as Record<
  ColumnField,
  number
>;
