/**
 * `vouch import people FILE`, `vouch import transactions FILE` and `vouch export people`: the
 * importers and exporter with a progress bar on a terminal (people) and a plain summary.
 */
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { Actor } from '../auth/auth.service.ts';
import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { IMPORT_READ_BYTES } from '../people/import-launch.ts';
import { exportPeopleCsv } from '../people/people.export.ts';
import { getRejectsCsv, type ImportSummary, importPeople } from '../people/people.import.ts';

/** The operator at the command line acts as the workspace's owner. */
const operator = (workspaceId: string): Actor => ({
  workspaceId,
  role: 'owner',
  userId: null,
  via: 'session',
});

const n = (x: number) => x.toLocaleString('en');

/** Where the reject file of `file` goes: beside it, `customers.csv` → `customers.rejects.csv`. */
export const rejectsPath = (file: string) => `${file.replace(/\.csv$/i, '')}.rejects.csv`;

export type CliOptions = {
  /** Where the summary goes (default stdout). */
  out?: NodeJS.WritableStream;
  /** Where the progress bar goes (default stderr); it is shown only on a terminal. */
  progress?: NodeJS.WriteStream;
};

/**
 * Imports people from FILE into the workspace. Returns the summary; an import that `failed`
 * (a problem with the file) should end the command with a non-zero exit code.
 */
export async function runPeopleImport(
  db: Db,
  workspaceId: string,
  file: string,
  opts: CliOptions = {},
): Promise<ImportSummary> {
  const out = opts.out ?? process.stdout;
  const tty = opts.progress ?? process.stderr;
  const size = await stat(file).then(
    (s) => s.size,
    () => {
      throw new AppError('not_found', `No such file: ${file}`);
    },
  );
  const bar = tty.isTTY
    ? new cliProgress.SingleBar(
        {
          stream: tty,
          format: 'Importing {bar} {percentage}% | {rows} rows | {eta_formatted} left',
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(size, 0, { rows: '0' });
  let summary: ImportSummary;
  try {
    summary = await importPeople(
      db,
      operator(workspaceId),
      createReadStream(file, { highWaterMark: IMPORT_READ_BYTES }),
      {
        filename: basename(file),
        onProgress: ({ rows, bytes }) => bar?.update(bytes, { rows: n(rows) }),
      },
    );
  } finally {
    bar?.stop();
  }

  const from = summary.source === 'CSV' ? 'CSV' : `${summary.source} customer export`;
  await report(db, workspaceId, file, from, summary, out);
  return summary;
}

/**
 * `vouch import transactions FILE`: purchases, visits and refunds, each recorded exactly once
 * through the same door as `POST /events` (importing a file again changes nothing).
 */
export async function runTransactionsImport(
  db: Db,
  workspaceId: string,
  file: string,
  opts: CliOptions & { source?: string } = {},
): Promise<ImportSummary> {
  await stat(file).catch(() => {
    throw new AppError('not_found', `No such file: ${file}`);
  });
  const { importTransactions } = await import('../events/events.import.ts');
  const summary = await importTransactions(db, operator(workspaceId), createReadStream(file), {
    filename: basename(file),
    ...(opts.source ? { source: opts.source } : {}),
  });
  await report(db, workspaceId, file, 'transactions', summary, opts.out ?? process.stdout);
  return summary;
}

/** The summary of an import, and its reject file written beside the file. */
async function report(
  db: Db,
  workspaceId: string,
  file: string,
  from: string,
  summary: ImportSummary,
  out: NodeJS.WritableStream,
) {
  const lines: string[] = [];
  lines.push(
    `${summary.status === 'done' ? 'Imported' : 'Import failed:'} ${basename(file)} (${from}), import ${summary.id}`,
  );
  lines.push(`  rows        ${n(summary.rowsTotal)}`);
  lines.push(`  created     ${n(summary.rowsCreated)}`);
  lines.push(`  updated     ${n(summary.rowsUpdated)}`);
  lines.push(`  unchanged   ${n(summary.rowsUnchanged)}`);
  lines.push(`  rejected    ${n(summary.rowsRejected)}`);
  if (summary.rowsRejected > 0) {
    const path = rejectsPath(file);
    const { csv } = await getRejectsCsv(db, operator(workspaceId), summary.id);
    await writeFile(path, `\uFEFF${csv}`);
    lines.push(`Rejected rows, each with its line and reason: ${path}`);
  }
  const unused = summary.columns.filter((c) => c.field === null).map((c) => c.header);
  if (unused.length) lines.push(`Columns not used: ${unused.join(', ')}`);
  if (summary.error) {
    lines.push(summary.error);
    lines.push(
      'The rows before the problem were imported; fix the file and import it again (rows already imported stay unchanged).',
    );
  }
  out.write(`${lines.join('\n')}\n`);
}

/** Writes every person of the workspace as CSV (the import template) to `out`, without ending it. */
export async function runPeopleExport(db: Db, workspaceId: string, out: Writable): Promise<void> {
  for await (const chunk of exportPeopleCsv(db, operator(workspaceId))) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
}
