import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type Client, type TestApp, testApp } from '../../test/http.ts';
import { loadConfig } from '../config.ts';
import { transaction } from '../db/connect.ts';
import '../jobs/handlers.ts';
import type { WorkerServices } from '../jobs/registry.ts';
import { drain } from '../jobs/runner.ts';
import { createMailer } from '../messaging/mailer.ts';
import { DELIVER } from '../messaging/outbox.ts';
import { startTestSmtp, type TestSmtp } from '../messaging/smtp-test-server.ts';
import { createReferral } from '../referrals/referrals.service.ts';
import { latestScore, openComplaint, sendSurvey } from './surveys.service.ts';

let seq = 0;
const nextIp = () => `10.7.${Math.floor(++seq / 250)}.${(seq % 250) + 1}`;
const tokenIn = (body: string) => /name="token" value="([^"]+)"/.exec(body)?.[1] ?? '';
const PUBLIC = 'http://localhost';

describe.each(dialects)('feedback surveys on %s', (dialect) => {
  let t: TestApp;
  let c: Client;
  let programId: string;
  let smtp: TestSmtp;
  let services: WorkerServices;
  let n = 0;

  beforeAll(async () => {
    t = await testApp(dialect);
    c = await t.signIn({ workspaceName: 'Elm Street Chiropractic' });
    await c.req('PATCH', '/api/v1/workspace', {
      reviewLinks: [{ label: 'Google', url: 'https://g.page/r/elm-street/review' }],
    });
    programId = (
      await c.req('POST', '/api/v1/programs', {
        name: 'Give $20, get $20',
        status: 'active',
        terms: {
          referrerReward: { type: 'credit', amount: 2000 },
          friendIncentive: { type: 'credit', amount: 2000, description: 'off your first adjustment' },
        },
      })
    ).json().id;
    smtp = await startTestSmtp({ parse: true });
    const config = loadConfig({ SMTP_URL: smtp.url, MAIL_FROM: 'Vouch <mail@vouch.test>' });
    services = { config, mailer: createMailer(config.smtp!) };
  });
  afterAll(async () => {
    services.mailer?.close();
    await smtp.close();
    await t.close();
  });

  const customer = async (firstName = 'Sue', lastName = 'Parker') =>
    (
      await c.req('POST', '/api/v1/people', {
        kind: 'customer',
        firstName,
        lastName,
        email: `${firstName.toLowerCase()}${++n}@example.com`,
      })
    ).json().id as string;

  /** A survey for a new customer, with its link's token. */
  const survey = async (firstName?: string) => {
    const personId = await customer(firstName);
    const res = await c.req('POST', `/api/v1/people/${personId}/surveys`, {});
    expect(res.statusCode, res.body).toBe(200);
    const { survey, url } = res.json();
    return { personId, id: survey.id as string, path: new URL(url).pathname };
  };
  const get = (url: string, ip = nextIp()) => t.app.inject({ method: 'GET', url, remoteAddress: ip });
  const post = async (
    path: string,
    form: Record<string, string>,
    opts: { token?: string | null; origin?: string } = {},
  ) => {
    const ip = nextIp();
    const token = opts.token === undefined ? tokenIn((await get(path, ip)).body) : opts.token;
    return t.app.inject({
      method: 'POST',
      url: path,
      remoteAddress: ip,
      payload: new URLSearchParams({ ...(token === null ? {} : { token }), ...form }).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: opts.origin ?? PUBLIC,
      },
    });
  };

  it('sends the invitation with the survey link through the outbox, to a real SMTP server', async () => {
    const s = await survey();
    const detail = (await c.req('GET', `/api/v1/surveys/${s.id}`)).json();
    expect(detail).toMatchObject({ answeredAt: null, score: null, messageStatus: 'queued' });
    const m = (await c.req('GET', `/api/v1/messages/${detail.messageId}`)).json();
    expect(m.kind).toBe('survey_invite');
    expect(m.text).toContain(s.path);
    smtp.mails.length = 0;
    await drain(t.db, services, { kinds: [DELIVER] });
    const mail = smtp.mails.find((x) => x.text?.includes(s.path));
    expect(mail?.subject).toBe('How did we do, Sue?');
    expect(mail?.html).toContain(`${s.path}"`);
  });

  it('shows an accessible 0–10 form that works without JavaScript', async () => {
    const s = await survey();
    const res = await get(s.path);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('Sue, how did we do?');
    expect(res.body).toContain('<legend class="q">How likely are you to recommend Elm Street Chiropractic');
    for (let i = 0; i <= 10; i++)
      expect(res.body).toContain(`<input type="radio" id="score${i}" name="score"`);
    expect(res.body).toContain('You may quote my feedback in your marketing');
    expect(res.body).toContain('value="Sue P."');
    expect(res.body).toContain('noindex');
    expect(res.body).not.toContain('<script');
    expect((await get('/s/not-a-real-survey-token-at-all')).statusCode).toBe(404);
  });

  it('a 10 with a permitted quote: the share page with the link, friends form and review sites; a pending testimonial', async () => {
    const s = await survey();
    const res = await post(s.path, {
      score: '10',
      better: 'Evening hours',
      feedback: 'Dr. Lee fixed my back <script>alert(1)</script> in two visits!',
      may_quote: 'yes',
      quote_name: 'Sue P., Elm Street',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(s.path);
    const page = await get(s.path);
    expect(page.body).toContain('Thank you, Sue!');
    const link = (await c.req('GET', `/api/v1/people/${s.personId}/links`)).json();
    const mine = (Array.isArray(link) ? link : link.items).find(
      (l: { programId: string }) => l.programId === programId,
    );
    expect(page.body).toContain(`/r/${mine.code}`);
    expect(page.body).toContain(`/f/`);
    expect(page.body).toMatch(
      /Your friends get <strong>\$20(\.00)? credit<\/strong> off your first adjustment/,
    );
    expect(page.body).toContain('href="https://g.page/r/elm-street/review"');
    expect(page.body).toContain('Review us on Google');
    expect(page.body).not.toContain('<script>alert');

    const answered = (await c.req('GET', `/api/v1/surveys/${s.id}`)).json();
    expect(answered).toMatchObject({
      score: 10,
      better: 'Evening hours',
      mayQuote: true,
      quoteName: 'Sue P., Elm Street',
      complaint: null,
    });
    expect(answered.feedback).toContain('<script>alert(1)</script>');
    const pending = (await c.req('GET', '/api/v1/testimonials?status=pending')).json();
    expect(pending.items.find((x: { surveyId: string }) => x.surveyId === s.id)).toMatchObject({
      displayName: 'Sue P., Elm Street',
      score: 10,
      status: 'pending',
      programIds: [],
    });
    expect(await latestScore(t.db, c.workspaceId, s.personId)).toMatchObject({ score: 10 });
    expect(await openComplaint(t.db, c.workspaceId, s.personId)).toBe(false);
  });

  it('answers once: a second answer changes nothing and shows the thanks again', async () => {
    const s = await survey();
    const first = tokenIn((await get(s.path)).body);
    expect((await post(s.path, { score: '8' }, { token: first })).statusCode).toBe(303);
    const again = await post(s.path, { score: '0', feedback: 'changed my mind' }, { token: first });
    expect(again.statusCode).toBe(303);
    expect((await c.req('GET', `/api/v1/surveys/${s.id}`)).json()).toMatchObject({
      score: 8,
      feedback: null,
    });
    const page = await get(s.path);
    expect(page.body).toContain('Thank you, Sue!');
    expect(page.body).not.toContain('name="score"');
    // A passive sees the review sites, not the share box.
    expect(page.body).toContain('Review us on Google');
    expect(page.body).not.toContain('Know someone who');
  });

  it('a 3 opens a complaint with a task for the owner, says sorry, and is resolved by staff', async () => {
    const s = await survey('Tom');
    const res = await post(s.path, {
      score: '3',
      better: 'Being on time',
      feedback: 'I waited forty minutes',
      may_quote: 'yes',
      quote_name: 'Tom',
    });
    expect(res.statusCode).toBe(303);
    const page = await get(s.path);
    expect(page.body).toContain('We are sorry, Tom');
    expect(page.body).not.toContain('Know someone who');
    expect(page.body).not.toContain('Review us on');
    expect(await openComplaint(t.db, c.workspaceId, s.personId)).toBe(true);
    const task = await t.db
      .selectFrom('tasks')
      .selectAll()
      .where('workspace_id', '=', c.workspaceId)
      .where('survey_id', '=', s.id)
      .executeTakeFirstOrThrow();
    expect(task).toMatchObject({
      kind: 'complaint',
      person_id: s.personId,
      done_at: null,
      assigned_to: null,
    });
    expect(task.title).toContain('gave us 3 out of 10');
    // Not a thank-you: the Rewards thank-you list leaves it out.
    const thanks = (await c.req('GET', '/api/v1/tasks')).json();
    expect(thanks.items.some((x: { id: string }) => x.id === task.id)).toBe(false);
    // No testimonial from a complaint.
    const all = (await c.req('GET', '/api/v1/testimonials')).json();
    expect(all.items.some((x: { surveyId: string }) => x.surveyId === s.id)).toBe(false);
    const open = (await c.req('GET', '/api/v1/surveys?complaint=open')).json();
    expect(open.items.map((x: { id: string }) => x.id)).toContain(s.id);

    const resolved = await c.req('POST', `/api/v1/surveys/${s.id}/resolve`, { note: 'Called, rebooked' });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json().complaint).toMatchObject({ note: 'Called, rebooked', resolvedBy: c.userId });
    expect(await openComplaint(t.db, c.workspaceId, s.personId)).toBe(false);
    expect((await c.req('POST', `/api/v1/surveys/${s.id}/resolve`, {})).statusCode).toBe(409);
    const done = await t.db
      .selectFrom('tasks')
      .select(['done_at', 'outcome'])
      .where('workspace_id', '=', c.workspaceId)
      .where('id', '=', task.id)
      .executeTakeFirstOrThrow();
    expect(done.done_at).not.toBeNull();
    expect(done.outcome).toBe('resolved');
  });

  it('the workspace chooses the complaint threshold', async () => {
    expect((await c.req('GET', '/api/v1/surveys/settings')).json()).toEqual({ lowScore: 6 });
    expect((await c.req('PUT', '/api/v1/surveys/settings', { lowScore: 9 })).statusCode).toBe(400);
    expect((await c.req('PUT', '/api/v1/surveys/settings', { lowScore: 7 })).json()).toEqual({ lowScore: 7 });
    const s = await survey();
    await post(s.path, { score: '7' });
    expect(await openComplaint(t.db, c.workspaceId, s.personId)).toBe(true);
    await c.req('PUT', '/api/v1/surveys/settings', { lowScore: 6 });
  });

  it('a bad score shows the form again with an error naming the field, and escapes what was typed', async () => {
    const s = await survey();
    const res = await post(s.path, {
      score: '11',
      feedback: '<script>alert("x")</script>',
      better: '"><b>hi',
    });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Score: please choose a number from 0 to 10.');
    expect(res.body).toContain('<a href="#score0">');
    expect(res.body).toContain('aria-invalid="true" aria-describedby="score-ends score-err"');
    expect(res.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</textarea>');
    expect(res.body).toContain('&quot;&gt;&lt;b&gt;hi</textarea>');
    expect(res.body).not.toContain('<script>alert');
    const none = await post(s.path, {});
    expect(none.statusCode).toBe(422);
    expect(none.body).toContain('Score: please choose how likely');
    const quoteless = await post(s.path, { score: '9', may_quote: 'yes', quote_name: '' });
    expect(quoteless.statusCode).toBe(422);
    expect(quoteless.body).toContain('id="feedback-err"');
    expect(quoteless.body).toContain('id="quoteName-err"');
    // Over-long text is cut to the limit, never refused.
    const long = await post(s.path, { score: '8', feedback: 'x'.repeat(5000) });
    expect(long.statusCode).toBe(303);
    expect((await c.req('GET', `/api/v1/surveys/${s.id}`)).json().feedback).toHaveLength(2000);
  });

  it('refuses a post without its form token or from another site', async () => {
    const s = await survey();
    expect((await post(s.path, { score: '9' }, { token: null })).statusCode).toBe(403);
    expect((await post(s.path, { score: '9' }, { origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await c.req('GET', `/api/v1/surveys/${s.id}`)).json().answeredAt).toBeNull();
  });

  it('one survey per transaction', async () => {
    const personId = await customer();
    const ev = (
      await c.req('POST', '/api/v1/events', {
        type: 'visit',
        externalId: `visit-${personId}`,
        person: { id: personId },
      })
    ).json().event.id;
    const first = await transaction(t.db, (tx) =>
      sendSurvey(tx, c.workspaceId, personId, { eventId: ev, publicUrl: PUBLIC }),
    );
    expect(first?.url).toMatch(/^http:\/\/localhost\/s\/[A-Za-z0-9_-]{32}$/);
    const second = await transaction(t.db, (tx) =>
      sendSurvey(tx, c.workspaceId, personId, { eventId: ev, publicUrl: PUBLIC }),
    );
    expect(second).toBeNull();
    expect((await c.req('POST', `/api/v1/people/${personId}/surveys`, { eventId: ev })).statusCode).toBe(409);
  });

  it('staff approve a testimonial and attach it: it shows on the program’s landing page', async () => {
    const s = await survey('Ana');
    await post(s.path, {
      score: '9',
      feedback: 'Warm, <em>careful</em> and always on time.',
      may_quote: 'yes',
      quote_name: 'Ana R., Oak Park',
    });
    const tm = (await c.req('GET', '/api/v1/testimonials?status=pending'))
      .json()
      .items.find((x: { surveyId: string }) => x.surveyId === s.id);
    // Not before it is approved.
    const early = await c.req('PATCH', `/api/v1/testimonials/${tm.id}`, { programIds: [programId] });
    expect(early.statusCode).toBe(422);
    expect(early.json().errors[0].path).toBe('programIds');
    expect((await c.req('POST', `/api/v1/testimonials/${tm.id}/approve`, {})).json().status).toBe('approved');
    const edited = await c.req('PATCH', `/api/v1/testimonials/${tm.id}`, {
      displayName: 'Ana R.',
      programIds: [programId],
    });
    expect(edited.json()).toMatchObject({ displayName: 'Ana R.', programIds: [programId] });
    expect((await c.req('GET', `/api/v1/testimonials?programId=${programId}`)).json().total).toBe(1);

    const referrer = await customer('Rita');
    const link = (
      await c.req('POST', `/api/v1/programs/${programId}/links`, { referrerId: referrer })
    ).json();
    const landing = await get(`/p/${link.code}`);
    expect(landing.body).toContain('What our clients say');
    expect(landing.body).toContain('“Warm, &lt;em&gt;careful&lt;/em&gt; and always on time.”');
    expect(landing.body).toContain('<footer>Ana R.</footer>');

    expect((await c.req('POST', `/api/v1/testimonials/${tm.id}/reject`, {})).json()).toMatchObject({
      status: 'rejected',
      programIds: [],
    });
    expect((await get(`/p/${link.code}`)).body).not.toContain('always on time');
  });

  it('staff at the desk may send a survey but not decide testimonials', async () => {
    const staff = await t.signIn({ role: 'staff' });
    expect((await staff.req('GET', '/api/v1/testimonials')).statusCode).toBe(403);
    expect((await staff.req('PUT', '/api/v1/surveys/settings', { lowScore: 5 })).statusCode).toBe(403);
  });
});

describe.each(dialects)('thank-you per program on %s', (dialect) => {
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await testApp(dialect);
    c = await t.signIn();
  });
  afterAll(() => t.close());

  let n = 0;
  /** A referral in a program thanking `via`, won by the friend's first purchase. */
  const win = async (via: 'email' | 'task' | 'both', gift = '') => {
    const program = await c.req('POST', '/api/v1/programs', {
      name: `Thank by ${via}`,
      status: 'active',
      terms: { referrerReward: { type: 'credit', amount: 1000 }, holdDays: 0 },
      thankYou: via,
      thankYouGift: gift,
    });
    expect(program.json()).toMatchObject({ thankYou: via, thankYouGift: gift });
    const i = ++n;
    const referrer = (
      await c.req('POST', '/api/v1/people', {
        kind: 'customer',
        firstName: 'Rita',
        lastName: `R${i}`,
        email: `rita${i}@example.com`,
      })
    ).json().id;
    const { referral } = await createReferral(
      t.db,
      c.workspaceId,
      { userId: c.userId, label: 'test' },
      {
        programId: program.json().id,
        referrerId: referrer,
        channel: 'staff',
        friend: { firstName: 'Fred', email: `fred${i}@example.com` },
      },
    );
    const sale = await c.req('POST', '/api/v1/events', {
      type: 'purchase',
      externalId: `sale-${i}`,
      person: { id: referral.friend.id },
      amount: 5000,
    });
    expect(sale.statusCode, sale.body).toBe(201);
    const tasks = await t.db
      .selectFrom('tasks')
      .selectAll()
      .where('workspace_id', '=', c.workspaceId)
      .where('referral_id', '=', referral.id)
      .execute();
    const mails = (await c.req('GET', `/api/v1/messages?personId=${referrer}&kind=thank_you`)).json().items;
    return { tasks, mails };
  };

  it('both (the default): the email and a task', async () => {
    const { tasks, mails } = await win('both');
    expect(tasks).toHaveLength(1);
    expect(mails).toHaveLength(1);
  });

  it('email only: no task', async () => {
    const { tasks, mails } = await win('email');
    expect(tasks).toHaveLength(0);
    expect(mails).toHaveLength(1);
  });

  it('task only: a handwritten note naming the gift, no email; its completion is tracked', async () => {
    const { tasks, mails } = await win('task', 'a box of chocolates');
    expect(mails).toHaveLength(0);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.title).toContain('(gift: a box of chocolates)');
    const done = await c.req('POST', `/api/v1/tasks/${tasks[0]!.id}/done`, { outcome: 'card' });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ outcome: 'card' });
  });

  it('a program without the setting thanks both ways', async () => {
    const p = (await c.req('POST', '/api/v1/programs', { name: 'Plain' })).json();
    expect(p).toMatchObject({ thankYou: 'both', thankYouGift: '' });
    const patched = await c.req('PATCH', `/api/v1/programs/${p.id}`, { thankYou: 'task' });
    expect(patched.json().thankYou).toBe('task');
    expect((await c.req('PATCH', `/api/v1/programs/${p.id}`, { thankYou: 'pigeon' })).statusCode).toBe(400);
  });
});
