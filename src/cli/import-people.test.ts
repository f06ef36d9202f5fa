import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/db.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';
import { rejectsPath, runPeopleExport, runPeopleImport, runTransactionsImport } from './import-people.ts';

/** Collects what a command prints. */
function sink() {
  const chunks: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c) => chunks.push(String(c)));
  return { stream, text: () => chunks.join('') };
}

describe.each(dialects)('vouch import/export people on %s', (dialect) => {
  let t: TestDb;
  let dir: string;
  let workspaceId: string;

  beforeAll(async () => {
    t = await testDb(dialect);
    dir = mkdtempSync(join(tmpdir(), 'vouch-cli-'));
    workspaceId = (await createWorkspace(t.db, { name: 'CLI shop', country: 'US' })).id;
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  it('imports a file, prints a summary and writes the rejects beside it', async () => {
    const file = join(dir, 'customers.csv');
    writeFileSync(
      file,
      'Customer ID,First Name,Last Name,Email,Phone,Total Spent\n1,Ann,Lee,ann@example.com,+12175550100,10\n2,Bob,Ray,bob@,,0\n',
    );
    const out = sink();
    const summary = await runPeopleImport(t.db, workspaceId, file, { out: out.stream });
    expect(summary).toMatchObject({ status: 'done', rowsCreated: 1, rowsRejected: 1 });
    expect(out.text()).toContain('Imported customers.csv (Shopify customer export)');
    expect(out.text()).toMatch(/created +1\n/);
    expect(out.text()).toMatch(/rejected +1\n/);
    expect(out.text()).toContain(`Rejected rows, each with its line and reason: ${rejectsPath(file)}`);
    expect(out.text()).toContain('Columns not used: Total Spent');
    expect(rejectsPath(file)).toBe(join(dir, 'customers.rejects.csv'));
    expect(readFileSync(rejectsPath(file), 'utf8')).toBe(
      '\uFEFFline,reason,Customer ID,First Name,Last Name,Email,Phone,Total Spent\n3,"Email: ""bob@"" is not a valid email address",2,Bob,Ray,bob@,,0\n',
    );

    const again = sink();
    expect(await runPeopleImport(t.db, workspaceId, file, { out: again.stream })).toMatchObject({
      rowsUnchanged: 1,
    });
  });

  it('says what went wrong with a broken file', async () => {
    const file = join(dir, 'broken.csv');
    writeFileSync(file, 'first_name,email\nCy,cy@example.com\nDee,"dee\n');
    const out = sink();
    const summary = await runPeopleImport(t.db, workspaceId, file, { out: out.stream });
    expect(summary.status).toBe('failed');
    expect(out.text()).toContain('Import failed: broken.csv');
    expect(out.text()).toContain('Line 3: a quoted field starting on this line is never closed');
    expect(existsSync(rejectsPath(file))).toBe(false);
    await expect(runPeopleImport(t.db, workspaceId, join(dir, 'nope.csv'))).rejects.toThrow(/No such file/);
  });

  it('imports transactions once, with their rejects beside the file', async () => {
    const file = join(dir, 'sales.csv');
    writeFileSync(
      file,
      'order_id,date,total,email\n1001,,12.50,tia@example.com\n1002,,12.505,tia@example.com\n',
    );
    const out = sink();
    const shop = (await createWorkspace(t.db, { name: 'CLI till', country: 'US' })).id;
    const summary = await runTransactionsImport(t.db, shop, file, { out: out.stream, source: 'till' });
    expect(summary).toMatchObject({ kind: 'transactions', status: 'done', rowsCreated: 1, rowsRejected: 1 });
    expect(out.text()).toContain('Imported sales.csv (transactions)');
    expect(readFileSync(rejectsPath(file), 'utf8')).toContain(
      '\n3,"amount: ""12.505"" has more decimals than USD has"',
    );
    const again = await runTransactionsImport(t.db, shop, file, {
      out: sink().stream,
      source: 'till',
    });
    expect(again).toMatchObject({ rowsCreated: 0, rowsUnchanged: 1 });
  });

  it('exports to a stream', async () => {
    const out = sink();
    await runPeopleExport(t.db, workspaceId, out.stream);
    const lines = out.text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\uFEFFvouch_id,external_id,kind,first_name/);
    expect(lines.some((l) => l.includes(',1,customer,Ann,Lee,'))).toBe(true);
    expect(lines).toHaveLength(3);
  });
});
