import { type Kysely, sql } from 'kysely';
import { types } from '../migrate.ts';

/**
 * Feedback surveys (a 0–10 score, "what would make us better", open feedback, permission to
 * quote), complaints opened by low scores, testimonials made from permitted quotes and the
 * programs they are attached to, and how each program thanks a referrer.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { ts } = types(db);
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

  // One survey sent to one person, answered at most once. The link carries a random token; only
  // its hash is kept, so the table alone opens no survey.
  await tenant('surveys')
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text')
    .addColumn('message_id', 'text')
    .addColumn('sent_at', ts, (c) => c.notNull())
    .addColumn('answered_at', ts)
    .addColumn('score', 'integer', (c) => c.check(sql`score is null or (score >= 0 and score <= 10)`))
    .addColumn('better', 'text')
    .addColumn('feedback', 'text')
    .addColumn('may_quote', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('quote_name', 'text')
    .addColumn('complaint_at', ts)
    .addColumn('complaint_resolved_at', ts)
    .addColumn('complaint_resolved_by', 'text')
    .addColumn('resolution_note', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addForeignKeyConstraint(...fk('surveys_person', ['person_id'], 'people'))
    .addForeignKeyConstraint(...fk('surveys_event', ['event_id'], 'business_events'))
    .addUniqueConstraint('surveys_token', ['token_hash'])
    // One survey per transaction: a rule that fires twice sends one.
    .addUniqueConstraint('surveys_event_once', ['workspace_id', 'event_id'])
    .execute();
  await index('surveys_person', 'surveys', ['workspace_id', 'person_id', 'created_at']);
  await index('surveys_answered', 'surveys', ['workspace_id', 'answered_at']);
  await index('surveys_complaints', 'surveys', ['workspace_id', 'complaint_at', 'complaint_resolved_at']);

  // Per workspace: the score at or under which an answer opens a complaint.
  await db.schema
    .createTable('survey_settings')
    .addColumn('workspace_id', 'text', (c) =>
      c.notNull().primaryKey().references('workspaces.id').onDelete('cascade'),
    )
    .addColumn('low_score', 'integer', (c) => c.notNull().check(sql`low_score >= 0 and low_score <= 8`))
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  // A permitted quote, waiting for staff (pending), then approved or rejected.
  await tenant('testimonials')
    .addColumn('survey_id', 'text')
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('quote', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('score', 'integer')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'approved', 'rejected')`))
    .addColumn('decided_at', ts)
    .addColumn('decided_by', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addForeignKeyConstraint(...fk('testimonials_survey', ['survey_id'], 'surveys'))
    .addForeignKeyConstraint(...fk('testimonials_person', ['person_id'], 'people'))
    .addUniqueConstraint('testimonials_survey_once', ['workspace_id', 'survey_id'])
    .execute();
  await index('testimonials_status', 'testimonials', ['workspace_id', 'status', 'created_at']);

  // Where an approved testimonial is shown. Campaigns get a table of the same shape.
  await db.schema
    .createTable('testimonial_programs')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('testimonial_id', 'text', (c) => c.notNull())
    .addColumn('program_id', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('testimonial_programs_pk', ['workspace_id', 'testimonial_id', 'program_id'])
    .addForeignKeyConstraint(
      'testimonial_programs_testimonial',
      ['workspace_id', 'testimonial_id'],
      'testimonials',
      ['workspace_id', 'id'],
      (c) => c.onDelete('cascade'),
    )
    .addForeignKeyConstraint(...fk('testimonial_programs_program', ['program_id'], 'programs'))
    .execute();
  await index('testimonial_programs_program', 'testimonial_programs', ['workspace_id', 'program_id']);

  // A low score gives owners and managers a task ("get in touch and put it right") tied to its survey.
  await db.schema.alterTable('tasks').addColumn('survey_id', 'text').execute();

  // How a program thanks a referrer whose friend was won: the email, a task for staff
  // (a handwritten note, a gift), or both; and the gift to give, if any.
  await db.schema
    .alterTable('programs')
    .addColumn('thank_you', 'text', (c) => c.notNull().defaultTo('both'))
    .execute();
  await db.schema
    .alterTable('programs')
    .addColumn('thank_you_gift', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Vouch migrations are forward-only; restore a backup to go back.');
}
