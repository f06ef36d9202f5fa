import { type Kysely, sql } from 'kysely';
import { types } from '../migrate.ts';

/**
 * Business events in (purchases, visits, refunds…), rewards, the append-only double-entry
 * ledger, "thank the referrer" tasks and stored Idempotency-Key responses.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { ts, pg } = types(db);
  const tenant = (name: string) =>
    db.schema
      .createTable(name)
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${name}_pk`, ['workspace_id', 'id']);
  // biome-ignore lint/suspicious/noExplicitAny: column names are checked by the database
  const fk = (name: string, cols: string[], table: string): [string, any[], string, string[]] => [
    name,
    ['workspace_id', ...cols],
    table,
    ['workspace_id', 'id'],
  ];
  const index = (name: string, table: string, cols: string[]) =>
    db.schema.createIndex(name).on(table).columns(cols).execute();

  // (source, external_id) is the exactly-once key of an event.
  await tenant('business_events')
    .addColumn('type', 'text', (c) =>
      c.notNull().check(sql`type in ('purchase', 'visit', 'refund', 'appointment_kept', 'ticket_resolved')`),
    )
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('occurred_at', ts, (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.check(sql`amount >= 0`))
    .addColumn('currency', 'text')
    .addColumn('refund_of_id', 'text')
    .addColumn('referral_id', 'text')
    .addColumn('note', 'text')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addForeignKeyConstraint(...fk('business_events_person', ['person_id'], 'people'))
    .addForeignKeyConstraint(...fk('business_events_refund_of', ['refund_of_id'], 'business_events'))
    .addForeignKeyConstraint(...fk('business_events_referral', ['referral_id'], 'referrals'))
    .addUniqueConstraint('business_events_once', ['workspace_id', 'source', 'external_id'])
    .execute();
  await index('business_events_person', 'business_events', ['workspace_id', 'person_id', 'occurred_at']);
  await index('business_events_occurred', 'business_events', ['workspace_id', 'occurred_at']);
  await index('business_events_refunds', 'business_events', ['workspace_id', 'refund_of_id']);
  await index('business_events_referral', 'business_events', ['workspace_id', 'referral_id']);

  await db.schema.alterTable('referrals').addColumn('won_event_id', 'text').execute();
  await db.schema
    .alterTable('workspaces')
    .addColumn('approve_rewards', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  // A reward belongs to one beneficiary: a person (referrer, friend) or a user (staff).
  await tenant('rewards')
    .addColumn('program_id', 'text', (c) => c.notNull())
    .addColumn('terms_id', 'text', (c) => c.notNull())
    .addColumn('referral_id', 'text')
    .addColumn('rule', 'text', (c) =>
      c.notNull().check(sql`rule in ('referrer', 'friend', 'staff', 'milestone', 'thank_you')`),
    )
    .addColumn('issue_key', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('credit', 'cash', 'service', 'gift')`))
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('value', 'bigint', (c) => c.notNull().check(sql`value >= 0`))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'available', 'redeemed', 'paid', 'voided')`),
    )
    .addColumn('hold_until', ts, (c) => c.notNull())
    .addColumn('needs_approval', 'integer', (c) => c.notNull())
    .addColumn('approved_at', ts)
    .addColumn('approved_by', 'text')
    .addColumn('void_reason', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addCheckConstraint('rewards_one_beneficiary', sql`(person_id is null) <> (user_id is null)`)
    .addForeignKeyConstraint(...fk('rewards_program', ['program_id'], 'programs'))
    .addForeignKeyConstraint(...fk('rewards_referral', ['referral_id'], 'referrals'))
    .addForeignKeyConstraint(...fk('rewards_person', ['person_id'], 'people'))
    .addUniqueConstraint('rewards_issued_once', ['workspace_id', 'issue_key'])
    .execute();
  await index('rewards_person', 'rewards', ['workspace_id', 'person_id', 'created_at']);
  await index('rewards_user', 'rewards', ['workspace_id', 'user_id', 'created_at']);
  await index('rewards_status', 'rewards', ['workspace_id', 'status', 'hold_until']);
  await index('rewards_referral', 'rewards', ['workspace_id', 'referral_id']);

  // The ledger: a posting is one balanced change, its entries sum to zero per unit.
  await tenant('ledger_postings')
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('issue', 'release', 'redeem', 'pay', 'void', 'reverse', 'adjust')`),
    )
    .addColumn('memo', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text')
    .addColumn('actor_id', 'text')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('at', ts, (c) => c.notNull())
    .execute();
  await tenant('ledger_entries')
    .addColumn('posting_id', 'text', (c) => c.notNull())
    .addColumn('reward_id', 'text', (c) => c.notNull())
    .addColumn('program_id', 'text', (c) => c.notNull())
    .addColumn('account', 'text', (c) =>
      c.notNull().check(sql`account in ('expense', 'held', 'available', 'redeemed', 'paid')`),
    )
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull().check(sql`amount <> 0`))
    .addColumn('at', ts, (c) => c.notNull())
    .addForeignKeyConstraint(...fk('ledger_entries_posting', ['posting_id'], 'ledger_postings'))
    .addForeignKeyConstraint(...fk('ledger_entries_reward', ['reward_id'], 'rewards'))
    .execute();
  await index('ledger_entries_reward', 'ledger_entries', ['workspace_id', 'reward_id']);
  await index('ledger_entries_posting', 'ledger_entries', ['workspace_id', 'posting_id']);
  await index('ledger_entries_program', 'ledger_entries', ['workspace_id', 'program_id', 'account']);

  // Append-only, enforced by the database itself: corrections are new postings.
  for (const table of ['ledger_postings', 'ledger_entries']) {
    if (pg) {
      await sql`create or replace function vouch_append_only() returns trigger language plpgsql as $$
        begin raise exception '% is append-only: post a correcting entry instead', tg_table_name; end $$`.execute(
        db,
      );
      await sql`create trigger ${sql.raw(`${table}_append_only`)} before update or delete on ${sql.table(table)}
        for each row execute function vouch_append_only()`.execute(db);
      await sql`create trigger ${sql.raw(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
        for each statement execute function vouch_append_only()`.execute(db);
    } else {
      for (const op of ['update', 'delete']) {
        await sql`create trigger ${sql.raw(`${table}_no_${op}`)} before ${sql.raw(op)} on ${sql.table(table)}
          begin select raise(abort, ${sql.raw(`'${table} is append-only: post a correcting entry instead'`)}); end`.execute(
          db,
        );
      }
    }
  }

  // Work for people: "thank the referrer" now; the ask engine adds its kinds.
  await tenant('tasks')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('referral_id', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('due_at', ts, (c) => c.notNull())
    .addColumn('assigned_to', 'text')
    .addColumn('done_at', ts)
    .addColumn('done_by', 'text')
    .addColumn('outcome', 'text')
    .addColumn('note', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addForeignKeyConstraint(...fk('tasks_person', ['person_id'], 'people'))
    .addForeignKeyConstraint(...fk('tasks_referral', ['referral_id'], 'referrals'))
    .addUniqueConstraint('tasks_once', ['workspace_id', 'kind', 'referral_id'])
    .execute();
  await index('tasks_open', 'tasks', ['workspace_id', 'done_at', 'due_at']);

  // Responses kept for Idempotency-Key replays (24 hours).
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['workspace_id', 'key'])
    .execute();
  await index('idempotency_keys_created', 'idempotency_keys', ['created_at']);
}

export async function down(): Promise<void> {
  throw new Error('Vouch migrations are forward-only; restore a backup to go back.');
}
