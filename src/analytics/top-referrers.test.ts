import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/db.ts';
import { backfill as backfillWins } from '../db/migrations/0012_referrer_wins.ts';
import { createProgram } from '../programs/programs.service.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';
import { getDashboard } from './dashboard.service.ts';

/**
 * Top referrers take a shortcut over ranges holding most of the wins (the referrers with the
 * most wins ever first): whichever way they are found, they are the ten a plain count gives.
 */
describe.each(dialects)('top referrers on %s', (dialect) => {
  let t: TestDb;
  let ws: string;
  let programs: Array<{ id: string; termsId: string }>;
  const actor = () => ({ workspaceId: ws, role: 'owner' as const, userId: null, via: 'api_key' as const });
  const day = (d: number) => new Date(Date.UTC(2026, 0, 1) + d * 86_400_000).toISOString();

  beforeAll(async () => {
    t = await testDb(dialect);
    ws = (await createWorkspace(t.db, { name: 'Top', country: 'US' })).id;
    programs = [];
    for (const name of ['A', 'B'])
      programs.push(await createProgram(t.db, actor(), { name, status: 'active' }));
    // 400 referrers with five wins each: one on day 0 and four from day 100 on, except the last
    // ten, whose five all fall from day 100 on. Their ids sort after the first 300.
    const id = (i: number) => `r${String(i).padStart(3, '0')}`;
    const people = Array.from({ length: 400 }, (_, i) => id(i));
    const referrals: Array<{ referrer: string; wonDay: number; program: number }> = [];
    for (let i = 0; i < 400; i++)
      for (let k = 0; k < 5; k++)
        referrals.push({
          referrer: id(i),
          wonDay: k === 0 && i < 390 ? 0 : 100 + ((i * 7 + k * 13) % 60),
          program: (i + k) % 2,
        });
    const now = day(0);
    const person = (pid: string) => ({
      workspace_id: ws,
      id: pid,
      kind: 'customer' as const,
      first_name: pid,
      last_name: 'Test',
      address: '{}',
      notes: '',
      created_at: now,
      updated_at: now,
    });
    const rows = referrals.map((r, n) => ({ ...r, friend: `f${n}` }));
    for (let i = 0; i < people.length; i += 200)
      await t.db
        .insertInto('people')
        .values(people.slice(i, i + 200).map(person))
        .execute();
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      await t.db
        .insertInto('people')
        .values(chunk.map((r) => person(r.friend)))
        .execute();
      await t.db
        .insertInto('referrals')
        .values(
          chunk.map((r) => ({
            workspace_id: ws,
            id: `x${r.friend}`,
            program_id: programs[r.program]!.id,
            terms_id: programs[r.program]!.termsId,
            referrer_id: r.referrer,
            friend_id: r.friend,
            channel: 'staff' as const,
            status: 'won' as const,
            source_kind: 'customer' as const,
            won_at: day(r.wonDay),
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
    }
    // The rollups as the app keeps them.
    const dayOf =
      dialect === 'postgres'
        ? sql.raw(`to_char(won_at at time zone 'UTC', 'YYYY-MM-DD')`)
        : sql.raw('substr(won_at, 1, 10)');
    await sql`insert into referral_daily (workspace_id, dim, day, program_id, key, referred, contacted, appointments, won, lost, revenue)
      select workspace_id, 'all', ${dayOf}, program_id, '', 0, 0, 0, count(*), 0, 0 from referrals
      where workspace_id = ${ws} group by workspace_id, ${dayOf}, program_id`.execute(t.db);
    await backfillWins(t.db as never);
  });
  afterAll(() => t.close());

  const counted = async (from: string, to: string, programId?: string) => {
    const rows = await t.db
      .selectFrom('referrals')
      .select(['referrer_id', (eb) => eb.fn.countAll<number>().as('won')])
      .where('workspace_id', '=', ws)
      .where('status', '=', 'won')
      .where('won_at', '>=', `${from}T00:00:00.000Z`)
      .where('won_at', '<', new Date(Date.parse(to) + 86_400_000).toISOString())
      .$if(Boolean(programId), (qb) => qb.where('program_id', '=', programId as string))
      .groupBy('referrer_id')
      .execute();
    return rows
      .map((r) => ({ personId: r.referrer_id, won: Number(r.won) }))
      .sort((a, b) => b.won - a.won || (a.personId < b.personId ? -1 : 1))
      .slice(0, 10);
  };

  it.each([
    ['every win (settled by the shortcut)', '2026-01-01', '2026-12-31', undefined],
    ['most wins: the shortcut does not settle, counted instead', '2026-03-01', '2026-12-31', undefined],
    ['few wins: counted', '2026-01-01', '2026-01-31', undefined],
    ['one program, every win', '2026-01-01', '2026-12-31', 0],
    ['one program, most wins', '2026-03-01', '2026-12-31', 1],
  ] as const)('%s', async (_, from, to, program) => {
    const programId = program === undefined ? undefined : programs[program]!.id;
    const d = await getDashboard(t.db, actor(), { from, to, programId });
    expect(d.topReferrers.map(({ personId, won }) => ({ personId, won }))).toEqual(
      await counted(from, to, programId),
    );
    expect(d.topReferrers[0]!.name).toMatch(/^r\d{3} Test$/);
  });

  it('names the last ten when their wins all fall in the range', async () => {
    const d = await getDashboard(t.db, actor(), { from: '2026-03-01', to: '2026-12-31' });
    expect(d.topReferrers.map((r) => r.personId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `r${390 + i}`),
    );
  });
});
