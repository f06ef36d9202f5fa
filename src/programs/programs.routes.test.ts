import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type Client, type TestApp, testApp } from '../../test/http.ts';
import { createReferral } from '../referrals/referrals.service.ts';
import { getTerms } from './programs.service.ts';

const program = {
  name: 'Give $20, get a free adjustment',
  audience: 'customers',
  status: 'active',
  startsOn: '2026-01-01',
  terms: {
    referrerReward: { type: 'credit', amount: 2000 },
    friendIncentive: { type: 'service', description: 'a complimentary adjustment', value: 6500 },
    qualifyingEvent: { type: 'kept_appointment' },
    attributionDays: 60,
    holdDays: 14,
    monthlyCap: 5,
    milestones: [
      { wonCount: 3, reward: { type: 'gift', description: 'a massage voucher', value: 8000 } },
      { wonCount: 10, reward: { type: 'cash', amount: 10000 } },
    ],
  },
  landing: {
    headline: 'Your friend Rita thinks you will feel better',
    story: 'We have helped people in Springfield since 1998.',
    testimonials: [{ quote: 'My back has never felt better.', name: 'Sue P., Elm Street' }],
  },
  targetCategories: ['Who do you know who sits at a desk all day?'],
  leadingQuestions: ['Who do you know with lower back pain?'],
  educationKit: {
    idealCustomer: 'Adults with back or neck pain',
    needPhrases: ['my back is killing me'],
    howToIntroduce: 'Tell them Dr. Lee takes the time to listen.',
  },
};

describe.each(dialects)('programs API on %s', (dialect) => {
  let t: TestApp;
  let owner: Client;
  beforeAll(async () => {
    t = await testApp(dialect);
    owner = await t.signIn();
  });
  afterAll(() => t.close());

  it('creates, reads, lists and filters programs', async () => {
    const res = await owner.req('POST', '/api/v1/programs', program);
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({
      name: program.name,
      status: 'active',
      termsVersion: 1,
      terms: {
        monthlyCap: 5,
        couponDays: 60,
        referrerReward: { type: 'credit', amount: 2000, description: '' },
      },
      leadingQuestions: program.leadingQuestions,
      educationKit: program.educationKit,
    });
    expect((await owner.req('GET', `/api/v1/programs/${created.id}`)).json()).toEqual(created);
    await owner.req('POST', '/api/v1/programs', { name: 'Partner draft', audience: 'partners' });
    const all = (await owner.req('GET', '/api/v1/programs')).json();
    expect(all.map((p: { name: string }) => p.name)).toEqual(['Partner draft', program.name]);
    const drafts = (await owner.req('GET', '/api/v1/programs?status=draft')).json();
    expect(drafts.map((p: { name: string }) => p.name)).toEqual(['Partner draft']);
    expect((await owner.req('GET', '/api/v1/programs?status=bogus')).statusCode).toBe(400);
  });

  it('refuses bad input with the field that is wrong', async () => {
    const res = await owner.req('POST', '/api/v1/programs', {
      name: 'Bad',
      terms: { referrerReward: { type: 'percent', percent: 150 } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toContain('terms');
    const dates = await owner.req('POST', '/api/v1/programs', {
      name: 'Backwards',
      startsOn: '2026-12-01',
      endsOn: '2026-01-01',
    });
    expect(dates.statusCode).toBe(400);
    expect(dates.json().errors[0].path).toBe('endsOn');
  });

  it('a change of terms is a new version; a referral keeps the promise it was made under', async () => {
    const p = (await owner.req('POST', '/api/v1/programs', program)).json();
    const referrer = (
      await owner.req('POST', '/api/v1/people', { firstName: 'Rita', email: 'rita@example.com' })
    ).json();
    const { referral } = await createReferral(
      t.db,
      owner.workspaceId,
      { userId: null, label: 'test' },
      {
        programId: p.id,
        referrerId: referrer.id,
        channel: 'staff',
        friend: { firstName: 'Fred', email: 'fred@example.com' },
      },
    );
    expect(referral.termsId).toBe(p.termsId);

    // Renaming changes nothing that was promised: still version 1.
    const renamed = (await owner.req('PATCH', `/api/v1/programs/${p.id}`, { name: 'Renamed' })).json();
    expect(renamed).toMatchObject({ name: 'Renamed', termsVersion: 1, termsId: p.termsId });

    const newTerms = { ...program.terms, referrerReward: { type: 'credit', amount: 1000 } };
    const res = await owner.req('PATCH', `/api/v1/programs/${p.id}`, { terms: newTerms });
    expect(res.statusCode, res.body).toBe(200);
    const v2 = res.json();
    expect(v2).toMatchObject({ termsVersion: 2, terms: { referrerReward: { amount: 1000 } } });
    expect(v2.termsId).not.toBe(p.termsId);

    const versions = (await owner.req('GET', `/api/v1/programs/${p.id}/terms`)).json();
    expect(versions.map((v: { version: number; current: boolean }) => [v.version, v.current])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(versions[1].terms.referrerReward.amount).toBe(2000);

    // The referral made before the change still reads version 1's promise.
    const kept = await getTerms(t.db, owner.workspaceId, referral.termsId);
    expect(kept.referrerReward).toEqual({ type: 'credit', amount: 2000, description: '' });
    expect(kept).toEqual(p.terms);
  });

  it("previews the friend's landing page with unsaved settings, escaped, and saves nothing", async () => {
    const before = (await owner.req('GET', '/api/v1/programs')).json().length;
    const res = await owner.req('POST', '/api/v1/programs/preview', {
      ...program,
      landing: { ...program.landing, headline: 'Feel <b>better</b> & move' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const page: string = res.json().html;
    expect(page).toContain('Feel &lt;b&gt;better&lt;/b&gt; &amp; move');
    expect(page).toContain('My back has never felt better.');
    expect(page).toContain('Sue P., Elm Street');
    expect(page).toContain('on behalf of Sue');
    expect(page).toContain('A complimentary adjustment');
    expect((await owner.req('GET', '/api/v1/programs')).json()).toHaveLength(before);
    const bad = await owner.req('POST', '/api/v1/programs/preview', { name: '' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toBe('body.name');
    const staff = await t.signIn({ role: 'staff' });
    expect((await staff.req('POST', '/api/v1/programs/preview', program)).statusCode).toBe(403);
  });

  it('staff may read programs but not create or edit them', async () => {
    const staff = await t.signIn({ role: 'staff' });
    const manager = await t.signIn({ role: 'manager' });
    expect((await staff.req('GET', '/api/v1/programs')).statusCode).toBe(200);
    expect((await staff.req('POST', '/api/v1/programs', { name: 'Nope' })).statusCode).toBe(403);
    const p = (await manager.req('POST', '/api/v1/programs', { name: 'Ok' })).json();
    expect((await manager.req('PATCH', `/api/v1/programs/${p.id}`, { status: 'active' })).json().status).toBe(
      'active',
    );
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/programs' })).statusCode).toBe(401);
  });

  it('answers 404 for a program of another workspace, and for one that does not exist', async () => {
    const other = await t.signIn();
    const p = (await other.req('POST', '/api/v1/programs', { name: 'Theirs' })).json();
    for (const url of [`/api/v1/programs/${p.id}`, `/api/v1/programs/${p.id}/terms`]) {
      expect((await owner.req('GET', url)).statusCode).toBe(404);
    }
    expect((await owner.req('PATCH', `/api/v1/programs/${p.id}`, { name: 'Mine' })).statusCode).toBe(404);
    expect((await owner.req('GET', '/api/v1/programs/0190a3c4-0000-7000-8000-000000000000')).statusCode).toBe(
      404,
    );
  });
});
