import { type Kysely, sql } from 'kysely';
import { types } from '../migrate.ts';

/**
 * Ask rules may send the feedback survey instead of asking: the channel 'survey'. PostgreSQL
 * changes the check in place; SQLite cannot, so the table is rebuilt (nothing references it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { ts, pg } = types(db);
  const channels = sql`channel in ('task', 'email', 'postcard', 'survey')`;
  if (pg) {
    await sql`alter table ask_rules drop constraint ask_rules_channel_check`.execute(db);
    await sql`alter table ask_rules add constraint ask_rules_channel_check check (${channels})`.execute(db);
    return;
  }
  await db.schema
    .createTable('ask_rules_new')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('program_id', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1).check(sql`active in (0, 1)`))
    .addColumn('trigger_type', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`trigger_type in ('purchase', 'first_purchase', 'nth_visit', 'days_after', 'survey_score', 'every_months', 'ticket_resolved')`,
        ),
    )
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('conditions', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull().check(channels))
    .addColumn('timing', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('ask_rules_pk', ['workspace_id', 'id'])
    .addForeignKeyConstraint('ask_rules_program', ['workspace_id', 'program_id'], 'programs', [
      'workspace_id',
      'id',
    ])
    .execute();
  await sql`insert into ask_rules_new (workspace_id, id, name, program_id, active, trigger_type, trigger,
      conditions, channel, timing, created_at, updated_at)
    select workspace_id, id, name, program_id, active, trigger_type, trigger,
      conditions, channel, timing, created_at, updated_at from ask_rules`.execute(db);
  await sql`drop table ask_rules`.execute(db);
  await sql`alter table ask_rules_new rename to ask_rules`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Vouch migrations are forward-only; restore a backup to go back.');
}
