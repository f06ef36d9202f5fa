import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/db.ts';
import type { Actor } from '../auth/auth.service.ts';
import { connect } from '../db/connect.ts';
import { migrate } from '../db/migrate.ts';
import { createPerson, mergePeople } from '../people/people.service.ts';
import { createProgram, updateProgram } from '../programs/programs.service.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';
import { createClickRecorder, trackClick, visitorKey } from './clicks.ts';
import { CODE_ALPHABET } from './codes.ts';
import {
  clickCounts,
  getOrCreateLink,
  invalidateLinkCache,
  linkUrls,
  listPersonLinks,
  resolveCode,
  resolveLinkByCode,
  setLinkDisabled,
} from './links.service.ts';

describe.each(dialects)('referral links on %s', (dialect) => {
  let t: TestDb;
  let actor: Actor;
  let programId: string;
  let referrerId: string;
  const person = (firstName: string, email: string) =>
    createPerson(t.db, actor, { firstName, lastName: 'Test', email }).then((p) => p.id);

  beforeAll(async () => {
    t = await testDb(dialect);
    const ws = await createWorkspace(t.db, {
      name: 'Link Clinic',
      country: 'US',
      timeZone: 'America/Chicago',
    });
    actor = { workspaceId: ws.id, role: 'owner', userId: null, via: 'api_key' };
    programId = (await createProgram(t.db, actor, { name: 'Give $20', status: 'active' })).id;
    referrerId = await person('Rita', 'rita@example.com');
  });
  afterAll(() => t.close());

  it('creates one link per referrer and program, with an unambiguous code', async () => {
    const a = await getOrCreateLink(t.db, actor.workspaceId, programId, referrerId);
    const b = await getOrCreateLink(t.db, actor.workspaceId, programId, referrerId);
    expect(a.created).toBe(true);
    expect(b).toEqual({ link: a.link, created: false });
    expect(a.link.code).toMatch(new RegExp(`^[${CODE_ALPHABET}]{8}$`));
    expect(a.link.code).not.toMatch(/[01OIL]/);
    expect(linkUrls('https://x.example/', a.link)).toEqual({
      shareUrl: `https://x.example/r/${a.link.code}`,
      formUrl: `https://x.example/f/${a.link.formToken}`,
    });
    const other = await createProgram(t.db, actor, {
      name: 'Partners',
      status: 'active',
      audience: 'partners',
    });
    const c = await getOrCreateLink(t.db, actor.workspaceId, other.id, referrerId);
    expect(c.link.code).not.toBe(a.link.code);
    expect((await listPersonLinks(t.db, actor.workspaceId, referrerId)).map((l) => l.id)).toEqual([
      a.link.id,
      c.link.id,
    ]);
  });

  it('creating the same link concurrently yields one link', async () => {
    const id = await person('Conny', 'conny@example.com');
    const all = await Promise.all(
      Array.from({ length: 5 }, () => getOrCreateLink(t.db, actor.workspaceId, programId, id)),
    );
    expect(new Set(all.map((r) => r.link.id)).size).toBe(1);
  });

  it('resolves a typed code case-insensitively, and refuses unknown, malformed and disabled ones', async () => {
    const { link } = await getOrCreateLink(t.db, actor.workspaceId, programId, referrerId);
    const typed = `${link.code.slice(0, 4).toLowerCase()}-${link.code.slice(4)}`;
    const r = await resolveLinkByCode(t.db, typed);
    expect(r).toMatchObject({
      link: { id: link.id },
      program: { id: programId, name: 'Give $20' },
      referrer: { id: referrerId, firstName: 'Rita' },
      workspace: { id: actor.workspaceId, name: 'Link Clinic' },
    });
    expect(await resolveLinkByCode(t.db, '23456789')).toBeNull();
    expect(await resolveLinkByCode(t.db, 'O0O0O0O0')).toBeNull();
    expect(await resolveLinkByCode(t.db, '')).toBeNull();

    await setLinkDisabled(t.db, actor, link.id, true);
    expect(await resolveLinkByCode(t.db, link.code)).toBeNull();
    // A disabled code still knows its workspace, so it lands on the general page.
    expect(await resolveCode(t.db, link.code)).toEqual({
      status: 'closed',
      workspace: expect.objectContaining({ id: actor.workspaceId }),
    });
    await setLinkDisabled(t.db, actor, link.id, false);
    expect(await resolveLinkByCode(t.db, link.code)).not.toBeNull();
  });

  it('does not resolve a code of a program that is not open', async () => {
    const p = await createProgram(t.db, actor, { name: 'Draft', status: 'draft' });
    const { link } = await getOrCreateLink(t.db, actor.workspaceId, p.id, referrerId);
    expect(await resolveLinkByCode(t.db, link.code)).toBeNull();
    await updateProgram(t.db, actor, p.id, { status: 'active' });
    invalidateLinkCache(t.db);
    expect(await resolveLinkByCode(t.db, link.code)).not.toBeNull();
    await updateProgram(t.db, actor, p.id, { endsOn: '2020-01-01', startsOn: '2019-01-01' });
    invalidateLinkCache(t.db);
    expect(await resolveLinkByCode(t.db, link.code)).toBeNull();
  });

  it('resolves a merged referrer to the person they were merged into', async () => {
    const keep = await person('Keeper', 'keeper@example.com');
    const gone = await person('Gone', 'gone@example.com');
    const { link } = await getOrCreateLink(t.db, actor.workspaceId, programId, gone);
    await getOrCreateLink(t.db, actor.workspaceId, programId, keep);
    await mergePeople(t.db, actor, keep, gone);
    // Both had a link in the program: the other's stays with the tombstone and resolves to the survivor.
    const r = await resolveLinkByCode(t.db, link.code);
    expect(r?.referrer).toMatchObject({ id: keep, firstName: 'Keeper' });
    expect((await getOrCreateLink(t.db, actor.workspaceId, programId, gone)).link.referrerId).toBe(keep);
    expect((await listPersonLinks(t.db, actor.workspaceId, keep)).map((l) => l.id)).toContain(link.id);
  });

  it('visitor keys are stable within a UTC day, rotate daily and reveal nothing', async () => {
    const day = new Date('2026-11-22T10:00:00Z');
    const k1 = await visitorKey(t.db, '203.0.113.7', 'Firefox', day);
    expect(await visitorKey(t.db, '203.0.113.7', 'Firefox', new Date('2026-11-22T23:59:00Z'))).toBe(k1);
    expect(await visitorKey(t.db, '203.0.113.7', 'Firefox', new Date('2026-11-23T00:00:01Z'))).not.toBe(k1);
    expect(await visitorKey(t.db, '203.0.113.8', 'Firefox', day)).not.toBe(k1);
    expect(k1).not.toContain('203');
  });

  it('the recorder writes every buffered click on close', async () => {
    const id = await person('Clicky', 'clicky@example.com');
    const { link } = await getOrCreateLink(t.db, actor.workspaceId, programId, id);
    // A long interval: nothing is written by the timer, only by size and by close().
    const recorder = createClickRecorder(t.db, { flushMs: 60_000, maxRows: 300 });
    const N = 1234;
    for (let i = 0; i < N; i++) {
      recorder.record({
        workspaceId: actor.workspaceId,
        linkId: link.id,
        programId,
        visitorKey: `v${i % 7}`,
      });
    }
    expect(recorder.pending).toBe(N);
    await recorder.close();
    expect(recorder.pending).toBe(0);
    const rows = await t.db
      .selectFrom('clicks')
      .select(['visitor_key', 'clicks'])
      .where('workspace_id', '=', actor.workspaceId)
      .where('link_id', '=', link.id)
      .execute();
    expect(rows.reduce((n, r) => n + r.clicks, 0)).toBe(N);
    // Counted per visitor and minute: seven visitors make seven rows (fourteen across a minute).
    expect(rows.length).toBeGreaterThanOrEqual(7);
    expect(rows.length).toBeLessThanOrEqual(14);
    // The daily rollup that link statistics read agrees with the raw clicks.
    expect((await clickCounts(t.db, actor.workspaceId, [link.id])).get(link.id)).toBe(N);
  });

  it('the recorder writes groups by itself, and records only clicks of codes that resolve', async () => {
    const id = await person('Timer', 'timer@example.com');
    const { link } = await getOrCreateLink(t.db, actor.workspaceId, programId, id);
    const total = async () => (await t.db.selectFrom('clicks').select('id').execute()).length;
    const before = await total();
    const recorder = createClickRecorder(t.db, { flushMs: 5 });
    const visitor = { ip: '198.51.100.1', userAgent: 'test' };
    expect(await trackClick(t.db, recorder, link.code.toLowerCase(), visitor)).not.toBeNull();
    expect(await trackClick(t.db, recorder, '23456789', visitor)).toBeNull();
    expect(await trackClick(t.db, recorder, 'not a code', visitor)).toBeNull();
    const count = async () =>
      (
        await t.db
          .selectFrom('clicks')
          .selectAll()
          .where('workspace_id', '=', actor.workspaceId)
          .where('link_id', '=', link.id)
          .execute()
      ).length;
    for (let i = 0; i < 100 && (await count()) === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await count()).toBe(1);
    await recorder.close();
    // The unknown and malformed codes left nothing behind.
    expect(await total()).toBe(before + 1);
    const row = await t.db
      .selectFrom('clicks')
      .selectAll()
      .where('link_id', '=', link.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ program_id: programId, workspace_id: actor.workspaceId });
    expect(row.visitor_key).toBe(await visitorKey(t.db, visitor.ip, visitor.userAgent));
  });

  it('a row the database refuses is dropped without holding up the others', async () => {
    const errors: unknown[] = [];
    const recorder = createClickRecorder(t.db, { flushMs: 60_000, onError: (e) => errors.push(e) });
    const good = (i: number) => ({
      workspaceId: actor.workspaceId,
      linkId: 'refused-test',
      programId,
      visitorKey: `g${i}`,
    });
    for (let i = 0; i < 5; i++) recorder.record(good(i));
    // A null visitor key breaks a NOT NULL constraint; an unknown workspace its foreign key.
    recorder.record({ ...good(99), visitorKey: null as unknown as string });
    recorder.record({ ...good(98), workspaceId: 'no-such-workspace' });
    for (let i = 5; i < 10; i++) recorder.record(good(i));
    await recorder.close();
    expect(errors).toHaveLength(2);
    const rows = await t.db
      .selectFrom('clicks')
      .select('visitor_key')
      .where('link_id', '=', 'refused-test')
      .execute();
    expect(rows.map((r) => r.visitor_key).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `g${i}`).sort(),
    );
  });
});

describe('click recorder when the database is not ready', () => {
  it('keeps the clicks and writes them once it can', async () => {
    const conn = connect({ kind: 'sqlite', file: ':memory:' });
    try {
      const errors: unknown[] = [];
      const recorder = createClickRecorder(conn.db, { flushMs: 60_000, onError: (e) => errors.push(e) });
      recorder.record({ workspaceId: 'w1', linkId: 'l1', programId: 'p1', visitorKey: 'v1' });
      // No tables yet: not the rows' fault, so they wait for the next group.
      await expect(recorder.flush()).rejects.toThrow(/no such table/);
      expect(errors).toHaveLength(1);
      expect(recorder.pending).toBe(1);
      await migrate(conn.db);
      const ws = await createWorkspace(conn.db, { name: 'Late Clinic' });
      await conn.db.updateTable('workspaces').set({ id: 'w1' }).where('id', '=', ws.id).execute();
      await recorder.close();
      expect(recorder.pending).toBe(0);
      expect(await conn.db.selectFrom('clicks').select(['link_id', 'visitor_key']).execute()).toEqual([
        { link_id: 'l1', visitor_key: 'v1' },
      ]);
    } finally {
      await conn.close();
    }
  });
});

describe('click recorder on a SQLite file', () => {
  it('writes from a worker thread, and close() writes everything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vouch-clicks-'));
    const conn = connect({ kind: 'sqlite', file: join(dir, 'v.db') });
    try {
      await migrate(conn.db);
      const ws = await createWorkspace(conn.db, { name: 'File Clinic' });
      const recorder = createClickRecorder(conn.db, { flushMs: 2, maxRows: 100 });
      const N = 2500;
      for (let i = 0; i < N; i++) {
        recorder.record({ workspaceId: ws.id, linkId: `l${i % 10}`, programId: 'p', visitorKey: `v${i}` });
        if (i % 700 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      await recorder.close();
      const rows = await conn.db.selectFrom('clicks').select(['id', 'at']).execute();
      expect(rows).toHaveLength(N);
      expect(new Set(rows.map((r) => r.id)).size).toBe(N);
      expect(rows[0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // `at` is the start of the click's minute.
      expect(Date.parse(rows[0]!.at) % 60_000).toBe(0);
      expect(Date.parse(rows[0]!.at)).toBeGreaterThan(Date.now() - 120_000);
      const daily = await conn.db.selectFrom('link_clicks_daily').select(['link_id', 'clicks']).execute();
      expect(daily).toHaveLength(10);
      expect(daily.reduce((sum, d) => sum + d.clicks, 0)).toBe(N);
    } finally {
      await conn.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
