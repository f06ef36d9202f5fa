/** Deliveries and redemptions racing each other over many connections: exactly one effect. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/db.ts';
import { personRow } from '../../test/factories.ts';
import { type Actor, addMember, createUser } from '../auth/auth.service.ts';
import { transaction } from '../db/connect.ts';
import { EventInput } from '../events/events.schema.ts';
import { type EventContext, recordEvent } from '../events/events.service.ts';
import { createProgram } from '../programs/programs.service.ts';
import { createReferral } from '../referrals/referrals.service.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';
import { getWallet, redeem } from './wallet.service.ts';

const CONNECTIONS = 20;
const by = { userId: null, label: 'race test' };

describe.each(dialects)('races on %s', (dialect) => {
  let t: TestDb;
  let actor: Actor;
  let ctx: EventContext;
  let programId: string;
  let referrerId: string;

  beforeAll(async () => {
    t = await testDb(dialect, CONNECTIONS);
    const user = await createUser(t.db, {
      email: `race-${dialect}@example.com`,
      name: 'Owner',
      password: 'correct horse battery',
    });
    const ws = await createWorkspace(t.db, { name: 'Race Clinic' });
    await addMember(t.db, ws.id, user.id, 'owner');
    actor = { workspaceId: ws.id, role: 'owner', userId: user.id, via: 'session' };
    ctx = { workspace: { id: ws.id, currency: 'USD', country: 'US' }, by, now: new Date() };
    programId = (
      await createProgram(t.db, actor, {
        name: 'Race',
        status: 'active',
        terms: { referrerReward: { type: 'credit', amount: 2000 }, holdDays: 0 },
      })
    ).id;
    referrerId = (
      await t.db
        .insertInto('people')
        .values(personRow(ws.id, { first_name: 'Rae' }))
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  });
  afterAll(() => t.close());

  it(`records one event delivered ${CONNECTIONS} times at once exactly once`, async () => {
    const { referral } = await createReferral(t.db, actor.workspaceId, by, {
      programId,
      referrerId,
      channel: 'staff',
      friend: { firstName: 'Quinn', email: 'quinn@example.com' },
    });
    // An unknown buyer too: the racing deliveries must not leave extra people behind.
    const sale = EventInput.parse({
      type: 'purchase',
      source: 'pos',
      externalId: 'race-1',
      person: { email: 'quinn@example.com' },
      amount: 5000,
    });
    const stranger = EventInput.parse({
      type: 'visit',
      source: 'pos',
      externalId: 'race-2',
      person: { email: 'new-face@example.com' },
    });
    const deliver = (e: EventInput) =>
      Promise.all(
        Array.from({ length: CONNECTIONS }, () => transaction(t.db, (tx) => recordEvent(tx, ctx, e))),
      );
    const [sales, visits] = await Promise.all([deliver(sale), deliver(stranger)]);
    for (const results of [sales, visits]) {
      expect(results.filter((r) => r.status === 'accepted')).toHaveLength(1);
      expect(new Set(results.map((r) => r.event.id)).size).toBe(1);
    }
    const count = async (table: 'business_events' | 'rewards' | 'ledger_postings' | 'tasks') =>
      Number(
        (
          await t.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('workspace_id', '=', actor.workspaceId)
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count('business_events')).toBe(2);
    expect(await count('rewards')).toBe(1);
    expect(await count('ledger_postings')).toBe(2);
    expect(await count('tasks')).toBe(1);
    const people = await t.db
      .selectFrom('people')
      .select('id')
      .where('workspace_id', '=', actor.workspaceId)
      .where('email', '=', 'new-face@example.com')
      .execute();
    expect(people).toHaveLength(1);
    const activities = await t.db
      .selectFrom('referral_activities')
      .select('to_status')
      .where('referral_id', '=', referral.id)
      .where('to_status', '=', 'won')
      .execute();
    expect(activities).toHaveLength(1);
  });

  it('lets only one of two staff redeem the last credit', async () => {
    const w = await getWallet(t.db, actor.workspaceId, 'person', referrerId);
    const available = w.balances.find((b) => b.kind === 'credit')?.available ?? 0;
    expect(available).toBe(2000);
    const attempts = await Promise.allSettled(
      Array.from({ length: 6 }, () => redeem(t.db, actor, referrerId, { amount: 1500 })),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const a of attempts)
      if (a.status === 'rejected')
        expect(String(a.reason)).toMatch(/Only \$5 of credit is available|Only \$20 of credit/);
    const after = await getWallet(t.db, actor.workspaceId, 'person', referrerId);
    expect(after.balances[0]).toMatchObject({ available: 500, redeemed: 1500 });
  });
});
