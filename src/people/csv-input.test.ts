import { describe, expect, it } from 'vitest';
import { parsePiece, parsePieceWithCsvParse, parsePlainPiece } from './csv-input.ts';

function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

/** The plain loop must give csv-parse's answer whenever it gives one. */
function same(text: string, delimiter: string, startLine: number): boolean {
  const buf = Buffer.from(text, 'utf8');
  const plain = parsePlainPiece(buf, delimiter, startLine);
  if (!plain) return false;
  const slow = parsePieceWithCsvParse(buf, delimiter, startLine);
  expect(slow.error, JSON.stringify(text)).toBeNull();
  expect(plain, JSON.stringify(text)).toEqual(slow.records);
  return true;
}

describe('parsePlainPiece', () => {
  it('reads well-formed pieces exactly as csv-parse does (LF and CRLF, quotes, empty lines)', () => {
    const r = rng(7);
    const CELLS = ['', 'Ann', 'García', '😀 x', ' padded ', '12.5', "O'Brien", '名前', '\u00a0'];
    let taken = 0;
    for (let i = 0; i < 3_000; i++) {
      const delimiter = r.pick([',', ',', ';', '\t']);
      const eol = r.pick(['\n', '\r\n']);
      const rows: string[] = [];
      for (let k = r.int(8); k >= 0; k--) {
        if (r.int(10) === 0) {
          rows.push('');
          continue;
        }
        const cells: string[] = [];
        for (let c = r.int(6); c >= 0; c--) {
          let cell = r.pick(CELLS);
          if (r.int(4) === 0) {
            // Quoted, with what only quotes can hold.
            cell += r.pick(['', delimiter, '""', '\n', '\r\n', `a${delimiter}b`, '"" ""', '\r', '\n\r']);
            cell = `"${cell}"`;
          }
          cells.push(cell);
        }
        rows.push(cells.join(delimiter));
      }
      const text = rows.join(eol) + r.pick(['', eol]);
      if (same(text, delimiter, 1 + r.int(1000))) taken++;
    }
    // It must actually take the usual piece.
    expect(taken).toBeGreaterThan(2_400);
  });

  it('leaves anything unusual to csv-parse, and never disagrees with it', () => {
    const r = rng(11);
    const ALPHABET = ['a', 'b', 'é', ',', ',', ';', '"', '"', '\n', '\n', '\r', ' ', '\t', '😀'];
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let k = r.int(40); k > 0; k--) text += r.pick(ALPHABET);
      const delimiter = r.pick([',', ';', '\t']);
      const buf = Buffer.from(text, 'utf8');
      const plain = parsePlainPiece(buf, delimiter, 5);
      const slow = parsePieceWithCsvParse(buf, delimiter, 5);
      if (plain) {
        expect(slow.error, JSON.stringify(text)).toBeNull();
        expect(plain, JSON.stringify(text)).toEqual(slow.records);
      }
      // parsePiece is the one or the other.
      expect(parsePiece(buf, delimiter, 5)).toEqual(plain ? { records: plain, error: null } : slow);
    }
  });

  it('takes a Shopify export piece and reads its quoted cells', () => {
    const text =
      '\'7000000000000,Ann,Lee,ann.0@example.com,no,,100 Main St,,Springfield,IL,US,\'62701,,\'+12172000000,no,0.5,0,"Prefers mornings, asks for Sam",no,"vip, newsletter"\n' +
      "'7000000000001,Bob,Lee,bob.1@example.com,yes,,101 Main St,,Portland,OR,US,'97201,,'+15032000001,no,1.5,1,,no,walk-in\n";
    expect(same(text, ',', 2)).toBe(true);
    const records = parsePlainPiece(Buffer.from(text), ',', 2)!;
    expect(records[0]!.fields[17]).toBe('Prefers mornings, asks for Sam');
    expect(records[1]!.line).toBe(3);
  });
});
