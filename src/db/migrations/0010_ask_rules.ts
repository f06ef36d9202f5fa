import { type Kysely, sql } from 'kysely';
import { types } from '../migrate.ts';

/**
 * Ask rules: when to ask whom for referrals (a trigger, conditions, a channel, quiet hours) per
 * workspace and program; the workspace's cooling-off period between two asks of one person; and
 * on asks the rule that made one, the day it fired (one ask per rule, person and day) and the
 * outcome "missed" for a staff ask nobody made that day.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { ts, pg } = types(db);

  await db.schema
    .alterTable('workspaces')
    .addColumn('ask_cooling_off_days', 'integer', (c) =>
      c.notNull().defaultTo(60).check(sql`ask_cooling_off_days >= 0 and ask_cooling_off_days <= 730`),
    )
    .execute();

  await db.schema
    .createTable('ask_rules')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('program_id', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1).check(sql`active in (0, 1)`))
    // The trigger's type, kept beside its JSON so the event path finds the rules it wakes.
    .addColumn('trigger_type', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`trigger_type in ('purchase', 'first_purchase', 'nth_visit', 'days_after', 'survey_score', 'every_months', 'ticket_resolved')`,
        ),
    )
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('conditions', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('task', 'email', 'postcard')`))
    .addColumn('timing', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('ask_rules_pk', ['workspace_id', 'id'])
    .addForeignKeyConstraint('ask_rules_program', ['workspace_id', 'program_id'], 'programs', [
      'workspace_id',
      'id',
    ])
    .execute();

  // asks: the rule and its day, and the outcome 'missed'. PostgreSQL changes the check in place;
  // SQLite cannot, so the table is rebuilt (nothing references it).
  const outcomes = sql`outcome is null or outcome in ('got_names', 'asked', 'declined', 'not_now', 'missed')`;
  if (pg) {
    await sql`alter table asks drop constraint asks_outcome_check`.execute(db);
    await sql`alter table asks add constraint asks_outcome_check check (${outcomes})`.execute(db);
    await db.schema.alterTable('asks').addColumn('rule_id', 'text').execute();
    await db.schema.alterTable('asks').addColumn('rule_day', 'text').execute();
  } else {
    await db.schema
      .createTable('asks_new')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('person_id', 'text', (c) => c.notNull())
      .addColumn('program_id', 'text')
      .addColumn('staff_user_id', 'text')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('question', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) =>
        c.notNull().check(sql`channel in ('front_desk', 'task', 'email', 'postcard')`),
      )
      .addColumn('outcome', 'text', (c) => c.check(outcomes))
      .addColumn('names_count', 'integer', (c) => c.notNull().defaultTo(0).check(sql`names_count >= 0`))
      .addColumn('due_at', ts, (c) => c.notNull())
      .addColumn('done_at', ts)
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('rule_id', 'text')
      .addColumn('rule_day', 'text')
      .addPrimaryKeyConstraint('asks_pk', ['workspace_id', 'id'])
      .addForeignKeyConstraint('asks_person', ['workspace_id', 'person_id'], 'people', ['workspace_id', 'id'])
      .addForeignKeyConstraint('asks_program', ['workspace_id', 'program_id'], 'programs', [
        'workspace_id',
        'id',
      ])
      .execute();
    await sql`insert into asks_new (workspace_id, id, person_id, program_id, staff_user_id, reason, question,
        channel, outcome, names_count, due_at, done_at, created_at)
      select workspace_id, id, person_id, program_id, staff_user_id, reason, question,
        channel, outcome, names_count, due_at, done_at, created_at from asks`.execute(db);
    await sql`drop table asks`.execute(db);
    await sql`alter table asks_new rename to asks`.execute(db);
    const index = (name: string, cols: string[]) =>
      db.schema.createIndex(name).on('asks').columns(cols).execute();
    await index('asks_person', ['workspace_id', 'person_id', 'created_at']);
    await index('asks_due', ['workspace_id', 'outcome', 'due_at']);
    await index('asks_staff', ['workspace_id', 'staff_user_id', 'created_at']);
  }
  // The rule's dedupe key: re-running a day's pass creates nothing twice (front-desk asks have
  // no rule: NULLs never clash).
  await db.schema
    .createIndex('asks_rule_day')
    .on('asks')
    .columns(['workspace_id', 'rule_id', 'person_id', 'rule_day'])
    .unique()
    .execute();
  // The dashboard's asks per staff member: due in a range, done in a range.
  await db.schema.createIndex('asks_due_at').on('asks').columns(['workspace_id', 'due_at']).execute();
  await db.schema.createIndex('asks_done_at').on('asks').columns(['workspace_id', 'done_at']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Vouch migrations are forward-only; restore a backup to go back.');
}
