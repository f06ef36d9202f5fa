import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type Client, type TestApp, testApp } from '../../test/http.ts';
import type { Actor } from '../auth/auth.service.ts';
import { loadConfig } from '../config.ts';
import { transaction } from '../db/connect.ts';
import { seedDemo } from '../demo/demo.ts';
import { eventContext, recordEvent } from '../events/events.service.ts';
import { newId, withClock } from '../lib/ids.ts';
import { createPerson } from '../people/people.service.ts';
import '../jobs/handlers.ts';
import { drain } from '../jobs/runner.ts';
import { askList, runAskPass, SEND_RULE_SURVEY, sendAskEmails } from './engine.ts';

const DAY = 86_400_000;
const ago = (days: number, from = Date.now()) => new Date(from - days * DAY).toISOString();

describe.each(dialects)('ask rules on %s', (dialect) => {
  let t: TestApp;
  let n = 0;

  type Setup = { c: Client; programId: string };
  const setup = async (): Promise<Setup> => {
    const c = await t.signIn({ workspaceName: 'Rule Clinic' });
    const res = await c.req('POST', '/api/v1/programs', {
      name: 'Share the relief',
      status: 'active',
      leadingQuestions: ['Who do you know with lower back pain?'],
    });
    expect(res.statusCode, res.body).toBe(201);
    return { c, programId: res.json().id };
  };
  const person = async (c: Client, body: object = {}) => {
    const i = ++n;
    const res = await c.req('POST', '/api/v1/people', {
      firstName: `Rita${i}`,
      lastName: 'Rule',
      email: `rita${i}-${Date.now()}@example.com`,
      marketingConsent: { given: true, source: 'intake form' },
      ...body,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const event = async (
    c: Client,
    personId: string,
    type: 'visit' | 'purchase' | 'ticket_resolved' | 'refund',
    occurredAt?: string,
    amount = 5000,
  ) => {
    const res = await c.req('POST', '/api/v1/events', {
      type,
      source: 'pos',
      externalId: newId(),
      person: { id: personId },
      ...(type === 'purchase' ? { amount } : {}),
      ...(occurredAt ? { occurredAt } : {}),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const rule = async (s: Setup, body: object) => {
    const res = await s.c.req('POST', '/api/v1/ask-rules', {
      name: 'A rule',
      programId: s.programId,
      ...body,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const asksOf = (ws: string, personId?: string) => {
    let q = t.db.selectFrom('asks').selectAll().where('workspace_id', '=', ws);
    if (personId) q = q.where('person_id', '=', personId);
    return q.orderBy('created_at').execute();
  };
  const today = async (c: Client) => {
    const res = await c.req('GET', '/api/v1/asks/today');
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    t = await testApp(dialect);
  });
  afterAll(() => t.close());

  it('creates, lists, edits, pauses and deletes rules; refuses bad ones with the field; managers only', async () => {
    const s = await setup();
    const r = await rule(s, { name: '3rd visit', trigger: { type: 'nth_visit', n: 3 }, channel: 'task' });
    expect(r).toMatchObject({
      name: '3rd visit',
      active: true,
      summary: '3rd visit → staff ask',
      conditions: { minSpend: null, tagsAny: [], tagsNone: [], kinds: ['customer', 'partner'] },
      timing: { quietFrom: '20:00', quietTo: '08:00', businessDaysOnly: true },
      programName: 'Share the relief',
    });
    const bad = await s.c.req('POST', '/api/v1/ask-rules', {
      name: 'x',
      programId: s.programId,
      trigger: { type: 'days_after', days: 0 },
      channel: 'email',
      timing: { quietFrom: '25:00' },
    });
    expect(bad.statusCode).toBe(400);
    const paths = bad.json().errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['body.trigger.days', 'body.timing.quietFrom']));
    const noProgram = await s.c.req('POST', '/api/v1/ask-rules', {
      name: 'x',
      programId: newId(),
      trigger: { type: 'purchase' },
      channel: 'task',
    });
    expect(noProgram.statusCode).toBe(400);
    expect(noProgram.json().errors[0].path).toBe('programId');

    const paused = await s.c.req('PATCH', `/api/v1/ask-rules/${r.id}`, { active: false });
    expect(paused.json()).toMatchObject({ active: false, name: '3rd visit' });
    expect((await s.c.req('GET', '/api/v1/ask-rules')).json().items).toHaveLength(1);
    expect((await s.c.req('DELETE', `/api/v1/ask-rules/${r.id}`)).statusCode).toBe(200);
    expect((await s.c.req('GET', `/api/v1/ask-rules/${r.id}`)).statusCode).toBe(404);

    const staff = await t.signIn({ role: 'staff' });
    expect((await staff.req('GET', '/api/v1/ask-rules')).statusCode).toBe(403);
    expect((await staff.req('GET', '/api/v1/asks/today')).statusCode).toBe(200);
  });

  it('the 3rd visit puts a customer on today’s ask list with the question; recording it completes the ask', async () => {
    const s = await setup();
    await rule(s, { name: '3rd visit', trigger: { type: 'nth_visit', n: 3 }, channel: 'task' });
    const p = await person(s.c);
    await event(s.c, p, 'visit', ago(40));
    await event(s.c, p, 'purchase', ago(10));
    expect((await today(s.c)).items).toHaveLength(0);
    await event(s.c, p, 'visit');
    // A second event the same day is not a 4th visit, and asks nothing more.
    await event(s.c, p, 'purchase');
    const list = await today(s.c);
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      personId: p,
      reason: '3rd visit',
      question: 'Who do you know with lower back pain?',
      programName: 'Share the relief',
      ruleName: '3rd visit',
      channel: 'task',
      staffUserId: s.c.userId,
    });
    // The front desk shows the same ask.
    const moment = (await s.c.req('GET', `/api/v1/people/${p}/ask-moment`)).json();
    expect(moment).toMatchObject({ good: true, reason: '3rd visit', askId: list.items[0].id });

    const rec = await s.c.req('POST', '/api/v1/asks', {
      personId: p,
      askId: list.items[0].id,
      outcome: 'got_names',
      names: [{ name: 'Nora Named', phone: '+1 415 555 0199' }],
    });
    expect(rec.statusCode, rec.body).toBe(201);
    expect(rec.json().ask).toMatchObject({ id: list.items[0].id, outcome: 'got_names', namesCount: 1 });
    expect(rec.json().names[0].status).toBe('added');
    expect(await asksOf(s.c.workspaceId, p)).toHaveLength(1);
    expect((await today(s.c)).items).toHaveLength(0);
    expect((await today(s.c)).done).toBe(1);
    const again = await s.c.req('POST', '/api/v1/asks', {
      personId: p,
      askId: list.items[0].id,
      outcome: 'asked',
    });
    expect(again.statusCode).toBe(409);

    // The dashboard counts it for the staff member who asked.
    const dash = (await s.c.req('GET', '/api/v1/dashboard')).json();
    expect(dash.asksByStaff).toEqual([
      { userId: s.c.userId, name: expect.any(String), due: 1, made: 1, missed: 0, names: 1, won: 0 },
    ]);
  });

  it('purchase, first purchase and resolved-ticket triggers; conditions on spend, tags and kind', async () => {
    const s = await setup();
    await rule(s, {
      trigger: { type: 'first_purchase' },
      channel: 'task',
      conditions: { tagsNone: ['VIP'] },
    });
    await rule(s, {
      trigger: { type: 'purchase' },
      channel: 'postcard',
      conditions: { minSpend: 20000, kinds: ['customer'] },
    });
    await rule(s, {
      trigger: { type: 'ticket_resolved' },
      channel: 'task',
      conditions: { tagsAny: ['support'] },
    });

    const first = await person(s.c);
    await event(s.c, first, 'purchase');
    expect((await asksOf(s.c.workspaceId, first)).map((a) => a.reason)).toEqual(['first purchase']);

    // A VIP's first purchase is left to the purchase rule, which wants $200 spent in all.
    const vip = await person(s.c, {
      tags: ['vip'],
      address: { line1: '12 Elm Street', city: 'Springfield', region: 'IL', postalCode: '62701' },
    });
    await event(s.c, vip, 'purchase', ago(30), 15000);
    expect(await asksOf(s.c.workspaceId, vip)).toHaveLength(0);
    await event(s.c, vip, 'purchase', undefined, 6000);
    const [card] = await asksOf(s.c.workspaceId, vip);
    expect(card).toMatchObject({ reason: 'purchase today', channel: 'postcard', outcome: null });
    // The postcard list carries where to mail it.
    expect((await today(s.c)).postcards).toContainEqual(
      expect.objectContaining({ personId: vip, address: ['12 Elm Street', 'Springfield, IL 62701'] }),
    );

    // Partners are not asked by the purchase rule.
    const partner = await person(s.c, { kind: 'partner', tags: ['vip'] });
    await event(s.c, partner, 'purchase', undefined, 50000);
    expect(await asksOf(s.c.workspaceId, partner)).toHaveLength(0);

    const ticket = await person(s.c, { tags: ['support'] });
    await event(s.c, ticket, 'ticket_resolved');
    expect((await asksOf(s.c.workspaceId, ticket)).map((a) => a.reason)).toEqual(['support ticket resolved']);
    const noTag = await person(s.c);
    await event(s.c, noTag, 'ticket_resolved');
    expect(await asksOf(s.c.workspaceId, noTag)).toHaveLength(0);

    // Last year's purchase, imported today, asks nobody.
    const old = await person(s.c);
    await event(s.c, old, 'purchase', ago(200));
    expect(await asksOf(s.c.workspaceId, old)).toHaveLength(0);
  });

  it('one ask per cooling-off period across rules ("not now" does not count); the setting changes it', async () => {
    const s = await setup();
    await rule(s, { trigger: { type: 'purchase' }, channel: 'task' });
    await rule(s, { trigger: { type: 'days_after', days: 3, of: 'purchase' }, channel: 'task' });
    const p = await person(s.c);
    await event(s.c, p, 'purchase', ago(3));
    const q = await person(s.c);
    await event(s.c, q, 'purchase', ago(3));
    await event(s.c, p, 'purchase');
    await runAskPass(t.db, s.c.workspaceId);
    // p: asked at today's purchase, so not again by the 3-days rule; q: the 3-days rule.
    expect((await asksOf(s.c.workspaceId, p)).map((a) => a.reason)).toEqual(['purchase today']);
    expect((await asksOf(s.c.workspaceId, q)).map((a) => a.reason)).toEqual(['bought 3 days ago']);

    // Answered "not now": the next purchase asks again.
    const [due] = await asksOf(s.c.workspaceId, p);
    const nn = await s.c.req('POST', '/api/v1/asks', { personId: p, askId: due!.id, outcome: 'not_now' });
    expect(nn.statusCode, nn.body).toBe(201);
    await t.db.updateTable('asks').set({ rule_day: '2000-01-01' }).where('id', '=', due!.id).execute();
    await event(s.c, p, 'purchase');
    expect(await asksOf(s.c.workspaceId, p)).toHaveLength(2);

    // A declined ask 20 days ago blocks with 60 days, not with 14.
    const r = await person(s.c);
    await t.db
      .insertInto('asks')
      .values({
        workspace_id: s.c.workspaceId,
        id: newId(),
        person_id: r,
        program_id: s.programId,
        staff_user_id: null,
        reason: 'visit today',
        question: 'Who?',
        channel: 'front_desk',
        outcome: 'declined',
        names_count: 0,
        due_at: ago(20),
        done_at: ago(20),
        created_at: ago(20),
        rule_id: null,
        rule_day: null,
      })
      .execute();
    await event(s.c, r, 'purchase');
    expect(await asksOf(s.c.workspaceId, r)).toHaveLength(1);
    const set = await s.c.req('PATCH', '/api/v1/workspace', { askCoolingOffDays: 14 });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().askCoolingOffDays).toBe(14);
    await event(s.c, r, 'purchase');
    expect(await asksOf(s.c.workspaceId, r)).toHaveLength(2);
    // q's pending ask from the 3-days rule: shown at the front desk on the day it is due, an ask
    // on its way before (a staff ask found at the weekend is due on Monday, so both are set).
    const [pending] = await asksOf(s.c.workspaceId, q);
    const moment = async (dueAt: Date) => {
      await t.db
        .updateTable('asks')
        .set({ due_at: dueAt.toISOString() })
        .where('id', '=', pending!.id)
        .execute();
      return (await s.c.req('GET', `/api/v1/people/${q}/ask-moment`)).json();
    };
    expect(await moment(new Date())).toMatchObject({
      good: true,
      askId: pending!.id,
      reason: 'bought 3 days ago',
    });
    expect(await moment(new Date(Date.now() + 86_400_000))).toMatchObject({ good: false, askId: null });
  });

  it('never asks someone who asked not to be contacted, unsubscribed, or has an open complaint; emails need consent', async () => {
    const s = await setup();
    await rule(s, { trigger: { type: 'days_after', days: 2, of: 'any' }, channel: 'email' });
    const dnc = await person(s.c, { doNotContact: true });
    const unsub = await person(s.c);
    const unhappy = await person(s.c);
    const noConsent = await person(s.c, { marketingConsent: null });
    const ok = await person(s.c);
    for (const p of [dnc, unsub, unhappy, noConsent, ok]) await event(s.c, p, 'visit', ago(2));
    const key = await t.db
      .selectFrom('people')
      .select('email_key')
      .where('id', '=', unsub)
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto('suppressions')
      .values({
        workspace_id: s.c.workspaceId,
        email_key: key.email_key!,
        reason: 'unsubscribe',
        source: 'test',
        message_id: null,
        created_at: ago(1),
      })
      .execute();
    await t.db
      .insertInto('surveys')
      .values({
        workspace_id: s.c.workspaceId,
        id: newId(),
        person_id: unhappy,
        token_hash: newId(),
        event_id: null,
        message_id: null,
        sent_at: ago(1),
        answered_at: ago(1),
        score: 3,
        better: null,
        feedback: 'cold room',
        may_quote: 0,
        quote_name: null,
        complaint_at: ago(1),
        complaint_resolved_at: null,
        complaint_resolved_by: null,
        resolution_note: null,
        created_by: null,
        created_at: ago(1),
      })
      .execute();
    const r = await runAskPass(t.db, s.c.workspaceId);
    expect(r.created).toBe(1);
    expect((await asksOf(s.c.workspaceId)).map((a) => a.person_id)).toEqual([ok]);
    expect((await s.c.req('GET', `/api/v1/people/${unhappy}/ask-moment`)).json().reason).toBe(
      'complaint open',
    );
    expect((await s.c.req('GET', `/api/v1/people/${unsub}/ask-moment`)).json().reason).toBe('unsubscribed');

    // The email goes into the outbox with the personal link and friends form, at the ask's time.
    expect(await sendAskEmails(t.db, s.c.workspaceId, 'https://vouch.example')).toBe(1);
    const msg = await t.db
      .selectFrom('messages')
      .selectAll()
      .where('workspace_id', '=', s.c.workspaceId)
      .executeTakeFirstOrThrow();
    expect(msg).toMatchObject({ kind: 'ask', person_id: ok, status: 'queued' });
    expect(msg.text).toMatch(/https:\/\/vouch\.example\/r\/\w+/);
    expect(msg.text).toMatch(/https:\/\/vouch\.example\/f\/\S+/);
    const [ask] = await asksOf(s.c.workspaceId);
    expect(ask).toMatchObject({ outcome: 'asked', channel: 'email' });
    expect(await sendAskEmails(t.db, s.c.workspaceId, 'https://vouch.example')).toBe(0);
  });

  it('the nightly pass is idempotent, marks yesterday’s unmade staff asks missed; every N months; praise', async () => {
    const s = await setup();
    await rule(s, { trigger: { type: 'days_after', days: 1, of: 'visit' }, channel: 'task' });
    await rule(s, { trigger: { type: 'every_months', months: 6 }, channel: 'postcard' });
    await rule(s, { trigger: { type: 'survey_score', min: 9 }, channel: 'task' });
    const ws = s.c.workspaceId;
    // Business days only: run the pass on a Wednesday.
    const wed = new Date('2026-04-15T10:00:00Z');
    const visited = await person(s.c);
    await t.db
      .insertInto('business_events')
      .values({
        workspace_id: ws,
        id: newId(),
        type: 'visit',
        source: 'pos',
        external_id: newId(),
        person_id: visited,
        occurred_at: '2026-04-14T15:00:00.000Z',
        amount: null,
        currency: null,
        refund_of_id: null,
        referral_id: null,
        note: null,
        actor_label: 'test',
        created_at: '2026-04-14T15:00:00.000Z',
      })
      .execute();
    const longAgo = await person(s.c);
    await t.db
      .updateTable('people')
      .set({ created_at: '2025-09-01T00:00:00.000Z' })
      .where('id', '=', longAgo)
      .execute();
    const fan = await person(s.c);
    await t.db
      .insertInto('surveys')
      .values({
        workspace_id: ws,
        id: newId(),
        person_id: fan,
        token_hash: newId(),
        event_id: null,
        message_id: null,
        sent_at: '2026-04-13T10:00:00.000Z',
        answered_at: '2026-04-14T18:00:00.000Z',
        score: 10,
        better: null,
        feedback: null,
        may_quote: 0,
        quote_name: null,
        complaint_at: null,
        complaint_resolved_at: null,
        complaint_resolved_by: null,
        resolution_note: null,
        created_by: null,
        created_at: '2026-04-13T10:00:00.000Z',
      })
      .execute();
    // Everyone else in the workspace was made today (2026) and is not 6 months known.
    await t.db
      .updateTable('people')
      .set({ created_at: '2026-04-10T00:00:00.000Z' })
      .where('workspace_id', '=', ws)
      .where('id', '!=', longAgo)
      .execute();

    const first = await runAskPass(t.db, ws, wed);
    expect(first.created).toBe(3);
    const again = await runAskPass(t.db, ws, new Date(wed.getTime() + 3_600_000));
    expect(again.created).toBe(0);
    const reasons = Object.fromEntries((await asksOf(ws)).map((a) => [a.person_id, a.reason]));
    expect(reasons).toEqual({
      [visited]: 'visited yesterday',
      [longAgo]: 'not asked in 6 months',
      [fan]: 'gave us a 10 yesterday',
    });
    const list = await askList(t.db, ws, wed);
    expect(list.items.map((a) => a.personId).sort()).toEqual([visited, fan].sort());
    expect(list.postcards.map((a) => a.personId)).toEqual([longAgo]);

    // Thursday's pass: Wednesday's staff asks nobody made are missed; the postcard stays due.
    const thu = await runAskPass(t.db, ws, new Date('2026-04-16T10:00:00Z'));
    expect(thu.missed).toBe(2);
    const outcomes = Object.fromEntries((await asksOf(ws)).map((a) => [a.person_id, a.outcome]));
    expect(outcomes).toEqual({ [visited]: 'missed', [longAgo]: null, [fan]: 'missed' });
  });

  it('a rule capped per day asks that many a night and leaves the rest for the next nights', async () => {
    const s = await setup();
    const ws = s.c.workspaceId;
    const capped = await rule(s, {
      trigger: { type: 'every_months', months: 6 },
      channel: 'postcard',
      timing: { maxPerDay: 2 },
    });
    expect(capped.timing.maxPerDay).toBe(2);
    const bad = await s.c.req('PATCH', `/api/v1/ask-rules/${capped.id}`, { timing: { maxPerDay: 0 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toBe('body.timing.maxPerDay');
    for (let i = 0; i < 5; i++) await person(s.c);
    await t.db
      .updateTable('people')
      .set({ created_at: '2025-09-01T00:00:00.000Z' })
      .where('workspace_id', '=', ws)
      .execute();
    const wed = new Date('2026-04-15T10:00:00Z');
    expect((await runAskPass(t.db, ws, wed)).created).toBe(2);
    expect((await runAskPass(t.db, ws, new Date(wed.getTime() + 3_600_000))).created).toBe(0);
    expect((await runAskPass(t.db, ws, new Date('2026-04-16T10:00:00Z'))).created).toBe(2);
    expect((await runAskPass(t.db, ws, new Date('2026-04-17T10:00:00Z'))).created).toBe(1);
    expect(new Set((await asksOf(ws)).map((a) => a.person_id)).size).toBe(5);
  });

  it('a survey rule sends the feedback survey after the transaction, at the next allowed hour, once; not an ask', async () => {
    const s = await setup();
    const ws = s.c.workspaceId;
    await t.db.updateTable('workspaces').set({ time_zone: 'America/Chicago' }).where('id', '=', ws).execute();
    const survey = await rule(s, {
      name: 'Feedback',
      trigger: { type: 'days_after', days: 3, of: 'purchase' },
      channel: 'survey',
    });
    expect(survey.summary).toBe('3 days after a purchase → feedback survey');
    await rule(s, { trigger: { type: 'days_after', days: 3, of: 'purchase' }, channel: 'task' });
    // Only after a transaction.
    const bad = await s.c.req('POST', '/api/v1/ask-rules', {
      name: 'x',
      programId: s.programId,
      trigger: { type: 'every_months', months: 3 },
      channel: 'survey',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toContain('body.channel');

    // Wednesday 03:00 in Chicago; the purchases were on Sunday.
    const wed = new Date('2026-04-15T08:00:00Z');
    const plain = await person(s.c);
    const askedLately = await person(s.c);
    const dnc = await person(s.c, { doNotContact: true });
    const unsub = await person(s.c);
    const unhappy = await person(s.c);
    const surveyed = await person(s.c);
    const noEmail = await person(s.c, { email: null, phone: '+14155550111' });
    const events: Record<string, string> = {};
    for (const p of [plain, askedLately, dnc, unsub, unhappy, surveyed, noEmail]) {
      events[p] = newId();
      await t.db
        .insertInto('business_events')
        .values({
          workspace_id: ws,
          id: events[p]!,
          type: 'purchase',
          source: 'pos',
          external_id: newId(),
          person_id: p,
          occurred_at: '2026-04-12T17:00:00.000Z',
          amount: 5000,
          currency: 'USD',
          refund_of_id: null,
          referral_id: null,
          note: null,
          actor_label: 'test',
          created_at: '2026-04-12T17:00:00.000Z',
        })
        .execute();
    }
    const askRow = (p: string, at: string) => ({
      workspace_id: ws,
      id: newId(),
      person_id: p,
      program_id: s.programId,
      staff_user_id: null,
      reason: 'visit today',
      question: 'Who?',
      channel: 'front_desk' as const,
      outcome: 'declined' as const,
      names_count: 0,
      due_at: at,
      done_at: at,
      created_at: at,
      rule_id: null,
      rule_day: null,
    });
    await t.db.insertInto('asks').values(askRow(askedLately, '2026-04-05T15:00:00.000Z')).execute();
    const surveyRow = (p: string, at: string, complaint: boolean) => ({
      workspace_id: ws,
      id: newId(),
      person_id: p,
      token_hash: newId(),
      event_id: null,
      message_id: null,
      sent_at: at,
      answered_at: complaint ? at : null,
      score: complaint ? 2 : null,
      better: null,
      feedback: null,
      may_quote: 0,
      quote_name: null,
      complaint_at: complaint ? at : null,
      complaint_resolved_at: null,
      complaint_resolved_by: null,
      resolution_note: null,
      created_by: null,
      created_at: at,
    });
    // A complaint from two months back is still open; a survey ten days ago is too recent.
    await t.db
      .insertInto('surveys')
      .values(surveyRow(unhappy, '2026-02-10T15:00:00.000Z', true))
      .execute();
    await t.db
      .insertInto('surveys')
      .values(surveyRow(surveyed, '2026-04-05T15:00:00.000Z', false))
      .execute();
    const key = await t.db
      .selectFrom('people')
      .select('email_key')
      .where('id', '=', unsub)
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto('suppressions')
      .values({
        workspace_id: ws,
        email_key: key.email_key!,
        reason: 'unsubscribe',
        source: 'test',
        message_id: null,
        created_at: '2026-04-01T00:00:00.000Z',
      })
      .execute();

    const pass = () =>
      withClock(
        () => wed.getTime(),
        () => runAskPass(t.db, ws, wed, { publicUrl: 'https://vouch.example' }),
      );
    const first = await pass();
    expect(first.surveys).toBe(2);
    expect(first.byRule[survey.id]).toBe(2);
    const sent = await t.db
      .selectFrom('surveys as sv')
      .innerJoin('messages as m', 'm.id', 'sv.message_id')
      .select(['sv.person_id', 'sv.event_id', 'sv.sent_at', 'm.kind', 'm.text', 'm.id as message_id'])
      .where('sv.workspace_id', '=', ws)
      .where('sv.event_id', 'is not', null)
      .execute();
    expect(sent.map((x) => x.person_id).sort()).toEqual([plain, askedLately].sort());
    for (const x of sent) {
      expect(x.event_id).toBe(events[x.person_id]);
      expect(x.kind).toBe('survey_invite');
      expect(x.text).toMatch(/https:\/\/vouch\.example\/s\/\S+/);
      // 08:00 in Chicago: the end of the quiet hours.
      expect(new Date(x.sent_at).toISOString()).toBe('2026-04-15T13:00:00.000Z');
      const job = await t.db
        .selectFrom('jobs')
        .select('run_at')
        .where('key', '=', `deliver:${x.message_id}`)
        .executeTakeFirstOrThrow();
      expect(new Date(job.run_at).toISOString()).toBe('2026-04-15T13:00:00.000Z');
    }
    // The survey neither counted as an ask nor was held back by one: the staff ask came too,
    // except for whoever the ask cooling-off period (or another ask guard) stops.
    const asked = (await asksOf(ws)).filter((a) => a.rule_id).map((a) => a.person_id);
    expect(asked).toContain(plain);
    expect(asked).toContain(surveyed);
    expect(asked).not.toContain(askedLately);
    // Again the same night: nothing more.
    const again = await pass();
    expect(again.surveys).toBe(0);
    expect(
      (await t.db.selectFrom('surveys').select('id').where('workspace_id', '=', ws).execute()).length,
    ).toBe(4);

    // Preview: the upcoming passes as things stand.
    const pv = (await s.c.req('GET', `/api/v1/ask-rules/${survey.id}/preview?days=7`)).json();
    expect(pv).toMatchObject({ basis: 'upcoming', note: null });
  });

  it('a survey rule on purchases sends the survey from a job as the purchase is recorded; one a month', async () => {
    const s = await setup();
    const ws = s.c.workspaceId;
    await rule(s, {
      trigger: { type: 'purchase' },
      channel: 'survey',
      timing: { quietFrom: '00:00', quietTo: '00:00', businessDaysOnly: false },
    });
    await rule(s, { trigger: { type: 'purchase' }, channel: 'task' });
    const p = await person(s.c);
    await event(s.c, p, 'purchase');
    const services = { config: loadConfig({ PUBLIC_URL: 'https://vouch.example' }), mailer: null };
    expect(await drain(t.db, services, { kinds: [SEND_RULE_SURVEY] })).toBe(1);
    const mine = () =>
      t.db
        .selectFrom('surveys')
        .select(['id', 'event_id'])
        .where('workspace_id', '=', ws)
        .where('person_id', '=', p)
        .execute();
    expect(await mine()).toHaveLength(1);
    expect((await mine())[0]!.event_id).not.toBeNull();
    // The staff ask came too: a survey is not an ask.
    expect((await asksOf(ws, p)).map((a) => a.reason)).toEqual(['purchase today']);
    // A second purchase the same week: no second survey.
    await event(s.c, p, 'purchase');
    expect(await drain(t.db, services, { kinds: [SEND_RULE_SURVEY] })).toBe(0);
    expect(await mine()).toHaveLength(1);
    // The preview of an event-driven survey rule looks back.
    const rules = (await s.c.req('GET', '/api/v1/ask-rules')).json().items;
    const pv = (await s.c.req('GET', `/api/v1/ask-rules/${rules[0].id}/preview?days=7`)).json();
    expect(pv).toMatchObject({ basis: 'recent', count: 0 });
  });

  it('previews a rule without writing: this week’s count and the people, soonest first', async () => {
    const s = await setup();
    const r = await rule(s, { trigger: { type: 'days_after', days: 3, of: 'purchase' }, channel: 'email' });
    const people = [];
    for (let i = 0; i < 3; i++) {
      const p = await person(s.c);
      await event(s.c, p, 'purchase', ago(i + 1));
      people.push(p);
    }
    const older = await person(s.c);
    await event(s.c, older, 'purchase', ago(10));
    const before = await asksOf(s.c.workspaceId);
    const jobs = await t.db.selectFrom('jobs').select('id').execute();
    const res = await s.c.req('GET', `/api/v1/ask-rules/${r.id}/preview?days=7`);
    expect(res.statusCode, res.body).toBe(200);
    const pv = res.json();
    expect(pv).toMatchObject({ count: 3, basis: 'upcoming', note: null });
    expect(pv.people.map((x: { personId: string }) => x.personId)).toEqual([people[2], people[1], people[0]]);
    expect(pv.people[0].reason).toBe('bought 3 days ago');
    expect(await asksOf(s.c.workspaceId)).toEqual(before);
    expect(await t.db.selectFrom('jobs').select('id').execute()).toEqual(jobs);

    const ev = await rule(s, { trigger: { type: 'nth_visit', n: 1 }, channel: 'task' });
    const recent = (await s.c.req('GET', `/api/v1/ask-rules/${ev.id}/preview?days=30`)).json();
    expect(recent).toMatchObject({ basis: 'recent', count: 4 });
  });

  it('an email asked for late in the evening goes out at 08:00 the next business day, across the DST change', async () => {
    const s = await setup();
    await t.db
      .updateTable('workspaces')
      .set({ time_zone: 'America/New_York' })
      .where('id', '=', s.c.workspaceId)
      .execute();
    await rule(s, { trigger: { type: 'purchase' }, channel: 'email' });
    const actor: Actor = { workspaceId: s.c.workspaceId, role: 'owner', userId: s.c.userId, via: 'session' };
    const buy = async (personId: string, iso: string) => {
      const now = new Date(iso);
      await withClock(
        () => now.getTime(),
        async () => {
          const ctx = await eventContext(t.db, actor, { userId: s.c.userId, label: 'Staff' }, now);
          await transaction(t.db, (tx) =>
            recordEvent(tx, ctx, {
              type: 'purchase',
              source: 'pos',
              externalId: newId(),
              person: { id: personId },
              amount: 5000,
            } as never),
          );
        },
      );
    };
    const dueOf = async (p: string) => new Date((await asksOf(s.c.workspaceId, p))[0]!.due_at).toISOString();
    // Thursday 2026-10-29 22:30 EDT: Friday 08:00 EDT.
    const thu = await person(s.c);
    await buy(thu, '2026-10-30T02:30:00Z');
    expect(await dueOf(thu)).toBe('2026-10-30T12:00:00.000Z');
    // Friday 2026-10-30 22:30 EDT: the clocks go back on Sunday; Monday 08:00 EST.
    const fri = await person(s.c);
    await buy(fri, '2026-10-31T02:30:00Z');
    expect(await dueOf(fri)).toBe('2026-11-02T13:00:00.000Z');
    // Monday 2026-11-02 21:15 EST: Tuesday 08:00 EST.
    const mon = await person(s.c);
    await buy(mon, '2026-11-03T02:15:00Z');
    expect(await dueOf(mon)).toBe('2026-11-03T13:00:00.000Z');

    // The message and its delivery job wait for that instant.
    await sendAskEmails(t.db, s.c.workspaceId, 'https://vouch.example');
    const msgs = await t.db
      .selectFrom('messages')
      .select(['id', 'person_id'])
      .where('workspace_id', '=', s.c.workspaceId)
      .execute();
    const jobs = await t.db
      .selectFrom('jobs')
      .select(['key', 'run_at'])
      .where('workspace_id', '=', s.c.workspaceId)
      .where('kind', '=', 'deliver-message')
      .execute();
    const runAt = Object.fromEntries(
      msgs.map((m) => [
        m.person_id,
        new Date(jobs.find((j) => j.key === `deliver:${m.id}`)!.run_at).toISOString(),
      ]),
    );
    expect(runAt[fri]).toBe('2026-11-02T13:00:00.000Z');
    expect(runAt[thu]).toBe('2026-10-30T12:00:00.000Z');
  });

  it('in the demo workspace, a customer’s third visit puts them on today’s ask list with the right question', async () => {
    const { workspaceId } = await seedDemo(t.db);
    const owner = await t.db
      .selectFrom('memberships')
      .select('user_id')
      .where('workspace_id', '=', workspaceId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    const actor: Actor = { workspaceId, role: 'owner', userId: owner.user_id, via: 'session' };
    const p = await createPerson(t.db, actor, { kind: 'customer', firstName: 'Trina', lastName: 'Third' });
    const visit = (occurredAt?: string) =>
      transaction(t.db, async (tx) =>
        recordEvent(tx, await eventContext(tx, actor, { userId: owner.user_id, label: 'Front desk' }), {
          type: 'visit',
          source: 'front-desk',
          externalId: newId(),
          person: { id: p.id },
          ...(occurredAt ? { occurredAt } : {}),
        } as never),
      );
    await visit(ago(21));
    await visit(ago(7));
    expect((await askList(t.db, workspaceId)).items.some((a) => a.personId === p.id)).toBe(false);
    await visit();
    const mine = (await askList(t.db, workspaceId)).items.find((a) => a.personId === p.id);
    expect(mine).toMatchObject({
      reason: '3rd visit',
      question: 'Who do you know with lower back pain?',
      programName: 'Share the relief',
      ruleName: '3rd visit: ask at the desk',
    });
  });
});
