import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/db.ts';
import { backfill } from '../db/migrations/0005_dashboard_rollups.ts';
import { backfill as backfillWins } from '../db/migrations/0012_referrer_wins.ts';
import { seedDemo } from '../demo/demo.ts';

describe.each(dialects)('dashboard rollups on %s', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb(dialect);
    await seedDemo(t.db);
  });
  afterAll(() => t.close());

  const snapshot = async () => ({
    referrals: (await t.db.selectFrom('referral_daily').selectAll().execute())
      .map((r) => ({ ...r, revenue: Number(r.revenue) }))
      .filter((r) => r.referred || r.contacted || r.appointments || r.won || r.lost || r.revenue)
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ledger: (await t.db.selectFrom('ledger_daily').selectAll().execute())
      .map((r) => ({ ...r, amount: Number(r.amount) }))
      .filter((r) => r.amount !== 0)
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    wins: (await t.db.selectFrom('referrer_wins').selectAll().execute())
      .map((r) => ({ ...r, won: Number(r.won) }))
      .filter((r) => r.won !== 0)
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  });

  it('keeps the rollups equal to what the history adds up to', async () => {
    const live = await snapshot();
    expect(live.referrals.filter((r) => r.dim === 'all').reduce((s, r) => s + r.referred, 0)).toBe(30);
    expect(live.referrals.some((r) => r.won > 0 && r.revenue > 0)).toBe(true);
    expect(live.ledger.length).toBeGreaterThan(0);
    expect(live.wins.length).toBeGreaterThan(0);
    await t.db.deleteFrom('referral_daily').execute();
    await t.db.deleteFrom('ledger_daily').execute();
    await t.db.deleteFrom('referrer_wins').execute();
    await backfill(t.db as unknown as Parameters<typeof backfill>[0]);
    await backfillWins(t.db as unknown as Parameters<typeof backfillWins>[0]);
    expect(await snapshot()).toEqual(live);
  });
});

describe.each(dialects)('program clicks rollup on %s', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb(dialect);
  });
  afterAll(() => t.close());

  it('follows link_clicks_daily, whoever writes it', async () => {
    const { createWorkspace } = await import('../workspaces/workspaces.service.ts');
    const ws = (await createWorkspace(t.db, { name: 'Clicks' })).id;
    const add = (link: string, day: string, clicks: number) =>
      t.db
        .insertInto('link_clicks_daily')
        .values({ workspace_id: ws, link_id: link, day, program_id: 'p1', clicks })
        .onConflict((oc) =>
          oc
            .columns(['workspace_id', 'link_id', 'day'])
            .doUpdateSet((eb) => ({ clicks: eb('link_clicks_daily.clicks', '+', clicks) })),
        )
        .execute();
    await add('l1', '2026-11-01', 3);
    await add('l2', '2026-11-01', 4);
    await add('l1', '2026-11-01', 2);
    await add('l1', '2026-11-02', 1);
    const rows = await t.db
      .selectFrom('program_clicks_daily')
      .select(['day', 'clicks'])
      .where('workspace_id', '=', ws)
      .orderBy('day')
      .execute();
    expect(rows.map((r) => [r.day, Number(r.clicks)])).toEqual([
      ['2026-11-01', 9],
      ['2026-11-02', 1],
    ]);
  });
});
