import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type Client, type TestApp, testApp } from '../../test/http.ts';
import type { Actor } from '../auth/auth.service.ts';
import { addMember, createUser } from '../auth/auth.service.ts';
import { newId } from '../lib/ids.ts';
import { createProgram } from '../programs/programs.service.ts';
import { askMoment, COOLING_OFF_DAYS, defaultQuestion, ordinal } from './asks.service.ts';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

it('ordinals', () => {
  expect([1, 2, 3, 4, 5, 10, 11, 12, 13, 21, 22, 23, 101, 111].map(ordinal)).toEqual([
    '1st',
    '2nd',
    '3rd',
    '4th',
    '5th',
    '10th',
    '11th',
    '12th',
    '13th',
    '21st',
    '22nd',
    '23rd',
    '101st',
    '111th',
  ]);
});

describe.each(dialects)('asks on %s', (dialect) => {
  let t: TestApp;
  /** The owner, who set up the program. */
  let owner: Client;
  /** A front-desk staff member of the same workspace. */
  let desk: Client;
  let programId: string;
  let n = 0;

  const person = async (body: object = {}) => {
    const i = ++n;
    const res = await owner.req('POST', '/api/v1/people', {
      firstName: `Cora${i}`,
      lastName: 'Client',
      email: `cora${i}@example.com`,
      ...body,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const event = async (personId: string, type: 'visit' | 'purchase', occurredAt?: string) => {
    const res = await desk.req('POST', '/api/v1/events', {
      type,
      source: 'front-desk',
      externalId: newId(),
      person: { id: personId },
      ...(type === 'purchase' ? { amount: 5000 } : {}),
      ...(occurredAt ? { occurredAt } : {}),
    });
    expect(res.statusCode, res.body).toBe(201);
  };
  const moment = async (c: Client, personId: string) => {
    const res = await c.req('GET', `/api/v1/people/${personId}/ask-moment`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const pastAsk = (personId: string, outcome: 'asked' | 'not_now' | 'declined', daysAgo: number) =>
    t.db
      .insertInto('asks')
      .values({
        workspace_id: owner.workspaceId,
        id: newId(),
        person_id: personId,
        program_id: programId,
        staff_user_id: desk.userId,
        reason: 'visit today',
        question: 'Who do you know?',
        channel: 'front_desk',
        outcome,
        names_count: 0,
        due_at: ago(daysAgo),
        done_at: ago(daysAgo),
        created_at: ago(daysAgo),
      })
      .execute();

  beforeAll(async () => {
    t = await testApp(dialect);
    owner = await t.signIn({ workspaceName: 'Asking Clinic' });
    const actor: Actor = {
      workspaceId: owner.workspaceId,
      role: 'owner',
      userId: owner.userId,
      via: 'session',
    };
    programId = (
      await createProgram(t.db, actor, {
        name: 'Share the relief',
        status: 'active',
        leadingQuestions: ['Who do you know with lower back pain?', 'Who at your work sits all day?'],
      })
    ).id;
    // A front-desk member of the same clinic, signed in with the staff role.
    const email = `desk-${Date.now()}@example.com`;
    const user = await createUser(t.db, { email, name: 'Jamie Desk', password: 'correct horse battery' });
    await addMember(t.db, owner.workspaceId, user.id, 'staff');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email, password: 'correct horse battery' },
    });
    const cookie = res.cookies.find((c) => c.name === 'vouch_session')!;
    desk = {
      workspaceId: owner.workspaceId,
      userId: user.id,
      email,
      csrf: res.json().csrfToken,
      cookie: `vouch_session=${cookie.value}`,
      req: (method, url, body) =>
        t.app.inject({
          method: method as 'GET',
          url,
          headers: { cookie: desk.cookie, 'x-csrf-token': desk.csrf },
          ...(body === undefined ? {} : { payload: body as object }),
        }),
    };
  });
  afterAll(() => t.close());

  it('the third visit is a good moment, with the program’s leading question', async () => {
    const p = await person();
    await event(p, 'visit', ago(40));
    await event(p, 'purchase', ago(12));
    expect(await moment(desk, p)).toMatchObject({
      good: false,
      reason: 'no visit or purchase today',
      visits: 2,
      purchases: 1,
    });
    await event(p, 'visit');
    expect(await moment(desk, p)).toEqual({
      good: true,
      reason: '3rd visit',
      question: 'Who do you know with lower back pain?',
      programId,
      askId: null,
      lastAskedAt: null,
      coolingOffUntil: null,
      visits: 3,
      purchases: 1,
    });
    // A second event the same day is the same visit.
    await event(p, 'purchase');
    expect(await moment(desk, p)).toMatchObject({ good: true, reason: '3rd visit', visits: 3, purchases: 2 });
  });

  it('a first purchase and a plain visit are good moments too; nothing on record is not', async () => {
    const first = await person();
    expect(await moment(desk, first)).toMatchObject({ good: false, reason: 'no visit or purchase yet' });
    await event(first, 'purchase');
    expect(await moment(desk, first)).toMatchObject({ good: true, reason: 'first purchase' });
    const regular = await person();
    await event(regular, 'purchase', ago(30));
    await event(regular, 'visit');
    expect(await moment(desk, regular)).toMatchObject({ good: true, reason: 'visit today' });
    await event(regular, 'purchase');
    expect(await moment(desk, regular)).toMatchObject({ good: true, reason: 'purchase today' });
  });

  it('someone asked 10 days ago is cooling off; a "not now" does not count; after 60 days they may be asked', async () => {
    const p = await person();
    await event(p, 'visit', ago(20));
    await event(p, 'visit', ago(5));
    await event(p, 'visit');
    await pastAsk(p, 'asked', 10);
    await pastAsk(p, 'not_now', 1);
    const m = await moment(desk, p);
    expect(m).toMatchObject({ good: false, reason: 'asked 10 days ago' });
    expect(Date.parse(m.coolingOffUntil) - Date.parse(m.lastAskedAt)).toBe(COOLING_OFF_DAYS * DAY);
    expect(Math.abs(Date.parse(m.lastAskedAt) - Date.parse(ago(10)))).toBeLessThan(60_000);
    // The question takes turns: they were asked once, so the second one comes up.
    expect(m.question).toBe('Who at your work sits all day?');
    // 61 days on, the same history is a good moment again.
    const later = await askMoment(t.db, owner.workspaceId, p, new Date(Date.now() + 51 * DAY));
    expect(later).toMatchObject({ lastAskedAt: m.lastAskedAt });
    expect(later.reason).not.toMatch(/asked/);
  });

  it('someone who does not want to be contacted is never a good moment', async () => {
    const p = await person({ doNotContact: true });
    await event(p, 'visit', ago(3));
    await event(p, 'visit', ago(2));
    await event(p, 'visit');
    expect(await moment(desk, p)).toMatchObject({ good: false, reason: 'do not contact' });
  });

  it('without an open program there is no good moment, and the question is the brain tickler', async () => {
    const other = await t.signIn({ workspaceName: 'No Program Studio' });
    const res = await other.req('POST', '/api/v1/people', { firstName: 'Lone', email: 'lone@example.com' });
    const p = res.json().id;
    await other.req('POST', '/api/v1/events', {
      type: 'visit',
      externalId: 'v1',
      person: { id: p },
    });
    expect(await moment(other, p)).toMatchObject({
      good: false,
      reason: 'no program is taking referrals',
      programId: null,
      question: defaultQuestion('No Program Studio'),
    });
    // Names cannot be kept without a program.
    const refused = await other.req('POST', '/api/v1/asks', {
      personId: p,
      outcome: 'got_names',
      names: [{ name: 'Nina Friend' }],
    });
    expect(refused.statusCode, refused.body).toBe(422);
    expect(refused.json().errors).toEqual([{ path: 'programId', message: 'no open program' }]);
  });

  it('staff record an ask with names: each becomes a referral named by the person asked, entered by them', async () => {
    const p = await person({ firstName: 'Rita', lastName: 'Referrer', email: 'rita@example.com' });
    await person({ firstName: 'Carl', lastName: 'Customer', email: 'carl@example.com' });
    await event(p, 'visit', ago(9));
    await event(p, 'visit', ago(4));
    await event(p, 'visit');
    const res = await desk.req('POST', '/api/v1/asks', {
      personId: p,
      outcome: 'got_names',
      names: [
        { name: 'Fiona Friend', phone: '(217) 555-0199' },
        { name: 'Gus Golfer', email: 'gus@example.com' },
        { name: 'Carl Customer', email: 'carl@example.com' },
        { name: 'Rita again', email: 'RITA@example.com' },
      ],
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.ask).toMatchObject({
      personId: p,
      personName: 'Rita Referrer',
      programId,
      staffUserId: desk.userId,
      staffName: 'Jamie Desk',
      reason: '3rd visit',
      question: 'Who do you know with lower back pain?',
      channel: 'front_desk',
      outcome: 'got_names',
      namesCount: 4,
    });
    expect(body.ask.doneAt).toBe(body.ask.createdAt);
    expect(body.names.map((x: { status: string; note: string }) => [x.status, x.note])).toEqual([
      ['added', 'waiting for an introduction'],
      ['added', 'waiting for an introduction'],
      ['not_added', 'already a customer'],
      ['not_added', 'the person asked'],
    ]);
    const referrals = (await desk.req('GET', `/api/v1/referrals?referrerId=${p}&sort=created`)).json().items;
    expect(referrals).toHaveLength(2);
    expect(referrals.map((r: { friend: { name: string } }) => r.friend.name)).toEqual([
      'Fiona Friend',
      'Gus Golfer',
    ]);
    for (const r of referrals) {
      expect(r).toMatchObject({
        channel: 'named_by_referrer',
        programId,
        status: 'new',
        waitingForIntroduction: true,
      });
    }
    const rows = await t.db
      .selectFrom('referrals')
      .select(['created_by'])
      .where('workspace_id', '=', owner.workspaceId)
      .where('referrer_id', '=', p)
      .execute();
    expect(rows.map((r) => r.created_by)).toEqual([desk.userId, desk.userId]);
    const detail = (await desk.req('GET', `/api/v1/referrals/${body.names[0].referralId}`)).json();
    expect(detail.activities[0]).toMatchObject({
      kind: 'created',
      actor: { id: desk.userId, label: 'Jamie Desk' },
    });

    // Asked now: not again for 60 days; the list shows the ask.
    expect(await moment(desk, p)).toMatchObject({
      good: false,
      reason: 'asked today',
      lastAskedAt: body.ask.doneAt,
    });
    const list = (await desk.req('GET', `/api/v1/asks?personId=${p}`)).json();
    expect(list).toMatchObject({ total: 1, page: 1, items: [{ id: body.ask.id, namesCount: 4 }] });
    const byStaff = (
      await owner.req('GET', `/api/v1/asks?staffUserId=${desk.userId}&outcome=got_names`)
    ).json();
    expect(byStaff.items.map((a: { id: string }) => a.id)).toContain(body.ask.id);
    const none = (await owner.req('GET', `/api/v1/asks?staffUserId=${owner.userId}`)).json();
    expect(none.total).toBe(0);
    const window = (
      await owner.req(
        'GET',
        `/api/v1/asks?from=${encodeURIComponent(ago(1))}&to=${encodeURIComponent(ago(-1))}&pageSize=1`,
      )
    ).json();
    expect(window).toMatchObject({ pageSize: 1, items: [{ id: body.ask.id }] });
    expect(
      (await owner.req('GET', `/api/v1/asks?personId=${p}&to=${encodeURIComponent(ago(1))}`)).json().items,
    ).toEqual([]);

    // Naming the same friend again keeps the one referral.
    const again = await desk.req('POST', '/api/v1/asks', {
      personId: p,
      outcome: 'got_names',
      names: [{ name: 'Gus Golfer', email: 'gus@example.com' }],
    });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json().names[0]).toMatchObject({
      status: 'already_referred',
      note: 'already named by them',
    });
  });

  it('an ask without names and a "not now" are recorded; "not now" leaves the moment good', async () => {
    const p = await person();
    await event(p, 'purchase');
    const notNow = await desk.req('POST', '/api/v1/asks', { personId: p, outcome: 'not_now' });
    expect(notNow.statusCode, notNow.body).toBe(201);
    expect(notNow.json()).toMatchObject({
      ask: { outcome: 'not_now', reason: 'first purchase', namesCount: 0 },
    });
    expect(await moment(desk, p)).toMatchObject({ good: true, lastAskedAt: null });
    const declined = await desk.req('POST', '/api/v1/asks', {
      personId: p,
      outcome: 'declined',
      reason: 'after her adjustment',
      question: 'Who at church has a bad back?',
    });
    expect(declined.json().ask).toMatchObject({
      reason: 'after her adjustment',
      question: 'Who at church has a bad back?',
    });
    expect(await moment(desk, p)).toMatchObject({ good: false, reason: 'asked today' });
  });

  it('refuses bad input naming the field, and saves nothing of a refused ask', async () => {
    const p = await person();
    const errors = async (body: object) => {
      const res = await desk.req('POST', '/api/v1/asks', body);
      expect(res.statusCode, res.body).toBe(400);
      return res.json().errors.map((e: { path: string }) => e.path);
    };
    expect(await errors({ personId: p })).toEqual(['body.outcome']);
    expect(await errors({ personId: 'nope', outcome: 'asked' })).toEqual(['body.personId']);
    expect(await errors({ personId: p, outcome: 'got_names' })).toEqual(['body.names']);
    expect(await errors({ personId: p, outcome: 'declined', names: [{ name: 'Zed' }] })).toEqual([
      'body.names',
    ]);
    expect(
      await errors({
        personId: p,
        outcome: 'got_names',
        names: Array.from({ length: 5 }, (_, i) => ({ name: `N${i}` })),
      }),
    ).toEqual(['body.names']);
    expect(await errors({ personId: p, outcome: 'got_names', names: [{ name: ' ' }] })).toEqual([
      'body.names.0.name',
    ]);
    // A bad email on the second name: the field is named, and the first name is not kept either.
    const res = await desk.req('POST', '/api/v1/asks', {
      personId: p,
      outcome: 'got_names',
      names: [
        { name: 'Olga Okay', email: 'olga@example.com' },
        { name: 'Bad Email', email: 'not-an-email' },
      ],
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(['names.1.email']);
    expect(res.json().title).toMatch(/names\.1\.email/);
    expect((await desk.req('GET', `/api/v1/asks?personId=${p}`)).json().total).toBe(0);
    expect((await desk.req('GET', `/api/v1/referrals?referrerId=${p}`)).json().total).toBe(0);
    expect((await desk.req('GET', '/api/v1/people?q=olga')).json().total).toBe(0);
    expect((await desk.req('GET', '/api/v1/asks?outcome=maybe')).statusCode).toBe(400);
  });

  it('a merge moves asks to the survivor', async () => {
    const keep = await person();
    const other = await person();
    await pastAsk(other, 'asked', 3);
    const res = await owner.req('POST', `/api/v1/people/${keep}/merge`, { otherId: other });
    expect(res.statusCode, res.body).toBe(200);
    expect((await desk.req('GET', `/api/v1/asks?personId=${keep}`)).json().total).toBe(1);
    expect(await moment(desk, other)).toMatchObject({ reason: 'asked 3 days ago' });
  });

  it('keeps each workspace to itself', async () => {
    const p = await person();
    await desk.req('POST', '/api/v1/asks', { personId: p, outcome: 'asked' });
    const stranger = await t.signIn({ workspaceName: 'Elsewhere Spa' });
    expect((await stranger.req('GET', `/api/v1/people/${p}/ask-moment`)).statusCode).toBe(404);
    const post = await stranger.req('POST', '/api/v1/asks', { personId: p, outcome: 'asked' });
    expect(post.statusCode).toBe(404);
    const own = (
      await stranger.req('POST', '/api/v1/people', { firstName: 'Sam', email: 'sam@example.com' })
    ).json().id;
    const wrongProgram = await stranger.req('POST', '/api/v1/asks', {
      personId: own,
      programId,
      outcome: 'asked',
    });
    expect(wrongProgram.statusCode).toBe(404);
    const list = (await stranger.req('GET', `/api/v1/asks?personId=${p}`)).json();
    expect(list.total).toBe(0);
    expect((await stranger.req('GET', '/api/v1/asks')).json().total).toBe(0);
  });
});
