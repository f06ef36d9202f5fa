import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPerson } from '../people/people.service.ts';
import { dialects, type Kit, publicKit } from './public-test-kit.ts';

describe.each(dialects)('the general page and intake form on %s', (dialect) => {
  let k: Kit;
  let other: Kit;
  let url: string;
  beforeAll(async () => {
    k = await publicKit(dialect);
    other = await publicKit(dialect, 'Other Town Massage');
    url = `/w/${k.workspace.slug}`;
    for (const [firstName, lastName] of [
      ['Sue', 'Parker'],
      ['John', 'Smith'],
      ['Joan', 'Smith'],
    ] as const) {
      await createPerson(k.db, k.actor, {
        kind: 'customer',
        firstName,
        lastName,
        email: `${firstName.toLowerCase()}@example.com`,
      });
    }
  });
  afterAll(async () => {
    await k.close();
    await other.close();
  });

  const person = (email: string) =>
    k.db
      .selectFrom('people')
      .selectAll()
      .where('workspace_id', '=', k.workspace.id)
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
  const referralsOf = (id: string) =>
    k.db
      .selectFrom('referrals')
      .selectAll()
      .where('workspace_id', '=', k.workspace.id)
      .where('friend_id', '=', id)
      .execute();

  it('shows a welcome, a code box and the intake form', async () => {
    const res = await k.get(url);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Welcome to Elm Street Chiropractic');
    expect(res.body).toContain('action="/code"');
    expect(res.body).toContain('How did you hear about us?');
    expect(res.body).toContain('for="referredBy"');
    expect(res.body).toContain('12 Elm Street');
  });

  it('a code in "referred by" attributes the new client to that link’s referrer', async () => {
    const res = await k.post(url, {
      name: 'Nora New',
      email: 'nora@example.com',
      howHeard: 'friend',
      referredBy: k.link.code.toLowerCase(),
      consent: 'yes',
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Thank you, Nora!');
    const p = await person('nora@example.com');
    expect(p.kind).toBe('prospect');
    expect(p.how_heard).toBe(`Friend or family; referred by: ${k.link.code.toLowerCase()}`);
    expect(p.marketing_consent_source).toBe('intake form');
    const [r] = await referralsOf(p.id);
    expect(r).toMatchObject({
      channel: 'how_heard',
      referrer_id: k.referrerId,
      link_id: k.link.id,
      program_id: k.programId,
    });
    expect(r!.friend_opt_in_at).not.toBeNull();
  });

  it('an unambiguous name is attributed to that person', async () => {
    const res = await k.post(url, { name: 'Olga Ode', phone: '217 555 0142', referredBy: 'sue parker' });
    expect(res.statusCode).toBe(200);
    const p = await k.db
      .selectFrom('people')
      .selectAll()
      .where('phone', '=', '+12175550142')
      .executeTakeFirstOrThrow();
    const sue = await person('sue@example.com');
    const [r] = await referralsOf(p.id);
    expect(r).toMatchObject({ channel: 'how_heard', referrer_id: sue.id, link_id: null });
    expect(r!.friend_opt_in_at).toBeNull();
  });

  it('an ambiguous name goes to staff to confirm: an intake match, no referral', async () => {
    const res = await k.post(url, { name: 'Pia Pending', email: 'pia@example.com', referredBy: 'J. Smith' });
    expect(res.statusCode).toBe(200);
    const p = await person('pia@example.com');
    expect(await referralsOf(p.id)).toHaveLength(0);
    const m = await k.db
      .selectFrom('intake_matches')
      .selectAll()
      .where('person_id', '=', p.id)
      .executeTakeFirstOrThrow();
    expect(m).toMatchObject({
      program_id: k.programId,
      referred_by_text: 'J. Smith',
      resolved_at: null,
      referral_id: null,
    });
    const candidates = JSON.parse(m.candidates) as Array<{ name: string; score: number }>;
    expect(candidates.map((c) => c.name).sort()).toEqual(['Joan Smith', 'John Smith']);
  });

  it('a code of another workspace is not a code here', async () => {
    const res = await k.post(url, {
      name: 'Quentin',
      email: 'quentin@example.com',
      referredBy: other.link.code,
    });
    expect(res.statusCode).toBe(200);
    const p = await person('quentin@example.com');
    expect(await referralsOf(p.id)).toHaveLength(0);
    expect(
      await k.db.selectFrom('intake_matches').select('id').where('person_id', '=', p.id).execute(),
    ).toHaveLength(0);
  });

  it('an existing customer filling the form is kept, not referred', async () => {
    const res = await k.post(url, {
      name: 'John Smith',
      email: 'john@example.com',
      referredBy: 'Sue Parker',
    });
    expect(res.statusCode).toBe(200);
    const john = await person('john@example.com');
    expect(john.kind).toBe('customer');
    expect(await referralsOf(john.id)).toHaveLength(0);
  });

  it('bad input is shown again with errors, nothing half-saved', async () => {
    const res = await k.post(url, { name: '', email: 'ray@example', referredBy: '<script>x</script>' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('Please tell us your name.');
    expect(res.body).toContain('missing the end of the address');
    expect(res.body).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(res.body).not.toContain('<script>x');
    const cross = await k.post(
      url,
      { name: 'Ray', email: 'ray@example.com' },
      { headers: { origin: 'https://evil.example' } },
    );
    expect(cross.statusCode).toBe(403);
    expect(
      await k.db.selectFrom('people').select('id').where('email', '=', 'ray@example.com').execute(),
    ).toHaveLength(0);
  });
});
