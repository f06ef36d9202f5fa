import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPerson } from '../people/people.service.ts';
import { updateProgram } from '../programs/programs.service.ts';
import { invalidateLinkCache, setLinkDisabled } from '../referrals/links.service.ts';
import { dialects, type Kit, nextIp, publicKit } from './public-test-kit.ts';

describe.each(dialects)('share link, landing page and claim on %s', (dialect) => {
  let k: Kit;
  beforeAll(async () => {
    k = await publicKit(dialect);
  });
  afterAll(() => k.close());

  const claim = (form: Record<string, string>, opts: Parameters<Kit['post']>[2] = {}) =>
    k.post(`/p/${k.link.code}/claim`, form, opts);
  const referralsOf = (email: string) =>
    k.db
      .selectFrom('referrals as r')
      .innerJoin('people as f', (j) =>
        j.onRef('f.workspace_id', '=', 'r.workspace_id').onRef('f.id', '=', 'r.friend_id'),
      )
      .selectAll('r')
      .select(['f.kind', 'f.phone', 'f.email', 'f.first_name', 'f.marketing_consent_at'])
      .where('r.workspace_id', '=', k.workspace.id)
      .where('f.email', '=', email)
      .execute();

  async function clicks() {
    const { n } = await k.db
      .selectFrom('clicks')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('clicks'), eb.lit(0)).as('n'))
      .where('link_id', '=', k.link.id)
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  it('GET /r/:code records a click and redirects to the landing page', async () => {
    const before = await clicks();
    const res = await k.get(`/r/${k.link.code}`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`/p/${k.link.code}`);
    for (let i = 0; i < 50 && (await clicks()) === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await clicks()).toBe(before + 1);
    const row = await k.db
      .selectFrom('clicks')
      .selectAll()
      .where('link_id', '=', k.link.id)
      .orderBy('at', 'desc')
      .executeTakeFirstOrThrow();
    expect(row.program_id).toBe(k.programId);
    expect(row.visitor_key).toMatch(/^[\w-]{16,}$/);
    expect(row.visitor_key).not.toContain('10.9');
  });

  it('takes a lower-case or spaced code to the canonical landing page', async () => {
    const lower = k.link.code.toLowerCase();
    expect((await k.get(`/r/${lower}`)).headers.location).toBe(`/p/${k.link.code}`);
    const spaced = `${k.link.code.slice(0, 4)}-${k.link.code.slice(4).toLowerCase()}`;
    expect((await k.get(`/r/${spaced}`)).headers.location).toBe(`/p/${k.link.code}`);
    const p = await k.get(`/p/${lower}`);
    expect(p.statusCode).toBe(301);
    expect(p.headers.location).toBe(`/p/${k.link.code}`);
  });

  it('lands an unknown or mistyped code on a friendly page to type it again (200, no click)', async () => {
    await new Promise((r) => setTimeout(r, 100));
    const before = await clicks();
    for (const code of ['ZZZZ2222', 'R1TA-O0IL', '<b>x</b>']) {
      const res = await k.get(`/r/${encodeURIComponent(code)}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toContain('Have a referral code?');
      expect(res.body).not.toContain('<b>x</b>');
    }
    const typed = await k.get('/code?code=ZZZZ2222');
    expect(typed.statusCode).toBe(200);
    expect(typed.body).toContain('couldn’t find this code');
    const good = await k.get(`/code?code=${k.link.code.toLowerCase()}`);
    expect(good.statusCode).toBe(303);
    expect(good.headers.location).toBe(`/p/${k.link.code}`);
    await new Promise((r) => setTimeout(r, 50));
    expect(await clicks()).toBe(before);
  });

  it('stops a guesser after a few dozen unknown codes, without slowing real codes for others', async () => {
    const ip = nextIp();
    let last = 0;
    for (let i = 0; i < 31; i++)
      last = (await k.get(`/r/ZZZZ${String(2222 + i).replace(/[01]/g, '3')}`, ip)).statusCode;
    expect(last).toBe(429);
    expect((await k.get(`/r/${k.link.code}`, ip)).statusCode).toBe(429);
    expect((await k.get(`/r/${k.link.code}`)).statusCode).toBe(302);
  });

  it('renders the offer on behalf of the referrer, escaped and accessible', async () => {
    const res = await k.get(`/p/${k.link.code}`);
    expect(res.statusCode).toBe(200);
    const b = res.body;
    expect(b).toContain('<html lang="en">');
    expect(b).toContain('name="viewport"');
    expect(b).toContain('on behalf of Rita');
    expect(b).not.toContain('Moreno');
    expect(b).toContain('Elm Street Chiropractic');
    expect(b).toContain('$20 credit');
    expect(b).toContain('My back has never felt better.');
    expect(b).toContain('Sue P., Elm Street');
    for (const id of ['name', 'email', 'phone', 'consent']) expect(b).toContain(`for="${id}"`);
    expect(b).toMatch(/name="token" value="[\w-]{20,}"/);
    expect(b).not.toMatch(/<script/i);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['referrer-policy']).toBe('same-origin');
  });

  it('claim: the friend becomes a prospect, with a referral through the link and a coupon shown', async () => {
    const res = await claim({ name: 'Fiona Friend', email: 'fiona@example.com', consent: 'yes' });
    expect(res.statusCode).toBe(303);
    const loc = res.headers.location as string;
    expect(loc).toMatch(/^\/c\/[2-9A-HJKMNP-Z]{10}$/);
    const [r] = await referralsOf('fiona@example.com');
    expect(r).toMatchObject({
      channel: 'link',
      link_id: k.link.id,
      referrer_id: k.referrerId,
      kind: 'prospect',
      status: 'new',
    });
    expect(r!.friend_opt_in_at).not.toBeNull();
    expect(r!.marketing_consent_at).not.toBeNull();
    const coupon = await k.db
      .selectFrom('coupons')
      .selectAll()
      .where('referral_id', '=', r!.id)
      .executeTakeFirstOrThrow();
    expect(loc).toBe(`/c/${coupon.code}`);
    expect(JSON.parse(coupon.incentive!)).toMatchObject({ type: 'credit', amount: 2000 });
    const page = await k.get(loc);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Fiona, here is your coupon');
    expect(page.body).toContain('$20 credit');
    expect(page.body).toContain(coupon.code);
    expect(page.body).toMatch(/<svg[^>]+role="img"/);
    expect(page.body).toContain('12 Elm Street');
    expect(page.body).toContain('Valid until');
    expect(page.headers['cache-control']).toBe('no-store');
    const printable = await k.get(`${loc}/print`);
    expect(printable.statusCode).toBe(200);
    expect(printable.body).not.toContain('Printable version');
  });

  it('the same claim twice makes one referral and one coupon', async () => {
    const ip = nextIp();
    const form = { name: 'Gina Twice', email: 'gina@example.com', consent: 'yes' };
    const a = await claim(form, { ip });
    const b = await claim({ ...form, email: 'GINA@example.com ' }, { ip });
    expect(a.statusCode).toBe(303);
    expect(b.headers.location).toBe(a.headers.location);
    const rs = await referralsOf('gina@example.com');
    expect(rs).toHaveLength(1);
    const coupons = await k.db
      .selectFrom('coupons')
      .select('code')
      .where('referral_id', '=', rs[0]!.id)
      .execute();
    expect(coupons).toHaveLength(1);
    // From another address, the coupon is not shown to whoever types Gina's email.
    const other = await claim(form);
    expect(other.statusCode).toBe(200);
    expect(other.body).toContain('already claimed');
    expect(other.body).not.toContain(coupons[0]!.code);
  });

  it('escapes a script tag in the name everywhere it is shown', async () => {
    const res = await claim({ name: '<script>alert(1)</script> Evil', email: 'evil@example.com' });
    expect(res.statusCode).toBe(303);
    const page = await k.get(res.headers.location as string);
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const bad = await claim({ name: '<img src=x onerror=alert(1)>', email: 'jane@gmial.com' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).not.toContain('<img src=x');
    expect(bad.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('an email with a typo gets a clear error next to the field, the typed values kept', async () => {
    const res = await claim({ name: 'Jane Typo', email: 'jane@gmial.com', phone: '', consent: 'yes' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Did you mean jane@gmail.com?');
    expect(res.body).toMatch(/id="email"[^>]*value="jane@gmial.com"/);
    expect(res.body).toMatch(/aria-describedby="email-hint email-err"/);
    expect(res.body).toMatch(/aria-invalid="true"/);
    expect(res.body).toContain('id="email-err"');
    expect(res.body).toMatch(/value="Jane Typo"/);
    expect(res.body).toMatch(/id="consent"[^>]*checked/);
    expect(await referralsOf('jane@gmial.com')).toHaveLength(0);
    const noTld = await claim({ name: 'Jane', email: 'jane@example' });
    expect(noTld.statusCode).toBe(422);
    expect(noTld.body).toContain('missing the end of the address');
    // Someone whose address really is like that sends it again unchanged.
    const again = await claim({
      name: 'Jane Typo',
      email: 'jane@gmial.com',
      email_checked: 'jane@gmial.com',
    });
    expect(again.statusCode).toBe(303);
  });

  it('a phone in a foreign format is stored in E.164; one nobody can read is refused', async () => {
    const res = await claim({ name: 'Liam London', email: 'liam@example.co.uk', phone: '+44 20 7946 0958' });
    expect(res.statusCode).toBe(303);
    const [r] = await referralsOf('liam@example.co.uk');
    expect(r!.phone).toBe('+442079460958');
    const bad = await claim({ name: 'Nope', phone: '12' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('is not a phone number we can read');
    const nothing = await claim({ name: 'No Contact' });
    expect(nothing.statusCode).toBe(422);
    expect(nothing.body).toContain('Please give an email or a phone number');
  });

  it('without the consent tick the coupon is still shown, but the friend is not opted in', async () => {
    const res = await claim({ name: 'Quiet Quinn', email: 'quinn@example.com' });
    expect(res.statusCode).toBe(303);
    const [r] = await referralsOf('quinn@example.com');
    expect(r!.friend_opt_in_at).toBeNull();
    expect(r!.marketing_consent_at).toBeNull();
    expect((await k.get(res.headers.location as string)).statusCode).toBe(200);
  });

  it("refuses the referrer's own claim, politely", async () => {
    const res = await claim({ name: 'Rita Moreno', email: 'Rita@Example.com' });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('This offer is for Rita’s friends');
    const n = await k.db
      .selectFrom('coupons')
      .select('id')
      .where('workspace_id', '=', k.workspace.id)
      .execute();
    const again = await claim({ name: 'R', phone: '(217) 555-0100' });
    expect(again.statusCode).toBe(422);
    expect(
      await k.db.selectFrom('coupons').select('id').where('workspace_id', '=', k.workspace.id).execute(),
    ).toHaveLength(n.length);
  });

  it('refuses an existing customer, politely', async () => {
    await createPerson(k.db, k.actor, { kind: 'customer', firstName: 'Carl', email: 'carl@example.com' });
    const res = await claim({ name: 'Carl', email: 'carl@example.com' });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('already with Elm Street Chiropractic');
    expect(await referralsOf('carl@example.com')).toHaveLength(0);
  });

  it('refuses a form posted from another site, or without its token (403 page)', async () => {
    const form = { name: 'Mallory', email: 'mallory@example.com' };
    const cases: Array<Record<string, string>> = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: '', referer: 'https://evil.example/page' },
    ];
    for (const headers of cases) {
      const h: Record<string, string> = { ...headers };
      if (h.origin === '') delete h.origin;
      const res = await k.app.inject({
        method: 'POST',
        url: `/p/${k.link.code}/claim`,
        payload: new URLSearchParams({ ...form, token: await k.tokenOf(`/p/${k.link.code}`) }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...h },
        remoteAddress: nextIp(),
      });
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toContain('sent from another website');
    }
    const noToken = await claim(form, { token: null });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.body).toContain('This form has expired');
    const otherForm = await claim(form, { token: await k.tokenOf(`/w/${k.workspace.slug}`) });
    expect(otherForm.statusCode).toBe(403);
    expect(await referralsOf('mallory@example.com')).toHaveLength(0);
  });

  it('flags a claim after a burst of clicks from one visitor, without refusing it', async () => {
    const ip = nextIp();
    for (let i = 0; i < 22; i++) await k.get(`/r/${k.link.code}`, ip);
    await new Promise((r) => setTimeout(r, 400));
    const res = await claim(
      { name: 'Bursty', email: 'bursty@example.com' },
      { ip, headers: { 'user-agent': 'lightMyRequest' } },
    );
    expect(res.statusCode).toBe(303);
    const [r] = await referralsOf('bursty@example.com');
    expect(r!.flag).toMatch(/clicks from one visitor/);
  });

  it('answers with friendly HTML for errors: too many posts, unreadable bodies', async () => {
    const ip = nextIp();
    let last = 0;
    for (let i = 0; i < 21; i++) last = (await claim({ name: '' }, { ip, token: 'x' })).statusCode;
    expect(last).toBe(429);
    const limited = await claim({ name: '' }, { ip, token: 'x' });
    expect(limited.headers['content-type']).toMatch(/text\/html/);
    expect(limited.body).toContain('Please slow down');
    const plain = await k.app.inject({
      method: 'POST',
      url: `/p/${k.link.code}/claim`,
      payload: 'hello',
      headers: { 'content-type': 'application/xml' },
      remoteAddress: nextIp(),
    });
    expect(plain.statusCode).toBe(415);
    expect(plain.headers['content-type']).toMatch(/text\/html/);
    expect(plain.body).not.toMatch(/"code"|stack/);
    const coupon = await k.get('/c/ZZZZZZZZZZ');
    expect(coupon.statusCode).toBe(404);
    expect(coupon.headers['content-type']).toMatch(/text\/html/);
  });

  it('lands a disabled code, or a code of a program that ended, on the business page', async () => {
    await setLinkDisabled(k.db, k.actor, k.link.id, true);
    const res = await k.get(`/r/${k.link.code}`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(`/w/${k.workspace.slug}`);
    expect((await k.get(`/p/${k.link.code}`)).headers.location).toBe(`/w/${k.workspace.slug}`);
    const general = await k.get(`/w/${k.workspace.slug}`);
    expect(general.statusCode).toBe(200);
    expect(general.body).toContain('Welcome to Elm Street Chiropractic');
    await setLinkDisabled(k.db, k.actor, k.link.id, false);
    expect((await k.get(`/r/${k.link.code}`)).headers.location).toBe(`/p/${k.link.code}`);
    await updateProgram(k.db, k.actor, k.programId, { status: 'ended' });
    invalidateLinkCache(k.db);
    expect((await k.get(`/r/${k.link.code}`)).headers.location).toBe(`/w/${k.workspace.slug}`);
    const late = await claim({ name: 'Late Larry', email: 'larry@example.com' }, { token: 'x' });
    expect(late.statusCode).toBe(410);
    expect(late.body).toContain('This offer has ended');
    await updateProgram(k.db, k.actor, k.programId, { status: 'active' });
    invalidateLinkCache(k.db);
  });
});
