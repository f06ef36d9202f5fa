import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type Client, type TestApp, testApp } from '../../test/http.ts';
import { emailKey } from './normalize.ts';

describe('email key', () => {
  it('folds case, Gmail dots and +tags', () => {
    expect(emailKey('Jane.Doe+clinic@GoogleMail.com')).toBe('janedoe@gmail.com');
    expect(emailKey('jane.doe+x@example.com')).toBe('jane.doe@example.com');
  });
});

describe.each(dialects)('people on %s', (dialect) => {
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await testApp(dialect);
    c = await t.signIn({ country: 'US' });
  });
  afterAll(() => t.close());

  const create = (body: object, qs = '') => c.req('POST', `/api/v1/people${qs}`, body);

  it('creates a person with normalised email and E.164 phone in the workspace country', async () => {
    const res = await create({
      firstName: 'Maria',
      lastName: 'Lopez',
      email: '  Maria.Lopez@Example.COM ',
      phone: '(415) 555-0132',
      tags: ['VIP', 'back pain', 'vip'],
      marketingConsent: { given: true, source: 'intake form' },
      address: { line1: '12 Elm St', city: 'Springfield', country: 'US' },
    });
    expect(res.statusCode).toBe(201);
    const p = res.json();
    expect(p).toMatchObject({
      email: 'maria.lopez@example.com',
      phone: '+14155550132',
      tags: ['back pain', 'vip'],
      kind: 'customer',
    });
    expect(p.marketingConsent.source).toBe('intake form');
    expect(p.marketingConsent.at).toMatch(/Z$/);
  });

  it('reads a foreign phone format by its own prefix', async () => {
    const res = await create({ firstName: 'Hans', phone: '+49 30 901820' });
    expect(res.json().phone).toBe('+4930901820');
  });

  it('refuses an unreadable phone and a bad email, naming both fields', async () => {
    const res = await create({ firstName: 'X', phone: '12', email: 'not-an-email' });
    expect(res.statusCode).toBe(400);
    expect(
      res
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(['email', 'phone']);
  });

  it('detects duplicates by Gmail-folded email and by phone, unless told to go ahead', async () => {
    await create({ firstName: 'Ann', email: 'ann.smith@gmail.com' });
    const dup = await create({ firstName: 'Annie', email: 'annsmith+promo@gmail.com' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().errors[0]).toMatchObject({ path: 'email' });
    const anyway = await create(
      { firstName: 'Annie', email: 'annsmith+promo@gmail.com' },
      '?allowDuplicate=true',
    );
    expect(anyway.statusCode).toBe(201);
  });

  it('refuses unknown fields, wrong types, malformed JSON and oversized bodies', async () => {
    const unknown = await create({ firstName: 'A', favouriteColour: 'red' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().title).toContain('favouriteColour');
    const wrongType = await create({ firstName: 42 });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().errors[0].path).toBe('body.firstName');
    const malformed = await c.req('POST', '/api/v1/people', '{"firstName": "A",', {
      'content-type': 'application/json',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().title).toMatch(/JSON/);
    const huge = await c.req(
      'POST',
      '/api/v1/people',
      JSON.stringify({ notes: 'x'.repeat(2 * 1024 * 1024) }),
      {
        'content-type': 'application/json',
      },
    );
    expect(huge.statusCode).toBe(413);
  });

  it('edits only what is sent and keeps the consent time', async () => {
    const p = (
      await create({
        firstName: 'Tom',
        email: 'tom@example.org',
        marketingConsent: { given: true, source: 'web' },
      })
    ).json();
    const res = await c.req('PATCH', `/api/v1/people/${p.id}`, { lastName: 'Baker', tags: ['family'] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      firstName: 'Tom',
      lastName: 'Baker',
      tags: ['family'],
      marketingConsent: p.marketingConsent,
    });
    const dnc = await c.req('PATCH', `/api/v1/people/${p.id}`, { doNotContact: true });
    expect(dnc.json().doNotContact).toBe(true);
  });

  it('lists with search by name, email, phone and tag, paging and sorting', async () => {
    const local = await t.signIn();
    for (const [first, last, email, phone, tags] of [
      ['Zoe', 'Adams', 'zoe@example.com', '415-555-0101', ['partner-lead']],
      ['Yan', 'Brown', 'yan@example.com', '415-555-0102', []],
      ['Xavier', 'Clark', 'xavier@work.example', '415-555-0103', ['partner-lead']],
    ] as const) {
      await local.req('POST', '/api/v1/people', { firstName: first, lastName: last, email, phone, tags });
    }
    const q = async (qs: string) => (await local.req('GET', `/api/v1/people?${qs}`)).json();
    expect((await q('q=brown')).items.map((p: { firstName: string }) => p.firstName)).toEqual(['Yan']);
    expect((await q('q=work.example')).items).toHaveLength(1);
    expect((await q('q=5550103')).items[0].lastName).toBe('Clark');
    expect((await q('tag=partner-lead')).total).toBe(2);
    const page = await q('sort=-name&pageSize=2&page=1');
    expect(page.items.map((p: { lastName: string }) => p.lastName)).toEqual(['Clark', 'Brown']);
    expect(page.total).toBe(3);
    expect((await q('q=%25')).items).toHaveLength(0);
  });

  it('merges two people keeping tags, filling blanks and leaving a pointer', async () => {
    const a = (await create({ firstName: 'Lee', email: 'lee@example.net', tags: ['a'] })).json();
    const b = (
      await create({
        firstName: 'Lee',
        lastName: 'Wong',
        phone: '415-555-0199',
        externalId: 'pos-77',
        tags: ['b'],
      })
    ).json();
    const res = await c.req('POST', `/api/v1/people/${a.id}/merge`, { otherId: b.id });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      lastName: 'Wong',
      phone: '+14155550199',
      externalId: 'pos-77',
      tags: ['a', 'b'],
    });
    const gone = (await c.req('GET', `/api/v1/people/${b.id}`)).json();
    expect(gone.mergedIntoId).toBe(a.id);
    const list = (await c.req('GET', '/api/v1/people?q=wong')).json();
    expect(list.items.map((p: { id: string }) => p.id)).toEqual([a.id]);
  });

  it('a merge moves the other’s surveys and testimonials to the survivor', async () => {
    const a = (await create({ firstName: 'Ida', lastName: 'Moss' })).json();
    const b = (await create({ firstName: 'Ida', email: 'ida.moss@example.net' })).json();
    const sent = await c.req('POST', `/api/v1/people/${b.id}/surveys`, {});
    expect(sent.statusCode, sent.body).toBe(200);
    const { survey, url } = sent.json();
    const path = new URL(url).pathname;
    const form = await t.app.inject({ method: 'GET', url: path, remoteAddress: '10.9.0.1' });
    const token = /name="token" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const answer = await t.app.inject({
      method: 'POST',
      url: path,
      remoteAddress: '10.9.0.1',
      payload: new URLSearchParams({
        token,
        score: '10',
        feedback: 'Always kind.',
        may_quote: 'yes',
        quote_name: 'Ida M.',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
    });
    expect(answer.statusCode, answer.body).toBe(303);
    expect((await c.req('POST', `/api/v1/people/${a.id}/merge`, { otherId: b.id })).statusCode).toBe(200);
    const surveys = await t.db
      .selectFrom('surveys')
      .select('person_id')
      .where('workspace_id', '=', c.workspaceId)
      .where('id', '=', survey.id)
      .execute();
    expect(surveys.map((s) => s.person_id)).toEqual([a.id]);
    const quotes = await t.db
      .selectFrom('testimonials')
      .select('person_id')
      .where('workspace_id', '=', c.workspaceId)
      .where('survey_id', '=', survey.id)
      .execute();
    expect(quotes.map((q) => q.person_id)).toEqual([a.id]);
    const left = await t.db
      .selectFrom('surveys')
      .select('id')
      .where('workspace_id', '=', c.workspaceId)
      .where('person_id', '=', b.id)
      .execute();
    expect(left).toEqual([]);
  });
});
