import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type Client, type TestApp, testApp } from '../../test/http.ts';
import type { Actor } from '../auth/auth.service.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { createProgram } from '../programs/programs.service.ts';
import { createReferral, issueCoupon } from './referrals.service.ts';

const by = { userId: null, label: 'test' };

describe.each(dialects)('referral pipeline on %s', (dialect) => {
  let t: TestApp;
  let c: Client;
  let actor: Actor;
  let programId: string;
  let rita: string;
  let n = 0;

  const person = async (client: Client, body: object) => {
    const res = await client.req('POST', '/api/v1/people', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const prospect = (first: string) =>
    person(c, { kind: 'prospect', firstName: first, email: `${first.toLowerCase()}${++n}@example.com` });
  const link = async (
    workspaceId: string,
    program: string,
    referrerId: string,
    code: string,
    disabled = false,
  ) =>
    t.db
      .insertInto('referral_links')
      .values({
        workspace_id: workspaceId,
        id: newId(),
        program_id: program,
        referrer_id: referrerId,
        code,
        form_token: newId(),
        disabled_at: disabled ? nowIso() : null,
        created_at: nowIso(),
      })
      // The referrer may have a link already (an introduction email made one): it takes this code.
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'program_id', 'referrer_id'])
          .doUpdateSet({ code, disabled_at: disabled ? nowIso() : null }),
      )
      .execute();
  const enter = (body: object) => c.req('POST', '/api/v1/referrals', body);
  const newReferral = async (friendFirst: string, extra: object = {}) => {
    const res = await enter({
      programId,
      referrer: { personId: rita },
      friend: { firstName: friendFirst, email: `${friendFirst.toLowerCase()}${++n}@example.com` },
      ...extra,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().referral as { id: string; friend: { id: string }; status: string };
  };
  const patch = (id: string, body: object) => c.req('PATCH', `/api/v1/referrals/${id}`, body);

  beforeAll(async () => {
    t = await testApp(dialect);
    c = await t.signIn({ workspaceName: 'Pipeline Clinic' });
    actor = { workspaceId: c.workspaceId, role: 'owner', userId: c.userId, via: 'session' };
    programId = (
      await createProgram(t.db, actor, {
        name: 'Give a massage, get a massage',
        status: 'active',
        terms: { friendIncentive: { type: 'service', description: 'a free 30-minute massage', value: 4500 } },
      })
    ).id;
    rita = await person(c, { firstName: 'Rita', lastName: 'Referrer', email: 'rita@example.com' });
  });
  afterAll(() => t.close());

  it('walks the pipeline and keeps every change on the timeline, with events', async () => {
    const res = await enter({
      programId,
      referrer: { personId: rita },
      friend: { firstName: 'Fred', lastName: 'Friend', email: 'fred@example.com', note: 'bad back' },
      note: 'Rita mentioned Fred at checkout',
    });
    expect(res.statusCode, res.body).toBe(201);
    const { referral } = res.json();
    expect(referral).toMatchObject({ status: 'new', channel: 'staff', referrer: { id: rita } });
    expect(referral.followUpDueAt).not.toBeNull();

    expect((await patch(referral.id, { assignedTo: c.userId })).json().assignedTo).toBe(c.userId);
    expect((await patch(referral.id, { status: 'contacted' })).json().status).toBe('contacted');
    const appt = await patch(referral.id, {
      status: 'appointment',
      appointmentAt: '2030-03-04T10:00:00+01:00',
    });
    expect(appt.json()).toMatchObject({ status: 'appointment', appointmentAt: '2030-03-04T09:00:00.000Z' });
    expect(
      (await c.req('POST', `/api/v1/referrals/${referral.id}/notes`, { note: 'Booked with Dana' }))
        .statusCode,
    ).toBe(201);
    const won = await patch(referral.id, { status: 'won' });
    expect(won.json().wonAt).not.toBeNull();

    const detail = (await c.req('GET', `/api/v1/referrals/${referral.id}`)).json();
    expect(detail.activities.map((a: { kind: string }) => a.kind)).toEqual([
      'created',
      'note',
      'assigned',
      'status',
      'status',
      'note',
      'status',
    ]);
    expect(detail.activities[0].note).toBe('bad back');
    expect(detail.activities.at(-1)).toMatchObject({
      fromStatus: 'appointment',
      toStatus: 'won',
      actor: { id: c.userId, label: expect.stringMatching(/^Staff \d+$/) },
    });
    expect(detail.activities[4].data).toEqual({ appointmentAt: '2030-03-04T09:00:00.000Z' });
    expect(detail.terms.friendIncentive).toMatchObject({ description: 'a free 30-minute massage' });
    expect(detail.coupon).toBeNull();

    const events = await t.db
      .selectFrom('domain_events')
      .select(['type', 'payload'])
      .where('workspace_id', '=', c.workspaceId)
      .where('type', '=', 'referral.status_changed')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const mine = events.map((e) => JSON.parse(e.payload)).filter((p) => p.referralId === referral.id);
    expect(mine.map((p) => [p.from, p.to])).toEqual([
      ['new', 'contacted'],
      ['contacted', 'appointment'],
      ['appointment', 'won'],
    ]);
  });

  it('refuses illegal transitions and asks for the reasons', async () => {
    const r = await newReferral('Gail');
    const lost = await patch(r.id, { status: 'lost' });
    expect(lost.statusCode).toBe(400);
    expect(lost.json().errors[0].path).toBe('lostReason');
    const appt = await patch(r.id, { status: 'appointment' });
    expect(appt.statusCode).toBe(400);
    expect(appt.json().errors[0].path).toBe('appointmentAt');
    expect((await patch(r.id, { status: 'contacted', lostReason: 'x' })).statusCode).toBe(400);
    expect((await patch(r.id, { status: 'lost', lostReason: '   ' })).statusCode).toBe(400);

    expect((await patch(r.id, { status: 'lost', lostReason: 'went elsewhere' })).json()).toMatchObject({
      status: 'lost',
      lostReason: 'went elsewhere',
    });
    const toWon = await patch(r.id, { status: 'won' });
    expect(toWon.statusCode).toBe(409);
    expect(toWon.json().title).toMatch(/only be reopened/);
    // Reopen: back to contacted, the reason stays on the timeline only.
    expect((await patch(r.id, { status: 'contacted' })).json()).toMatchObject({
      status: 'contacted',
      lostReason: null,
    });
    expect((await patch(r.id, { status: 'won' })).statusCode).toBe(200);
    const back = await patch(r.id, { status: 'contacted' });
    expect(back.statusCode).toBe(409);
    expect(back.json().title).toMatch(/only be voided/);
    expect((await patch(r.id, { status: 'void' })).json().errors[0].path).toBe('voidReason');
    expect((await patch(r.id, { status: 'void', voidReason: 'duplicate of Gail G.' })).json()).toMatchObject({
      status: 'void',
      voidReason: 'duplicate of Gail G.',
    });
    const after = await patch(r.id, { status: 'new' });
    expect(after.statusCode).toBe(409);
    expect(after.json().title).toMatch(/final/);
    // The same status again changes nothing.
    expect((await patch(r.id, { status: 'void' })).statusCode).toBe(200);
    const kinds = (await c.req('GET', `/api/v1/referrals/${r.id}`))
      .json()
      .activities.filter((a: { kind: string }) => a.kind === 'status');
    expect(kinds.map((a: { toStatus: string }) => a.toStatus)).toEqual(['lost', 'contacted', 'won', 'void']);
  });

  it('assigns only members of the workspace', async () => {
    const r = await newReferral('Hank');
    const other = await t.signIn();
    const res = await patch(r.id, { assignedTo: other.userId });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('assignedTo');
    expect((await patch(r.id, { assignedTo: c.userId })).statusCode).toBe(200);
    const mine = (await c.req('GET', '/api/v1/referrals?assignedTo=me')).json();
    expect(mine.items.map((i: { id: string }) => i.id)).toContain(r.id);
    expect((await patch(r.id, { assignedTo: null })).json().assignedTo).toBeNull();
    const none = (await c.req('GET', '/api/v1/referrals?assignedTo=none&pageSize=500')).json();
    expect(none.items.map((i: { id: string }) => i.id)).toContain(r.id);
  });

  it('does not let staff contact a named friend before the introduction', async () => {
    const friend = await prospect('Nina');
    const { referral } = await createReferral(t.db, c.workspaceId, by, {
      programId,
      referrerId: rita,
      channel: 'named_by_referrer',
      friend: { personId: friend },
    });
    expect(referral.waitingForIntroduction).toBe(true);
    // Waiting friends are never overdue, even with a due time in the past.
    await patch(referral.id, { followUpDueAt: '2020-01-01T00:00:00Z' });
    const overdue = (await c.req('GET', '/api/v1/referrals?overdue=true&pageSize=500')).json();
    expect(overdue.items.map((i: { id: string }) => i.id)).not.toContain(referral.id);
    const waiting = (await c.req('GET', '/api/v1/referrals?waiting=true')).json();
    expect(waiting.items.map((i: { id: string }) => i.id)).toEqual([referral.id]);

    for (const status of ['contacted', 'appointment']) {
      const res = await patch(referral.id, { status, appointmentAt: '2030-01-01T09:00:00Z' });
      expect(res.statusCode).toBe(409);
      expect(res.json().title).toBe(
        'Nina was named by Rita Referrer but not introduced yet and has not opted in: ask Rita Referrer to introduce you, or record that they opted in',
      );
    }
    const intro = await c.req('POST', `/api/v1/referrals/${referral.id}/introduced`, {
      note: 'told her Tuesday',
    });
    expect(intro.json()).toMatchObject({ waitingForIntroduction: false, overdue: true });
    expect((await patch(referral.id, { status: 'contacted' })).json().status).toBe('contacted');

    // The other way: the friend opts in, and their consent is recorded.
    const other = await prospect('Olga');
    const second = await createReferral(t.db, c.workspaceId, by, {
      programId,
      referrerId: rita,
      channel: 'named_by_referrer',
      friend: { personId: other },
    });
    const opted = await c.req('POST', `/api/v1/referrals/${second.referral.id}/opted-in`, {
      source: 'phoned us',
    });
    expect(opted.json().friendOptInAt).not.toBeNull();
    expect((await c.req('GET', `/api/v1/people/${other}`)).json().marketingConsent).toMatchObject({
      source: 'phoned us',
    });
    expect((await patch(second.referral.id, { status: 'contacted' })).statusCode).toBe(200);
    const kinds = (await c.req('GET', `/api/v1/referrals/${second.referral.id}`))
      .json()
      .activities.map((a: { kind: string }) => a.kind);
    expect(kinds).toEqual(['created', 'opted_in', 'status']);
  });

  it('lists overdue follow-ups', async () => {
    const late = await newReferral('Lara');
    const onTime = await newReferral('Otto');
    const booked = await newReferral('Bea');
    await patch(late.id, { followUpDueAt: '2021-05-01T09:00:00Z' });
    await patch(booked.id, { followUpDueAt: '2021-05-01T08:00:00Z' });
    await patch(booked.id, { status: 'appointment', appointmentAt: '2030-01-01T09:00:00Z' });
    const res = await c.req('GET', '/api/v1/referrals?overdue=true&sort=due');
    expect(res.statusCode, res.body).toBe(200);
    const ids = res.json().items.map((i: { id: string }) => i.id);
    expect(ids).toContain(late.id);
    expect(ids).not.toContain(onTime.id);
    expect(ids).not.toContain(booked.id);
    expect(res.json().items.every((i: { overdue: boolean }) => i.overdue)).toBe(true);
    const notOverdue = (await c.req('GET', '/api/v1/referrals?overdue=false&pageSize=500')).json();
    expect(notOverdue.items.map((i: { id: string }) => i.id)).toContain(onTime.id);
    expect(notOverdue.items.map((i: { id: string }) => i.id)).not.toContain(late.id);
    // The timeline shows the moved follow-up.
    const detail = (await c.req('GET', `/api/v1/referrals/${late.id}`)).json();
    expect(detail.activities.at(-1)).toMatchObject({
      kind: 'follow_up',
      data: { to: '2021-05-01T09:00:00.000Z' },
    });
  });

  it('filters and searches the list', async () => {
    const r = await newReferral('Quentin');
    const byName = (await c.req('GET', '/api/v1/referrals?q=quent')).json();
    expect(byName.items.map((i: { id: string }) => i.id)).toEqual([r.id]);
    const byReferrer = (await c.req('GET', `/api/v1/referrals?q=rita%20referrer&referrerId=${rita}`)).json();
    expect(byReferrer.total).toBeGreaterThan(3);
    const multi = await c.req('GET', '/api/v1/referrals?status=won&status=void&pageSize=500');
    expect(multi.statusCode, multi.body).toBe(200);
    expect(
      multi.json().items.every((i: { status: string }) => ['won', 'void'].includes(i.status)) &&
        multi.json().total >= 2,
    ).toBe(true);
    const page = (await c.req('GET', '/api/v1/referrals?pageSize=2&page=2&sort=created')).json();
    expect(page).toMatchObject({ page: 2, pageSize: 2 });
    expect(page.items).toHaveLength(2);
    expect((await c.req('GET', '/api/v1/referrals?status=maybe')).statusCode).toBe(400);
  });

  it('flags stay until a person clears them', async () => {
    const friend = await prospect('Flo');
    const { referral } = await createReferral(t.db, c.workspaceId, by, {
      programId,
      referrerId: rita,
      channel: 'link',
      friend: { personId: friend },
      flag: '9 clicks from one visitor within a minute',
    });
    const flagged = (await c.req('GET', '/api/v1/referrals?flagged=true')).json();
    expect(flagged.items.map((i: { id: string }) => i.id)).toEqual([referral.id]);
    // Front-desk staff see the flag but leave the judgement to a manager.
    const desk = await t.signIn({ role: 'staff' });
    await t.db
      .insertInto('memberships')
      .values({ workspace_id: c.workspaceId, user_id: desk.userId, role: 'staff', created_at: nowIso() })
      .execute();
    const asDesk = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/switch',
      headers: { cookie: desk.cookie, 'x-csrf-token': desk.csrf },
      payload: { workspace: c.workspaceId },
    });
    const deskHeaders = {
      cookie: `vouch_session=${asDesk.cookies[0]!.value}`,
      'x-csrf-token': asDesk.json().csrfToken,
    };
    for (const [url, payload] of [
      [`/api/v1/referrals/${referral.id}/flag/clear`, undefined],
      [`/api/v1/referrals/${referral.id}`, { status: 'void', voidReason: 'looks fake' }],
    ] as const) {
      const res = await t.app.inject({
        method: payload ? 'PATCH' : 'POST',
        url,
        headers: deskHeaders,
        ...(payload ? { payload } : {}),
      });
      expect(res.statusCode, url).toBe(403);
    }
    const cleared = await c.req('POST', `/api/v1/referrals/${referral.id}/flag/clear`, {
      note: 'her family',
    });
    expect(cleared.json().flag).toBeNull();
    // Needs no body; clearing twice changes nothing.
    expect((await c.req('POST', `/api/v1/referrals/${referral.id}/flag/clear`)).json().flag).toBeNull();
    const last = (await c.req('GET', `/api/v1/referrals/${referral.id}`)).json().activities.at(-1);
    expect(last).toMatchObject({
      kind: 'flagged',
      data: { cleared: '9 clicks from one visitor within a minute' },
    });
    expect(last.note).toMatch(/^cleared by Staff \d+: her family$/);
    expect((await c.req('GET', '/api/v1/referrals?flagged=true')).json().total).toBe(0);
  });

  describe('staff entry', () => {
    it('takes a code typed in lower case with spaces, and the code’s program', async () => {
      const partner = await person(c, {
        kind: 'partner',
        organisation: 'Pat Accounting',
        email: 'pat@example.com',
      });
      await link(c.workspaceId, programId, rita, 'K7Q4MXP2');
      await link(c.workspaceId, programId, partner, 'PATP4RT9');
      const res = await enter({
        referrer: { code: ' k7q4 mxp2 ' },
        friend: { firstName: 'Tom', phone: '217-555-0199' },
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().referral).toMatchObject({ programId, channel: 'staff', referrer: { id: rita } });
      const fromPartner = await enter({ referrer: { code: 'patp-4rt9' }, friend: { firstName: 'Uma' } });
      expect(fromPartner.json().referral).toMatchObject({ channel: 'partner', referrer: { id: partner } });
    });

    it('refuses unknown, disabled, mistyped codes and codes of another workspace', async () => {
      const b = await t.signIn({ workspaceName: 'Other Clinic' });
      const bActor: Actor = { workspaceId: b.workspaceId, role: 'owner', userId: b.userId, via: 'session' };
      const bProgram = (await createProgram(t.db, bActor, { name: 'B program', status: 'active' })).id;
      const bRef = await person(b, { firstName: 'Bert', email: 'bert@example.com' });
      await link(b.workspaceId, bProgram, bRef, 'BBBB2345');
      await link(c.workspaceId, programId, await prospect('Dora'), 'DDDD2345', true);

      const foreign = await enter({ referrer: { code: 'bbbb2345' }, friend: { firstName: 'Vic' } });
      expect(foreign.statusCode).toBe(404);
      expect(foreign.body).not.toContain('Bert');
      expect((await enter({ referrer: { code: 'ZZZZ2345' }, friend: { firstName: 'Vic' } })).statusCode).toBe(
        404,
      );
      const disabled = await enter({ referrer: { code: 'dddd2345' }, friend: { firstName: 'Vic' } });
      expect(disabled.statusCode).toBe(422);
      expect(disabled.json().title).toMatch(/disabled/);
      const typo = await enter({ referrer: { code: 'K7Q4-MXPO' }, friend: { firstName: 'Vic' } });
      expect(typo.statusCode).toBe(400);
      expect(typo.json().errors[0].path).toBe('referrer.code');
      expect(
        (await enter({ programId: bProgram, referrer: { personId: rita }, friend: { firstName: 'Vic' } }))
          .statusCode,
      ).toBe(404);
      expect(
        (await enter({ programId, referrer: { personId: bRef }, friend: { firstName: 'Vic' } })).statusCode,
      ).toBe(404);
      expect((await enter({ referrer: { personId: rita }, friend: { firstName: 'Vic' } })).statusCode).toBe(
        400,
      );
      expect(await t.db.selectFrom('people').select('id').where('first_name', '=', 'Vic').execute()).toEqual(
        [],
      );
    });

    it('refuses a referrer naming themselves and a friend who is already a customer', async () => {
      const self = await enter({
        programId,
        referrer: { personId: rita },
        friend: { firstName: 'R', email: 'RITA@example.com' },
      });
      expect(self.statusCode).toBe(422);
      expect(self.json().title).toMatch(/refer yourself/);
      await person(c, { firstName: 'Carl', email: 'carl@example.com' });
      const customer = await enter({
        programId,
        referrer: { personId: rita },
        friend: { email: 'carl@example.com' },
      });
      expect(customer.statusCode).toBe(409);
      expect(customer.json().title).toBe('Carl is already a customer, so they cannot be referred');
    });

    it('keeps the first referrer and says so', async () => {
      const first = await newReferral('Wanda');
      const other = await person(c, { firstName: 'Otis', email: 'otis@example.com' });
      const again = await enter({
        programId,
        referrer: { personId: other },
        friend: { personId: first.friend.id },
      });
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({
        created: false,
        referral: { id: first.id, referrer: { id: rita } },
      });
      // The friend at the desk agreeing to be contacted still counts for the first referral.
      const consent = await enter({
        programId,
        referrer: { personId: other },
        friend: { personId: first.friend.id },
        friendOptIn: true,
      });
      expect(consent.json().referral.friendOptInAt).not.toBeNull();
      expect(again.json().message).toMatch(
        /already referred in this program by Rita Referrer .* first referrer keeps/,
      );
    });

    it('records the introduction and the friend’s consent given at the desk', async () => {
      const res = await enter({
        programId,
        referrer: { personId: rita },
        friend: { firstName: 'Yara', email: 'yara@example.com' },
        channel: 'how_heard',
        friendOptIn: true,
        introduced: true,
      });
      expect(res.json().referral).toMatchObject({ channel: 'how_heard', waitingForIntroduction: false });
      expect(res.json().referral.friendOptInAt).not.toBeNull();
      expect(res.json().referral.introducedAt).not.toBeNull();
    });
  });

  describe('coupons at the counter', () => {
    it('redeems once; a second time says when and by whom; an expired coupon is refused', async () => {
      const r = await newReferral('Zoe');
      const full = (await c.req('GET', `/api/v1/referrals/${r.id}`)).json().referral;
      const coupon = await issueCoupon(
        t.db,
        c.workspaceId,
        full,
        { type: 'gift', description: 'tea', value: 500 },
        30,
      );
      const typed = `${coupon.code.slice(0, 5).toLowerCase()} ${coupon.code.slice(5)}`;
      const look = await c.req('GET', `/api/v1/coupons/${encodeURIComponent(typed)}`);
      expect(look.statusCode, look.body).toBe(200);
      expect(look.json()).toMatchObject({
        code: coupon.code,
        friend: { name: 'Zoe' },
        referral: { id: r.id, referrerName: 'Rita Referrer' },
        incentive: { type: 'gift', description: 'tea' },
        redeemedAt: null,
        expired: false,
      });
      const once = await c.req('POST', `/api/v1/coupons/${coupon.code}/redeem`, {});
      expect(once.statusCode, once.body).toBe(200);
      expect(once.json().redeemedBy).toMatch(/^Staff \d+$/);
      const twice = await c.req('POST', `/api/v1/coupons/${coupon.code}/redeem`, {});
      expect(twice.statusCode).toBe(409);
      expect(twice.json().title).toMatch(/already redeemed on \d{4}-\d\d-\d\d \d\d:\d\d UTC by Staff \d+/);
      const timeline = (await c.req('GET', `/api/v1/referrals/${r.id}`)).json();
      expect(timeline.activities.filter((a: { kind: string }) => a.kind === 'coupon_redeemed')).toHaveLength(
        1,
      );
      expect(timeline.coupon).toMatchObject({ code: coupon.code, redeemedAt: once.json().redeemedAt });

      const old = (await c.req('GET', `/api/v1/referrals/${(await newReferral('Yuri')).id}`)).json().referral;
      const expired = await issueCoupon(t.db, c.workspaceId, old, null, 30);
      await t.db
        .updateTable('coupons')
        .set({ expires_at: '2020-01-01T00:00:00.000Z' })
        .where('id', '=', expired.id)
        .execute();
      const late = await c.req('POST', `/api/v1/coupons/${expired.code}/redeem`, {});
      expect(late.statusCode).toBe(422);
      expect(late.json().title).toBe(`Coupon ${expired.code} expired on 2020-01-01`);
      expect((await c.req('GET', '/api/v1/coupons/NOPE2345')).statusCode).toBe(404);
      expect((await c.req('GET', '/api/v1/coupons/0000-1111')).statusCode).toBe(404);
    });
  });

  it('shows the network: the chain up to the source and the tree down', async () => {
    const a = await person(c, { firstName: 'Ada', email: 'ada@example.com' });
    const b = await prospect('Ben');
    const cc = await prospect('Cy');
    const d = await prospect('Di');
    const e = await prospect('Ed');
    const refer = (referrerId: string, friendId: string) =>
      createReferral(t.db, c.workspaceId, by, {
        programId,
        referrerId,
        channel: 'staff',
        friend: { personId: friendId },
      });
    const ab = (await refer(a, b)).referral;
    await refer(b, cc);
    const cd = (await refer(cc, d)).referral;
    await refer(a, e);
    await patch(cd.id, { status: 'won' });

    const down = await c.req('GET', `/api/v1/people/${a}/network?depth=3`);
    expect(down.statusCode, down.body).toBe(200);
    const net = down.json();
    expect(net.person).toMatchObject({ id: a, name: 'Ada', kind: 'customer' });
    expect(net.counts).toEqual({ referred: 2, won: 0 });
    expect(net.referredBy).toEqual([]);
    type Node = { generation: number; referrerId: string; person: { id: string; name: string } };
    expect(net.referred.map((x: Node) => [x.generation, x.person.name, x.referrerId])).toEqual([
      [1, 'Ben', a],
      [1, 'Ed', a],
      [2, 'Cy', b],
      [3, 'Di', cc],
    ]);
    expect(net.referred[0]).toMatchObject({
      referral: { id: ab.id, status: 'new' },
      counts: { referred: 1, won: 0 },
    });
    expect(net.referred[2].counts).toEqual({ referred: 1, won: 1 });
    expect(net.referred[3]).toMatchObject({ referral: { id: cd.id, status: 'won' }, repeated: false });

    const shallow = (await c.req('GET', `/api/v1/people/${a}/network?depth=1`)).json();
    expect(shallow.referred.map((x: Node) => x.person.name)).toEqual(['Ben', 'Ed']);
    expect(shallow.referred[0].counts).toEqual({ referred: 1, won: 0 });

    const up = (await c.req('GET', `/api/v1/people/${d}/network`)).json();
    expect(up.referredBy.map((x: { person: { name: string } }) => x.person.name)).toEqual([
      'Cy',
      'Ben',
      'Ada',
    ]);
    expect(up.referred).toEqual([]);

    // A cycle (Di refers Ada in another program) ends the chain and is not expanded twice.
    const other = (await createProgram(t.db, actor, { name: 'Second', status: 'active' })).id;
    await t.db.updateTable('people').set({ kind: 'prospect' }).where('id', '=', a).execute();
    await createReferral(t.db, c.workspaceId, by, {
      programId: other,
      referrerId: d,
      channel: 'staff',
      friend: { personId: a },
    });
    const cyc = (await c.req('GET', `/api/v1/people/${a}/network?depth=6`)).json();
    expect(cyc.referredBy.map((x: { person: { name: string } }) => x.person.name)).toEqual([
      'Di',
      'Cy',
      'Ben',
    ]);
    expect(
      cyc.referred.map((x: Node & { repeated: boolean }) => [x.generation, x.person.name, x.repeated]),
    ).toEqual([
      [1, 'Ben', false],
      [1, 'Ed', false],
      [2, 'Cy', false],
      [3, 'Di', false],
      [4, 'Ada', true],
    ]);
    expect((await c.req('GET', `/api/v1/people/${newId()}/network`)).statusCode).toBe(404);
    expect((await c.req('GET', `/api/v1/people/${a}/network?depth=7`)).statusCode).toBe(400);
  });

  describe('intake matches', () => {
    const addMatch = async (friendId: string, candidates: object[]) => {
      const id = newId();
      await t.db
        .insertInto('intake_matches')
        .values({
          workspace_id: c.workspaceId,
          id,
          person_id: friendId,
          program_id: programId,
          referred_by_text: 'my friend Rita',
          candidates: JSON.stringify(candidates),
          resolved_at: null,
          referral_id: null,
          created_at: nowIso(),
        })
        .execute();
      return id;
    };

    it('lists open matches; confirming makes the referral once; dismissing closes', async () => {
      const friend = await prospect('Ivy');
      const id = await addMatch(friend, [{ personId: rita, name: 'Rita Referrer', score: 0.8 }]);
      const open = (await c.req('GET', '/api/v1/intake-matches?open=true')).json();
      expect(open.items.map((m: { id: string }) => m.id)).toContain(id);
      expect(open.items.find((m: { id: string }) => m.id === id)).toMatchObject({
        state: 'open',
        person: { id: friend, name: 'Ivy' },
        referredByText: 'my friend Rita',
        candidates: [{ personId: rita, name: 'Rita Referrer', score: 0.8 }],
      });

      const ok = await c.req('POST', `/api/v1/intake-matches/${id}/confirm`, { referrerId: rita });
      expect(ok.statusCode, ok.body).toBe(201);
      expect(ok.json()).toMatchObject({
        created: true,
        match: { state: 'confirmed' },
        referral: {
          channel: 'how_heard',
          referrer: { id: rita },
          friend: { id: friend },
          waitingForIntroduction: false,
        },
      });
      expect(ok.json().referral.friendOptInAt).not.toBeNull();
      expect(
        (await c.req('POST', `/api/v1/intake-matches/${id}/confirm`, { referrerId: rita })).statusCode,
      ).toBe(409);
      expect(
        (await c.req('GET', '/api/v1/intake-matches?open=true'))
          .json()
          .items.map((m: { id: string }) => m.id),
      ).not.toContain(id);

      const self = await addMatch(rita, []);
      expect(
        (await c.req('POST', `/api/v1/intake-matches/${self}/confirm`, { referrerId: rita })).statusCode,
      ).toBe(422);
      const dismissed = await c.req('POST', `/api/v1/intake-matches/${self}/dismiss`);
      expect(dismissed.statusCode, dismissed.body).toBe(200);
      expect(dismissed.json()).toMatchObject({ state: 'dismissed', referralId: null });
      expect((await c.req('POST', `/api/v1/intake-matches/${self}/dismiss`)).statusCode).toBe(409);
    });
  });

  it('documents every route in OpenAPI', async () => {
    const spec = t.app.swagger() as { paths: Record<string, object> };
    for (const p of [
      '/api/v1/referrals',
      '/api/v1/referrals/{id}',
      '/api/v1/referrals/{id}/introduced',
      '/api/v1/referrals/{id}/opted-in',
      '/api/v1/referrals/{id}/notes',
      '/api/v1/referrals/{id}/flag/clear',
      '/api/v1/people/{id}/network',
      '/api/v1/coupons/{code}',
      '/api/v1/coupons/{code}/redeem',
      '/api/v1/intake-matches',
      '/api/v1/intake-matches/{id}/confirm',
      '/api/v1/intake-matches/{id}/dismiss',
    ])
      expect(spec.paths, p).toHaveProperty([p]);
    // Every schema is inline: no reference to a component that is not there.
    const refs = JSON.stringify(spec).match(/"\$ref":"[^"]*"/g) ?? [];
    expect(refs.filter((r) => r.includes('/schemas/'))).toEqual([]);
  });
});
