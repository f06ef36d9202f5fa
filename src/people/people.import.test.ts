import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/db.ts';
import type { Actor } from '../auth/auth.service.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';
import { getRejectsCsv, type ImportOptions, importPeople, listImports } from './people.import.ts';

const SHOPIFY_HEADER =
  'Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,Default Address Address1,' +
  'Default Address Address2,Default Address City,Default Address Province Code,Default Address Country Code,' +
  'Default Address Zip,Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags';

const SQUARE_HEADER =
  'Reference ID,First Name,Last Name,Email Address,Phone Number,Nickname,Company Name,Street Address 1,Street Address 2,' +
  'City,State,Postal Code,Birthday,Memo,Square Customer ID,Creation Source,First Visit,Last Visit,Transaction Count,' +
  'Total Spend,Email Subscription Status,Instant Profile';

const csv = (...lines: string[]) => `${lines.join('\n')}\n`;

describe.each(dialects)('people CSV import on %s', (dialect) => {
  let t: TestDb;
  let actor: Actor;

  beforeAll(async () => {
    t = await testDb(dialect);
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    // Every test gets a workspace of its own.
    const ws = await createWorkspace(t.db, { name: 'Corner Shop', country: 'US' });
    actor = { workspaceId: ws.id, role: 'manager', userId: null, via: 'session' };
  });

  const run = (body: string | Buffer | Array<string | Buffer>, opts: Partial<ImportOptions> = {}) =>
    importPeople(t.db, actor, body, { filename: 'people.csv', ...opts });

  /** The workspace's live people, by first name then email (the same order on both dialects). */
  const people = async () =>
    (
      await t.db
        .selectFrom('people')
        .selectAll()
        .where('workspace_id', '=', actor.workspaceId)
        .where('merged_into_id', 'is', null)
        .execute()
    ).sort((a, b) => (`${a.first_name}|${a.email}` < `${b.first_name}|${b.email}` ? -1 : 1));

  const tagsOf = async (id: string) =>
    (
      await t.db
        .selectFrom('person_tags')
        .select('tag')
        .where('workspace_id', '=', actor.workspaceId)
        .where('person_id', '=', id)
        .orderBy('tag')
        .execute()
    ).map((r) => r.tag);

  const rejects = async (id: string) => (await getRejectsCsv(t.db, actor, id)).csv;

  it('reads a Shopify customer export', async () => {
    const s = await run(
      csv(
        SHOPIFY_HEADER,
        `'6807426154713,Ann,Lee,Ann@Example.com,yes,Lee & Co,1 Main St,Apt 2,Springfield,IL,US,'02134,,'+12175550100,no,10.00,1,"Likes tea, not coffee",no,"VIP, loyal"`,
        `'6807426154714,Bob,Ray,bob@example.com,no,,,,,,,,(217) 555-0101,,no,0.00,0,,no,`,
      ),
    );
    expect(s).toMatchObject({
      status: 'done',
      source: 'Shopify',
      rowsTotal: 2,
      rowsCreated: 2,
      rowsRejected: 0,
    });
    expect(s.columns.filter((c) => c.field === null).map((c) => c.header)).toEqual([
      'Accepts SMS Marketing',
      'Total Spent',
      'Total Orders',
      'Tax Exempt',
    ]);
    const [ann, bob] = await people();
    expect(ann).toMatchObject({
      external_id: '6807426154713',
      first_name: 'Ann',
      last_name: 'Lee',
      email: 'ann@example.com',
      organisation: 'Lee & Co',
      phone: '+12175550100',
      notes: 'Likes tea, not coffee',
      marketing_consent_source: 'Shopify import',
      kind: 'customer',
    });
    expect(ann!.marketing_consent_at).toBeTruthy();
    expect(JSON.parse(ann!.address)).toEqual({
      line1: '1 Main St',
      line2: 'Apt 2',
      city: 'Springfield',
      region: 'IL',
      postalCode: '02134',
      country: 'US',
    });
    expect(await tagsOf(ann!.id)).toEqual(['loyal', 'vip']);
    // The default address phone is used when the customer has no phone of their own.
    expect(bob).toMatchObject({ phone: '+12175550101', marketing_consent_at: null });
  });

  it('reads the older Shopify headers', async () => {
    const s = await run(
      csv(
        'First Name,Last Name,Email,Company,Address1,Address2,City,Province,Province Code,Country,Country Code,Zip,Phone,Accepts Marketing,Total Spent,Total Orders,Tags,Note,Tax Exempt',
        'Cy,Dee,cy@example.com,Dee Ltd,2 High St,,Toronto,Ontario,ON,Canada,CA,M5V 2T6,+1 416 555 0199,yes,0,0,,,no',
      ),
    );
    expect(s).toMatchObject({ status: 'done', source: 'Shopify', rowsCreated: 1 });
    const [cy] = await people();
    expect(cy).toMatchObject({
      organisation: 'Dee Ltd',
      phone: '+14165550199',
      marketing_consent_source: 'Shopify import',
    });
    expect(JSON.parse(cy!.address)).toMatchObject({ region: 'ON', country: 'CA', postalCode: 'M5V 2T6' });
  });

  it('reads a Square customer export', async () => {
    const s = await run(
      csv(
        SQUARE_HEADER,
        'R-17,Dana,Fox,dana@example.com,(415) 555-0134,Dee,Fox Studio,5 Elm St,,San Francisco,CA,94110,,Prefers Saturdays,6XQ7ZP2K4,Directory,2024-01-02,2024-06-01,4,$210.00,subscribed,false',
        ',Eli,Ng,eli@example.com,,,,,,,,,,,7BN3K2QW1,Directory,,,0,$0.00,unsubscribed,true',
      ),
    );
    expect(s).toMatchObject({ status: 'done', source: 'Square', rowsCreated: 2 });
    const all = await people();
    const dana = all.find((p) => p.first_name === 'Dana')!;
    const eli = all.find((p) => p.first_name === 'Eli')!;
    expect(dana).toMatchObject({
      external_id: '6XQ7ZP2K4',
      organisation: 'Fox Studio',
      phone: '+14155550134',
      notes: 'Prefers Saturdays',
      marketing_consent_source: 'Square import',
    });
    expect(JSON.parse(dana.address)).toMatchObject({
      line1: '5 Elm St',
      city: 'San Francisco',
      region: 'CA',
      postalCode: '94110',
    });
    expect(eli).toMatchObject({ external_id: '7BN3K2QW1', marketing_consent_at: null });
  });

  it('reads the template, matching headers without regard to case, spaces or underscores', async () => {
    const s = await run(
      csv(
        'First Name,LAST_NAME,e-mail,Phone,External ID,Kind,Organisation,Address Line1,City,Region,Postal Code,Country,Tags,Notes,How Heard,Marketing Consent',
        'Fay,Gold,fay@example.com,030 1234567,crm-1,partner,Gold Tax,Hauptstr. 1,Berlin,BE,10115,Germany,accountant,"Refers clients",Chamber of commerce,yes',
        'Gus,,gus@example.com,,,prospect,,,,,,,,,,no',
      ),
    );
    expect(s).toMatchObject({ status: 'done', source: 'CSV', rowsCreated: 2, rowsRejected: 0 });
    const all = await people();
    const fay = all.find((p) => p.first_name === 'Fay')!;
    expect(fay).toMatchObject({
      kind: 'partner',
      external_id: 'crm-1',
      organisation: 'Gold Tax',
      // Read in the row's own country.
      phone: '+49301234567',
      how_heard: 'Chamber of commerce',
      notes: 'Refers clients',
      marketing_consent_source: 'CSV import',
    });
    expect(JSON.parse(fay.address)).toMatchObject({ line1: 'Hauptstr. 1', country: 'DE' });
    expect(await tagsOf(fay.id)).toEqual(['accountant']);
    expect(all.find((p) => p.first_name === 'Gus')).toMatchObject({
      kind: 'prospect',
      marketing_consent_at: null,
    });
  });

  it('splits a single name column', async () => {
    await run(csv('Name,Email', 'Mary Ann Smith,mary@example.com', 'Prince,prince@example.com'));
    const all = await people();
    expect(all.map((p) => [p.first_name, p.last_name])).toEqual([
      ['Mary Ann', 'Smith'],
      ['Prince', ''],
    ]);
  });

  it('changes nothing when the same file is imported again', async () => {
    const file = csv(
      SHOPIFY_HEADER,
      `'1001,Ann,Lee,ann@example.com,yes,,1 Main St,,Springfield,IL,US,62701,,+12175550100,no,0,0,Note,no,vip`,
      `'1002,Bob,Ray,bob@example.com,no,,,,,,,,,,no,0,0,,no,`,
      `,Cy,,,no,,,,,,,,,(217) 555-0102,no,0,0,,no,walk-in`,
      `'1004,Dee,,not-an-email,no,,,,,,,,,,no,0,0,,no,`,
    );
    const first = await run(file);
    expect(first).toMatchObject({ rowsCreated: 3, rowsRejected: 1 });
    const before = await people();
    const again = await run(file);
    expect(again).toMatchObject({
      status: 'done',
      rowsTotal: 4,
      rowsCreated: 0,
      rowsUpdated: 0,
      rowsUnchanged: 3,
      rowsRejected: 1,
    });
    expect(await people()).toEqual(before);
  });

  it('updates what changed, and an empty cell erases nothing', async () => {
    await run(
      csv(
        'external_id,first_name,last_name,email,phone,city,tags',
        'c-1,Ann,Lee,ann@example.com,+12175550100,Springfield,vip',
      ),
    );
    const [before] = await people();
    const s = await run(
      csv(
        'external_id,first_name,last_name,email,phone,city,tags',
        'c-1,Anne,,ann@example.com,,Chicago,regular',
      ),
    );
    expect(s).toMatchObject({ rowsUpdated: 1, rowsCreated: 0 });
    const [after] = await people();
    expect(after).toMatchObject({
      id: before!.id,
      first_name: 'Anne',
      last_name: 'Lee',
      phone: '+12175550100',
    });
    expect(JSON.parse(after!.address).city).toBe('Chicago');
    expect(after!.updated_at > before!.updated_at).toBe(true);
    // Tags are added, never taken away by an import.
    expect(await tagsOf(after!.id)).toEqual(['regular', 'vip']);
  });

  it('matches a row by phone to a person an earlier row of the same file created, in one batch or across two', async () => {
    const file = csv(
      'first_name,email,phone,tags',
      'Cy,,+12175550102,vip',
      // Phone alone, no email on either: the same person, who gains an email and a tag.
      'Cyril,cyril@example.com,(217) 555-0102,regular',
      // Same phone, another email than the person now has: someone else.
      'Dee,dee@example.com,+12175550102,',
      // Phone alone again: the first person with that phone.
      'Cyrus,,+12175550102,',
    );
    const results = [];
    for (const batchSize of [5000, 1]) {
      const ws = await createWorkspace(t.db, { name: `Phones ${batchSize}`, country: 'US' });
      actor = { ...actor, workspaceId: ws.id };
      const s = await run(file, { batchSize });
      expect(s).toMatchObject({ rowsCreated: 2, rowsUpdated: 2, rowsRejected: 0 });
      const all = await people();
      results.push(
        await Promise.all(all.map(async (p) => [p.first_name, p.email, p.phone, await tagsOf(p.id)])),
      );
    }
    expect(results[0]).toEqual(
      expect.arrayContaining([
        ['Cyrus', 'cyril@example.com', '+12175550102', ['regular', 'vip']],
        ['Dee', 'dee@example.com', '+12175550102', []],
      ]),
    );
    expect(results[0]).toHaveLength(2);
    expect(results[1]).toEqual(expect.arrayContaining(results[0]!));
  });

  it('matches by external id, then email, then phone', async () => {
    await run(
      csv(
        'external_id,first_name,email,phone',
        'x-1,Ann,ann@example.com,+12175550100',
        ',Bob,bob@example.com,+12175550101',
        ',Cy,,+12175550102',
      ),
    );
    const s = await run(
      csv(
        'external_id,first_name,email,phone',
        // External id wins even though the email changed.
        'x-1,Ann,ann.lee@example.com,',
        // Email: fills in the external id.
        'x-2,Bob,BOB@example.com,',
        // Phone alone.
        ',Cyril,,(217) 555-0102',
        // Same phone as Bob but another email: a different person.
        ',Bea,bea@example.com,+12175550101',
      ),
    );
    expect(s).toMatchObject({ rowsUpdated: 3, rowsCreated: 1, rowsUnchanged: 0 });
    const all = await people();
    expect(all.map((p) => [p.first_name, p.external_id, p.email, p.phone])).toEqual(
      expect.arrayContaining([
        ['Ann', 'x-1', 'ann.lee@example.com', '+12175550100'],
        ['Bob', 'x-2', 'bob@example.com', '+12175550101'],
        ['Cyril', null, null, '+12175550102'],
        ['Bea', null, 'bea@example.com', '+12175550101'],
      ]),
    );
    expect(all).toHaveLength(4);
  });

  it("fills in an external id but never replaces one, nor takes one that is someone else's", async () => {
    await run(csv('external_id,first_name,email', 'a-1,Ann,ann@example.com', ',Bob,bob@example.com'));
    const unchanged = await run(csv('external_id,first_name,email', 'z-9,Ann,ann@example.com'));
    expect(unchanged).toMatchObject({ rowsUnchanged: 1, rowsCreated: 0 });
    const all = await people();
    const ann = all.find((p) => p.first_name === 'Ann')!;
    const bob = all.find((p) => p.first_name === 'Bob')!;
    const s = await run(csv('vouch_id,external_id,first_name', `${bob.id},a-1,Bobby`));
    expect(s).toMatchObject({ rowsRejected: 1, rowsUpdated: 0 });
    expect(await rejects(s.id)).toContain(
      `2,external id a-1 belongs to another person (${ann.id}) than the one this row matches (${bob.id}),${bob.id},a-1,Bobby`,
    );
    // Matched by Vouch id (in any case), Bob can be renamed.
    const ok = await run(csv('vouch_id,first_name', `${bob.id.toUpperCase()},Bobby`));
    expect(ok).toMatchObject({ rowsUpdated: 1 });
    expect((await people()).map((p) => [p.first_name, p.external_id])).toEqual([
      ['Ann', 'a-1'],
      ['Bobby', null],
    ]);
  });

  it('rejects bad rows with their line and reason, and imports the rest', async () => {
    const s = await run(
      csv(
        'first_name,email,phone,kind,country',
        'Ann,ann@example.com,+12175550100,customer,US',
        'Bob,bob@,+12175550101,customer,US',
        'Cy,cy@example.com,12,customer,US',
        'Dee,dee@example.com,,friend,US',
        'Eve,eve@example.com,,customer,Narnia',
        ',,,,',
        ',,,customer,US',
        'Fay,fay@example.com,,customer,US,extra',
        'Gus,gus@example.com',
      ),
    );
    expect(s).toMatchObject({ status: 'done', rowsTotal: 8, rowsCreated: 1, rowsRejected: 7 });
    const text = await rejects(s.id);
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('line,reason,first_name,email,phone,kind,country');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['3', '4', '5', '6', '8', '9', '10']);
    expect(text).toMatch(
      /^3,"email: ""bob@"" is not a valid email address",Bob,bob@,'\+12175550101,customer,US$/m,
    );
    expect(text).toMatch(/^4,"phone: ""12"" is not a phone number we can read",Cy,/m);
    expect(text).toMatch(
      /^5,"kind: Invalid option: expected one of ""customer""\|""prospect""\|""partner""",Dee,/m,
    );
    expect(text).toMatch(/^6,"country: ""Narnia"" is not a country we know/m);
    expect(text).toMatch(/^8,"a person needs a name/m);
    expect(text).toMatch(
      /^9,this row has 6 fields but the header has 5 \(an unquoted delimiter in a value\?\),Fay,/m,
    );
    // A short row is reported, not guessed at.
    expect(text).toMatch(/^10,this row has 2 fields but the header has 5,Gus,gus@example.com$/m);
    expect((await people()).map((p) => p.first_name)).toEqual(['Ann']);
  });

  it('rejects the second row with the same email or external id in one file, naming the first', async () => {
    const s = await run(
      csv(
        'external_id,first_name,email',
        'e-1,Ann,ann.lee@gmail.com',
        'e-2,Ann again,annlee@gmail.com',
        'e-1,Bob,bob@example.com',
        'e-4,Cy,cy@example.com',
        'e-5,Dee,dee@example.com',
        'e-6,Cy twin,CY@example.com',
      ),
      { batchSize: 2 },
    );
    expect(s).toMatchObject({ rowsCreated: 3, rowsRejected: 3 });
    const text = await rejects(s.id);
    expect(text).toMatch(/^3,email annlee@gmail\.com already appears on line 2; one person per row,e-2,/m);
    expect(text).toMatch(/^4,external_id e-1 already appears on line 2; one person per row,e-1,Bob/m);
    expect(text).toMatch(/^7,email cy@example\.com already appears on line 5; one person per row/m);
  });

  it('keeps the rows before a broken quote and fails naming its line', async () => {
    const s = await run(
      csv(
        'first_name,email,notes',
        'Ann,ann@example.com,"Two\nlines"',
        'Bob,bob@,',
        'Cy,cy@example.com,"never closed',
        'Dee,dee@example.com,',
      ),
    );
    expect(s.status).toBe('failed');
    expect(s.failure).toEqual({ code: 'unprocessable', line: 5 });
    expect(s.error).toMatch(/^Line 5: a quoted field starting on this line is never closed/);
    expect(s).toMatchObject({ rowsCreated: 1, rowsRejected: 1 });
    expect((await people()).map((p) => p.notes)).toEqual(['Two\nlines']);
    expect(await rejects(s.id)).toMatch(/^4,/m);
    const [listed] = (await listImports(t.db, actor, { page: 1, pageSize: 10 })).items;
    expect(listed).toMatchObject({ id: s.id, status: 'failed', error: s.error, rowsCreated: 1 });
  });

  it('fails on a stray quote after a closing quote, naming the line', async () => {
    const s = await run(csv('first_name,email', 'Ann,ann@example.com', '"Bob"by,bob@example.com'));
    expect(s).toMatchObject({ status: 'failed', rowsCreated: 1, failure: { line: 3 } });
    expect(s.error).toMatch(/^Line 3: a closing quote is followed by text/);
  });

  it('fails on bytes that are not UTF-8, naming the line, after importing the lines before', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('first_name,email\nAnn,ann@example.com\n'),
      Buffer.from('Jos\xe9,jose@example.com\n', 'latin1'),
    ]);
    const s = await run(latin1);
    expect(s).toMatchObject({
      status: 'failed',
      rowsCreated: 1,
      failure: { code: 'unprocessable', line: 3 },
    });
    expect(s.error).toMatch(/^Line 3: the file is not UTF-8 text: byte 0xE9 after "Jos" \(column 4\)/);
    expect(s.error).toContain('CSV UTF-8');
  });

  it('refuses a spreadsheet or binary file', async () => {
    const xlsx = await run(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]));
    expect(xlsx.status).toBe('failed');
    expect(xlsx.error).toMatch(/Excel workbook \(\.xlsx\)/);
    const nul = await run(Buffer.from('first_name\u0000,email\n'));
    expect(nul.error).toMatch(/^Line 1: the file contains NUL bytes/);
  });

  it('reads UTF-8 with a byte-order mark, UTF-16 with one, semicolons and CRLF', async () => {
    const s1 = await run(csv('\uFEFFfirst_name,email', 'Zoë,zoe@example.com'));
    expect(s1).toMatchObject({ status: 'done', rowsCreated: 1 });
    const le = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('first_name;last_name;email\r\nJürgen;Groß;jurgen@example.de\r\n', 'utf16le'),
    ]);
    const s2 = await run(le);
    expect(s2).toMatchObject({ status: 'done', rowsCreated: 1, rowsRejected: 0 });
    expect((await people()).map((p) => `${p.first_name} ${p.last_name}`).sort()).toEqual([
      'Jürgen Groß',
      'Zoë ',
    ]);
    // Split in awkward places: inside a multi-byte character and inside a line.
    const bytes = Buffer.from('first_name;last_name;email\r\nJürgen;Groß;j2@example.de\r\n');
    const s3 = await run([bytes.subarray(0, 30), bytes.subarray(30, 31), bytes.subarray(31)]);
    expect(s3).toMatchObject({ status: 'done', rowsCreated: 1 });
  });

  it('fails before importing anything when no column names a person', async () => {
    const s = await run(csv('Total Spent,Order Count,Zip', '10,1,02134'));
    expect(s).toMatchObject({ status: 'failed', rowsTotal: 0, failure: { code: 'unprocessable', line: 1 } });
    expect(s.error).toContain('Found: "Total Spent", "Order Count", "Zip"');
    expect(s.error).toContain(
      'Expected at least one of first_name, last_name, name, organisation, email or phone',
    );
    expect(await people()).toEqual([]);
    const empty = await run('');
    expect(empty).toMatchObject({ status: 'failed', error: 'The file is empty: there is no header row.' });
  });

  it('counts lines across quoted line breaks and blank lines', async () => {
    const s = await run(
      csv('first_name,email,notes', 'Ann,ann@example.com,"a\nb\nc"', '', 'Bob,bad,', 'Cy,cy@example.com,'),
    );
    expect(s).toMatchObject({ rowsCreated: 2, rowsRejected: 1 });
    expect(await rejects(s.id)).toMatch(
      /^6,email: "bad" is not a valid email address|^6,"email: ""bad"" is not a valid email address",Bob,bad,$/m,
    );
  });

  it('takes off the formula guard an export puts on', async () => {
    await run(
      csv(
        'first_name,email,phone,notes',
        `Ann,ann@example.com,'+12175550100,'=1+1`,
        `'-Bob,bob@example.com,,''-x`,
      ),
    );
    const all = await people();
    expect(all.map((p) => [p.first_name, p.phone, p.notes])).toEqual([
      ['-Bob', null, "'-x"],
      ['Ann', '+12175550100', '=1+1'],
    ]);
  });

  it('gives the same result when pieces are parsed in a worker thread', async () => {
    const rows = ['first_name,email,phone,notes'];
    for (let i = 0; i < 400; i++) {
      const note = i % 50 === 0 ? '"multi\nline, with ""quotes"""' : '';
      const email = i % 97 === 0 ? 'broken@' : `p${i}@example.com`;
      rows.push(`P${i},${email},+1217555${String(1000 + i)},${note}`);
    }
    rows.push('Dup,p5@example.com,,');
    const file = csv(...rows);
    const inline = await run(file, { workers: 0, pieceBytes: 512 });
    const wsInline = actor.workspaceId;
    const ws = await createWorkspace(t.db, { name: 'Second', country: 'US' });
    actor = { workspaceId: ws.id, role: 'manager', userId: null, via: 'session' };
    const threaded = await run(file, { workers: 1, pieceBytes: 512, batchSize: 37 });
    const pick = (s: typeof inline) => [s.status, s.rowsTotal, s.rowsCreated, s.rowsRejected];
    expect(pick(threaded)).toEqual(pick(inline));
    expect(pick(inline)).toEqual(['done', 401, 395, 6]);
    expect(await rejects(threaded.id)).toBe(
      await getRejectsCsv(t.db, { ...actor, workspaceId: wsInline }, inline.id).then((r) => r.csv),
    );
    const again = await run(file, { workers: 1, pieceBytes: 512 });
    expect(again).toMatchObject({ rowsUnchanged: 395, rowsCreated: 0, rowsUpdated: 0 });
  });

  it('needs the manager role', async () => {
    actor = { ...actor, role: 'staff' };
    await expect(run(csv('first_name', 'Ann'))).rejects.toMatchObject({ code: 'forbidden' });
  });
});
