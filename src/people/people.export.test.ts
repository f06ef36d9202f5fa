import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/db.ts';
import type { Actor } from '../auth/auth.service.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';
import { guardCell, TEMPLATE_COLUMNS, unguardCell } from './csv-columns.ts';
import { exportPeopleCsv } from './people.export.ts';
import { importPeople } from './people.import.ts';
import { createPerson, mergePeople } from './people.service.ts';

async function text(gen: AsyncIterable<string>) {
  let out = '';
  for await (const chunk of gen) out += chunk;
  return out;
}

describe.each(dialects)('people CSV export on %s', (dialect) => {
  let t: TestDb;
  let actor: Actor;

  beforeAll(async () => {
    t = await testDb(dialect);
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    const ws = await createWorkspace(t.db, { name: 'Studio', country: 'US' });
    actor = { workspaceId: ws.id, role: 'manager', userId: null, via: 'session' };
  });

  const exported = async () => {
    const csv = await text(exportPeopleCsv(t.db, actor));
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = parse(csv.slice(1), { relax_column_count: false }) as string[][];
    return { csv, header: header!, rows };
  };

  it('writes the template columns and guards every cell a spreadsheet would run', async () => {
    await createPerson(t.db, actor, {
      firstName: '=HYPERLINK("http://evil.example","click")',
      lastName: '@SUM(A1)',
      organisation: '-2+3',
      phone: '+1 217 555 0100',
      notes: 'second line, "quoted"\n=1+1',
      tags: ['+vip'],
    });
    const { header, rows } = await exported();
    expect(header).toEqual([...TEMPLATE_COLUMNS]);
    const cell = (name: string) => rows[0]![header.indexOf(name)];
    expect(cell('first_name')).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(cell('last_name')).toBe("'@SUM(A1)");
    expect(cell('organisation')).toBe("'-2+3");
    expect(cell('phone')).toBe("'+12175550100");
    // Only a cell's start makes a formula.
    expect(cell('notes')).toBe('second line, "quoted"\n=1+1');
    expect(cell('tags')).toBe("'+vip");
    expect(cell('kind')).toBe('customer');
  });

  it('guards tab and carriage return too, and the guard comes off exactly once', () => {
    for (const v of ['\tx', '\rx', '=x', '+x', '-x', '@x', "'=x", "''+x"]) {
      expect(guardCell(v)).toBe(`'${v}`);
      expect(unguardCell(guardCell(v))).toBe(v);
    }
    for (const v of ['x', "'x", 'a=b', '']) expect(guardCell(v)).toBe(v);
  });

  it('imports back unchanged, into the same workspace and into a new one', async () => {
    const ann = await createPerson(t.db, actor, {
      kind: 'partner',
      firstName: 'Ann',
      lastName: "O'Neil",
      organisation: "O'Neil Accounting, LLC",
      email: 'Ann@Example.com',
      phone: '(217) 555-0100',
      externalId: 'crm-7',
      address: {
        line1: '1 Main St',
        line2: 'Suite 2',
        city: 'Springfield',
        region: 'IL',
        postalCode: '02134',
        country: 'US',
      },
      tags: ['Accountant', 'top'],
      notes: 'Sends clients in spring.\n"Very" reliable; =not a formula',
      howHeard: 'Chamber lunch',
      marketingConsent: { given: true, source: 'intake form' },
      doNotContact: true,
    });
    await createPerson(t.db, actor, { firstName: 'Aunt Mary' });
    await createPerson(t.db, actor, { email: 'only@example.com', tags: ['-minus'] });
    const first = await exported();
    expect(first.rows).toHaveLength(3);

    const again = await importPeople(t.db, actor, first.csv, { filename: 'export.csv' });
    expect(again).toMatchObject({
      status: 'done',
      rowsTotal: 3,
      rowsUnchanged: 3,
      rowsCreated: 0,
      rowsUpdated: 0,
      rowsRejected: 0,
    });
    expect((await exported()).csv).toBe(first.csv);

    // Another workspace (a move to a new installation): the same people, new ids.
    const other = await createWorkspace(t.db, { name: 'Copy', country: 'US' });
    const original = actor;
    actor = { ...actor, workspaceId: other.id };
    const copy = await importPeople(t.db, actor, first.csv, { filename: 'export.csv' });
    expect(copy).toMatchObject({ status: 'done', rowsCreated: 3, rowsRejected: 0 });
    const copied = await exported();
    const strip = (rows: string[][]) => rows.map((r) => r.slice(1)).sort();
    expect(strip(copied.rows)).toEqual(strip(first.rows));
    actor = original;
    const row = first.rows.find((r) => r[0] === ann.id)!;
    expect(row[first.header.indexOf('marketing_consent')]).toBe(ann.marketingConsent!.at);
    expect(row[first.header.indexOf('marketing_consent_source')]).toBe('intake form');
    expect(row[first.header.indexOf('do_not_contact')]).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('pages through every live person and leaves out the merged', async () => {
    const lines = ['first_name,email'];
    for (let i = 0; i < 2100; i++) lines.push(`P${i},p${i}@example.com`);
    await importPeople(t.db, actor, `${lines.join('\n')}\n`, { filename: 'many.csv' });
    const keep = await createPerson(t.db, actor, { firstName: 'Keep', email: 'keep@example.com' });
    const gone = await createPerson(t.db, actor, { firstName: 'Gone', phone: '+12175550199' });
    await mergePeople(t.db, actor, keep.id, gone.id);
    const { rows } = await exported();
    expect(rows).toHaveLength(2101);
    expect(new Set(rows.map((r) => r[0])).size).toBe(2101);
    expect(rows.map((r) => r[0])).not.toContain(gone.id);
  });

  it('needs the manager role', () => {
    expect(() => exportPeopleCsv(t.db, { ...actor, role: 'staff' })).toThrow(/manager/);
  });
});
