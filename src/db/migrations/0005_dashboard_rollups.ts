import { type Kysely, sql } from 'kysely';
import { types } from '../migrate.ts';

/**
 * Daily rollups the dashboard reads instead of the raw rows (a GROUP BY over millions of
 * referrals or ledger entries takes seconds; a day's row per bucket answers in a millisecond).
 * They are kept current in the same transaction as each change, and built here from history.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Who the referrer was when the referral was made: a customer or a partner (or a prospect).
  await db.schema.alterTable('referrals').addColumn('source_kind', 'text').execute();
  await sql`update referrals set source_kind = (select p.kind from people p
    where p.workspace_id = referrals.workspace_id and p.id = referrals.referrer_id)`.execute(db);

  // One row per day, program and breakdown: dimension "all" (key ''), "channel", "source" (the
  // referrer's kind) and "staff" (who it is assigned to, or who entered it). Each dashboard query
  // reads one dimension's rows for the range, not every combination of them.
  await db.schema
    .createTable('referral_daily')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('dim', 'text', (c) => c.notNull().check(sql`dim in ('all', 'channel', 'source', 'staff')`))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('program_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('referred', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('contacted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('appointments', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('won', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lost', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revenue', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('referral_daily_pk', ['workspace_id', 'dim', 'day', 'program_id', 'key'])
    .execute();

  await db.schema
    .createTable('ledger_daily')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('program_id', 'text', (c) => c.notNull())
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_daily_pk', ['workspace_id', 'day', 'program_id', 'account', 'unit'])
    .execute();

  // Top referrers by wins in a date range read only this index (it covers the query).
  await db.schema
    .createIndex('referrals_won')
    .on('referrals')
    .columns(['workspace_id', 'won_at', 'status', 'program_id', 'referrer_id'])
    .execute();

  await backfill(db);
}

/**
 * Builds both rollups from history (into empty tables). Days are UTC dates. Exported so a test
 * can hold it to what the live hooks write.
 */
export async function backfill(db: Kysely<unknown>): Promise<void> {
  const { pg } = types(db);
  const day = (col: string) =>
    pg ? sql.raw(`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD')`) : sql.raw(`substr(${col}, 1, 10)`);
  const bucket = sql.raw(
    `r.program_id as program_id, r.channel as channel, coalesce(r.source_kind, 'customer') as source_kind, coalesce(r.assigned_to, r.created_by, '') as staff`,
  );
  const dims = [
    ['all', sql.raw(`''`)],
    ['channel', sql.raw('channel')],
    ['source', sql.raw('source_kind')],
    ['staff', sql.raw('staff')],
  ] as const;
  for (const [metric, from] of [
    [
      'referred',
      sql`select r.workspace_id as workspace_id, ${day('r.created_at')} as day, ${bucket}, 1 as n from referrals r`,
    ],
    ...(['contacted', 'appointment', 'won', 'lost'] as const).map(
      (status) =>
        [
          status === 'appointment' ? 'appointments' : status,
          sql`select r.workspace_id as workspace_id, ${day('a.at')} as day, ${bucket}, 1 as n from referral_activities a
            join referrals r on r.workspace_id = a.workspace_id and r.id = a.referral_id
            where a.kind = 'status' and a.to_status = ${status}
            ${status === 'won' ? sql`and r.status = 'won'` : sql``}`,
        ] as const,
    ),
    [
      'revenue',
      sql`select r.workspace_id as workspace_id, ${day('e.occurred_at')} as day, ${bucket},
          case when e.type = 'refund' then -e.amount else e.amount end as n
        from business_events e join referrals r on r.workspace_id = e.workspace_id and r.id = e.referral_id
        where e.type in ('purchase', 'refund')`,
    ],
  ] as const)
    for (const [dim, key] of dims)
      await sql`insert into referral_daily (workspace_id, dim, day, program_id, key, ${sql.ref(metric)})
        select workspace_id, ${dim}, day, program_id, ${key}, sum(n) from (${from}) as x
        where true
        group by workspace_id, day, program_id${dim === 'all' ? sql`` : sql`, ${key}`}
        on conflict (workspace_id, dim, day, program_id, key)
        do update set ${sql.ref(metric)} = referral_daily.${sql.ref(metric)} + excluded.${sql.ref(metric)}`.execute(
        db,
      );
  await sql`insert into ledger_daily (workspace_id, day, program_id, account, unit, amount)
    select workspace_id, ${day('at')}, program_id, account, unit, sum(amount) from ledger_entries
    where true
    group by workspace_id, ${day('at')}, program_id, account, unit`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Vouch migrations are forward-only; restore a backup to go back.');
}
