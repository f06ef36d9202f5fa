import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { personRow } from '../../test/factories.ts';
import { type Client, type TestApp, testApp } from '../../test/http.ts';
import { loadConfig } from '../config.ts';
import { transaction } from '../db/connect.ts';
import { EventInput } from '../events/events.schema.ts';
import { recordEvent } from '../events/events.service.ts';
import '../jobs/handlers.ts';
import { listJobs } from '../jobs/queue.ts';
import type { WorkerServices } from '../jobs/registry.ts';
import { drain } from '../jobs/runner.ts';
import { emailKey } from '../people/normalize.ts';
import { createProgram } from '../programs/programs.service.ts';
import { createReferral } from '../referrals/referrals.service.ts';
import { createMailer } from './mailer.ts';
import { DELIVER, queueMessage, suppress, unsubscribeToken } from './outbox.ts';
import { startTestSmtp, type TestSmtp, type Verdict } from './smtp-test-server.ts';

const deliver = { kinds: [DELIVER] };
// jsqr is CommonJS whose types declare an ES default export: take the function either way.
const jsQR = ((jsQRModule as { default?: unknown }).default ?? jsQRModule) as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;

describe.each(dialects)('outbox on %s', (dialect) => {
  let t: TestApp;
  let c: Client;
  let smtp: TestSmtp;
  let services: WorkerServices;
  let verdict: (raw: string, n: number) => Verdict = () => 'accept';
  let rcpt: (a: string) => { code: number; message: string } | undefined = () => undefined;

  beforeAll(async () => {
    t = await testApp(dialect);
    c = await t.signIn({ workspaceName: 'Elm Street Chiropractic' });
    await c.req('PATCH', '/api/v1/workspace', {
      address: { line1: '12 Elm Street', city: 'Springfield', region: 'IL', postalCode: '62701' },
    });
    smtp = await startTestSmtp({
      parse: true,
      onData: (raw, n) => verdict(raw, n),
      onRcptTo: (a) => rcpt(a),
    });
    const config = loadConfig({ SMTP_URL: smtp.url, MAIL_FROM: 'Vouch <mail@vouch.test>' });
    services = { config, mailer: createMailer(config.smtp!) };
  });
  afterAll(async () => {
    services.mailer?.close();
    await smtp.close();
    await t.close();
  });
  beforeEach(() => {
    verdict = () => 'accept';
    rcpt = () => undefined;
    smtp.mails.length = 0;
    smtp.accepted.length = 0;
  });

  const addPerson = async (fields: {
    first_name: string;
    email: string | null;
    marketing_consent_at?: string;
  }) => {
    const row = personRow(c.workspaceId, {
      ...fields,
      email_key: fields.email ? emailKey(fields.email) : null,
    });
    await t.db.insertInto('people').values(row).execute();
    return row.id;
  };
  const message = (id: string) =>
    t.db
      .selectFrom('messages')
      .selectAll()
      .where('workspace_id', '=', c.workspaceId)
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('sends HTML and text with one-click unsubscribe, a stable Message-ID and user input escaped', async () => {
    const personId = await addPerson({
      first_name: '<script>alert(1)</script>',
      email: 'Script.Kid@Example.com',
      marketing_consent_at: '2030-01-01T00:00:00.000Z',
    });
    // The ask is marketing: without consent on record it is not sent.
    const without = await addPerson({ first_name: 'Nocon', email: 'nocon@example.com' });
    expect(
      await transaction(t.db, (tx) =>
        queueMessage(tx, { workspaceId: c.workspaceId, kind: 'ask', personId: without, vars: {} }),
      ),
    ).toMatchObject({ status: 'suppressed' });
    const queued = await transaction(t.db, (tx) =>
      queueMessage(tx, {
        workspaceId: c.workspaceId,
        kind: 'ask',
        personId,
        vars: {
          link: 'https://vouch.test/r/K7M2QX',
          friendsLink: 'https://vouch.test/f/abc"><img src=x onerror=alert(2)>',
          offer: 'Friends get <b>50%</b> off',
          programName: 'Friends',
        },
      }),
    );
    expect(queued).toMatchObject({ status: 'queued' });
    expect(await drain(t.db, services, deliver)).toBe(1);
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    const m = await message(queued!.id);
    expect(m).toMatchObject({ status: 'sent', attempts: 1, last_error: null });
    expect(m.provider_message_id).toMatch(/^250/);

    expect(mail.messageId).toBe(`<${queued!.id}@127.0.0.1>`);
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('script.kid@example.com');
    expect(mail.from?.value[0]).toMatchObject({
      name: 'Elm Street Chiropractic',
      address: 'mail@vouch.test',
    });
    expect(mail.subject).toBe('<script>alert(1)</script>, do you know someone we could help?');
    const token = await unsubscribeToken(t.db, c.workspaceId, queued!.id);
    const unsubscribeUrl = `http://127.0.0.1:3000/u/${token}`;
    expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe-post')!.line).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
    const lu = mail.headerLines.find((h) => h.key === 'list-unsubscribe')!.line;
    expect(lu).toContain(`<${unsubscribeUrl}>`);
    expect(lu).toContain(`<mailto:mail@vouch.test?subject=unsubscribe%20${token}>`);

    const htmlBody = String(mail.html);
    expect(htmlBody).not.toContain('<script>');
    expect(htmlBody).toContain('Hi &lt;script&gt;alert(1)&lt;/script&gt;,');
    expect(htmlBody).toContain('Friends get &lt;b&gt;50%&lt;/b&gt; off');
    expect(htmlBody).not.toContain('<img src=x');
    expect(htmlBody).toContain('href="https://vouch.test/r/K7M2QX"');
    expect(htmlBody).toContain(`href="${unsubscribeUrl}"`);
    expect(htmlBody).toContain('12 Elm Street');
    // The friends link with markup in it is not a link at all (not a plain http(s) address).
    expect(htmlBody).not.toContain('onerror=alert(2)>');

    // The QR code of the personal link, sent inline with the email.
    // (mailparser turns the cid: reference into a data: URL of the attachment)
    expect(htmlBody).toMatch(/<img src="data:image\/png;base64,[^"]+" alt="QR code of your link"/);
    const qr = mail.attachments.find((a) => a.cid === 'qr@vouch')!;
    expect(qr.contentType).toBe('image/png');
    const image = PNG.sync.read(qr.content);
    expect(jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data).toBe(
      'https://vouch.test/r/K7M2QX',
    );
    const text = String(mail.text);
    expect(text).toContain('Hi <script>alert(1)</script>,');
    expect(text).toContain('Share your personal link:\nhttps://vouch.test/r/K7M2QX');
    expect(text).toContain(`Unsubscribe from all email from Elm Street Chiropractic: ${unsubscribeUrl}`);
    expect(text).toContain('12 Elm Street\nSpringfield, IL 62701');

    // The outbox viewer shows the same email.
    const seen = (await c.req('GET', `/api/v1/messages/${queued!.id}`)).json();
    expect(seen).toMatchObject({ status: 'sent', personId, messageIdHeader: `<${queued!.id}@127.0.0.1>` });
    expect(seen.html).toContain('Hi &lt;script&gt;');
    expect(seen.html).toContain('src="data:image/png;base64,');
    expect(seen.headers).not.toHaveProperty('x-vouch-qr');
    const preview = await c.req('GET', `/api/v1/messages/${queued!.id}/preview`);
    expect(preview.headers['content-type']).toMatch(/text\/html/);
    expect(preview.headers['content-security-policy']).toMatch(/sandbox/);
    const list = (await c.req('GET', `/api/v1/messages?personId=${personId}`)).json();
    expect(list.items.map((x: { id: string }) => x.id)).toEqual([queued!.id]);
  });

  it('unsubscribes by one-click POST (never by GET), and suppresses later mail on queueing and on sending', async () => {
    const personId = await addPerson({ first_name: 'Una', email: 'una@example.com' });
    await t.db
      .updateTable('people')
      .set({ marketing_consent_at: '2030-01-01T00:00:00.000Z', marketing_consent_source: 'form' })
      .where('id', '=', personId)
      .execute();
    const first = (await transaction(t.db, (tx) =>
      queueMessage(tx, {
        workspaceId: c.workspaceId,
        kind: 'survey_invite',
        personId,
        vars: { link: 'https://x.test/s' },
      }),
    ))!;
    const waiting = (await transaction(t.db, (tx) =>
      queueMessage(tx, {
        workspaceId: c.workspaceId,
        kind: 'reward_available',
        personId,
        vars: { reward: '$20 credit' },
        sendAt: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    ))!;
    await drain(t.db, services, deliver);
    const token = await unsubscribeToken(t.db, c.workspaceId, first.id);

    // A link scanner's GET shows the confirm page and changes nothing.
    const page = await t.app.inject({ method: 'GET', url: `/u/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Unsubscribe?');
    expect(page.body).toContain('u***@example.com');
    expect(page.body).not.toContain('una@example.com');
    expect(
      await t.db.selectFrom('suppressions').selectAll().where('email_key', '=', 'una@example.com').execute(),
    ).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: `/u/${token.slice(0, -2)}xx` })).statusCode).toBe(404);

    // The mail app's one-click POST (RFC 8058): no cookie, no Origin.
    const post = await t.app.inject({
      method: 'POST',
      url: `/u/${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(post.statusCode).toBe(200);
    expect(post.body).toContain('You are unsubscribed');
    const s = await t.db
      .selectFrom('suppressions')
      .selectAll()
      .where('email_key', '=', 'una@example.com')
      .executeTakeFirst();
    expect(s).toMatchObject({
      workspace_id: c.workspaceId,
      reason: 'unsubscribe',
      source: 'one-click',
      message_id: first.id,
    });
    const person = await t.db
      .selectFrom('people')
      .selectAll()
      .where('id', '=', personId)
      .executeTakeFirstOrThrow();
    expect(person).toMatchObject({
      marketing_consent_at: null,
      marketing_consent_source: 'unsubscribe (one-click)',
    });
    // Mail still waiting for the address is suppressed at once, and nothing new is queued to it.
    expect(await message(waiting.id)).toMatchObject({
      status: 'suppressed',
      last_error: 'suppressed: unsubscribe',
    });
    const later = await transaction(t.db, (tx) =>
      queueMessage(tx, {
        workspaceId: c.workspaceId,
        kind: 'thank_you',
        personId,
        vars: { friendName: 'Al' },
      }),
    );
    expect(later).toMatchObject({ status: 'suppressed' });
    const jobs = await listJobs(t.db, { workspaceId: c.workspaceId, kind: DELIVER });
    expect(jobs.filter((j) => j.payload.includes(later!.id))).toEqual([]);
    // Again: still fine, still one suppression.
    expect((await t.app.inject({ method: 'POST', url: `/u/${token}` })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `/u/${token}` })).body).toContain(
      'You are unsubscribed',
    );

    // Suppressed after queueing (a hard bounce found elsewhere, a complaint): checked at send time.
    const otherId = await addPerson({ first_name: 'Otto', email: 'otto@example.com' });
    const queued = (await transaction(t.db, (tx) =>
      queueMessage(tx, {
        workspaceId: c.workspaceId,
        kind: 'thank_you',
        personId: otherId,
        vars: { friendName: 'Al' },
      }),
    ))!;
    await suppress(t.db, c.workspaceId, 'otto@example.com', 'complaint', 'phone call');
    smtp.accepted.length = 0;
    await drain(t.db, services, deliver);
    expect(smtp.accepted).toEqual([]);
    expect(await message(queued.id)).toMatchObject({
      status: 'suppressed',
      last_error: 'suppressed: complaint',
    });
    const list = (await c.req('GET', '/api/v1/suppressions')).json();
    expect(list.items.map((x: { emailKey: string }) => x.emailKey).sort()).toEqual([
      'otto@example.com',
      'una@example.com',
    ]);
  });

  it('retries after a temporary SMTP refusal with backoff, fails after its last attempt with the error shown, and can be retried', async () => {
    const personId = await addPerson({ first_name: 'Tess', email: 'tess@example.com' });
    const q = (await transaction(t.db, (tx) =>
      queueMessage(tx, {
        workspaceId: c.workspaceId,
        kind: 'thank_you',
        personId,
        vars: { friendName: 'Al' },
      }),
    ))!;
    verdict = () => ({ code: 451, message: 'Try again later' });
    const started = Date.now();
    // The first attempt fails; its retry waits for the backoff.
    await drain(t.db, services, deliver);
    const job = (await listJobs(t.db, { workspaceId: c.workspaceId, kind: DELIVER })).find(
      (j) => JSON.parse(j.payload).messageId === q.id,
    )!;
    expect(job).toMatchObject({ status: 'queued', attempts: 1 });
    expect(job.last_error).toMatch(/451/);
    expect(Date.parse(job.run_at) - started).toBeGreaterThanOrEqual(5_000);
    expect(await message(q.id)).toMatchObject({ status: 'queued', attempts: 1 });
    expect(await drain(t.db, services, deliver)).toBe(0);

    // Without waiting: every further attempt at once, all refused; then failed for good.
    await t.db
      .updateTable('jobs')
      .set({ run_at: new Date().toISOString() })
      .where('id', '=', job.id)
      .execute();
    await drain(t.db, services, { ...deliver, backoff: () => 0 });
    const m = await message(q.id);
    expect(m).toMatchObject({ status: 'failed', attempts: 8 });
    expect(m.last_error).toMatch(/SMTP 451: .*Try again later/);
    expect(smtp.accepted).toEqual([]);
    const failed = (await c.req('GET', '/api/v1/jobs?status=failed')).json().items;
    expect(failed).toContainEqual(
      expect.objectContaining({
        id: job.id,
        kind: DELIVER,
        attempts: 8,
        lastError: expect.stringMatching(/451/),
      }),
    );
    const staff = await t.signIn({ role: 'staff' });
    expect((await staff.req('GET', '/api/v1/jobs?status=failed')).statusCode).toBe(403);

    // The SMTP server is fixed; the owner retries the failed job.
    verdict = () => 'accept';
    const retried = await c.req('POST', `/api/v1/jobs/${job.id}/retry`);
    expect(retried.json()).toMatchObject({ status: 'queued', attempts: 0 });
    await drain(t.db, services, deliver);
    expect(await message(q.id)).toMatchObject({ status: 'sent', attempts: 9, last_error: null });
    expect(smtp.accepted).toEqual([`${q.id}@127.0.0.1`]);
  });

  it('fails at once on a permanent refusal and puts a refused mailbox on the suppression list', async () => {
    const personId = await addPerson({ first_name: 'Gone', email: 'gone@example.com' });
    rcpt = (a) => (a === 'gone@example.com' ? { code: 550, message: 'No such user' } : undefined);
    const q = (await transaction(t.db, (tx) =>
      queueMessage(tx, {
        workspaceId: c.workspaceId,
        kind: 'thank_you',
        personId,
        vars: { friendName: 'Al' },
      }),
    ))!;
    await drain(t.db, services, deliver);
    expect(await message(q.id)).toMatchObject({ status: 'failed', attempts: 1 });
    const s = await t.db
      .selectFrom('suppressions')
      .selectAll()
      .where('workspace_id', '=', c.workspaceId)
      .where('email_key', '=', 'gone@example.com')
      .executeTakeFirstOrThrow();
    expect(s.reason).toBe('hard_bounce');
  });

  it('keeps messages in the outbox when there are no SMTP settings', async () => {
    const personId = await addPerson({ first_name: 'Kit', email: 'kit@example.com' });
    const q = (await transaction(t.db, (tx) =>
      queueMessage(tx, {
        workspaceId: c.workspaceId,
        kind: 'thank_you',
        personId,
        vars: { friendName: 'Al' },
      }),
    ))!;
    await drain(t.db, { config: loadConfig({}), mailer: null }, deliver);
    expect(await message(q.id)).toMatchObject({ status: 'kept' });
    expect(smtp.accepted).toEqual([]);
    const kept = (await c.req('GET', '/api/v1/messages?status=kept')).json();
    expect(kept.items.map((m: { id: string }) => m.id)).toContain(q.id);
    // No email address: nothing to queue.
    const nobody = await addPerson({ first_name: 'Nomail', email: null });
    expect(
      await transaction(t.db, (tx) =>
        queueMessage(tx, { workspaceId: c.workspaceId, kind: 'thank_you', personId: nobody }),
      ),
    ).toBeNull();
  });

  it('edits templates per workspace: unknown variables refused by name, preview with sample data, used when queueing', async () => {
    const bad = await c.req('PUT', '/api/v1/templates/thank_you', {
      subject: 'Thanks {{firstName}}',
      body: 'Hello {{ firstName }}, {{couponCode}} and {{nope}}',
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().title).toBe('Unknown template variable(s): couponCode, nope');
    expect(bad.json().errors[0]).toMatchObject({ path: 'body', variable: 'couponCode' });

    const preview = (
      await c.req('POST', '/api/v1/templates/thank_you/preview', {
        subject: 'Thanks, {{firstName}}',
        body: 'You sent us {{friendName}}.\n\n[Visit us](https://elm.test/)',
      })
    ).json();
    expect(preview.subject).toBe('Thanks, Sam');
    expect(preview.html).toContain('You sent us Alex.');
    expect(preview.html).toContain('href="https://elm.test/"');
    expect(preview.text).toContain('Visit us:\nhttps://elm.test/');
    expect(preview.text).toContain('Unsubscribe');

    const put = await c.req('PUT', '/api/v1/templates/thank_you', {
      subject: 'A big thank-you, {{firstName}}',
      body: '{{friendName}} says hi. <b>Not bold</b>',
    });
    expect(put.json()).toMatchObject({ customised: true, subject: 'A big thank-you, {{firstName}}' });
    const personId = await addPerson({ first_name: 'Pat', email: 'pat@example.com' });
    const q = (await transaction(t.db, (tx) =>
      queueMessage(tx, {
        workspaceId: c.workspaceId,
        kind: 'thank_you',
        personId,
        vars: { friendName: 'Lee' },
      }),
    ))!;
    const m = await message(q.id);
    expect(m.subject).toBe('A big thank-you, Pat');
    expect(m.html).toContain('Lee says hi. &lt;b&gt;Not bold&lt;/b&gt;');
    const all = (await c.req('GET', '/api/v1/templates')).json().items;
    expect(all.map((x: { kind: string }) => x.kind)).toEqual([
      'ask',
      'friend_coupon',
      'thank_you',
      'reward_available',
      'survey_invite',
      'friend_intro',
    ]);
    expect((await c.req('DELETE', '/api/v1/templates/thank_you')).json()).toMatchObject({
      customised: false,
      subject: 'Thank you, {{firstName}}!',
    });
  });

  it('queues the thank-you and reward-available emails when a referred friend buys', async () => {
    const actor = {
      workspaceId: c.workspaceId,
      role: 'owner' as const,
      userId: c.userId,
      via: 'session' as const,
    };
    const by = { userId: c.userId, label: 'test' };
    const program = await createProgram(t.db, actor, {
      name: 'Thanks',
      status: 'active',
      terms: { referrerReward: { type: 'credit', amount: 2000 }, holdDays: 0 },
    });
    const referrerId = await addPerson({ first_name: 'Rita', email: 'rita@example.com' });
    const { referral } = await createReferral(t.db, c.workspaceId, by, {
      programId: program.id,
      referrerId,
      channel: 'staff',
      friend: { firstName: 'Fred', email: 'fred@example.com' },
    });
    const ctx = { workspace: { id: c.workspaceId, currency: 'USD', country: 'US' }, by, now: new Date() };
    const sale = EventInput.parse({
      type: 'purchase',
      source: 'pos',
      externalId: 'thanks-1',
      person: { id: referral.friend.id },
      amount: 5000,
    });
    await transaction(t.db, (tx) => recordEvent(tx, ctx, sale));
    const msgs = (await c.req('GET', `/api/v1/messages?personId=${referrerId}`)).json().items;
    expect(msgs.map((m: { kind: string }) => m.kind).sort()).toEqual(['reward_available', 'thank_you']);
    await drain(t.db, services, deliver);
    const toRita = smtp.mails.filter((m) => m.to && 'text' in m.to && m.to.text === 'rita@example.com');
    const subjects = toRita.map((m) => m.subject).sort();
    expect(subjects).toEqual(['Thank you, Rita!', 'Your reward from Elm Street Chiropractic is ready']);
    const thanks = toRita.find((m) => m.subject === 'Thank you, Rita!')!;
    expect(String(thanks.text)).toContain('Fred came to us because of you');
    expect(String(thanks.text)).toContain('you have earned $20 credit');
    // Delivered again (a retried event): still one of each.
    await transaction(t.db, (tx) => recordEvent(tx, ctx, sale));
    expect((await c.req('GET', `/api/v1/messages?personId=${referrerId}`)).json().total).toBe(2);
  });
});
