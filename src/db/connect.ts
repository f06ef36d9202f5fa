import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.ts';
import type { DB } from './schema.ts';
import { openSqlite } from './sqlite.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<DB> & { dialect: Dialect };

// Read bigint (int8) and numeric as JS numbers: money is integer minor units, far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
// Timestamps leave the database as ISO 8601 UTC strings on both dialects.
pg.types.setTypeParser(1184, isoTimestamp);

const UTC_TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

/**
 * A timestamptz as PostgreSQL prints it, as ISO 8601 UTC with milliseconds. A session in UTC
 * prints `2026-11-22 20:00:00.123456+00`, rearranged here without a Date (a re-import reads five
 * timestamps for each of its people); any other form goes through Date. Exported for its test.
 */
export function isoTimestamp(v: string): string {
  const m = UTC_TIMESTAMP.exec(v);
  if (!m) return new Date(v).toISOString();
  return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}

export type Connection = {
  db: Db;
  close: () => Promise<void>;
  pgPool?: pg.Pool;
  sqlite?: import('node:sqlite').DatabaseSync;
};

/**
 * Opens the database. On PostgreSQL, `searchPath` puts every table in one schema and `settings`
 * are session settings (tests turn off synchronous_commit: they need no durability against
 * power loss, and it makes each commit cheap).
 */
export function connect(
  database: Config['database'],
  opts: { searchPath?: string; settings?: Record<string, string> } = {},
): Connection {
  if (database.kind === 'sqlite') {
    const { db: raw, kysely } = openSqlite(database.file);
    const db = Object.assign(new Kysely<DB>({ dialect: new SqliteDialect({ database: kysely }) }), {
      dialect: 'sqlite' as const,
    });
    return { db, sqlite: raw, close: () => db.destroy() };
  }
  const pool = new pg.Pool({
    connectionString: database.url,
    max: database.poolSize,
    options: Object.entries({
      ...opts.settings,
      ...(opts.searchPath ? { search_path: opts.searchPath } : {}),
    })
      .map(([k, v]) => `-c ${k}=${v}`)
      .join(' '),
  });
  const db = Object.assign(new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), {
    dialect: 'postgres' as const,
  });
  return { db, pgPool: pool, close: () => db.destroy() };
}

/**
 * Runs `fn` in a transaction, or inside the caller's when `db` already is one, so services
 * compose and transactions open at the edge (route, job, CLI command).
 */
export function transaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db);
  return db.transaction().execute((tx) => fn(Object.assign(tx, { dialect: db.dialect })));
}

/** A unique constraint refused the write (both dialects). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || /UNIQUE constraint failed/.test(e?.message ?? '');
}
