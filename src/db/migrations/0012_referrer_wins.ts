import { type Kysely, sql } from 'kysely';

/**
 * Won referrals per referrer, for every program ('') and per program, kept by
 * analytics/rollup.ts: the dashboard's top referrers over a long range start from the referrers
 * with the most wins ever and stop as soon as no one further down can catch up.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('referrer_wins')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('program_id', 'text', (c) => c.notNull())
    .addColumn('referrer_id', 'text', (c) => c.notNull())
    .addColumn('won', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('referrer_wins_pk', ['workspace_id', 'program_id', 'referrer_id'])
    .execute();
  await db.schema
    .createIndex('referrer_wins_most')
    .on('referrer_wins')
    .columns(['workspace_id', 'program_id', 'won desc', 'referrer_id'])
    .execute();
  await backfill(db);
}

/** From history, into an empty table. */
export async function backfill(db: Kysely<unknown>): Promise<void> {
  await sql`insert into referrer_wins (workspace_id, program_id, referrer_id, won)
    select workspace_id, program_id, referrer_id, count(*) from referrals where status = 'won'
    group by workspace_id, program_id, referrer_id`.execute(db);
  await sql`insert into referrer_wins (workspace_id, program_id, referrer_id, won)
    select workspace_id, '', referrer_id, count(*) from referrals where status = 'won'
    group by workspace_id, referrer_id`.execute(db);
}
