/**
 * Model-based property test of the rewards ledger: random sequences of purchases, refunds,
 * duplicate and out-of-order deliveries, hold releases, approvals, redemptions, payouts and voids
 * over two workspaces, with the ledger's invariants checked after every step.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/db.ts';
import { personRow } from '../../test/factories.ts';
import type { Actor } from '../auth/auth.service.ts';
import { addMember, createUser } from '../auth/auth.service.ts';
import { type Db, transaction } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { EventInput } from '../events/events.schema.ts';
import { recordEvent } from '../events/events.service.ts';
import { newId } from '../lib/ids.ts';
import type { ProgramInput } from '../programs/programs.schema.ts';
import { createProgram } from '../programs/programs.service.ts';
import { changeStatus } from '../referrals/pipeline.service.ts';
import { createReferral } from '../referrals/referrals.service.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';
import { releaseDue } from './rewards.service.ts';
import { approveReward, getWallet, payReward, redeem } from './wallet.service.ts';

const RUNS = Number(process.env.VOUCH_PROPERTY_RUNS ?? 1000);
const FRIENDS = 3;
const by = { userId: null, label: 'property test' };

const reward = fc.oneof(
  fc.record({
    type: fc.constantFrom('credit' as const, 'cash' as const),
    amount: fc.integer({ min: 1, max: 50_000 }),
  }),
  fc.record({
    type: fc.constant('percent' as const),
    percent: fc.integer({ min: 1, max: 100 }),
    payAs: fc.constantFrom('credit' as const, 'cash' as const),
  }),
  fc.record({
    type: fc.constant('service' as const),
    description: fc.constant('a free adjustment'),
    value: fc.integer({ min: 0, max: 10_000 }),
  }),
);

const setup = fc.record({
  referrerReward: reward,
  friendIncentive: fc.option(reward, { nil: null }),
  holdDays: fc.constantFrom(0, 0, 14),
  rounding: fc.constantFrom('up' as const, 'half_up' as const),
  approve: fc.boolean(),
});

const ws = fc.integer({ min: 0, max: 1 });
const friend = fc.integer({ min: 0, max: FRIENDS - 1 });
const purchaseNo = fc.integer({ min: 0, max: 5 });
const command = fc.oneof(
  fc.record({
    kind: fc.constant('purchase' as const),
    ws,
    friend,
    no: purchaseNo,
    amount: fc.integer({ min: 0, max: 200_000 }),
  }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    ws,
    friend,
    no: purchaseNo,
    amount: fc.integer({ min: 0, max: 200_000 }),
  }),
  fc.record({
    kind: fc.constant('refund' as const),
    ws,
    no: purchaseNo,
    part: fc.option(fc.integer({ min: 1, max: 200_000 }), { nil: undefined }),
    id: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({ kind: fc.constant('release' as const), days: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ kind: fc.constant('approve' as const), ws, pick: fc.nat() }),
  fc.record({
    kind: fc.constant('redeem' as const),
    ws,
    who: fc.integer({ min: -1, max: FRIENDS - 1 }),
    amount: fc.integer({ min: 1, max: 60_000 }),
  }),
  fc.record({
    kind: fc.constant('redeemItem' as const),
    ws,
    who: fc.integer({ min: -1, max: FRIENDS - 1 }),
    pick: fc.nat(),
  }),
  fc.record({ kind: fc.constant('pay' as const), ws, pick: fc.nat() }),
  fc.record({ kind: fc.constant('void' as const), ws, friend }),
);

type World = { actor: Actor; referrer: string; friends: string[]; referrals: string[] };

type Setup = typeof setup extends fc.Arbitrary<infer T> ? T : never;

async function makeWorld(db: Db, s: Setup, userId: string) {
  const w = await createWorkspace(db, { name: `Property ${newId().slice(-8)}`, approveRewards: s.approve });
  await addMember(db, w.id, userId, 'owner');
  const actor: Actor = { workspaceId: w.id, role: 'owner', userId, via: 'session' };
  const program = await createProgram(db, actor, {
    name: 'P',
    status: 'active',
    terms: {
      referrerReward: s.referrerReward,
      friendIncentive: s.friendIncentive,
      holdDays: s.holdDays,
      rounding: s.rounding,
    },
  } as ProgramInput);
  const { referral: first } = await createReferral(db, w.id, by, {
    programId: program.id,
    referrerId: (
      await db
        .insertInto('people')
        .values(personRow(w.id, { first_name: 'ref' }))
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id,
    channel: 'staff',
    friend: { firstName: 'F0', email: `f0-${w.id}@example.com` },
  });
  const world: World = {
    actor,
    referrer: first.referrer.id,
    friends: [first.friend.id],
    referrals: [first.id],
  };
  for (let i = 1; i < FRIENDS; i++) {
    const { referral } = await createReferral(db, w.id, by, {
      programId: program.id,
      referrerId: world.referrer,
      channel: 'staff',
      friend: { firstName: `F${i}`, email: `f${i}-${w.id}@example.com` },
    });
    world.friends.push(referral.friend.id);
    world.referrals.push(referral.id);
  }
  return world;
}

/** The invariants, read straight from the tables. */
async function check(db: Db, worlds: World[]) {
  for (const { actor } of worlds) {
    const ws = actor.workspaceId;
    const entries = await db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('workspace_id', '=', ws)
      .execute();
    for (const e of entries) expect(Number.isSafeInteger(Number(e.amount)), 'safe integer').toBe(true);
    // Every posting balances per unit, so the workspace does too.
    const perPosting = new Map<string, number>();
    for (const e of entries) {
      const k = `${e.posting_id}|${e.unit}`;
      perPosting.set(k, (perPosting.get(k) ?? 0) + Number(e.amount));
    }
    for (const [k, sum] of perPosting) expect(sum, `posting ${k} balances`).toBe(0);
    // No reward twice: one per rule, referral and beneficiary.
    const rewards = await db.selectFrom('rewards').selectAll().where('workspace_id', '=', ws).execute();
    const keys = rewards.map((r) => `${r.rule}|${r.referral_id}|${r.person_id ?? r.user_id}`);
    expect(new Set(keys).size, 'no reward twice').toBe(keys.length);
    for (const r of rewards) {
      const mine = entries.filter((e) => e.reward_id === r.id);
      const sum = (account: string) =>
        mine.filter((e) => e.account === account).reduce((s, e) => s + Number(e.amount), 0);
      // A balance is the sum of its entries, and a reward never costs more than it promised.
      expect(sum('expense'), 'cost within the promise').toBeLessThanOrEqual(Number(r.amount));
      expect(sum('expense'), 'cost not negative').toBeGreaterThanOrEqual(0);
      expect(-sum('held'), 'held not negative').toBeGreaterThanOrEqual(0);
      if (r.status === 'pending') expect(sum('available') + sum('redeemed') + sum('paid')).toBe(0);
      if (r.status === 'voided') {
        expect(sum('expense'), 'a voided reward costs nothing').toBe(0);
        expect(sum('held')).toBe(0);
        // Nothing was redeemed or paid after the void.
        const voidPosting = mine
          .filter((e) => e.account === 'expense' && Number(e.amount) < 0)
          .map((e) => e.posting_id)
          .sort()
          .at(-1) as string;
        const after = mine.filter(
          (e) => (e.account === 'redeemed' || e.account === 'paid') && e.posting_id > voidPosting,
        );
        expect(after, 'no redemption after a void').toEqual([]);
      }
    }
    // The wallet's balances are the sums of the person's entries.
    for (const who of [worlds.find((w) => w.actor.workspaceId === ws)?.referrer as string]) {
      const w = await getWallet(db, ws, 'person', who);
      for (const b of w.balances) {
        const ids = new Set(
          rewards
            .filter((r) => r.person_id === who && r.kind === b.kind && r.unit === b.unit)
            .map((r) => r.id),
        );
        const of = (account: string) =>
          0 -
            entries
              .filter((e) => ids.has(e.reward_id) && e.account === account)
              .reduce((s, e) => s + Number(e.amount), 0) || 0;
        expect(b, 'wallet = sum of entries').toMatchObject({
          held: of('held'),
          available: of('available'),
          redeemed: of('redeemed'),
          paid: of('paid'),
        });
      }
    }
  }
}

/** Counts of entries per workspace: a duplicate or refused command changes none of them. */
const entryCount = async (db: Db, ws: string) =>
  Number(
    (
      await db
        .selectFrom('ledger_entries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', ws)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe.each(dialects)('rewards ledger properties on %s', (dialect) => {
  let t: TestDb;
  let userId: string;
  beforeAll(async () => {
    t = await testDb(dialect);
    userId = (
      await createUser(t.db, {
        email: `prop-${dialect}@example.com`,
        name: 'Owner',
        password: 'correct horse battery',
      })
    ).id;
  });
  afterAll(() => t.close());

  it(`holds its invariants over ${RUNS} random histories`, { timeout: 600_000 }, async () => {
    const db = t.db;
    await fc.assert(
      fc.asyncProperty(setup, fc.array(command, { minLength: 1, maxLength: 14 }), async (s, commands) => {
        const worlds = [await makeWorld(db, s, userId), await makeWorld(db, s, userId)];
        const delivered = worlds.map(() => new Map<number, { friend: number; amount: number }>());
        for (const cmd of commands) {
          const w = 'ws' in cmd ? (worlds[cmd.ws] as World) : (worlds[0] as World);
          const other = worlds[1 - ('ws' in cmd ? cmd.ws : 0)] as World;
          const otherBefore = await entryCount(db, other.actor.workspaceId);
          const ctx = {
            workspace: { id: w.actor.workspaceId, currency: 'USD', country: 'US' },
            by,
            now: new Date(),
          };
          const event = (input: object) =>
            transaction(db, (tx) => recordEvent(tx, ctx, EventInput.parse(input)));
          const refused = async (run: () => Promise<unknown>) => {
            const before = await entryCount(db, w.actor.workspaceId);
            try {
              await run();
              return false;
            } catch (err) {
              if (!(err instanceof AppError) || err.code === 'internal') throw err;
              expect(await entryCount(db, w.actor.workspaceId), 'a refused command posts nothing').toBe(
                before,
              );
              return true;
            }
          };
          const seen = delivered['ws' in cmd ? cmd.ws : 0] as Map<number, { friend: number; amount: number }>;
          switch (cmd.kind) {
            case 'purchase':
            case 'duplicate': {
              const before = await entryCount(db, w.actor.workspaceId);
              const first = seen.get(cmd.no);
              const input = {
                type: 'purchase',
                externalId: `p${cmd.no}`,
                person: { id: w.friends[first?.friend ?? cmd.friend] },
                amount: first?.amount ?? cmd.amount,
              };
              const r = await event(input);
              if (first) {
                expect(r.status).toBe('duplicate');
                expect(await entryCount(db, w.actor.workspaceId), 'a duplicate posts nothing').toBe(before);
              } else {
                expect(r.status).toBe('accepted');
                seen.set(cmd.no, { friend: cmd.friend, amount: cmd.amount });
              }
              break;
            }
            case 'refund': {
              const p = seen.get(cmd.no);
              const wasRefused = await refused(() =>
                event({
                  type: 'refund',
                  externalId: `r${cmd.no}-${cmd.id}`,
                  refundOf: `p${cmd.no}`,
                  amount: cmd.part,
                }),
              );
              if (!p) expect(wasRefused, 'a refund before its purchase is refused').toBe(true);
              break;
            }
            case 'release':
              await releaseDue(db, new Date(Date.now() + cmd.days * 86_400_000).toISOString());
              break;
            case 'approve':
            case 'pay': {
              const rows = await db
                .selectFrom('rewards')
                .select('id')
                .where('workspace_id', '=', w.actor.workspaceId)
                .orderBy('id')
                .execute();
              const r = rows[cmd.pick % Math.max(rows.length, 1)];
              if (r)
                await refused(() =>
                  cmd.kind === 'pay'
                    ? payReward(db, w.actor, r.id, { method: 'cash' })
                    : approveReward(db, w.actor, r.id),
                );
              break;
            }
            case 'redeem':
            case 'redeemItem': {
              const who = cmd.who < 0 ? w.referrer : (w.friends[cmd.who] as string);
              if (cmd.kind === 'redeem') {
                await refused(() => redeem(db, w.actor, who, { amount: cmd.amount }));
              } else {
                const rows = await db
                  .selectFrom('rewards')
                  .select('id')
                  .where('workspace_id', '=', w.actor.workspaceId)
                  .where('person_id', '=', who)
                  .orderBy('id')
                  .execute();
                const r = rows[cmd.pick % Math.max(rows.length, 1)];
                if (r) await refused(() => redeem(db, w.actor, who, { rewardId: r.id }));
              }
              break;
            }
            case 'void':
              await refused(() =>
                changeStatus(db, w.actor.workspaceId, by, w.referrals[cmd.friend] as string, 'void', {
                  voidReason: 'test',
                }),
              );
              break;
          }
          // Releasing runs over every workspace, as the worker does; anything else touches one.
          if (cmd.kind === 'release') await check(db, worlds);
          else {
            expect(await entryCount(db, other.actor.workspaceId), 'the other workspace is untouched').toBe(
              otherBefore,
            );
            await check(db, [w]);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
