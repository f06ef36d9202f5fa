/**
 * The events issue's "done when", in the demo workspace: a purchase for a referred prospect wins
 * the referral, the referrer's reward waits out its hold, staff redeem it, and a refund leaves a
 * correct, fully explained balance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type TestApp, testApp } from '../../test/http.ts';
import { type Actor, createApiKey } from '../auth/auth.service.ts';
import { releaseDue } from '../rewards/rewards.service.ts';
import { redeem } from '../rewards/wallet.service.ts';
import { seedDemo } from './demo.ts';

describe.each(dialects)('demo rewards on %s', (dialect) => {
  let t: TestApp;
  let workspaceId: string;
  let key: string;
  let desk: Actor;
  beforeAll(async () => {
    t = await testApp(dialect);
    workspaceId = (await seedDemo(t.db)).workspaceId;
    const owner = await t.db
      .selectFrom('memberships')
      .select('user_id')
      .where('workspace_id', '=', workspaceId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    key = (
      await createApiKey(t.db, { workspaceId, role: 'owner', userId: owner.user_id, via: 'session' }, 'POS')
    ).key;
    const staff = await t.db
      .selectFrom('memberships')
      .select('user_id')
      .where('workspace_id', '=', workspaceId)
      .where('role', '=', 'staff')
      .executeTakeFirstOrThrow();
    desk = { workspaceId, role: 'staff', userId: staff.user_id, via: 'session' };
  });
  afterAll(() => t.close());

  const api = (method: string, url: string, body?: object) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${key}` },
      ...(body ? { payload: body } : {}),
    });

  it('seeds purchases and visits, with won referrals and rewards on hold', async () => {
    const events = (await api('GET', '/api/v1/events?limit=500')).json();
    expect(events.items.length).toBeGreaterThan(200);
    const rewards = (await api('GET', '/api/v1/rewards?status=pending')).json();
    expect(rewards.total).toBeGreaterThan(0);
  });

  it('runs a referral from purchase to a redeemed reward and a refund', async () => {
    const open = (await api('GET', '/api/v1/referrals?status=contacted&pageSize=100')).json().items;
    const referral =
      open.find((r: { programName: string }) => r.programName === 'Share the relief') ?? open[0];
    expect(referral).toBeDefined();
    const referrer = referral.referrer.id as string;
    const before = (await api('GET', `/api/v1/people/${referrer}/wallet`)).json();
    const heldBefore = before.balances.find((b: { kind: string }) => b.kind === 'credit')?.held ?? 0;

    const sale = await api('POST', '/api/v1/events', {
      type: 'purchase',
      source: 'front-desk',
      externalId: 'INV-5001',
      person: { id: referral.friend.id },
      amount: 12_000,
    });
    expect(sale.statusCode, sale.body).toBe(201);
    expect(sale.json().effects.referralWon).toBe(referral.id);
    expect((await api('GET', `/api/v1/referrals/${referral.id}`)).json().referral.status).toBe('won');

    let wallet = (await api('GET', `/api/v1/people/${referrer}/wallet`)).json();
    const reward = wallet.rewards.find(
      (r: { referralId: string; rule: string }) => r.referralId === referral.id && r.rule === 'referrer',
    );
    expect(reward).toMatchObject({
      status: 'pending',
      amount: 2500,
      kind: 'credit',
      description: '$25 off your next visit',
    });
    expect(wallet.balances.find((b: { kind: string }) => b.kind === 'credit').held).toBe(heldBefore + 2500);

    // Fourteen days on, the worker releases it; the front desk redeems it at the next visit.
    await releaseDue(t.db, new Date(Date.now() + 15 * 86_400_000).toISOString());
    wallet = (await api('GET', `/api/v1/people/${referrer}/wallet`)).json();
    expect(wallet.rewards.find((r: { id: string }) => r.id === reward.id).status).toBe('available');
    const credit = wallet.balances.find((b: { kind: string }) => b.kind === 'credit');
    expect(credit.available).toBeGreaterThanOrEqual(2500);
    await redeem(t.db, desk, referrer, { amount: credit.available, note: 'applied to the visit' });

    // The friend is refunded in full afterwards: the redeemed reward becomes a debt, explained.
    const refund = await api('POST', '/api/v1/events', {
      type: 'refund',
      source: 'front-desk',
      externalId: 'REF-5001',
      refundOf: 'INV-5001',
    });
    expect(refund.statusCode, refund.body).toBe(201);
    wallet = (await api('GET', `/api/v1/people/${referrer}/wallet`)).json();
    const after = wallet.rewards.find((r: { id: string }) => r.id === reward.id);
    expect(after).toMatchObject({
      status: 'voided',
      voidReason: 'Purchase INV-5001 refunded',
      standing: { held: 0, available: -2500, redeemed: 2500, earned: 0 },
    });
    const lines = wallet.history.flatMap(
      (p: {
        kind: string;
        memo: string;
        lines: Array<{ rewardId: string; account: string; amount: number }>;
      }) =>
        p.lines
          .filter((l) => l.rewardId === reward.id)
          .map((l) => `${p.kind} ${p.memo}: ${l.account} ${l.amount}`),
    );
    expect(lines).toEqual([
      'reverse Purchase INV-5001 refunded: available -2500',
      'redeem applied to the visit: available -2500',
      'redeem applied to the visit: redeemed 2500',
      'release hold ended: held -2500',
      'release hold ended: available 2500',
      'issue referrer reward for referral: held 2500',
    ]);
    const friendWallet = (await api('GET', `/api/v1/people/${referral.friend.id}/wallet`)).json();
    expect(friendWallet.rewards.every((r: { status: string }) => r.status === 'voided')).toBe(true);
  });
});
