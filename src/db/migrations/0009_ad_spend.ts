import { type Kysely, sql } from 'kysely';
import { heardKey } from '../../analytics/acquisition.ts';
import { types } from '../migrate.ts';

/**
 * Referral customers versus advertising: the owner's monthly ad spend, each person's first
 * purchase, and new customers per UTC day and "how did you hear" answer (kept by
 * analytics/acquisition.ts as purchases arrive), so the dashboard compares the cost of a customer
 * won either way without reading the people or their events.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { ts } = types(db);
  await db.schema
    .createTable('ad_spend')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount >= 0`))
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('ad_spend_pk', ['workspace_id', 'month'])
    .execute();
  await db.schema
    .createTable('acquisition_daily')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('heard', 'text', (c) => c.notNull())
    .addColumn('customers', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('acquisition_daily_pk', ['workspace_id', 'day', 'heard'])
    .execute();
  await db.schema.alterTable('people').addColumn('first_purchase_at', ts).execute();
  await backfill(db);
}

/** History: each person's first purchase, then the daily counts by answer (into an empty rollup). */
export async function backfill(db: Kysely<unknown>): Promise<void> {
  const { pg } = types(db);
  await sql`update people set first_purchase_at = (
      select min(e.occurred_at) from business_events e
      where e.workspace_id = people.workspace_id and e.person_id = people.id and e.type = 'purchase')
    where merged_into_id is null`.execute(db);
  const day = pg
    ? sql.raw(`to_char(first_purchase_at at time zone 'UTC', 'YYYY-MM-DD')`)
    : sql.raw('substr(first_purchase_at, 1, 10)');
  const { rows } = await sql<{
    workspace_id: string;
    day: string;
    how_heard: string | null;
    n: number | string;
  }>`
    select workspace_id, ${day} as day, how_heard, count(*) as n from people
    where first_purchase_at is not null group by workspace_id, ${day}, how_heard`.execute(db);
  const counts = new Map<string, number>();
  for (const r of rows) {
    const k = JSON.stringify([r.workspace_id, r.day, heardKey(r.how_heard)]);
    counts.set(k, (counts.get(k) ?? 0) + Number(r.n));
  }
  for (const [k, n] of counts) {
    const [workspace_id, day, heard] = JSON.parse(k) as [string, string, string];
    await sql`insert into acquisition_daily (workspace_id, day, heard, customers)
      values (${workspace_id}, ${day}, ${heard}, ${sql.raw(String(n))})`.execute(db);
  }
}
