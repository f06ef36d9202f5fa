import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type TestApp, testApp } from '../../test/http.ts';
import { createApiKey } from '../auth/auth.service.ts';
import { seedDemo } from '../demo/demo.ts';
import { periodOf } from './dashboard.service.ts';

describe('dashboard periods', () => {
  it('starts weeks on Monday and months on the first', () => {
    expect(periodOf('2026-11-22', 'week')).toBe('2026-11-16');
    expect(periodOf('2026-11-16', 'week')).toBe('2026-11-16');
    expect(periodOf('2026-11-22', 'month')).toBe('2026-11-01');
    expect(periodOf('2026-11-22', 'day')).toBe('2026-11-22');
  });
});

describe.each(dialects)('dashboard on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  const api = (method: string, url: string, body?: object) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(body ? { payload: body } : {}),
    });

  beforeAll(async () => {
    t = await testApp(dialect);
    const { workspaceId } = await seedDemo(t.db);
    key = (await createApiKey(t.db, { workspaceId, role: 'owner', userId: null, via: 'session' }, 'dash'))
      .key;
  });
  afterAll(() => t.close());

  it('adds up the demo, and follows a referral from entry to a won purchase', async () => {
    const before = (await api('GET', '/api/v1/dashboard')).json();
    expect(before.range.period).toBe('week');
    expect(before.totals.referred).toBe(30);
    const won = (await api('GET', '/api/v1/referrals?status=won&pageSize=100')).json().total;
    expect(before.totals.won).toBe(won);
    expect(before.totals.revenue).toBe(won * 12_000);
    expect(before.funnel.map((f: { stage: string }) => f.stage)).toEqual([
      'views',
      'referred',
      'contacted',
      'appointments',
      'won',
    ]);
    expect(before.funnel[4].conversion).toBeCloseTo(before.totals.won / before.totals.appointments);
    expect(before.byProgram[0]).toMatchObject({ name: 'Share the relief', referred: 30 });
    expect(before.bySource).toEqual([expect.objectContaining({ source: 'customer', referred: 30 })]);
    expect(before.rewards.find((r: { unit: string }) => r.unit === 'USD').held).toBe(won * 2500);
    const overdue = (await api('GET', '/api/v1/referrals?overdue=true')).json().total;
    expect(before.overdue).toBe(overdue);
    expect(before.trend.length).toBeGreaterThanOrEqual(13);

    // A new lead from the front desk, then their first purchase.
    const program = before.byProgram[0].programId;
    const referrer =
      before.topReferrers[0]?.personId ??
      (await api('GET', '/api/v1/people?kind=customer')).json().items[0].id;
    const entered = await api('POST', '/api/v1/referrals', {
      programId: program,
      referrer: { personId: referrer },
      friend: { firstName: 'Dana', email: 'dana.dash@example.com' },
    });
    expect(entered.statusCode, entered.body).toBe(201);
    await api('POST', '/api/v1/events', {
      type: 'purchase',
      externalId: 'dash-1',
      person: { email: 'dana.dash@example.com' },
      amount: 9_000,
    });
    const after = (await api('GET', `/api/v1/dashboard?programId=${program}`)).json();
    expect(after.totals).toMatchObject({
      referred: 31,
      won: won + 1,
      revenue: won * 12_000 + 9_000,
    });
    expect(after.topReferrers.find((r: { personId: string }) => r.personId === referrer)).toBeDefined();
    const month = (await api('GET', '/api/v1/dashboard?from=2025-01-01&period=month')).json();
    expect(month.range.period).toBe('month');
    expect(month.trend[0].period).toBe('2025-01-01');
    expect((await api('GET', '/api/v1/dashboard?from=2026-12-01&to=2026-11-01')).statusCode).toBe(400);
    // Revenue and rewards are for owners and managers.
    const desk = await t.signIn({ role: 'staff' });
    expect((await desk.req('GET', '/api/v1/dashboard')).statusCode).toBe(403);
  });
});
