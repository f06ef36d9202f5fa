import { isUtf8 } from 'node:buffer';
import type { CsvError } from 'csv-parse';
import { parse } from 'csv-parse/sync';

/** A problem with the file as a whole (not one row): it stops the import where it is found. */
export class ImportFileError extends Error {
  readonly code: 'unprocessable' | 'payload_too_large';
  /** The line the problem was found on, when it has one. */
  readonly line: number | null;
  constructor(message: string, line: number | null = null, code: ImportFileError['code'] = 'unprocessable') {
    super(line === null ? message : `Line ${line}: ${message}`);
    this.name = 'ImportFileError';
    this.code = code;
    this.line = line;
  }
}

const MB = 1024 * 1024;

/** Longest record accepted; far longer means a quote that never closes swallowed the file. */
const MAX_RECORD_BYTES = MB;

export type Chunk = Buffer | Uint8Array | string;

function countNewlines(buf: Uint8Array, end = buf.length): number {
  let n = 0;
  let i = buf.indexOf(10);
  while (i !== -1 && i < end) {
    n++;
    i = buf.indexOf(10, i + 1);
  }
  return n;
}

/** Bytes at the end of `buf` that start a UTF-8 sequence the next chunk completes. */
function incompleteTail(buf: Uint8Array): number {
  const n = buf.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = buf[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/** Offset of the first byte that is not well-formed UTF-8 (only called once the file failed). */
function firstInvalidUtf8(buf: Uint8Array): number {
  for (let i = 0; i < buf.length; ) {
    const b = buf[i]!;
    const need =
      b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (need === 0 || i + need > buf.length) return i;
    if (!isUtf8(buf.subarray(i, i + need))) return i;
    i += need;
  }
  return 0;
}

const SAVE_AS_UTF8 =
  'Save it as "CSV UTF-8" (in Excel: File › Save As › CSV UTF-8), or convert it, e.g. `iconv -f WINDOWS-1252 -t UTF-8`.';

/**
 * The file as UTF-8 bytes: UTF-8 with or without a byte-order mark as it is, UTF-16 with a
 * byte-order mark decoded. Anything else (Windows-1252, Latin-1, a spreadsheet, a binary) stops
 * with an error naming the line, after the valid text before it.
 */
export async function* utf8Chunks(
  input: AsyncIterable<Chunk> | Iterable<Chunk> | Chunk,
  onBytes?: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  const source = typeof input === 'string' || input instanceof Uint8Array ? [input] : input;
  const iterator: AsyncIterator<Chunk> | Iterator<Chunk> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const next = async (): Promise<Buffer | null> => {
    let r: IteratorResult<Chunk>;
    try {
      r = await iterator.next();
    } catch (err) {
      if (err instanceof ImportFileError) throw err;
      throw new ImportFileError(`The file could not be read to the end: ${(err as Error).message}`);
    }
    if (r.done) return null;
    const buf =
      typeof r.value === 'string'
        ? Buffer.from(r.value, 'utf8')
        : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    onBytes?.(buf.length);
    return buf;
  };

  // Enough bytes to recognise a byte-order mark or a file signature.
  let head: Buffer = Buffer.alloc(0);
  while (head.length < 4) {
    const b = await next();
    if (!b) break;
    head = head.length ? Buffer.concat([head, b]) : b;
  }
  if (head.length === 0) return;
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    throw new ImportFileError(
      `This is a zip file, most likely an Excel workbook (.xlsx), not CSV. ${SAVE_AS_UTF8}`,
    );
  }
  if (head[0] === 0xd0 && head[1] === 0xcf && head[2] === 0x11 && head[3] === 0xe0) {
    throw new ImportFileError(`This is an Excel workbook (.xls), not CSV. ${SAVE_AS_UTF8}`);
  }

  const utf16 =
    head[0] === 0xff && head[1] === 0xfe
      ? 'utf-16le'
      : head[0] === 0xfe && head[1] === 0xff
        ? 'utf-16be'
        : null;
  if (utf16) {
    const decoder = new TextDecoder(utf16, { fatal: true });
    let lines = 0;
    for (let b: Buffer | null = head; b; b = await next()) {
      let text: string;
      try {
        text = decoder.decode(b, { stream: true });
      } catch {
        throw new ImportFileError(
          `the file says it is UTF-16 but is not valid UTF-16. ${SAVE_AS_UTF8}`,
          lines + 1,
        );
      }
      const out = Buffer.from(text, 'utf8');
      lines += countNewlines(out);
      if (out.length) yield out;
    }
    const rest = decoder.decode();
    if (rest) yield Buffer.from(rest, 'utf8');
    return;
  }

  let lines = 0;
  let carry: Buffer | null = null;
  let first = true;
  for (let b: Buffer | null = head; b; b = await next()) {
    let buf: Buffer = carry ? Buffer.concat([carry, b]) : b;
    if (first && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    first = false;
    const tail = incompleteTail(buf);
    carry = tail ? Buffer.from(buf.subarray(buf.length - tail)) : null;
    const body = tail ? buf.subarray(0, buf.length - tail) : buf;
    const nul = body.indexOf(0);
    const valid = isUtf8(body);
    if (nul !== -1 || !valid) {
      const bad = nul !== -1 && (valid || nul < firstInvalidUtf8(body)) ? nul : firstInvalidUtf8(body);
      // Hand over the complete lines before the problem, so the rows on them are imported.
      const lastNewline = body.lastIndexOf(10, bad);
      if (lastNewline !== -1) yield body.subarray(0, lastNewline + 1);
      const line = lines + countNewlines(body, bad) + 1;
      if (bad === nul) {
        throw new ImportFileError(
          'the file contains NUL bytes, so it is not a CSV text file (UTF-16 without a byte-order mark, or a binary file). ' +
            SAVE_AS_UTF8,
          line,
        );
      }
      const start = lastNewline + 1;
      const before = body.subarray(Math.max(start, bad - 30), bad).toString('latin1');
      throw new ImportFileError(
        `the file is not UTF-8 text: byte 0x${body[bad]!.toString(16).toUpperCase().padStart(2, '0')} after "${before}" ` +
          `(column ${bad - start + 1}) is not UTF-8. ${SAVE_AS_UTF8}`,
        line,
      );
    }
    lines += countNewlines(body);
    if (body.length) yield body;
  }
  if (carry) {
    throw new ImportFileError(`the file ends in the middle of a UTF-8 character. ${SAVE_AS_UTF8}`, lines + 1);
  }
}

export type CsvRecord = { line: number; fields: string[]; start: number; end: number };

export function parseProblem(err: CsvError, recordStart: number): ImportFileError {
  const at = typeof err.lines === 'number' ? err.lines : recordStart;
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new ImportFileError(
        'a quoted field starting on this line is never closed: the file ends inside quotes. Check for a stray " in this row.',
        recordStart,
      );
    case 'CSV_MAX_RECORD_SIZE':
      return new ImportFileError(
        `a row starting on this line is longer than ${MAX_RECORD_BYTES / MB} MB: most likely a quote opened here is never closed.`,
        recordStart,
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new ImportFileError(
        'a closing quote is followed by text instead of a delimiter or the end of the line; a quote inside a quoted field is written "".',
        at,
      );
    case 'INVALID_OPENING_QUOTE':
      return new ImportFileError(
        'a quote appears inside an unquoted field; put the whole field in quotes and double the quotes inside it.',
        at,
      );
    default:
      return new ImportFileError(`the CSV cannot be read: ${err.message}`, at);
  }
}

/**
 * Parses a piece of a CSV file that starts at a record boundary on `startLine`. Returns every
 * record before the first problem, each with the line it starts on and its byte range in the
 * piece, and the problem if there is one.
 */
export function parsePiece(
  buf: Uint8Array,
  delimiter: string,
  startLine: number,
): { records: CsvRecord[]; error: ImportFileError | null } {
  const records = parsePlainPiece(buf, delimiter, startLine);
  return records ? { records, error: null } : parsePieceWithCsvParse(buf, delimiter, startLine);
}

/**
 * The common piece, read by a plain loop over its bytes (several times faster than csv-parse):
 * records end with LF or CRLF throughout, quotes only enclose whole fields. Anything else (an
 * error, old Mac or mixed line ends, a CR or a quote inside an unquoted field) returns null,
 * and csv-parse reads the piece and words any problem. Its answers are exactly csv-parse's: `csv-input.test.ts` compares them.
 */
export function parsePlainPiece(bytes: Uint8Array, delimiter: string, startLine: number): CsvRecord[] | null {
  const d = delimiter.charCodeAt(0);
  if (delimiter.length !== 1 || d === QUOTE || d === CR || d === NL) return null;
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = buf.length;
  const records: CsvRecord[] = [];
  /** Record ends: 0 not seen yet, else LF or CR (CRLF). csv-parse takes the first one it meets. */
  let ending = 0;
  let line = startLine;
  /** Line breaks inside the quoted fields of the record being read. */
  let breaks = 0;
  let recordStart = 0;
  let fields: string[] = [];
  let pos = 0;
  while (pos < n) {
    let c: number;
    if (buf[pos] === QUOTE) {
      let from = pos + 1;
      let doubled = false;
      let q: number;
      for (;;) {
        q = buf.indexOf(QUOTE, from);
        if (q === -1) return null; // never closed
        if (buf[q + 1] !== QUOTE) break;
        doubled = true;
        from = q + 2;
      }
      const value = buf.toString('utf8', pos + 1, q);
      fields.push(doubled ? value.replaceAll('""', '"') : value);
      breaks += lineBreaks(buf, pos + 1, q);
      pos = q + 1;
      c = pos < n ? buf[pos]! : -1;
      if (c !== d && c !== NL && c !== CR && c !== -1) return null; // text after a closing quote
    } else {
      let i = pos;
      for (; i < n; i++) {
        c = buf[i]!;
        if (c === d || c === NL || c === CR) break;
        if (c === QUOTE) return null; // a quote inside an unquoted field
      }
      fields.push(buf.toString('utf8', pos, i));
      pos = i;
      c = i < n ? buf[i]! : -1;
    }
    if (c === d) {
      pos++;
      if (pos < n) continue;
      fields.push(''); // a delimiter ends the file: one more, empty, field
      c = -1;
    }
    let end = n;
    if (c === NL || c === CR) {
      const crlf = c === CR && buf[pos + 1] === NL;
      if (c === CR && !crlf) return null; // old Mac line ends
      if (ending === 0) ending = c;
      else if (ending !== c) return null; // mixed line ends
      end = pos + (crlf ? 2 : 1);
    }
    records.push({ line, fields, start: recordStart, end });
    line += 1 + breaks;
    breaks = 0;
    fields = [];
    recordStart = end;
    pos = end;
  }
  return records;
}

/** Line breaks inside a quoted field, counted as csv-parse counts them: every CR and every LF. */
function lineBreaks(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(NL, from); i !== -1 && i < to; i = buf.indexOf(NL, i + 1)) n++;
  for (let i = buf.indexOf(CR, from); i !== -1 && i < to; i = buf.indexOf(CR, i + 1)) n++;
  return n;
}

/** `parsePiece` by csv-parse alone: for the pieces the plain loop leaves, and to test it against. */
export function parsePieceWithCsvParse(
  buf: Uint8Array,
  delimiter: string,
  startLine: number,
): { records: CsvRecord[]; error: ImportFileError | null } {
  const records: CsvRecord[] = [];
  let prevLines = 0;
  let prevBytes = 0;
  try {
    parse(buf, {
      delimiter,
      relax_column_count: true,
      // Empty lines come through as one empty field and are skipped by the reader. No record
      // size limit is needed: a piece is never bigger than MAX_PIECE_BYTES.
      on_record: (fields: string[], ctx) => {
        records.push({ line: startLine + prevLines, fields, start: prevBytes, end: ctx.bytes });
        prevLines = ctx.lines;
        prevBytes = ctx.bytes;
        return null;
      },
    });
  } catch (err) {
    const csvErr = err as CsvError;
    if (typeof csvErr.code !== 'string') throw err;
    const shifted = Object.assign(csvErr, {
      lines: typeof csvErr.lines === 'number' ? startLine - 1 + csvErr.lines : undefined,
    });
    return { records, error: parseProblem(shifted, startLine + prevLines) };
  }
  return { records, error: null };
}

/** The delimiter of a file by its first line: comma, semicolon (European Excel) or tab. */
export function sniffDelimiter(firstLine: Uint8Array): string {
  const counts = new Map([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (let i = 0; i < firstLine.length; i++) {
    const c = firstLine[i]!;
    if (c === QUOTE) quoted = !quoted;
    else if (!quoted && (c === NL || c === CR)) break;
    else if (!quoted) {
      const ch = String.fromCharCode(c);
      const n = counts.get(ch);
      if (n !== undefined) counts.set(ch, n + 1);
    }
  }
  let best = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

const NL = 10;
const CR = 13;
const QUOTE = 34;

/**
 * Offset just past the first (`last` false) or last record-ending newline of `buf`, outside
 * quotes; -1 if there is none. `buf` starts outside quotes. A quote doubled inside a quoted
 * field flips twice, so counting quotes is enough.
 */
function recordEnd(buf: Uint8Array, newline: number, last: boolean): number {
  let inQuote = false;
  let pos = 0;
  let found = -1;
  for (;;) {
    const q = buf.indexOf(QUOTE, pos);
    const end = q === -1 ? buf.length : q;
    if (!inQuote && end > pos) {
      if (last) {
        const nl = buf.lastIndexOf(newline, end - 1);
        if (nl >= pos) found = nl + 1;
      } else {
        const nl = buf.indexOf(newline, pos);
        if (nl !== -1 && nl < end) return nl + 1;
      }
    }
    if (q === -1) return found;
    inQuote = !inQuote;
    pos = q + 1;
  }
}

function countByte(buf: Uint8Array, byte: number): number {
  let n = 0;
  for (let i = buf.indexOf(byte); i !== -1; i = buf.indexOf(byte, i + 1)) n++;
  return n;
}

export type Header = { fields: string[]; delimiter: string; line: number };
export type Piece = { seq: number; buf: Buffer; startLine: number };

/**
 * Pieces of about this size go to the parser. Small, so a piece's rows die young: with 256 KB
 * pieces they outlived V8's young generation and parsing cost twice the CPU (garbage collection).
 */
const PIECE_BYTES = 32 * 1024;
/** A piece this big without a record end is cut anyway: the parser will say what is wrong. */
const MAX_PIECE_BYTES = 2 * MAX_RECORD_BYTES;

/**
 * Cuts a stream of UTF-8 bytes into pieces that end at record boundaries, so each can be
 * parsed on its own (in parallel) with correct line numbers. Yields the header first.
 * If the source fails, the complete records before the failure are yielded, then it throws.
 */
export async function* splitPieces(
  chunks: AsyncIterable<Buffer>,
  pieceBytes = PIECE_BYTES,
): AsyncGenerator<Header | Piece> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let line = 1;
  let seq = 0;
  let header: Header | null = null;
  let newline = NL;
  const take = () => {
    const buf = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes);
    held = [];
    heldBytes = 0;
    return buf;
  };
  const hold = (buf: Buffer) => {
    if (!buf.length) return;
    held.push(buf);
    heldBytes += buf.length;
  };
  /** Reads the header row off the front of `buf`; null while more bytes are needed. */
  const readHeader = (buf: Buffer, atEnd: boolean): { header: Header; rest: Buffer } | null => {
    // Blank lines before the header are skipped (and counted).
    let skip = 0;
    while (skip < buf.length && (buf[skip] === NL || buf[skip] === CR)) skip++;
    const rest = buf.subarray(skip);
    if (!rest.length) return null;
    const firstNl = rest.indexOf(NL);
    const firstCr = rest.indexOf(CR);
    // Old Mac files end lines with CR alone.
    if (firstCr !== -1 && (firstNl === -1 || firstCr + 1 < firstNl)) newline = CR;
    let end = recordEnd(rest, newline, false);
    if (end === -1) {
      if (!atEnd) {
        if (rest.length > MAX_RECORD_BYTES) {
          throw new ImportFileError('the header row never ends (no line break in the first MB).', line);
        }
        return null;
      }
      end = rest.length;
    }
    const skipped = buf.subarray(0, skip);
    line += countByte(skipped, NL) || countByte(skipped, CR);
    const text = rest.subarray(0, end);
    const delimiter = sniffDelimiter(text);
    const { records, error } = parsePiece(text, delimiter, line);
    if (error) throw error;
    const found = { fields: records[0]?.fields ?? [], delimiter, line };
    line += countByte(text, newline);
    return { header: found, rest: rest.subarray(end) };
  };

  try {
    for await (const chunk of chunks) {
      hold(chunk);
      if (!header) {
        const buf = take();
        const read = readHeader(buf, false);
        if (!read) {
          hold(buf);
          continue;
        }
        header = read.header;
        yield header;
        hold(read.rest);
      }
      if (heldBytes < pieceBytes) continue;
      // Cut pieces of about `pieceBytes`, each ending at a record end.
      const buf = take();
      let pos = 0;
      while (buf.length - pos >= pieceBytes) {
        let end = recordEnd(buf.subarray(pos, pos + pieceBytes), newline, true);
        if (end <= 0) end = recordEnd(buf.subarray(pos, pos + MAX_PIECE_BYTES), newline, true);
        if (end <= 0) {
          if (buf.length - pos < MAX_PIECE_BYTES) break;
          end = MAX_PIECE_BYTES; // no record end in 2 MB: the parser will say what is wrong
        }
        const piece = Buffer.from(buf.subarray(pos, pos + end));
        yield { seq: seq++, buf: piece, startLine: line };
        line += countByte(piece, newline);
        pos += end;
      }
      hold(buf.subarray(pos));
    }
  } catch (err) {
    // The source broke off (bad encoding …): the complete lines before it still count.
    if (!(err instanceof ImportFileError)) throw err;
    if (header && heldBytes) yield { seq: seq++, buf: Buffer.from(take()), startLine: line };
    throw err;
  }
  if (!header) {
    const read = heldBytes ? readHeader(take(), true) : null;
    if (!read) return;
    header = read.header;
    yield header;
    hold(read.rest);
  }
  if (heldBytes) yield { seq: seq++, buf: Buffer.from(take()), startLine: line };
}
