import { type Kysely, sql } from 'kysely';
import { types } from '../migrate.ts';

/**
 * Clicks per workspace, program and UTC day for the dashboard: link_clicks_daily has a row per
 * link and day (millions over a year of a busy workspace), this one a row per program and day.
 * Database triggers keep it equal to link_clicks_daily, whichever writer adds clicks.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { pg } = types(db);
  await db.schema
    .createTable('program_clicks_daily')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('program_id', 'text', (c) => c.notNull())
    .addColumn('clicks', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('program_clicks_daily_pk', ['workspace_id', 'day', 'program_id'])
    .execute();
  const add = (n: string) =>
    sql.raw(`insert into program_clicks_daily (workspace_id, day, program_id, clicks)
    values (new.workspace_id, new.day, new.program_id, ${n})
    on conflict (workspace_id, day, program_id) do update set clicks = program_clicks_daily.clicks + excluded.clicks`);
  if (pg) {
    await sql`create or replace function vouch_program_clicks() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then ${add('new.clicks')};
        else ${add('new.clicks - old.clicks')};
        end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger link_clicks_daily_rollup after insert or update on link_clicks_daily
      for each row execute function vouch_program_clicks()`.execute(db);
  } else {
    await sql`create trigger link_clicks_daily_added after insert on link_clicks_daily
      begin ${add('new.clicks')}; end`.execute(db);
    await sql`create trigger link_clicks_daily_grown after update on link_clicks_daily
      begin ${add('new.clicks - old.clicks')}; end`.execute(db);
  }
  await sql`insert into program_clicks_daily (workspace_id, day, program_id, clicks)
    select workspace_id, day, program_id, sum(clicks) from link_clicks_daily where true
    group by workspace_id, day, program_id`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Vouch migrations are forward-only; restore a backup to go back.');
}
