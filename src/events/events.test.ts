import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type Client, type TestApp, testApp } from '../../test/http.ts';
import type { Actor } from '../auth/auth.service.ts';
import type { ProgramInput } from '../programs/programs.schema.ts';
import { createProgram } from '../programs/programs.service.ts';
import { releaseDue } from '../rewards/rewards.service.ts';

const DAY = 86_400_000;
const later = (days: number) => new Date(Date.now() + days * DAY).toISOString();

describe.each(dialects)('events and rewards on %s', (dialect) => {
  let t: TestApp;
  let c: Client;
  let key: string;
  let actor: Actor;
  let n = 0;

  const api = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: method as 'POST',
      url,
      headers: { authorization: `Bearer ${key}`, ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    });
  const event = (body: object, headers?: Record<string, string>) =>
    api('POST', '/api/v1/events', body, headers);
  const program = async (input: Partial<ProgramInput> & { terms?: object }) =>
    (await createProgram(t.db, actor, { name: `Program ${++n}`, status: 'active', ...input } as ProgramInput))
      .id;
  const person = async (body: object) => {
    const res = await c.req('POST', '/api/v1/people', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  /** A referrer and a prospect friend referred in the program; returns ids and the friend's email. */
  const referred = async (programId: string) => {
    const i = ++n;
    const referrer = await person({ firstName: `Rita${i}`, email: `rita${i}@example.com` });
    const res = await c.req('POST', '/api/v1/referrals', {
      programId,
      referrer: { personId: referrer },
      friend: { firstName: `Fred${i}`, email: `fred${i}@example.com` },
    });
    expect(res.statusCode, res.body).toBe(201);
    const referral = res.json().referral;
    return {
      referrer,
      friend: referral.friend.id as string,
      email: `fred${i}@example.com`,
      referral: referral.id as string,
    };
  };
  const wallet = async (personId: string) => (await c.req('GET', `/api/v1/people/${personId}/wallet`)).json();
  const referral = async (id: string) => (await c.req('GET', `/api/v1/referrals/${id}`)).json();

  beforeAll(async () => {
    t = await testApp(dialect);
    c = await t.signIn({ workspaceName: 'Events Clinic' });
    key = await t.apiKey(c);
    actor = { workspaceId: c.workspaceId, role: 'owner', userId: c.userId, via: 'session' };
  });
  afterAll(() => t.close());

  it('a purchase wins the referral, holds the reward, releases it, and a refund after redemption leaves a debt', async () => {
    const p = await program({ terms: { referrerReward: { type: 'credit', amount: 2500 }, holdDays: 14 } });
    const r = await referred(p);
    const res = await event({
      type: 'purchase',
      source: 'pos',
      externalId: 'sale-1',
      person: { email: r.email },
      amount: 12000,
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      status: 'accepted',
      effects: { referralWon: r.referral, personCreated: false },
    });
    expect(body.event).toMatchObject({
      personId: r.friend,
      referralId: r.referral,
      amount: 12000,
      currency: 'USD',
    });
    expect(body.effects.rewardsIssued).toHaveLength(1);

    const detail = await referral(r.referral);
    expect(detail.referral.status).toBe('won');
    expect(detail.activities.at(-1)).toMatchObject({ toStatus: 'won', note: 'Purchase sale-1 from pos' });
    expect((await c.req('GET', `/api/v1/people/${r.friend}`)).json().kind).toBe('customer');

    let w = await wallet(r.referrer);
    expect(w.balances).toEqual([
      { kind: 'credit', unit: 'USD', held: 2500, available: 0, redeemed: 0, paid: 0, earned: 2500 },
    ]);
    expect(w.rewards[0]).toMatchObject({ status: 'pending', rule: 'referrer', amount: 2500 });

    // Not yet: the hold runs 14 days.
    await releaseDue(t.db, later(13));
    const early = await c.req('POST', `/api/v1/people/${r.referrer}/redemptions`, { amount: 100 });
    expect(early.statusCode).toBe(422);
    expect(early.json().title).toMatch(/Only \$0 of credit is available/);

    await releaseDue(t.db, later(15));
    w = await wallet(r.referrer);
    expect(w.rewards[0].status).toBe('available');
    expect(w.balances[0]).toMatchObject({ held: 0, available: 2500 });

    const over = await c.req('POST', `/api/v1/people/${r.referrer}/redemptions`, { amount: 2501 });
    expect(over.statusCode).toBe(422);
    expect(over.json().errors[0].path).toBe('amount');
    const part = await c.req('POST', `/api/v1/people/${r.referrer}/redemptions`, {
      amount: 1000,
      note: 'haircut',
    });
    expect(part.statusCode, part.body).toBe(200);
    expect(part.json().balances[0]).toMatchObject({ available: 1500, redeemed: 1000 });

    // The friend returns everything: the reward is voided, the redeemed part is owed.
    const refund = await event({ type: 'refund', source: 'pos', externalId: 'refund-1', refundOf: 'sale-1' });
    expect(refund.statusCode, refund.body).toBe(201);
    expect(refund.json().event).toMatchObject({
      amount: 12000,
      refundOfId: body.event.id,
      personId: r.friend,
    });
    expect(refund.json().effects.rewardsChanged).toEqual(body.effects.rewardsIssued);
    w = await wallet(r.referrer);
    expect(w.rewards[0]).toMatchObject({ status: 'voided', voidReason: 'Purchase sale-1 refunded' });
    expect(w.balances[0]).toMatchObject({ held: 0, available: -1000, redeemed: 1000, earned: 0 });
    expect(w.history.map((h: { kind: string }) => h.kind)).toEqual(['reverse', 'redeem', 'release', 'issue']);
    expect(w.history[0].lines).toEqual([
      { rewardId: w.rewards[0].id, account: 'available', unit: 'USD', amount: -2500 },
    ]);
    expect((await referral(r.referral)).activities.at(-1).note).toBe(
      'Purchase sale-1 refunded: its rewards are voided',
    );

    // Thank-you task, once.
    const tasks = (await c.req('GET', '/api/v1/tasks')).json();
    expect(tasks.items.filter((x: { referralId: string }) => x.referralId === r.referral)).toHaveLength(1);
  });

  it('processes a delivery once, however often it arrives', async () => {
    const p = await program({ terms: { referrerReward: { type: 'cash', amount: 5000 }, holdDays: 0 } });
    const r = await referred(p);
    const sale = {
      type: 'purchase',
      source: 'shop',
      externalId: 'order-77',
      person: { email: r.email },
      amount: 9900,
    };
    const results = await Promise.all([event(sale), event(sale), event(sale)]);
    expect(results.map((x) => x.statusCode).sort()).toEqual([200, 200, 201]);
    const ids = new Set(results.map((x) => x.json().event.id));
    expect(ids.size).toBe(1);
    const w = await wallet(r.referrer);
    expect(w.rewards).toHaveLength(1);
    expect(w.balances[0]).toMatchObject({ kind: 'cash', available: 5000 });
    const list = (await api('GET', `/api/v1/events?personId=${r.friend}`)).json();
    expect(list.items).toHaveLength(1);
  });

  it('honours Idempotency-Key as Stripe does', async () => {
    const headers = { 'idempotency-key': `visit-${Date.now()}` };
    const bad = await event({ type: 'visit', externalId: 'v-1', person: { email: 'not-an-email' } }, headers);
    expect(bad.statusCode).toBe(400);
    const first = await event(
      { type: 'visit', externalId: 'v-1', person: { email: 'viv@example.com' } },
      headers,
    );
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().effects.personCreated).toBe(true);
    const again = await event(
      { type: 'visit', externalId: 'v-1', person: { email: 'viv@example.com' } },
      headers,
    );
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const other = await event(
      { type: 'visit', externalId: 'v-2', person: { email: 'viv@example.com' } },
      headers,
    );
    expect(other.statusCode).toBe(422);
    expect(other.json().title).toMatch(/different request/);
  });

  it('refuses bad input with what and where', async () => {
    const base = {
      type: 'purchase',
      externalId: 'x',
      person: { email: 'bad-input@example.com' },
      amount: 100,
    };
    const cases: Array<[object, number, RegExp]> = [
      [{ amount: -5 }, 400, /amount/],
      [{ amount: 10.5 }, 400, /amount/],
      [{ currency: 'XYZ' }, 422, /not an ISO 4217 currency/],
      [{ currency: 'EUR' }, 422, /EUR differs from the workspace's currency, USD/],
      [{ occurredAt: later(2) }, 422, /in the future/],
      [{ occurredAt: later(-800) }, 422, /more than a year ago/],
      [
        { type: 'refund', refundOf: 'nope', person: undefined, amount: undefined },
        422,
        /no purchase \\"nope\\"/,
      ],
      [
        { person: { externalId: 'pos-404' } },
        400,
        /no one has this externalId; a new customer needs a name, email or phone/,
      ],
      [{ type: 'visit' }, 400, /a visit carries no amount/],
      [{ person: {} }, 400, /needs an id, externalId, email or phone/],
    ];
    for (const [change, status, message] of cases) {
      const res = await event({ ...base, ...change, externalId: `bad-${++n}` });
      expect(res.statusCode, JSON.stringify(change)).toBe(status);
      expect(JSON.stringify(res.json()), JSON.stringify(change)).toMatch(message);
    }
    expect((await event({ ...base, externalId: 'p-100' })).statusCode).toBe(201);
    const tooMuch = await event({ type: 'refund', externalId: 'r-100', refundOf: 'p-100', amount: 101 });
    expect(tooMuch.statusCode).toBe(422);
    expect(tooMuch.json().title).toMatch(
      /\$1.01 is more than what is left to refund of purchase "p-100" \(\$1\)/,
    );
    expect(
      (await event({ type: 'refund', externalId: 'r-101', refundOf: 'p-100', amount: 60 })).statusCode,
    ).toBe(201);
    const second = await event({ type: 'refund', externalId: 'r-102', refundOf: 'p-100', amount: 41 });
    expect(second.json().title).toMatch(/\(\$0.40\)/);
  });

  it('takes a batch, reporting the bad event by index and keeping the rest', async () => {
    const events = [
      { type: 'visit', source: 'desk', externalId: 'b-1', person: { email: 'batch1@example.com' } },
      {
        type: 'purchase',
        source: 'desk',
        externalId: 'b-2',
        person: { email: 'batch1@example.com' },
        amount: -1,
      },
      {
        type: 'purchase',
        source: 'desk',
        externalId: 'b-3',
        person: { phone: '(415) 555-0100' },
        amount: 2000,
        currency: 'EUR',
      },
      {
        type: 'ticket_resolved',
        source: 'desk',
        externalId: 'b-4',
        person: { externalId: 'crm-9', firstName: 'Cora' },
      },
      { type: 'visit', source: 'desk', externalId: 'b-1', person: { email: 'batch1@example.com' } },
    ];
    const res = await api('POST', '/api/v1/events/batch', { events });
    expect(res.statusCode, res.body).toBe(200);
    const b = res.json();
    expect(b).toMatchObject({ accepted: 2, duplicates: 1, rejected: 2 });
    expect(b.results.map((r: { status: string }) => r.status)).toEqual([
      'accepted',
      'rejected',
      'rejected',
      'accepted',
      'duplicate',
    ]);
    expect(b.results[1].error.details[0].path).toBe('amount');
    expect(b.results[2].error.message).toMatch(/EUR differs/);
    expect(b.results[4].eventId).toBe(b.results[0].eventId);
    const tooMany = await api('POST', '/api/v1/events/batch', {
      events: Array.from({ length: 1001 }, () => events[0]),
    });
    expect(tooMany.statusCode).toBe(400);
  });

  it('computes percent rewards in integers, rounding up, and lowers them on a partial refund', async () => {
    const p = await program({
      terms: {
        referrerReward: { type: 'percent', percent: 15, maxAmount: 100000 },
        rounding: 'up',
        holdDays: 30,
      },
    });
    const r = await referred(p);
    // 15 % of $33.33 is $4.9995: the referrer gets $5.00.
    await event({ type: 'purchase', externalId: 'pct-1', person: { email: r.email }, amount: 3333 });
    let w = await wallet(r.referrer);
    expect(w.balances[0]).toMatchObject({ held: 500 });
    // $13.33 back: 15 % of $20.00 is $3.00.
    await event({ type: 'refund', externalId: 'pct-1-r', refundOf: 'pct-1', amount: 1333 });
    w = await wallet(r.referrer);
    expect(w.balances[0]).toMatchObject({ held: 300, earned: 300 });
    expect(w.rewards[0].status).toBe('pending');
    expect(w.history[0]).toMatchObject({ kind: 'adjust', memo: 'Purchase pct-1 refunded' });
  });

  it('waits for the purchase when staff marked the referral won, for a percent reward', async () => {
    const p = await program({ terms: { referrerReward: { type: 'percent', percent: 10 }, holdDays: 0 } });
    const r = await referred(p);
    expect((await c.req('PATCH', `/api/v1/referrals/${r.referral}`, { status: 'won' })).statusCode).toBe(200);
    expect((await wallet(r.referrer)).rewards).toHaveLength(0);
    const res = await event({
      type: 'purchase',
      externalId: 'staff-won',
      person: { id: r.friend },
      amount: 20000,
    });
    expect(res.json().effects.rewardsIssued).toHaveLength(1);
    expect((await wallet(r.referrer)).balances[0]).toMatchObject({ available: 2000 });
  });

  it('pays cash, refuses to pay what is voided, and voiding a won referral voids its rewards', async () => {
    const p = await program({ terms: { referrerReward: { type: 'cash', amount: 10000 }, holdDays: 0 } });
    const r = await referred(p);
    await event({ type: 'purchase', externalId: 'cash-1', person: { email: r.email }, amount: 50000 });
    const [reward] = (await wallet(r.referrer)).rewards;
    const paid = await c.req('POST', `/api/v1/rewards/${reward.id}/pay`, {
      method: 'bank transfer',
      reference: 'TX-1',
    });
    expect(paid.statusCode, paid.body).toBe(200);
    expect(paid.json()).toMatchObject({ status: 'paid', standing: { paid: 10000, available: 0 } });
    expect((await c.req('POST', `/api/v1/rewards/${reward.id}/pay`, { method: 'cash' })).json().title).toBe(
      'This reward was already paid',
    );
    const voided = await c.req('PATCH', `/api/v1/referrals/${r.referral}`, {
      status: 'void',
      voidReason: 'fraud',
    });
    expect(voided.statusCode, voided.body).toBe(200);
    const w = await wallet(r.referrer);
    expect(w.rewards[0]).toMatchObject({ status: 'voided', voidReason: 'Referral voided: fraud' });
    expect(w.balances[0]).toMatchObject({ available: -10000, paid: 10000 });
    const again = await c.req('POST', `/api/v1/rewards/${reward.id}/pay`, { method: 'cash' });
    expect(again.statusCode).toBe(409);
    expect(again.json().title).toBe('This reward was voided (Referral voided: fraud)');
  });

  it('rewards staff and friends, honours monthly caps and milestones', async () => {
    const p = await program({
      terms: {
        referrerReward: { type: 'credit', amount: 1000 },
        friendIncentive: { type: 'service', description: 'a free adjustment', value: 6000 },
        rewardStaff: { type: 'cash', amount: 500 },
        milestones: [{ wonCount: 2, reward: { type: 'gift', description: 'a bottle of wine', value: 2500 } }],
        monthlyCap: 2,
        holdDays: 0,
      },
    });
    const referrer = await person({ firstName: 'Mona', email: `mona${++n}@example.com` });
    const friends: string[] = [];
    for (let i = 0; i < 3; i++) {
      const email = `mfriend${++n}@example.com`;
      const res = await c.req('POST', '/api/v1/referrals', {
        programId: p,
        referrer: { personId: referrer },
        friend: { firstName: 'F', email },
      });
      await c.req('PATCH', `/api/v1/referrals/${res.json().referral.id}`, { assignedTo: c.userId });
      friends.push(res.json().referral.friend.id);
      await event({ type: 'purchase', externalId: `m-${n}`, person: { email }, amount: 1000 });
    }
    const w = await wallet(referrer);
    const rules = w.rewards.map((x: { rule: string }) => x.rule).sort();
    expect(rules).toEqual(['milestone', 'referrer', 'referrer']);
    const friend = await wallet(friends[0] as string);
    expect(friend.rewards[0]).toMatchObject({
      rule: 'friend',
      kind: 'service',
      unit: 'unit',
      amount: 1,
      value: 6000,
    });
    const redeemed = await c.req('POST', `/api/v1/people/${friends[0]}/redemptions`, {
      rewardId: friend.rewards[0].id,
    });
    expect(redeemed.json().rewards[0].status).toBe('redeemed');
    const staff = (await c.req('GET', `/api/v1/staff/${c.userId}/wallet`)).json();
    expect(staff.balances.find((b: { kind: string }) => b.kind === 'cash').available).toBeGreaterThanOrEqual(
      1500,
    );
    const third = (await c.req('GET', `/api/v1/referrals?personId=${referrer}`)).json();
    expect(third).toBeDefined();
  });

  it('waits for approval when the owner turned it on', async () => {
    expect((await c.req('PATCH', '/api/v1/workspace', { approveRewards: true })).statusCode).toBe(200);
    try {
      const p = await program({ terms: { referrerReward: { type: 'credit', amount: 700 }, holdDays: 0 } });
      const r = await referred(p);
      await event({ type: 'purchase', externalId: 'appr-1', person: { email: r.email }, amount: 100 });
      await releaseDue(t.db, later(1));
      const queue = (await c.req('GET', '/api/v1/rewards?awaitingApproval=true')).json();
      const reward = queue.items.find(
        (x: { beneficiary: { id: string } }) => x.beneficiary.id === r.referrer,
      );
      expect(reward).toMatchObject({ status: 'pending', needsApproval: true });
      const ok = await c.req('POST', `/api/v1/rewards/${reward.id}/approve`);
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ status: 'available', standing: { available: 700 } });
      expect((await c.req('POST', `/api/v1/rewards/${reward.id}/approve`)).statusCode).toBe(409);
    } finally {
      await c.req('PATCH', '/api/v1/workspace', { approveRewards: false });
    }
  });

  it('shows the liability by program and refuses a currency change once money is recorded', async () => {
    const res = await c.req('GET', '/api/v1/rewards/liability');
    expect(res.statusCode, res.body).toBe(200);
    const l = res.json();
    expect(l.currency).toBe('USD');
    const usd = l.totals.find((x: { unit: string }) => x.unit === 'USD');
    expect(usd.owed).toBeGreaterThan(0);
    expect(usd.held).toBeGreaterThan(0);
    const cur = await c.req('PATCH', '/api/v1/workspace', { currency: 'EUR' });
    expect(cur.statusCode).toBe(409);
  });

  it("keeps a referred customer's revenue with the chain that brought them", async () => {
    const p = await program({ terms: { referrerReward: { type: 'credit', amount: 100 }, holdDays: 0 } });
    // Ann referred Ben; Ben, once a customer, referred Cal.
    const ann = await person({ firstName: 'Ann', email: `ann${++n}@example.com` });
    const refer = async (referrerId: string, first: string) => {
      const email = `${first.toLowerCase()}${++n}@example.com`;
      const res = await c.req('POST', '/api/v1/referrals', {
        programId: p,
        referrer: { personId: referrerId },
        friend: { firstName: first, email },
      });
      return { id: res.json().referral.friend.id as string, email };
    };
    const ben = await refer(ann, 'Ben');
    await event({
      type: 'purchase',
      externalId: `ltv-b1-${n}`,
      person: { email: ben.email },
      amount: 10_000,
    });
    await event({ type: 'purchase', externalId: `ltv-b2-${n}`, person: { email: ben.email }, amount: 5_000 });
    await event({ type: 'refund', externalId: `ltv-b2r-${n}`, refundOf: `ltv-b2-${n}`, amount: 1_000 });
    const cal = await refer(ben.id, 'Cal');
    await event({ type: 'purchase', externalId: `ltv-c1-${n}`, person: { email: cal.email }, amount: 7_000 });
    const net = (await c.req('GET', `/api/v1/people/${ann}/network?depth=3`)).json();
    expect(net.revenue).toEqual({ direct: 14_000, total: 21_000 });
    expect(
      net.referred.map((x: { person: { name: string }; revenue: number; branchRevenue: number }) => [
        x.person.name,
        x.revenue,
        x.branchRevenue,
      ]),
    ).toEqual([
      ['Ben', 14_000, 21_000],
      ['Cal', 7_000, 7_000],
    ]);
  });

  it('moves events and rewards with a merge, so balances follow the person', async () => {
    const p = await program({ terms: { referrerReward: { type: 'credit', amount: 1500 }, holdDays: 0 } });
    const r = await referred(p);
    await event({ type: 'purchase', externalId: 'merge-1', person: { email: r.email }, amount: 100 });
    const twin = await person({ firstName: 'Twin', email: `twin${++n}@example.com` });
    const merged = await c.req('POST', `/api/v1/people/${twin}/merge`, { otherId: r.referrer });
    expect(merged.statusCode, merged.body).toBe(200);
    expect((await wallet(twin)).balances[0]).toMatchObject({ available: 1500 });
    expect((await wallet(r.referrer)).beneficiary.id).toBe(twin);
    const friendTwin = await person({ firstName: 'FriendTwin', email: `ftwin${++n}@example.com` });
    await c.req('POST', `/api/v1/people/${friendTwin}/merge`, { otherId: r.friend });
    const events = (await api('GET', `/api/v1/events?personId=${friendTwin}`)).json();
    expect(events.items.map((e: { externalId: string }) => e.externalId)).toEqual(['merge-1']);
  });

  it('keeps the ledger append-only in the database itself', async () => {
    await expect(t.db.updateTable('ledger_entries').set({ amount: 1 }).execute()).rejects.toThrow(
      /append-only/,
    );
    await expect(t.db.deleteFrom('ledger_entries').execute()).rejects.toThrow(/append-only/);
    await expect(t.db.deleteFrom('ledger_postings').execute()).rejects.toThrow(/append-only/);
  });
});
