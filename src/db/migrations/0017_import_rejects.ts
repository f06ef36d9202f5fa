import { type Kysely, sql } from 'kysely';

/**
 * An import's reject file in parts, one row per batch that refused rows, instead of one text
 * column every batch appended to: appending rewrote the whole file so far on each batch, so a
 * big file with many bad rows wrote its reject file again and again (a million rows with a fifth
 * refused: a 30 MB file written again by each of 200 batches, about 3 GB). Existing reject files
 * move over as part 0.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('import_rejects')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('import_id', 'text', (c) => c.notNull())
    // The line of the part's first refused row: parts in this order are the file's order.
    .addColumn('part', 'integer', (c) => c.notNull())
    .addColumn('csv', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_rejects_pk', ['workspace_id', 'import_id', 'part'])
    .addForeignKeyConstraint(
      'import_rejects_import',
      ['workspace_id', 'import_id'],
      'imports',
      ['workspace_id', 'id'],
      (f) => f.onDelete('cascade'),
    )
    .execute();
  await sql`
    insert into import_rejects (workspace_id, import_id, part, csv)
    select workspace_id, id, 0, rejects_csv from imports where rejects_csv <> ''`.execute(db);
  await db.schema.alterTable('imports').dropColumn('rejects_csv').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('imports')
    .addColumn('rejects_csv', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await sql`
    update imports set rejects_csv = coalesce((
      select string_agg(r.csv, '' order by r.part) from import_rejects r
      where r.workspace_id = imports.workspace_id and r.import_id = imports.id), '')`.execute(db);
  await db.schema.dropTable('import_rejects').execute();
}
