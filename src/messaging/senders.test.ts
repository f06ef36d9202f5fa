import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type Client, type TestApp, testApp } from '../../test/http.ts';
import { createProgram } from '../programs/programs.service.ts';
import { createReferral, issueCoupon } from '../referrals/referrals.service.ts';

/** The friend's coupon and the introduction: who gets them, when, and with what in them. */
describe.each(dialects)('emails to referred friends on %s', (dialect) => {
  let t: TestApp;
  let c: Client;
  let program: { id: string };
  let referrer: string;
  let n = 0;
  const actor = () => ({
    workspaceId: c.workspaceId,
    role: 'owner' as const,
    userId: c.userId,
    via: 'session' as const,
  });
  const by = () => ({ userId: c.userId, label: 'test' });
  const messages = async (personId: string) =>
    (await c.req('GET', `/api/v1/messages?personId=${personId}`)).json().items as Array<{
      id: string;
      kind: string;
      subject: string;
    }>;
  const body = async (id: string) => (await c.req('GET', `/api/v1/messages/${id}`)).json();
  const refer = (channel: 'link' | 'named_by_referrer', friend: { email?: string; phone?: string }) =>
    createReferral(t.db, c.workspaceId, by(), {
      programId: program.id,
      referrerId: referrer,
      channel,
      friend: { firstName: `Friend${++n}`, lastName: 'Test', ...friend },
    });

  beforeAll(async () => {
    t = await testApp(dialect);
    c = await t.signIn({ workspaceName: 'Elm Street Chiropractic' });
    program = await createProgram(t.db, actor(), {
      name: 'Share',
      status: 'active',
      terms: { friendIncentive: { type: 'credit', amount: 2000, description: '' } },
    });
    referrer = (
      await c.req('POST', '/api/v1/people', {
        firstName: 'Sue',
        lastName: 'Parker',
        email: 'sue@example.com',
      })
    ).json().id;
  });
  afterAll(() => t.close());

  it('emails the friend their coupon when they claim it, once, and not to a friend without email', async () => {
    const { referral } = await refer('link', { email: 'fran@example.com' });
    const coupon = await issueCoupon(t.db, c.workspaceId, referral, null, 30, 'https://vouch.example');
    await issueCoupon(t.db, c.workspaceId, referral, null, 30, 'https://vouch.example');
    const sent = await messages(referral.friend.id);
    expect(sent.map((m) => m.kind)).toEqual(['friend_coupon']);
    const m = await body(sent[0]!.id);
    expect(m.text).toContain(coupon.code);
    expect(m.text).toContain(`https://vouch.example/c/${coupon.code}`);
    expect(m.text).toContain('Sue');

    const phoneOnly = await refer('link', { phone: '(217) 555-0177' });
    await issueCoupon(t.db, c.workspaceId, phoneOnly.referral, null, 30, 'https://vouch.example');
    expect(await messages(phoneOnly.referral.friend.id)).toEqual([]);
  });

  it('introduces a friend named by a referrer only once they agree to hear from us', async () => {
    const { referral } = await refer('named_by_referrer', { email: 'nina@example.com' });
    expect(await messages(referral.friend.id)).toEqual([]);
    const opted = await c.req('POST', `/api/v1/referrals/${referral.id}/opted-in`, { source: 'phone call' });
    expect(opted.statusCode, opted.body).toBe(200);
    await c.req('POST', `/api/v1/referrals/${referral.id}/opted-in`, { source: 'again' });
    const sent = await messages(referral.friend.id);
    expect(sent.map((m) => m.kind)).toEqual(['friend_intro']);
    const m = await body(sent[0]!.id);
    expect(m.text).toContain('Sue');
    expect(m.text).toContain('$20 credit');
    expect(m.text).toMatch(/\/r\/[A-Z0-9]+/);

    // A friend who came through a link needs no introduction.
    const came = await refer('link', { email: 'lee@example.com' });
    await c.req('POST', `/api/v1/referrals/${came.referral.id}/opted-in`, { source: 'form' });
    expect(await messages(came.referral.friend.id)).toEqual([]);
  });
});
