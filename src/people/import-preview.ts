/**
 * The first look at a people CSV before it is imported: its columns, what each would feed as
 * recognised, and its first rows, so a person can map the columns by hand. Reads only the start
 * of the file (the web app sends its first 64 KB) and stops as soon as it has the rows.
 */
import { COLUMN_FIELDS, mapColumns, missingColumns } from './csv-columns.ts';
import {
  type Chunk,
  type Header,
  ImportFileError,
  type Piece,
  parsePiece,
  splitPieces,
  utf8Chunks,
} from './csv-input.ts';
import type { ImportPreview } from './imports.schema.ts';

export const PREVIEW_ROWS = 5;

export async function previewPeopleCsv(
  input: AsyncIterable<Chunk> | Iterable<Chunk> | Chunk,
  rowsWanted = PREVIEW_ROWS,
): Promise<ImportPreview> {
  const source = splitPieces(utf8Chunks(input));
  try {
    const first = await source.next();
    const header = first.done ? null : (first.value as Header);
    if (!header) throw new ImportFileError('The file is empty: there is no header row.');
    const headers = header.fields.map((h) => h.trim());
    const rows: string[][] = [];
    try {
      while (rows.length < rowsWanted) {
        const next = await source.next();
        if (next.done) break;
        const piece = next.value as Piece;
        const { records, error } = parsePiece(piece.buf, header.delimiter, piece.startLine);
        for (const r of records) {
          // Rows of empty cells are skipped, as the import skips them.
          if (r.fields.every((f) => !f.trim())) continue;
          rows.push(headers.map((_, i) => r.fields[i] ?? ''));
          if (rows.length === rowsWanted) break;
        }
        if (error) throw error;
      }
    } catch (err) {
      // The start of a bigger file may end inside a row or a character: what came before is enough.
      if (!(err instanceof ImportFileError) || !rows.length) throw err;
    }
    const map = mapColumns(headers);
    return {
      source: map.source,
      delimiter: header.delimiter,
      columns: map.columns.map((c) => ({ header: c.header, guess: c.field })),
      rows,
      missing: missingColumns(map),
      fields: COLUMN_FIELDS,
    };
  } finally {
    await source.return(undefined).catch(() => {});
  }
}
