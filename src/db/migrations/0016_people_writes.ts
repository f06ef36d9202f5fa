import { type Kysely, sql } from 'kysely';
import { types } from '../migrate.ts';

/**
 * PostgreSQL: a sequence that every statement adding people moves on, but an import's own (they
 * run with `vouch.import` set), and `people_writes_now()` to read it. An import into an empty
 * workspace looks its rows up by phone only while it stands still (`aloneFrom` in
 * people/import-write.ts); SQLite reads its largest people rowid instead. Both functions run as
 * their owner, so a role that may only read and write the tables needs no grant on the sequence.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!types(db).pg) return;
  await sql`create sequence people_writes`.execute(db);
  await sql`
    create function people_written() returns trigger language plpgsql
    security definer set search_path from current as $$
    begin
      if coalesce(current_setting('vouch.import', true), '') <> 'on' then
        perform nextval('people_writes');
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create function people_writes_now() returns text language sql
    security definer set search_path from current as $$
      select last_value::text || is_called::text from people_writes
    $$`.execute(db);
  await sql`
    create trigger people_written after insert on people
    for each statement execute function people_written()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!types(db).pg) return;
  await sql`drop trigger people_written on people`.execute(db);
  await sql`drop function people_written(), people_writes_now()`.execute(db);
  await sql`drop sequence people_writes`.execute(db);
}
