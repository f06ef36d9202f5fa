import { type Kysely, sql } from 'kysely';
import { types } from '../migrate.ts';

/**
 * Asks: one request for referrals made to one person at one moment, at the front desk now, and
 * scheduled by rules (a staff task, an email, a postcard) later. An ask is due while its outcome
 * is null; its outcome and the number of names given are recorded when it is done.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { ts } = types(db);
  await db.schema
    .createTable('asks')
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
    .addColumn('outcome', 'text', (c) =>
      c.check(sql`outcome is null or outcome in ('got_names', 'asked', 'declined', 'not_now')`),
    )
    .addColumn('names_count', 'integer', (c) => c.notNull().defaultTo(0).check(sql`names_count >= 0`))
    .addColumn('due_at', ts, (c) => c.notNull())
    .addColumn('done_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('asks_pk', ['workspace_id', 'id'])
    .addForeignKeyConstraint('asks_person', ['workspace_id', 'person_id'], 'people', ['workspace_id', 'id'])
    .addForeignKeyConstraint('asks_program', ['workspace_id', 'program_id'], 'programs', [
      'workspace_id',
      'id',
    ])
    .execute();
  const index = (name: string, cols: string[]) =>
    db.schema.createIndex(name).on('asks').columns(cols).execute();
  // A person's asks (the cooling-off check, their history), the due list, and a staff member's asks.
  await index('asks_person', ['workspace_id', 'person_id', 'created_at']);
  await index('asks_due', ['workspace_id', 'outcome', 'due_at']);
  await index('asks_staff', ['workspace_id', 'staff_user_id', 'created_at']);
}

export async function down(): Promise<void> {
  throw new Error('Vouch migrations are forward-only; restore a backup to go back.');
}
