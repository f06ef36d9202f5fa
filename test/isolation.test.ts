import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, nowIso } from '../src/lib/ids.ts';
import { createProgram } from '../src/programs/programs.service.ts';
import { createReferral, issueCoupon } from '../src/referrals/referrals.service.ts';
import { answerSurvey, surveyByToken } from '../src/surveys/surveys.service.ts';
import { dialects } from './db.ts';
import { type Client, type TestApp, testApp } from './http.ts';

/**
 * Replays every route in the OpenAPI document as workspace A with workspace B's ids and
 * checks that nothing of B comes back and nothing of B changes.
 */
const MARKER = 'Zebulon-Secret';

/** Bodies for routes that refuse an empty body before they look anything up. */
const bodies: Record<string, (b: Ids) => unknown> = {
  'POST /api/v1/people/{id}/merge': (b) => ({ otherId: b.own }),
  'PATCH /api/v1/staff/{userId}': () => ({ role: 'staff' }),
  'PATCH /api/v1/people/{id}': () => ({ firstName: 'Hijacked' }),
  'POST /api/v1/referrals': (b) => ({
    programId: b.program,
    referrer: { personId: b.person },
    friend: { firstName: 'Mallory' },
  }),
  'PATCH /api/v1/referrals/{id}': () => ({ status: 'void', voidReason: 'hijacked' }),
  'POST /api/v1/referrals/{id}/notes': () => ({ note: 'Hijacked' }),
  'POST /api/v1/referrals/{id}/opted-in': () => ({ source: 'hijacked' }),
  'POST /api/v1/intake-matches/{id}/confirm': (b) => ({ referrerId: b.own }),
  'POST /api/v1/programs/{id}/links': (b) => ({ referrerId: b.own }),
  'PATCH /api/v1/links/{id}': () => ({ disabled: true }),
  'PUT /api/v1/ad-spend/{month}': () => ({ amount: 1 }),
  'POST /api/v1/events': (b) => ({ type: 'visit', externalId: 'hijack', person: { id: b.person } }),
  'POST /api/v1/events/batch': (b) => ({
    events: [{ type: 'refund', source: 'api', externalId: 'hijack-refund', refundOf: b.eventExternalId }],
  }),
  'POST /api/v1/people/{id}/redemptions': () => ({ amount: 1 }),
  'POST /api/v1/rewards/{id}/pay': () => ({ method: 'cash' }),
  'POST /api/v1/rewards/{id}/void': () => ({ reason: 'hijacked' }),
  'POST /api/v1/tasks/{id}/done': () => ({ outcome: 'note' }),
  'PUT /api/v1/templates/{kind}': () => ({ subject: 'Hijacked {{firstName}}', body: 'Hijacked' }),
  'POST /api/v1/suppressions': () => ({ email: 'hijack@example.com' }),
  'POST /api/v1/asks': (b) => ({ personId: b.person, outcome: 'got_names', names: [{ name: 'Mallory' }] }),
  'POST /api/v1/ask-rules': (b) => ({
    name: 'Stolen rule',
    programId: b.program,
    trigger: { type: 'purchase' },
    channel: 'task',
  }),
  'PATCH /api/v1/ask-rules/{id}': () => ({ name: 'Hijacked' }),
  'PATCH /api/v1/testimonials/{id}': (b) => ({ displayName: 'Hijacked', programIds: [b.program] }),
  'POST /api/v1/surveys/{id}/resolve': () => ({ note: 'Hijacked' }),
  'PUT /api/v1/surveys/settings': () => ({ lowScore: 2 }),
};

type Ids = {
  person: string;
  user: string;
  all: string[];
  own: string;
  program: string;
  referral: string;
  couponCode: string;
  intakeMatch: string;
  link: string;
  eventExternalId: string;
  reward: string;
};

describe.each(dialects)('workspace isolation on %s', (dialect) => {
  let t: TestApp;
  let a: Client;
  let b: Client;
  let ids: Ids;
  beforeAll(async () => {
    t = await testApp(dialect);
    a = await t.signIn();
    b = await t.signIn({ workspaceName: `${MARKER} Clinic` });
    const person = (
      await b.req('POST', '/api/v1/people', { firstName: MARKER, email: 'zeb@example.com', tags: ['secret'] })
    ).json();
    const key = (await b.req('POST', '/api/v1/api-keys', { name: MARKER })).json();
    await b.req('PUT', '/api/v1/ad-spend/2026-11', { amount: 12345, note: MARKER });
    const imported = await b.req(
      'POST',
      '/api/v1/imports/people?filename=b.csv',
      `first_name,email\n${MARKER},z2@example.com\n`,
      {
        'content-type': 'text/csv',
      },
    );
    // A has data of its own, so "nothing" is not just an empty workspace.
    const own = (
      await a.req('POST', '/api/v1/people', { firstName: 'Alice', email: 'alice@example.com' })
    ).json().id;
    // A referral with a coupon, and an intake answer waiting for staff, all of B.
    const bActor = {
      workspaceId: b.workspaceId,
      role: 'owner' as const,
      userId: b.userId,
      via: 'session' as const,
    };
    const program = await createProgram(t.db, bActor, { name: `${MARKER} Program`, status: 'active' });
    const { referral } = await createReferral(
      t.db,
      b.workspaceId,
      { userId: b.userId, label: MARKER },
      {
        programId: program.id,
        referrerId: person.id,
        channel: 'staff',
        friend: { firstName: `${MARKER} Friend`, email: 'zeb.friend@example.com' },
      },
    );
    const coupon = await issueCoupon(t.db, b.workspaceId, referral, null, 30);
    const intakeMatch = newId();
    await t.db
      .insertInto('intake_matches')
      .values({
        workspace_id: b.workspaceId,
        id: intakeMatch,
        person_id: referral.friend.id,
        program_id: program.id,
        referred_by_text: MARKER,
        candidates: JSON.stringify([{ personId: person.id, name: MARKER, score: 0.9 }]),
        resolved_at: null,
        referral_id: null,
        created_at: nowIso(),
      })
      .execute();
    // B's referral link in its program.
    const link = (
      await b.req('POST', `/api/v1/programs/${program.id}/links`, { referrerId: person.id })
    ).json();
    // A won referral of B with an event, a reward in the ledger and a thank-you task.
    const paying = await createProgram(t.db, bActor, {
      name: `${MARKER} Rewards`,
      status: 'active',
      terms: { referrerReward: { type: 'credit', amount: 500 }, holdDays: 0 },
    });
    const won = await createReferral(
      t.db,
      b.workspaceId,
      { userId: b.userId, label: MARKER },
      {
        programId: paying.id,
        referrerId: person.id,
        channel: 'staff',
        friend: { firstName: `${MARKER} Buyer`, email: 'zeb.buyer@example.com' },
      },
    );
    const sale = (
      await b.req('POST', '/api/v1/events', {
        type: 'purchase',
        externalId: 'iso-sale-1',
        person: { id: won.referral.friend.id },
        amount: 1000,
      })
    ).json();
    const [reward] = sale.effects.rewardsIssued;
    const task = (await b.req('GET', '/api/v1/tasks')).json().items[0];
    // An ask of B at its front desk, with a name given.
    const ask = (
      await b.req('POST', '/api/v1/asks', {
        personId: person.id,
        programId: program.id,
        outcome: 'got_names',
        names: [{ name: `${MARKER} Named`, email: 'zeb.named@example.com' }],
      })
    ).json();
    // A survey of B answered with a 10 and a permitted quote (a testimonial), and one with a 2
    // (a complaint and its task).
    const surveyIds: string[] = [];
    for (const [score, mayQuote] of [
      [10, true],
      [2, false],
    ] as const) {
      const sent = (await b.req('POST', `/api/v1/people/${person.id}/surveys`, {})).json();
      const row = await surveyByToken(t.db, sent.url.split('/s/')[1]);
      await answerSurvey(t.db, row!, {
        score,
        better: MARKER,
        feedback: MARKER,
        mayQuote,
        quoteName: MARKER,
      });
      surveyIds.push(sent.survey.id);
    }
    const testimonial = (await b.req('GET', '/api/v1/testimonials')).json().items[0];
    await b.req('POST', `/api/v1/testimonials/${testimonial.id}/approve`, {});
    await b.req('PATCH', `/api/v1/testimonials/${testimonial.id}`, { programIds: [program.id] });
    // B's own email template, and the messages and delivery jobs the won referral queued.
    await b.req('PUT', '/api/v1/templates/ask', { subject: `${MARKER} {{firstName}}`, body: MARKER });
    const messages = (await b.req('GET', '/api/v1/messages')).json().items.map((m: { id: string }) => m.id);
    const jobs = (await b.req('GET', '/api/v1/jobs')).json().items.map((j: { id: string }) => j.id);
    expect(messages.length).toBeGreaterThan(0);
    expect(jobs.length).toBeGreaterThan(0);
    ids = {
      eventExternalId: 'iso-sale-1',
      reward,
      link: link.id,
      person: person.id,
      user: b.userId,
      own,
      program: program.id,
      referral: referral.id,
      couponCode: coupon.code,
      intakeMatch,
      all: [
        person.id,
        key.id,
        b.userId,
        imported.json()?.id,
        referral.id,
        coupon.id,
        intakeMatch,
        program.id,
        link.id,
        sale.event.id,
        reward,
        task.id,
        won.referral.id,
        paying.id,
        ask.ask.id,
        ask.names[0].referralId,
        ...surveyIds,
        testimonial.id,
        ...messages,
        ...jobs,
      ].filter(Boolean),
    };
  });
  afterAll(() => t.close());

  it('every route refuses or hides the other workspace', async () => {
    const spec = t.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    let replayed = 0;
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const method of Object.keys(ops).map((m) => m.toUpperCase())) {
        if (path === '/api/v1/auth/sign-out' || path === '/api/v1/auth/sign-in') continue;
        // A month or a template kind is not an id: A writing its own must leave B's alone
        // (checked below).
        const params = [...path.matchAll(/\{(\w+)\}/g)]
          .map((m) => m[1]!)
          .filter((p) => p !== 'month' && p !== 'kind');
        const candidates = params.length ? ids.all : [''];
        for (const id of candidates) {
          const url = path
            .replace('{month}', '2026-11')
            .replace('{kind}', 'ask')
            .replace(/\{\w+\}/g, id);
          const body =
            bodies[`${method} ${path}`]?.(ids) ?? (method === 'GET' || method === 'DELETE' ? undefined : {});
          const res = await a.req(method, url, body);
          replayed++;
          const where = `${method} ${url} → ${res.statusCode} ${res.body.slice(0, 200)}`;
          // A problem's `instance` echoes the requested URL; everything else must be free of B.
          const seen = res.body.replace(/"instance":"[^"]*"/, '');
          expect(seen, where).not.toContain(MARKER);
          for (const other of ids.all) expect(seen, where).not.toContain(other);
          if (params.length) expect([403, 404], where).toContain(res.statusCode);
        }
      }
    }
    expect(replayed).toBeGreaterThan(10);
    // Ids in bodies are scoped too: merging B's person into A's own is refused.
    expect((await a.req('POST', `/api/v1/people/${ids.own}/merge`, { otherId: ids.person })).statusCode).toBe(
      404,
    );
    // Coupon codes are looked up in the caller's workspace only.
    expect((await a.req('GET', `/api/v1/coupons/${ids.couponCode}`)).statusCode).toBe(404);
    expect((await a.req('POST', `/api/v1/coupons/${ids.couponCode}/redeem`, {})).statusCode).toBe(404);
    // A referral entered in A cannot use B's program or people.
    expect(
      (await a.req('POST', '/api/v1/referrals', bodies['POST /api/v1/referrals']!(ids))).statusCode,
    ).toBe(404);
    // B is untouched.
    expect((await b.req('GET', '/api/v1/ad-spend?from=2026-11&to=2026-11')).json()).toMatchObject([
      { amount: 12345, note: MARKER },
    ]);
    expect((await b.req('GET', '/api/v1/templates/ask')).json()).toMatchObject({
      subject: `${MARKER} {{firstName}}`,
      customised: true,
    });
    expect((await b.req('GET', '/api/v1/suppressions')).json().total).toBe(0);
    const detail = (await b.req('GET', `/api/v1/referrals/${ids.referral}`)).json();
    expect(detail.referral).toMatchObject({ status: 'new', flag: null, friendOptInAt: null });
    expect(detail.activities.map((x: { kind: string }) => x.kind)).toEqual(['created']);
    expect(detail.coupon.redeemedAt).toBeNull();
    expect((await b.req('GET', '/api/v1/intake-matches?open=true')).json().items[0]).toMatchObject({
      id: ids.intakeMatch,
      state: 'open',
    });
    const person = (await b.req('GET', `/api/v1/people/${ids.person}`)).json();
    expect(person).toMatchObject({ firstName: MARKER, mergedIntoId: null });
    expect((await b.req('GET', `/api/v1/links/${ids.link}`)).json()).toMatchObject({ disabled: false });
    expect((await b.req('GET', `/api/v1/programs/${ids.program}`)).json()).toMatchObject({
      name: `${MARKER} Program`,
      termsVersion: 1,
    });
    expect((await b.req('GET', '/api/v1/staff')).json()).toHaveLength(1);
    const wallet = (await b.req('GET', `/api/v1/people/${ids.person}/wallet`)).json();
    expect(wallet.rewards).toMatchObject([
      { id: ids.reward, status: 'available', standing: { available: 500 } },
    ]);
    expect((await b.req('GET', '/api/v1/tasks')).json().total).toBe(1);
    expect((await b.req('GET', '/api/v1/events')).json().items).toHaveLength(1);
    expect((await b.req('GET', '/api/v1/api-keys')).json()[0].revokedAt).toBeNull();
    expect((await b.req('GET', '/api/v1/asks')).json().total).toBe(1);
    expect((await b.req('GET', '/api/v1/surveys/settings')).json()).toEqual({ lowScore: 6 });
    expect((await b.req('GET', '/api/v1/surveys?complaint=open')).json().total).toBe(1);
    expect((await b.req('GET', '/api/v1/testimonials?status=approved')).json().items).toMatchObject([
      { displayName: MARKER, programIds: [ids.program] },
    ]);
  });

  it('an API key only ever sees its own workspace', async () => {
    const key = await t.apiKey(a);
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/people/${ids.person}`,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.statusCode).toBe(404);
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/people?q=zebulon',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(list.json().total).toBe(0);
  });
});
