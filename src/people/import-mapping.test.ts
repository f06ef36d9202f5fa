/**
 * Columns mapped by hand: the preview that shows a file's columns and first rows, the `mapping`
 * of POST /imports/people (over HTTP and through the worker thread), and the 422s that name
 * what is wrong with a mapping. Files without a mapping are read as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type Client, type TestApp, testApp } from '../../test/http.ts';
import { mapColumns } from './csv-columns.ts';
import { importPeople } from './people.import.ts';

const CSV = { 'content-type': 'text/csv' };
const ODD =
  'Client name,E-mail address,Mobile,Loyalty tier\n' +
  'Ann Lee,ann@example.com,(217) 555-0100,gold\n' +
  'Bob Ray,bob@,(217) 555-0101,silver\n' +
  ',,,\n' +
  'Cy Oto,cy@example.com,,\n';

describe('mapColumns with a mapping', () => {
  const headers = ['Client name', 'Email', 'Work email', 'Phone', 'Notes'];
  it('is the automatic recognition without one', () => {
    expect(mapColumns(headers).columns.map((c) => c.field)).toEqual([null, 'email', null, 'phone', 'notes']);
  });
  it('maps the headers it names, takes their fields from other columns, recognises the rest', () => {
    const map = mapColumns(headers, { 'Client name': 'fullName', 'Work email': 'email', Notes: 'ignore' });
    expect(map.columns.map((c) => c.field)).toEqual(['fullName', null, 'email', 'phone', null]);
    expect(map.indexes).toEqual({ fullName: [0], email: [2], phone: [3] });
  });
});

describe.each(dialects)('column mapping on %s', (dialect) => {
  let t: TestApp;
  let owner: Client;

  beforeAll(async () => {
    t = await testApp(dialect);
    owner = await t.signIn();
  });
  afterAll(() => t.close());

  const post = (url: string, body: string) => owner.req('POST', url, body, CSV);
  const withMapping = (mapping: unknown, filename = 'odd.csv') =>
    `/api/v1/imports/people?filename=${filename}&mapping=${encodeURIComponent(
      typeof mapping === 'string' ? mapping : JSON.stringify(mapping),
    )}`;

  it('previews the columns, the guess for each and the first rows, importing nothing', async () => {
    const res = await post('/api/v1/imports/people/preview', ODD);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      source: 'CSV',
      delimiter: ',',
      columns: [
        { header: 'Client name', guess: null },
        { header: 'E-mail address', guess: 'email' },
        { header: 'Mobile', guess: 'phone' },
        { header: 'Loyalty tier', guess: null },
      ],
      rows: [
        ['Ann Lee', 'ann@example.com', '(217) 555-0100', 'gold'],
        ['Bob Ray', 'bob@', '(217) 555-0101', 'silver'],
        ['Cy Oto', 'cy@example.com', '', ''],
      ],
      missing: null,
      fields: expect.arrayContaining(['firstName', 'fullName', 'email', 'phone', 'notes']),
    });
    const people = (await owner.req('GET', '/api/v1/people')).json();
    expect(people.total).toBe(0);
  });

  it('previews five rows of a longer file, and the start of a file cut inside a row', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `Person ${i},p${i}@example.com`);
    const file = `name;email\n${rows.map((r) => r.replace(',', ';')).join('\n')}\n`;
    const res = await post('/api/v1/imports/people/preview', file.slice(0, file.length - 7));
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.delimiter).toBe(';');
    expect(body.rows).toHaveLength(5);
    expect(body.rows[4]).toEqual(['Person 4', 'p4@example.com']);

    const cut = await post('/api/v1/imports/people/preview', 'name,notes\nAnn,hello\nBob,"a note cut sh');
    expect(cut.statusCode, cut.body).toBe(200);
    expect(cut.json().rows).toEqual([['Ann', 'hello']]);
  });

  it('says why a file cannot be previewed, and why it cannot be imported as recognised', async () => {
    const empty = await post('/api/v1/imports/people/preview', '');
    expect(empty.statusCode).toBe(422);
    expect(empty.headers['content-type']).toMatch(/^application\/problem\+json/);
    const unusable = await post('/api/v1/imports/people/preview', 'Client,Loyalty\nAnn,gold\n');
    expect(unusable.statusCode).toBe(200);
    expect(unusable.json().missing).toMatch(/^No column for a name, organisation, email or phone/);
  });

  it('imports with the columns mapped by hand, and the rest recognised', async () => {
    const res = await post(withMapping({ 'Client name': 'fullName', 'Loyalty tier': 'ignore' }), ODD);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ status: 'done', rowsCreated: 2, rowsRejected: 1 });
    expect(body.columns).toEqual([
      { header: 'Client name', field: 'fullName' },
      { header: 'E-mail address', field: 'email' },
      { header: 'Mobile', field: 'phone' },
      { header: 'Loyalty tier', field: null },
    ]);
    const ann = (await owner.req('GET', '/api/v1/people?q=ann')).json().items[0];
    expect(ann).toMatchObject({ firstName: 'Ann', lastName: 'Lee', phone: '+12175550100' });
    const rejects = await owner.req('GET', body.rejectsUrl);
    expect(rejects.body).toContain('"E-mail address: ""bob@"" is not a valid email address"');
  });

  it('lets a mapping ignore a recognised column and give its field to another', async () => {
    const file = 'Name,Email,Work email,Phone\nDee Fox,dee@home.example,dee@work.example,(217) 555-0150\n';
    const res = await post(withMapping({ 'Work email': 'email', Phone: 'ignore' }, 'dee.csv'), file);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().columns.map((c: { field: string | null }) => c.field)).toEqual([
      'fullName',
      null,
      'email',
      null,
    ]);
    const dee = (await owner.req('GET', '/api/v1/people?q=dee')).json().items[0];
    expect(dee).toMatchObject({ email: 'dee@work.example', phone: null });
  });

  it('answers 422 naming an unknown field, a field mapped twice, a header not in the file', async () => {
    const unknown = await post(withMapping({ 'Client name': 'nickname' }), ODD);
    expect(unknown.statusCode).toBe(422);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(unknown.json().title).toMatch(
      /^The column mapping is wrong: "Client name": "nickname" is not a field/,
    );
    expect(unknown.json().errors[0]).toMatchObject({ path: 'mapping.Client name', header: 'Client name' });

    const twice = await post(withMapping({ 'Client name': 'email', 'E-mail address': 'email' }), ODD);
    expect(twice.statusCode).toBe(422);
    expect(twice.json().title).toContain('email is mapped twice, from "Client name" and "E-mail address"');
    expect(twice.json().errors[0]).toMatchObject({ header: 'E-mail address' });

    const notJson = await post(withMapping('{"Client name":'), ODD);
    expect(notJson.statusCode).toBe(422);
    expect(notJson.json().errors[0]).toMatchObject({ path: 'mapping' });

    const missing = await post(withMapping({ 'Client nmae': 'fullName' }), ODD);
    expect(missing.statusCode).toBe(422);
    expect(missing.json().title).toMatch(
      /^Line 1: The column mapping names "Client nmae", not a column of this file\. Its columns are: "Client name", "E-mail address", "Mobile", "Loyalty tier"\./,
    );
    expect(missing.json().errors[0]).toMatchObject({ path: 'file', line: 1 });

    const nothingLeft = await post(withMapping({ 'E-mail address': 'ignore', Mobile: 'ignore' }), ODD);
    expect(nothingLeft.statusCode).toBe(422);
    expect(nothingLeft.json().title).toMatch(/No column for a name, organisation, email or phone/);
  });

  it('reads a file without a mapping as before', async () => {
    const res = await post('/api/v1/imports/people?filename=auto.csv', ODD.replaceAll('ann@', 'ann2@'));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().columns.map((c: { field: string | null }) => c.field)).toEqual([
      null,
      'email',
      'phone',
      null,
    ]);
  });

  it('hands the mapping to the worker thread that reads a big file', async () => {
    const actor = {
      workspaceId: owner.workspaceId,
      role: 'owner' as const,
      userId: owner.userId,
      via: 'session' as const,
    };
    const rows = Array.from({ length: 300 }, (_, i) => `Worker ${i} Smith,w${i}@example.com,x${i}`);
    const file = `Client name,E-mail address,Kind of note\n${rows.join('\n')}\n`;
    const result = await importPeople(t.db, actor, file, {
      filename: 'big.csv',
      workers: 1,
      pieceBytes: 256,
      mapping: { 'Client name': 'fullName', 'Kind of note': 'notes' },
    });
    expect(result).toMatchObject({ status: 'done', rowsCreated: 300, rowsRejected: 0 });
    const w = (await owner.req('GET', '/api/v1/people?q=w299@example.com')).json().items[0];
    expect(w).toMatchObject({ firstName: 'Worker 299', lastName: 'Smith', notes: 'x299' });
  });
});
