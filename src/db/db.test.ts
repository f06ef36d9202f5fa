import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/db.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';
import { connect, isoTimestamp, transaction } from './connect.ts';
import { migrate } from './migrate.ts';
import * as m0017 from './migrations/0017_import_rejects.ts';

describe.each(dialects)('database on %s', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb(dialect);
  });
  afterAll(() => t.close());

  it('migrates idempotently', async () => {
    expect(await migrate(t.db)).toEqual([]);
  });

  it('round-trips timestamps as ISO strings and enforces foreign keys', async () => {
    const now = nowIso();
    const id = newId();
    await t.db
      .insertInto('workspaces')
      .values({
        id,
        slug: `w-${id}`,
        name: 'W',
        currency: 'EUR',
        time_zone: 'UTC',
        country: 'DE',
        address: '{}',
        brand_color: '#000000',
        review_links: '[]',
        approve_rewards: 0,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const row = await t.db
      .selectFrom('workspaces')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.created_at).toBe(now);
    await expect(
      t.db
        .insertInto('memberships')
        .values({ workspace_id: id, user_id: 'nobody', role: 'owner', created_at: now })
        .execute(),
    ).rejects.toThrow();
    const { rows } = await sql<{ n: number }>`select count(*) as n from workspaces`.execute(t.db);
    expect(Number(rows[0]!.n)).toBe(1);
  });

  it('moves reject files into parts and back (migration 0017)', async () => {
    const ws = await createWorkspace(t.db, { name: 'Rejects', country: 'US' });
    const now = nowIso();
    const imp = {
      workspace_id: ws.id,
      kind: 'people' as const,
      filename: 'a.csv',
      status: 'done' as const,
      rows_total: 0,
      rows_created: 0,
      rows_updated: 0,
      rows_unchanged: 0,
      rows_rejected: 0,
      created_at: now,
    };
    const [a, b] = [newId(), newId()];
    await t.db
      .insertInto('imports')
      .values([
        { ...imp, id: a },
        { ...imp, id: b },
      ])
      .execute();
    await t.db
      .insertInto('import_rejects')
      .values([
        { workspace_id: ws.id, import_id: a, part: 40, csv: '40,late\n' },
        { workspace_id: ws.id, import_id: a, part: 3, csv: 'line,reason\n3,early\n' },
      ])
      .execute();
    const old = t.db as unknown as Kysely<unknown>;
    await m0017.down(old);
    const folded = await sql<{ id: string; rejects_csv: string }>`
      select id, rejects_csv from imports where workspace_id = ${ws.id} order by id`.execute(t.db);
    expect(folded.rows).toEqual([
      { id: a, rejects_csv: 'line,reason\n3,early\n40,late\n' },
      { id: b, rejects_csv: '' },
    ]);
    await m0017.up(old);
    const parts = await t.db
      .selectFrom('import_rejects')
      .selectAll()
      .where('workspace_id', '=', ws.id)
      .execute();
    expect(parts).toEqual([
      { workspace_id: ws.id, import_id: a, part: 0, csv: 'line,reason\n3,early\n40,late\n' },
    ]);
    expect(await migrate(t.db)).toEqual([]);
  });
});

describe('SQLite transactions beside another process', () => {
  it('take the write lock first, so one that reads and then writes is never refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vouch-lock-'));
    const file = join(dir, 'vouch.db');
    const app = connect({ kind: 'sqlite', file });
    // Another process's connection, as `vouch import` beside the server; it does not wait.
    const other = new DatabaseSync(file, { timeout: 0 });
    try {
      await sql`create table t (x integer)`.execute(app.db);
      await transaction(app.db, async (tx) => {
        await sql`select count(*) from t`.execute(tx);
        // With a deferred begin, this commit would go through and the write below would fail.
        expect(() => other.exec('insert into t values (1)')).toThrow(/locked/);
        await sql`insert into t values (2)`.execute(tx);
      });
      other.exec('insert into t values (3)');
      const { rows } = await sql<{ x: number }>`select x from t order by x`.execute(app.db);
      expect(rows.map((r) => r.x)).toEqual([2, 3]);
    } finally {
      other.close();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite pages', () => {
  it('are 8 KB in a new database, and stay as they are in an existing one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vouch-pages-'));
    const pageSize = async (file: string) => {
      const conn = connect({ kind: 'sqlite', file });
      try {
        await migrate(conn.db);
        const { rows } = await sql<{ page_size: number }>`pragma page_size`.execute(conn.db);
        return rows[0]!.page_size;
      } finally {
        await conn.close();
      }
    };
    try {
      expect(await pageSize(join(dir, 'new.db'))).toBe(8192);
      const old = new DatabaseSync(join(dir, 'old.db'));
      old.exec('create table t (x integer)');
      old.close();
      expect(await pageSize(join(dir, 'old.db'))).toBe(4096);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ids', () => {
  it('are UUIDv7 and sort by creation', () => {
    const ids = Array.from({ length: 1000 }, newId);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
  });
});

describe('PostgreSQL timestamps', () => {
  it('read as ISO 8601 UTC with milliseconds, as Date would make them', () => {
    for (const v of [
      '2026-11-22 20:00:00+00',
      '2026-11-22 20:00:00.5+00',
      '2026-11-22 20:00:00.123+00',
      '2026-11-22 20:00:00.123456+00',
      '2026-11-22 20:00:00.999999+00',
      '2026-11-22 21:00:00.25+01',
      '2026-11-22 15:30:00-04:30',
    ])
      expect(isoTimestamp(v), v).toBe(new Date(v.replace(/([+-]\d\d)$/, '$1:00')).toISOString());
    expect(isoTimestamp('2026-11-22 20:00:00.123456+00')).toBe('2026-11-22T20:00:00.123Z');
    // Date reads a two-digit year as 19xx; PostgreSQL's four digits are meant.
    expect(isoTimestamp('0099-01-01 00:00:00+00')).toBe('0099-01-01T00:00:00.000Z');
  });
});
