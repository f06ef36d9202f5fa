import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type Client, type TestApp, testApp } from '../../test/http.ts';

const CSV = { 'content-type': 'text/csv' };

describe.each(dialects)('import and export routes on %s', (dialect) => {
  let t: TestApp;
  let owner: Client;
  let key: string;

  beforeAll(async () => {
    t = await testApp(dialect);
    owner = await t.signIn();
    key = await t.apiKey(owner);
  });
  afterAll(() => t.close());

  const withKey = (
    method: 'GET' | 'POST',
    url: string,
    payload?: string,
    headers: Record<string, string> = {},
  ) => t.app.inject({ method, url, payload, headers: { authorization: `Bearer ${key}`, ...headers } });

  it('imports a CSV body, lists the import and serves its reject file', async () => {
    const res = await withKey(
      'POST',
      '/api/v1/imports/people?filename=Spring%20customers.csv',
      'first_name,last_name,email,phone\nAnn,Lee,ann@example.com,(217) 555-0100\nBob,Ray,bob@,\n',
      CSV,
    );
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      filename: 'Spring customers.csv',
      status: 'done',
      source: 'CSV',
      rowsTotal: 2,
      rowsCreated: 1,
      rowsRejected: 1,
      rejectsUrl: `/api/v1/imports/${body.id}/rejects.csv`,
    });
    expect(res.headers.location).toBe(`/api/v1/imports/${body.id}`);

    const rejects = await withKey('GET', body.rejectsUrl);
    expect(rejects.statusCode).toBe(200);
    expect(rejects.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(rejects.headers['content-disposition']).toBe(
      'attachment; filename="Spring_customers.rejects.csv"',
    );
    expect(rejects.body).toBe(
      '\uFEFFline,reason,first_name,last_name,email,phone\n3,"email: ""bob@"" is not a valid email address",Bob,Ray,bob@,\n',
    );

    const one = await withKey('GET', `/api/v1/imports/${body.id}`);
    expect(one.json()).toMatchObject({ id: body.id, status: 'done', rowsCreated: 1 });
    const list = await withKey('GET', '/api/v1/imports');
    expect(list.json().items[0]).toMatchObject({ id: body.id });

    const people = await withKey('GET', '/api/v1/people?q=ann');
    expect(people.json().items[0]).toMatchObject({ firstName: 'Ann', phone: '+12175550100' });
  });

  it('answers 422 naming the line for a broken file, keeping what came before', async () => {
    const res = await owner.req(
      'POST',
      '/api/v1/imports/people',
      'first_name,email\nCy,cy@example.com\nDee,"dee@example.com\n',
      CSV,
    );
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json();
    expect(problem.title).toMatch(/^Line 3: a quoted field starting on this line is never closed/);
    expect(problem.title).toContain('1 row(s) before the problem were imported');
    const importId = problem.errors[0].importId;
    expect(problem.errors[0]).toMatchObject({ path: 'file', line: 3 });
    expect(res.headers.location).toBe(`/api/v1/imports/${importId}`);
    const stored = await owner.req('GET', `/api/v1/imports/${importId}`);
    expect(stored.json()).toMatchObject({
      status: 'failed',
      rowsCreated: 1,
      error: problem.errors[0].message,
    });
  });

  it('answers 422 for a file without a usable column or not in UTF-8', async () => {
    const missing = await owner.req('POST', '/api/v1/imports/people', 'Total Spent,Orders\n1,2\n', CSV);
    expect(missing.statusCode).toBe(422);
    expect(missing.json().title).toMatch(
      /^Line 1: No column for a name, organisation, email or phone\. Found: "Total Spent", "Orders"/,
    );
    const latin1 = Buffer.from('first_name,email\nJos\xe9,jose@example.com\n', 'latin1');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports/people',
      payload: latin1,
      headers: { authorization: `Bearer ${key}`, ...CSV },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().title).toMatch(/^Line 2: the file is not UTF-8 text/);
  });

  it('wants the file as text/csv', async () => {
    const json = await owner.req('POST', '/api/v1/imports/people', { firstName: 'Ann' });
    expect(json.statusCode).toBe(415);
    expect(json.json().title).toMatch(/Content-Type: text\/csv/);
    const binary = await owner.req('POST', '/api/v1/imports/people', 'first_name\nAnn\n', {
      'content-type': 'application/octet-stream',
    });
    expect(binary.statusCode).toBe(415);
  });

  it('exports people as a CSV download that imports back unchanged', async () => {
    const res = await owner.req('GET', '/api/v1/people/export.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="people-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(res.body).toMatch(/^\uFEFFvouch_id,external_id,kind,first_name,/);
    expect(res.body).toContain(",customer,Ann,Lee,,ann@example.com,'+12175550100,");
    const again = await owner.req('POST', '/api/v1/imports/people?filename=export.csv', res.body, CSV);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({
      rowsCreated: 0,
      rowsUpdated: 0,
      rowsRejected: 0,
      rowsUnchanged: again.json().rowsTotal,
    });
    expect(again.json().rowsTotal).toBeGreaterThanOrEqual(2);
  });

  it('is for managers and owners only', async () => {
    const staff = await t.signIn({ role: 'staff' });
    expect((await staff.req('POST', '/api/v1/imports/people', 'first_name\nAnn\n', CSV)).statusCode).toBe(
      403,
    );
    expect((await staff.req('GET', '/api/v1/people/export.csv')).statusCode).toBe(403);
    expect((await staff.req('GET', '/api/v1/imports')).statusCode).toBe(403);
  });

  it("never shows another workspace's imports", async () => {
    const other = await t.signIn();
    const theirs = (
      await other.req('POST', '/api/v1/imports/people', 'first_name,email\nZed,zed@,\n', CSV)
    ).json();
    expect(theirs.rowsRejected).toBe(1);
    expect((await owner.req('GET', `/api/v1/imports/${theirs.id}`)).statusCode).toBe(404);
    expect((await owner.req('GET', `/api/v1/imports/${theirs.id}/rejects.csv`)).statusCode).toBe(404);
    const mine = (await owner.req('GET', '/api/v1/imports')).json();
    expect(mine.items.map((i: { id: string }) => i.id)).not.toContain(theirs.id);
    const exported = (await owner.req('GET', '/api/v1/people/export.csv')).body;
    expect(exported).not.toContain('Zed');
  });
});
