import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** node:sqlite binds only numbers, strings, bigints, buffers and null. */
function bindable(v: unknown): SQLInputValue {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString();
  if (v === undefined) return null;
  return v as SQLInputValue;
}

/**
 * Adapts Node's built-in `DatabaseSync` to the interface Kysely's SqliteDialect expects,
 * with a bounded cache of prepared statements (preparing dominates short queries).
 */
export function openSqlite(file: string): { db: DatabaseSync; kysely: SqliteDatabase } {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file, { enableForeignKeyConstraints: true, timeout: 5000 });
  // A new database gets 8 KB pages (an existing one keeps its own): wider B-tree nodes split
  // less often, and a bulk import's inserts cost about 8 % less CPU than with 4 KB.
  db.exec('PRAGMA page_size = 8192');
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA busy_timeout = 5000');
  // 32 MB of pages instead of 2 MB: the hot indexes of a busy workspace stay in memory.
  db.exec('PRAGMA cache_size = -32000');
  const cache = new Map<string, { stmt: StatementSync; reader: boolean }>();
  const prepare = (sql: string) => {
    let hit = cache.get(sql);
    if (hit) {
      cache.delete(sql);
    } else {
      const stmt = db.prepare(sql);
      hit = { stmt, reader: stmt.columns().length > 0 };
      if (cache.size >= 500) cache.delete(cache.keys().next().value as string);
    }
    cache.set(sql, hit);
    return hit;
  };
  const kysely: SqliteDatabase = {
    close: () => {
      cache.clear();
      if (db.isOpen) db.close();
    },
    prepare(sql: string): SqliteStatement {
      // Kysely opens a transaction with a deferred `begin`: one that reads, then writes after
      // another process (`vouch import` beside the server) committed, fails at once as
      // "database is locked". An immediate one takes the write lock first, waiting its turn.
      const { stmt, reader } = prepare(sql === 'begin' ? 'begin immediate' : sql);
      return {
        reader,
        all: (params) => stmt.all(...params.map(bindable)),
        run: (params) => stmt.run(...params.map(bindable)),
        iterate: (params) => stmt.iterate(...params.map(bindable)) as IterableIterator<unknown>,
      };
    },
  };
  return { db, kysely };
}
