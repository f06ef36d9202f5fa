import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connect, type Db, type Dialect } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';

/** Every database test runs on SQLite, and on PostgreSQL when VOUCH_TEST_POSTGRES_URL is set. */
export const dialects: Dialect[] = process.env.VOUCH_TEST_POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export type TestDb = { db: Db; close: () => Promise<void> };

/** A fresh, migrated database: in-memory SQLite, or a PostgreSQL schema of its own. */
export async function testDb(dialect: Dialect, poolSize = 5): Promise<TestDb> {
  if (dialect === 'sqlite') {
    const conn = connect({ kind: 'sqlite', file: ':memory:' });
    await migrate(conn.db);
    return conn;
  }
  const url = process.env.VOUCH_TEST_POSTGRES_URL!;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const conn = connect(
    { kind: 'postgres', url, poolSize },
    { searchPath: schema, settings: { synchronous_commit: 'off' } },
  );
  await migrate(conn.db, { schema });
  return {
    db: conn.db,
    close: async () => {
      await conn.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    },
  };
}
