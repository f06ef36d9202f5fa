import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/db.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { migrate } from './migrate.ts';

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
});

describe('ids', () => {
  it('are UUIDv7 and sort by creation', () => {
    const ids = Array.from({ length: 1000 }, newId);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
  });
});
