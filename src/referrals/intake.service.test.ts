import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/db.ts';
import type { Actor } from '../auth/auth.service.ts';
import { createPerson } from '../people/people.service.ts';
import { createProgram } from '../programs/programs.service.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';
import { jaroWinkler, matchReferredBy, nameScore, nameTokens, STRONG_MATCH } from './intake.service.ts';
import { getOrCreateLink } from './links.service.ts';

describe('name similarity', () => {
  it('normalises names to words', () => {
    expect(nameTokens("Dr. José  O'Neil-Smith")).toEqual(['jose', 'oneil', 'smith']);
  });
  it('is kind to typos, strict about different names', () => {
    expect(jaroWinkler('parker', 'parkr')).toBeGreaterThan(0.9);
    expect(jaroWinkler('sue', 'sam')).toBeLessThan(0.8);
    expect(nameScore(['sue', 'parker'], ['sue', 'parker'])).toBe(1);
    expect(nameScore(['sue', 'parkr'], ['sue', 'parker'])).toBeGreaterThanOrEqual(STRONG_MATCH);
    expect(nameScore(['sue', 'p'], ['sue', 'parker'])).toBeGreaterThanOrEqual(STRONG_MATCH);
    // One word of a two-word name is a lead for staff, not an answer.
    expect(nameScore(['parker'], ['sue', 'parker'])).toBeLessThan(STRONG_MATCH);
    expect(nameScore(['sam', 'parker'], ['sue', 'parker'])).toBeLessThan(0.6);
  });
});

describe.each(dialects)('matching "referred by" on %s', (dialect) => {
  let t: TestDb;
  let actor: Actor;
  const ids: Record<string, string> = {};
  let code: string;
  beforeAll(async () => {
    t = await testDb(dialect);
    const ws = await createWorkspace(t.db, { name: 'Match Clinic' });
    actor = { workspaceId: ws.id, role: 'owner', userId: null, via: 'api_key' };
    for (const [key, p] of Object.entries({
      sue: { firstName: 'Sue', lastName: 'Parker' },
      sam: { firstName: 'Sam', lastName: 'Parker' },
      mo: { firstName: 'Mohammed', lastName: 'Al-Rashid' },
      acct: { kind: 'partner' as const, firstName: '', organisation: 'Brightside Accounting' },
      pros: { kind: 'prospect' as const, firstName: 'Petra', lastName: 'Prospect' },
    })) {
      ids[key] = (await createPerson(t.db, actor, { kind: 'customer', ...p })).id;
    }
    const program = await createProgram(t.db, actor, { name: 'P', status: 'active' });
    code = (await getOrCreateLink(t.db, ws.id, program.id, ids.sue!)).link.code;
  });
  afterAll(() => t.close());

  const match = (text: string, excludePersonId?: string) =>
    matchReferredBy(t.db, actor.workspaceId, text, { excludePersonId });

  it('finds a code, typed or as a pasted link', async () => {
    expect(await match(code.toLowerCase())).toMatchObject({ kind: 'code', link: { referrerId: ids.sue } });
    expect(await match(`https://vouch.example/r/${code}`)).toMatchObject({ kind: 'code' });
  });

  it('takes an unambiguous name, typos and all', async () => {
    expect(await match('Sue Parker')).toMatchObject({ kind: 'person', personId: ids.sue });
    expect(await match('sue parkr')).toMatchObject({ kind: 'person', personId: ids.sue });
    expect(await match('Mohammed Al Rashid')).toMatchObject({ kind: 'person', personId: ids.mo });
    expect(await match('Brightside accounting')).toMatchObject({ kind: 'person', personId: ids.acct });
  });

  it('never picks one of several people a name could mean', async () => {
    const m = await match('Parker');
    expect(m.kind).toBe('ambiguous');
    if (m.kind === 'ambiguous')
      expect(m.candidates.map((c) => c.personId).sort()).toEqual([ids.sam, ids.sue].sort());
  });

  it('ignores prospects, the person themselves, and text that names nobody', async () => {
    expect(await match('Petra Prospect')).toEqual({ kind: 'none' });
    expect((await match('Sue Parker', ids.sue)).kind).not.toBe('person');
    expect(await match('   ')).toEqual({ kind: 'none' });
    expect(await match('a flyer at the gym')).toEqual({ kind: 'none' });
  });
});
