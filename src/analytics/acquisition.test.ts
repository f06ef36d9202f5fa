import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type Client, type TestApp, testApp } from '../../test/http.ts';
import { backfill } from '../db/migrations/0009_ad_spend.ts';
import { classifyHeard, heardKey } from './acquisition.ts';
import { monthsOf } from './ad-spend.ts';

describe('how they heard', () => {
  it('reads free-text answers as a door', () => {
    const via = (answer: string) => classifyHeard(heardKey(answer));
    expect(via('Google search')).toBe('advertising');
    expect(via('  Facebook  AD ')).toBe('advertising');
    expect(via('Newspaper')).toBe('advertising');
    expect(via('Referred by Dr. Patel')).toBe('referral');
    expect(via('Friend or family')).toBe('referral');
    expect(via('Drove past')).toBe('walk_in');
    expect(via('Community fair')).toBe('other');
    expect(via('')).toBe('unknown');
  });

  it('counts the days of a range in each month it touches', () => {
    expect(monthsOf('2026-01-20', '2026-03-05')).toEqual([
      { month: '2026-01', days: 12, inMonth: 31 },
      { month: '2026-02', days: 28, inMonth: 28 },
      { month: '2026-03', days: 5, inMonth: 31 },
    ]);
    expect(monthsOf('2025-12-01', '2026-01-31').map((m) => m.month)).toEqual(['2025-12', '2026-01']);
  });
});

describe.each(dialects)('referral customers versus advertising on %s', (dialect) => {
  let t: TestApp;
  let owner: Client;
  let n = 0;
  const person = async (howHeard: string) =>
    (
      await owner.req('POST', '/api/v1/people?allowDuplicate=true', {
        firstName: `P${++n}`,
        email: `p${n}@example.com`,
        howHeard,
      })
    ).json().id as string;
  const purchase = async (personId: string, occurredAt: string, amount = 5000) => {
    const res = await owner.req('POST', '/api/v1/events', {
      type: 'purchase',
      source: 'till',
      externalId: `sale-${++n}`,
      person: { id: personId },
      occurredAt,
      amount,
    });
    expect(res.statusCode, res.body).toBe(201);
  };
  const comparison = async (from: string, to: string) =>
    (await owner.req('GET', `/api/v1/dashboard?from=${from}&to=${to}`)).json().referralsVsAds;
  const rollup = () =>
    t.db
      .selectFrom('acquisition_daily')
      .select(['day', 'heard', 'customers'])
      .where('workspace_id', '=', owner.workspaceId)
      .where('customers', '!=', 0)
      .orderBy('day')
      .orderBy('heard')
      .execute();

  beforeAll(async () => {
    t = await testApp(dialect);
    owner = await t.signIn();
  });
  afterAll(() => t.close());

  it('validates and keeps the monthly ad spend', async () => {
    const bad = await owner.req('PUT', '/api/v1/ad-spend/2026-13', { amount: 10 });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('a month like 2026-11');
    const fraction = await owner.req('PUT', '/api/v1/ad-spend/2026-10', { amount: 10.5 });
    expect(fraction.statusCode).toBe(400);
    expect(fraction.json().errors[0]).toMatchObject({ path: 'body.amount' });
    expect(
      (await owner.req('PUT', '/api/v1/ad-spend/2026-10', { amount: 31_000, note: 'Facebook' })).statusCode,
    ).toBe(200);
    expect((await owner.req('PUT', '/api/v1/ad-spend/2026-10', { amount: 62_000 })).json()).toMatchObject({
      month: '2026-10',
      amount: 62_000,
      note: '',
    });
    expect((await owner.req('GET', '/api/v1/ad-spend?from=2026-01&to=2026-12')).json()).toHaveLength(1);
    const staff = await t.signIn({ role: 'staff' });
    expect((await staff.req('GET', '/api/v1/ad-spend?from=2026-01&to=2026-12')).statusCode).toBe(403);
  });

  it('compares the cost of a customer won each way, from first purchases by how they heard', async () => {
    const ads = [await person('Google search'), await person('Facebook'), await person('newspaper ad')];
    const friend = await person('Friend or family');
    await purchase(ads[0]!, '2026-10-03T10:00:00Z');
    await purchase(ads[0]!, '2026-10-09T10:00:00Z'); // a second purchase is not a second customer
    await purchase(ads[1]!, '2026-10-20T10:00:00Z');
    await purchase(ads[2]!, '2026-11-02T10:00:00Z');
    await purchase(friend, '2026-10-05T10:00:00Z');

    const october = await comparison('2026-10-01', '2026-10-31');
    expect(october).toMatchObject({
      adCustomers: 2,
      adSpend: 62_000,
      costPerAdCustomer: 31_000,
      monthsWithoutSpend: [],
      newCustomers: { advertising: 2, referral: 1, walk_in: 0, other: 0, unknown: 0 },
    });
    expect(october.answers).toEqual([
      { answer: 'facebook', via: 'advertising', customers: 1 },
      { answer: 'friend or family', via: 'referral', customers: 1 },
      { answer: 'google search', via: 'advertising', customers: 1 },
    ]);
    // Half of October: half its spend; November has none entered.
    const split = await comparison('2026-10-17', '2026-11-15');
    expect(split).toMatchObject({ adCustomers: 2, adSpend: 30_000, monthsWithoutSpend: ['2026-11'] });

    // An older purchase imported late moves the customer to the day they were really won.
    await purchase(ads[1]!, '2026-09-12T10:00:00Z');
    expect((await comparison('2026-10-01', '2026-10-31')).adCustomers).toBe(1);
    expect((await comparison('2026-09-01', '2026-09-30')).adCustomers).toBe(1);

    // Correcting the answer moves the count to the new door.
    await owner.req('PATCH', `/api/v1/people/${ads[0]}`, { howHeard: 'My neighbour' });
    expect((await comparison('2026-10-01', '2026-10-31')).newCustomers).toMatchObject({
      advertising: 0,
      referral: 2,
    });

    // Two records of one customer merged: one customer, won on the earlier first purchase.
    await owner.req('POST', `/api/v1/people/${friend}/merge`, { otherId: ads[2] });
    const total = await comparison('2026-09-01', '2026-11-30');
    expect(total.newCustomers).toMatchObject({ advertising: 1, referral: 2 });

    // What the live hooks kept is what history gives.
    const live = await rollup();
    await t.db.deleteFrom('acquisition_daily').execute();
    await sql`update people set first_purchase_at = null`.execute(t.db);
    await backfill(t.db as never);
    expect(await rollup()).toEqual(live);
  });

  it('counts a batch of events once at its end, leaving out the events it refused', async () => {
    const a = await person('Instagram');
    const b = await person('a colleague');
    const sale = (personId: string, occurredAt: string, extra: object = {}) => ({
      type: 'purchase',
      source: 'till',
      externalId: `batch-${++n}`,
      person: { id: personId },
      occurredAt,
      amount: 5000,
      ...extra,
    });
    const res = await owner.req('POST', '/api/v1/events/batch', {
      events: [
        sale(a, '2026-10-10T10:00:00Z'),
        sale(a, '2026-10-04T10:00:00Z'), // earlier: moves a's first purchase within the batch
        sale(b, '2026-10-11T10:00:00Z', { currency: 'XXX' }), // refused: b is not a customer yet
        sale(b, '2026-10-12T10:00:00Z'),
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 3, rejected: 1 });
    const mine = (await rollup()).filter((r) => r.heard === 'instagram' || r.heard === 'a colleague');
    expect(mine).toEqual([
      { day: '2026-10-04', heard: 'instagram', customers: 1 },
      { day: '2026-10-12', heard: 'a colleague', customers: 1 },
    ]);
    // What the batch kept is what history gives.
    const live = await rollup();
    await t.db.deleteFrom('acquisition_daily').execute();
    await sql`update people set first_purchase_at = null`.execute(t.db);
    await backfill(t.db as never);
    expect(await rollup()).toEqual(live);
  });

  it('prices a referral customer by the rewards of the range', async () => {
    const c = await comparison('2026-01-01', '2026-12-31');
    expect(c.referralCustomers).toBe(0);
    expect(c.costPerReferralCustomer).toBeNull();
  });
});
