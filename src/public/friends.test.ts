import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPerson } from '../people/people.service.ts';
import { getOrCreateLink } from '../referrals/links.service.ts';
import { getReferral } from '../referrals/referrals.service.ts';
import { dialects, type Kit, publicKit } from './public-test-kit.ts';

describe.each(dialects)('the referrer’s friends form on %s', (dialect) => {
  let k: Kit;
  let url: string;
  beforeAll(async () => {
    k = await publicKit(dialect);
    url = `/f/${k.link.formToken}`;
  });
  afterAll(() => k.close());

  const named = () =>
    k.db
      .selectFrom('referrals as r')
      .innerJoin('people as f', (j) =>
        j.onRef('f.workspace_id', '=', 'r.workspace_id').onRef('f.id', '=', 'r.friend_id'),
      )
      .select(['r.id', 'r.channel', 'f.first_name', 'f.last_name', 'f.email', 'f.phone', 'f.kind'])
      .where('r.workspace_id', '=', k.workspace.id)
      .where('r.referrer_id', '=', k.referrerId)
      .orderBy('r.created_at')
      .execute();

  it('prompts with the program’s categories and ten rows', async () => {
    const res = await k.get(url);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Rita, who should know about Elm Street Chiropractic?');
    expect(res.body).toContain('Who do you know who …');
    expect(res.body).toContain('has a stiff neck from desk work');
    expect(res.body).toContain('for="name10"');
    expect(res.body).not.toContain('for="name11"');
    expect(res.body).toContain('I have told them about you');
    expect(res.body).toContain('noindex');
  });

  it('makes one referral per person named; only the one the referrer told is introduced', async () => {
    const res = await k.post(url, {
      name1: 'Anna Adams',
      email1: 'anna@example.com',
      name2: 'Ben Brown',
      phone2: '217-555-0199',
      told2: 'yes',
      name3: 'Cleo',
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Thank you, Rita!');
    for (const n of ['Anna Adams', 'Ben Brown', 'Cleo']) expect(res.body).toContain(n);
    const rows = await named();
    expect(rows.map((r) => r.first_name)).toEqual(['Anna', 'Ben', 'Cleo']);
    expect(rows.every((r) => r.channel === 'named_by_referrer' && r.kind === 'prospect')).toBe(true);
    const refs = await Promise.all(rows.map((r) => getReferral(k.db, k.workspace.id, r.id)));
    expect(refs.map((r) => r.waitingForIntroduction)).toEqual([true, false, true]);
    expect(refs[1]!.introducedAt).not.toBeNull();
    expect(rows[1]!.phone).toBe('+12175550199');
  });

  it('saves the good rows and shows the bad ones again with their errors', async () => {
    const before = (await named()).length;
    const res = await k.post(url, {
      name1: 'Dora Diaz',
      email1: 'dora@example.com',
      name2: 'Eli <b>Evans</b>',
      email2: 'eli@gmial.com',
      name3: 'Finn',
      phone3: '12',
    });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Saved:</strong> Dora Diaz');
    expect(res.body).toContain('Did you mean eli@gmail.com?');
    expect(res.body).toMatch(/id="name1"[^>]*value="Eli &lt;b&gt;Evans&lt;\/b&gt;"/);
    expect(res.body).toMatch(/id="email1"[^>]*aria-describedby="email1-err"/);
    expect(res.body).toMatch(/id="name2"[^>]*value="Finn"/);
    expect(res.body).toContain('not a phone number we can read');
    expect(res.body).not.toMatch(/value="Dora Diaz"/);
    expect((await named()).length).toBe(before + 1);
  });

  it('reports, per row, a referrer naming themselves and a friend who is already a customer', async () => {
    await createPerson(k.db, k.actor, { kind: 'customer', firstName: 'Carla', email: 'carla@example.com' });
    const res = await k.post(url, {
      name1: 'Me Myself',
      email1: 'rita@example.com',
      name2: 'Carla',
      email2: 'carla@example.com',
      name3: 'Anna Adams',
      email3: 'anna@example.com',
      name4: 'Gus',
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Me Myself: that’s you!');
    expect(res.body).toContain('Carla: already a client of Elm Street Chiropractic');
    expect(res.body).toContain('Anna Adams: already on our list');
    expect(res.body).toMatch(/<strong>Gus<\/strong>/);
  });

  it('a friend named again with "I have told them" is introduced now', async () => {
    const anna = (await named()).find((r) => r.email === 'anna@example.com')!;
    expect((await getReferral(k.db, k.workspace.id, anna.id)).waitingForIntroduction).toBe(true);
    const res = await k.post(url, { name1: 'Anna Adams', email1: 'anna@example.com', told1: 'yes' });
    expect(res.statusCode).toBe(200);
    const after = await getReferral(k.db, k.workspace.id, anna.id);
    expect(after.waitingForIntroduction).toBe(false);
    expect(after.introducedAt).not.toBeNull();
    expect((await named()).filter((r) => r.email === 'anna@example.com')).toHaveLength(1);
  });

  it('a named friend who then claims the offer with consent gets a coupon and is opted in', async () => {
    const res = await k.post(url, { name1: 'Iris Ives', email1: 'iris@example.com' });
    expect(res.statusCode).toBe(200);
    const claim = await k.post(`/p/${k.link.code}/claim`, {
      name: 'Iris Ives',
      email: 'iris@example.com',
      consent: 'yes',
    });
    expect(claim.statusCode).toBe(303);
    const iris = (await named()).find((r) => r.email === 'iris@example.com')!;
    const r = await getReferral(k.db, k.workspace.id, iris.id);
    expect(r.friendOptInAt).not.toBeNull();
    expect(r.waitingForIntroduction).toBe(false);
    expect(
      await k.db.selectFrom('coupons').select('code').where('referral_id', '=', iris.id).execute(),
    ).toHaveLength(1);
  });

  it('names friends for a partner through the partner channel', async () => {
    const partner = (
      await createPerson(k.db, k.actor, {
        kind: 'partner',
        firstName: 'Paula',
        organisation: 'Paula Accounting',
        email: 'paula@example.com',
      })
    ).id;
    const { link } = await getOrCreateLink(k.db, k.workspace.id, k.programId, partner);
    const res = await k.post(`/f/${link.formToken}`, { name1: 'Hal Hughes', email1: 'hal@example.com' });
    expect(res.statusCode).toBe(200);
    const r = await k.db
      .selectFrom('referrals')
      .select('channel')
      .where('referrer_id', '=', partner)
      .executeTakeFirstOrThrow();
    expect(r.channel).toBe('partner');
  });

  it('refuses unknown form links and cross-site posts with friendly pages', async () => {
    const unknown = await k.get('/f/not-a-real-token-at-all');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/text\/html/);
    const cross = await k.post(url, { name1: 'Zed' }, { headers: { origin: 'https://evil.example' } });
    expect(cross.statusCode).toBe(403);
    expect((await named()).some((r) => r.first_name === 'Zed')).toBe(false);
  });
});
