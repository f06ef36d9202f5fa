/**
 * Issue 6's "done when", end to end on the server, in the demo workspace, with a controllable
 * clock and a real SMTP server: a customer's third visit puts them on today's ask list with the
 * program's leading question; a purchase sends the feedback survey three days later (the demo's
 * survey rule, through the nightly pass and the outbox); a 10 with a permitted quote shows the
 * share page with the referral link and the review sites; the quote, approved and attached,
 * appears on the program's landing page; the unsubscribe link stops all further mail.
 */
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type TestApp, testApp } from '../../test/http.ts';
import type { Actor } from '../auth/auth.service.ts';
import { loadConfig } from '../config.ts';
import { transaction } from '../db/connect.ts';
import { DEMO_OWNER, seedDemo } from '../demo/demo.ts';
import { eventContext, recordEvent } from '../events/events.service.ts';
import '../jobs/handlers.ts';
import type { WorkerServices } from '../jobs/registry.ts';
import { drain } from '../jobs/runner.ts';
import { newId, withClock } from '../lib/ids.ts';
import { createMailer } from '../messaging/mailer.ts';
import { DELIVER, queueMessage } from '../messaging/outbox.ts';
import { startTestSmtp, type TestSmtp } from '../messaging/smtp-test-server.ts';
import { createPerson } from '../people/people.service.ts';
import { ASK_PASS, PASS_HOUR, scheduleAskPasses } from './engine.ts';
import { localOf, nextAllowed, zonedToUtc } from './schedule.ts';

const TZ = 'America/Chicago';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(dialects)('issue 6 done when, in the demo workspace on %s', (dialect) => {
  let t: TestApp;
  let smtp: TestSmtp;
  let services: WorkerServices;
  let workspaceId: string;
  let actor: Actor;
  let session: { cookie: string; csrf: string };
  /** The controllable clock the services and jobs below run under (moved on by the test). */
  let now = 0;
  const at = <T>(fn: () => Promise<T>) => withClock(() => now, fn);

  beforeAll(async () => {
    t = await testApp(dialect);
    smtp = await startTestSmtp({ parse: true });
    const config = loadConfig({ SMTP_URL: smtp.url, MAIL_FROM: 'Maple Street <mail@vouch.test>' });
    services = { config, mailer: createMailer(config.smtp!) };
    const demo = await seedDemo(t.db);
    workspaceId = demo.workspaceId;
    const owner = await t.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', DEMO_OWNER)
      .executeTakeFirstOrThrow();
    actor = { workspaceId, role: 'owner', userId: owner.id, via: 'session' };
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email: DEMO_OWNER, password: demo.password },
    });
    expect(res.statusCode, res.body).toBe(200);
    session = {
      cookie: `vouch_session=${res.cookies.find((c) => c.name === 'vouch_session')!.value}`,
      csrf: res.json().csrfToken,
    };
    // The clock starts at the real time: requests through the app read the system clock.
    now = Date.now();
  });
  afterAll(async () => {
    services.mailer?.close();
    await smtp.close();
    await t.close();
  });

  const api = (method: string, url: string, payload?: object) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
      ...(payload ? { payload } : {}),
    });
  const record = (personId: string, type: 'visit' | 'purchase', occurredAt?: string) =>
    at(() =>
      transaction(t.db, async (tx) =>
        recordEvent(
          tx,
          await eventContext(tx, actor, { userId: actor.userId, label: 'Front desk' }, new Date(now)),
          {
            type,
            source: 'front-desk',
            externalId: newId(),
            person: { id: personId },
            ...(type === 'purchase' ? { amount: 8500 } : {}),
            ...(occurredAt ? { occurredAt } : {}),
          } as never,
        ),
      ),
    );
  /** The nightly pass as the worker runs it: the hourly scheduler, then the pass job. */
  const nightlyPass = async () => {
    now = zonedToUtc(TZ, localOf(TZ, new Date(now)).date, PASS_HOUR, 5).getTime();
    await at(() => scheduleAskPasses(t.db));
    await at(() => drain(t.db, services, { kinds: [ASK_PASS] }));
  };
  const deliver = () => at(() => drain(t.db, services, { kinds: [DELIVER] }));
  const mailTo = (address: string): ParsedMail[] =>
    smtp.mails.filter((m) => (m.to && 'text' in m.to ? m.to.text : '') === address);

  it('third visit → ask list; purchase → survey three days later; a 10 → share page, testimonial on the landing page; unsubscribe stops all mail', async () => {
    const email = `trina.third.${dialect}@example.com`;
    const person = await at(() =>
      createPerson(t.db, actor, {
        kind: 'customer',
        firstName: 'Trina',
        lastName: 'Third',
        email,
        marketingConsent: { given: true, source: 'intake form' },
      } as never),
    );
    const program = await t.db
      .selectFrom('programs')
      .select(['id', 'leading_questions', 'name'])
      .where('workspace_id', '=', workspaceId)
      .where('audience', '=', 'customers')
      .where('status', '=', 'active')
      .orderBy('created_at')
      .executeTakeFirstOrThrow();
    const question = (JSON.parse(program.leading_questions) as string[])[0]!;

    // 1. The third visit puts her on today's ask list, with the program's leading question.
    await record(person.id, 'visit', new Date(now - 14 * DAY).toISOString());
    await record(person.id, 'visit', new Date(now - 7 * DAY).toISOString());
    const before = (await api('GET', '/api/v1/asks/today')).json();
    expect(before.items.some((a: { personId: string }) => a.personId === person.id)).toBe(false);
    await record(person.id, 'visit');
    const today = await api('GET', '/api/v1/asks/today');
    expect(today.statusCode, today.body).toBe(200);
    expect(today.json().items.find((a: { personId: string }) => a.personId === person.id)).toMatchObject({
      reason: '3rd visit',
      question,
      programName: program.name,
      ruleName: '3rd visit: ask at the desk',
    });

    // 2. A purchase; three days on, the nightly pass sends the survey, by email when the rule's
    //    quiet hours end (08:00 on a business day), through the real SMTP server.
    await record(person.id, 'purchase');
    await deliver();
    expect(mailTo(email)).toEqual([]);
    now += 3 * DAY;
    await nightlyPass();
    const survey = await t.db
      .selectFrom('surveys')
      .select(['id', 'event_id', 'sent_at'])
      .where('workspace_id', '=', workspaceId)
      .where('person_id', '=', person.id)
      .executeTakeFirstOrThrow();
    expect(survey.event_id).not.toBeNull();
    const eight = nextAllowed(
      TZ,
      { quietFrom: '20:00', quietTo: '08:00', businessDaysOnly: true },
      new Date(now),
    );
    expect(localOf(TZ, eight)).toMatchObject({ hour: 8, minute: 0 });
    expect(new Date(survey.sent_at).toISOString()).toBe(eight.toISOString());
    await deliver();
    expect(mailTo(email)).toEqual([]);
    now = eight.getTime() + 5 * 60_000;
    await deliver();
    const [invite] = mailTo(email);
    expect(invite?.subject).toBe('How did we do, Trina?');
    const link = /https?:\/\/\S+?(\/s\/[A-Za-z0-9_-]+)/.exec(invite?.text ?? '')?.[1];
    expect(link).toBeTruthy();
    expect(invite?.html).toContain(`${link}"`);

    // 3. She answers with a 10 and lets them quote her: the share page with her referral link
    //    and the workspace's review sites. (Public pages and the API read the system clock.)
    const form = await t.app.inject({ method: 'GET', url: link!, remoteAddress: '10.66.0.1' });
    expect(form.statusCode).toBe(200);
    const token = /name="token" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const quote = 'Three visits and my back is my own again. Thank you, Maple Street!';
    const answer = await t.app.inject({
      method: 'POST',
      url: link!,
      remoteAddress: '10.66.0.1',
      payload: new URLSearchParams({
        token,
        score: '10',
        feedback: quote,
        may_quote: 'yes',
        quote_name: 'Trina T., Oak Street',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
    });
    expect(answer.statusCode, answer.body).toBe(303);
    const share = await t.app.inject({ method: 'GET', url: link!, remoteAddress: '10.66.0.1' });
    expect(share.body).toContain('Thank you, Trina!');
    const code = /\/r\/([A-Za-z0-9]+)/.exec(share.body)?.[1];
    expect(code).toBeTruthy();
    expect(share.body).toContain('href="https://g.page/r/maple-street-chiropractic/review"');
    expect(share.body).toContain('href="https://www.yelp.com/writeareview/biz/maple-street-chiropractic"');

    // 4. The owner approves the quote and attaches it to the program: it is on the landing page.
    const pending = (await api('GET', '/api/v1/testimonials?status=pending')).json();
    const tm = pending.items.find((x: { surveyId: string }) => x.surveyId === survey.id);
    expect(tm).toMatchObject({ displayName: 'Trina T., Oak Street', score: 10 });
    expect((await api('POST', `/api/v1/testimonials/${tm.id}/approve`, {})).statusCode).toBe(200);
    const attached = await api('PATCH', `/api/v1/testimonials/${tm.id}`, { programIds: [program.id] });
    expect(attached.statusCode, attached.body).toBe(200);
    const landing = await at(() =>
      t.app.inject({ method: 'GET', url: `/p/${code}`, remoteAddress: '10.66.0.2' }),
    );
    expect(landing.statusCode).toBe(200);
    expect(landing.body).toContain(`“${quote}”`);
    expect(landing.body).toContain('<footer>Trina T., Oak Street</footer>');

    // 5. The unsubscribe link (one-click POST, as a mail app sends it) stops all further mail.
    const header = invite!.headerLines.find((h) => h.key === 'list-unsubscribe')!.line;
    const unsubscribe = /<https?:\/\/[^>]*?(\/u\/[A-Za-z0-9_-]+)>/.exec(header)?.[1];
    expect(unsubscribe).toBeTruthy();
    expect(invite!.text).toContain(unsubscribe);
    const post = await t.app.inject({
      method: 'POST',
      url: unsubscribe!,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(post.statusCode).toBe(200);
    expect(post.body).toContain('You are unsubscribed');
    const later = await at(() =>
      transaction(t.db, (tx) =>
        queueMessage(tx, { workspaceId, kind: 'thank_you', personId: person.id, vars: { friendName: 'Al' } }),
      ),
    );
    expect(later).toMatchObject({ status: 'suppressed' });
    // Six weeks on she buys again: the survey rule leaves her out, and nothing more arrives.
    now += 42 * DAY;
    await record(person.id, 'purchase');
    now += 3 * DAY;
    await nightlyPass();
    now += 12 * HOUR;
    await deliver();
    const surveys = await t.db
      .selectFrom('surveys')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('person_id', '=', person.id)
      .execute();
    expect(surveys).toHaveLength(1);
    expect(mailTo(email)).toHaveLength(1);
    const queued = await t.db
      .selectFrom('messages')
      .select('status')
      .where('workspace_id', '=', workspaceId)
      .where('person_id', '=', person.id)
      .where('status', 'in', ['queued', 'sent'])
      .execute();
    expect(queued).toEqual([{ status: 'sent' }]);
  });
});
