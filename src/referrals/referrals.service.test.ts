import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/db.ts';
import type { Actor } from '../auth/auth.service.ts';
import { createPerson, mergePeople } from '../people/people.service.ts';
import { createProgram, getTerms, updateProgram } from '../programs/programs.service.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';
import { createReferral, followUpDue, IP_BURST, issueCoupon } from './referrals.service.ts';

const by = { userId: null, label: 'test' };

describe('follow-up due time', () => {
  it('skips the weekend in the workspace time zone', () => {
    // Friday 2026-11-20 15:00 in Chicago + 24 h → Saturday → Monday 15:00.
    expect(followUpDue(new Date('2026-11-20T21:00:00Z'), 24, 'America/Chicago')).toBe(
      '2026-11-23T21:00:00.000Z',
    );
    expect(followUpDue(new Date('2026-11-17T21:00:00Z'), 24, 'America/Chicago')).toBe(
      '2026-11-18T21:00:00.000Z',
    );
  });
});

describe.each(dialects)('referral attribution on %s', (dialect) => {
  let t: TestDb;
  let actor: Actor;
  let programId: string;
  let referrerId: string;
  beforeAll(async () => {
    t = await testDb(dialect);
    const ws = await createWorkspace(t.db, {
      name: 'Attribution Clinic',
      country: 'US',
      timeZone: 'America/Chicago',
    });
    actor = { workspaceId: ws.id, role: 'owner', userId: null, via: 'api_key' };
    programId = (
      await createProgram(t.db, actor, {
        name: 'Give $20, get $20',
        status: 'active',
        terms: {
          referrerReward: { type: 'credit', amount: 2000, description: '' },
          friendIncentive: { type: 'service', description: 'a complimentary adjustment', value: 6500 },
        },
      })
    ).id;
    referrerId = (
      await createPerson(t.db, actor, {
        firstName: 'Rita',
        lastName: 'Referrer',
        email: 'rita@example.com',
        phone: '217-555-0100',
      })
    ).id;
  });
  afterAll(() => t.close());

  const refer = (friend: object, extra: object = {}) =>
    createReferral(t.db, actor.workspaceId, by, { programId, referrerId, channel: 'link', friend, ...extra });

  it('creates the friend as a prospect, with a due follow-up and the current terms', async () => {
    const { referral, created } = await refer({ firstName: 'Fred', email: 'fred@example.com' });
    expect(created).toBe(true);
    expect(referral).toMatchObject({
      status: 'new',
      channel: 'link',
      referrer: { id: referrerId },
      friend: { name: 'Fred' },
      flag: null,
    });
    expect(referral.followUpDueAt! > referral.createdAt).toBe(true);
    const friend = await t.db
      .selectFrom('people')
      .select('kind')
      .where('id', '=', referral.friend.id)
      .executeTakeFirstOrThrow();
    expect(friend.kind).toBe('prospect');
  });

  it('gives the same referral for the same claim, and keeps the first referrer', async () => {
    const a = await refer({ firstName: 'Gina', email: 'gina@example.com' });
    const again = await refer({ firstName: 'Gina', email: 'GINA@example.com' });
    expect(again).toMatchObject({ created: false, referral: { id: a.referral.id } });
    const other = (await createPerson(t.db, actor, { firstName: 'Otto', email: 'otto@example.com' })).id;
    const second = await createReferral(t.db, actor.workspaceId, by, {
      programId,
      referrerId: other,
      channel: 'link',
      friend: { email: 'gina@example.com' },
    });
    expect(second.created).toBe(false);
    expect(second.referral.referrer.id).toBe(referrerId);
    const c1 = await issueCoupon(t.db, actor.workspaceId, a.referral, null, 30);
    const c2 = await issueCoupon(t.db, actor.workspaceId, a.referral, null, 30);
    expect(c2.code).toBe(c1.code);
  });

  it('refuses self-referral by id, by folded email and by phone', async () => {
    await expect(refer({ personId: referrerId })).rejects.toThrow(/refer yourself/);
    await expect(refer({ email: 'Rita+friends@example.com' })).rejects.toThrow(/refer yourself/);
    await expect(refer({ firstName: 'R', phone: '(217) 555-0100' })).rejects.toThrow(/refer yourself/);
  });

  it('refuses a friend who is already a customer', async () => {
    await createPerson(t.db, actor, { firstName: 'Carl', email: 'carl@example.com' });
    await expect(refer({ firstName: 'Carl', email: 'carl@example.com' })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('keeps the terms a referral was made under when the program changes', async () => {
    const { referral } = await refer({ firstName: 'Hana', email: 'hana@example.com' });
    await updateProgram(t.db, actor, programId, {
      terms: {
        ...(await getTerms(t.db, actor.workspaceId, referral.termsId)),
        referrerReward: { type: 'credit', amount: 500, description: '' },
      },
    });
    const { referral: later } = await refer({ firstName: 'Ivan', email: 'ivan@example.com' });
    expect(later.termsId).not.toBe(referral.termsId);
    expect((await getTerms(t.db, actor.workspaceId, referral.termsId)).referrerReward).toMatchObject({
      amount: 2000,
    });
    expect((await getTerms(t.db, actor.workspaceId, later.termsId)).referrerReward).toMatchObject({
      amount: 500,
    });
  });

  it('flags a burst of claims from one address for review without dropping any', async () => {
    const results = [];
    for (let i = 0; i < IP_BURST + 2; i++)
      results.push(await refer({ email: `burst${i}@example.com` }, { sourceIpKey: 'same-address' }));
    expect(results.every((r) => r.created)).toBe(true);
    expect(results.slice(0, IP_BURST).every((r) => r.referral.flag === null)).toBe(true);
    expect(results.at(-1)!.referral.flag).toMatch(/one address/);
  });

  it('merging two referrers keeps both referrals and every link', async () => {
    const dup = (
      await createPerson(t.db, actor, { firstName: 'Rita', lastName: 'R', email: 'rita.r@example.com' })
    ).id;
    const { referral } = await createReferral(t.db, actor.workspaceId, by, {
      programId,
      referrerId: dup,
      channel: 'staff',
      friend: { email: 'jo@example.com' },
    });
    await mergePeople(t.db, actor, referrerId, dup);
    const moved = await t.db
      .selectFrom('referrals')
      .select('referrer_id')
      .where('id', '=', referral.id)
      .executeTakeFirstOrThrow();
    expect(moved.referrer_id).toBe(referrerId);
  });
});
