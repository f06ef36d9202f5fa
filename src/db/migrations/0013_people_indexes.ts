import { type Kysely, sql } from 'kysely';

/**
 * Cheaper people indexes (each is one more B-tree insert per imported row):
 * - `people_email_key` and `people_phone` hold only the people who have one. Every query that
 *   reads them asks for a value (`email_key = ?`, `phone in (…)`), which both databases know
 *   excludes null, so they still use them; a customer list where most have no phone no longer
 *   pays an index entry per phoneless row.
 * - `person_tags_tag` goes: every query reaches tags through the person (`workspace_id,
 *   person_id`, the primary key), none by tag alone, so it was written on every tag and never read.
 * `people_name` stays: it serves the default sort of the people list (31 ms against 610 ms for
 * the first page of a million people on SQLite).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('person_tags_tag').execute();
  for (const [name, column] of [
    ['people_email_key', 'email_key'],
    ['people_phone', 'phone'],
  ] as const) {
    await db.schema.dropIndex(name).execute();
    await db.schema
      .createIndex(name)
      .on('people')
      .columns(['workspace_id', column])
      .where(sql.ref(column), 'is not', null)
      .execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [name, column] of [
    ['people_email_key', 'email_key'],
    ['people_phone', 'phone'],
  ] as const) {
    await db.schema.dropIndex(name).execute();
    await db.schema.createIndex(name).on('people').columns(['workspace_id', column]).execute();
  }
  await db.schema.createIndex('person_tags_tag').on('person_tags').columns(['workspace_id', 'tag']).execute();
}
