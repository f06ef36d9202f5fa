import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDb, testDb } from '../../test/db.ts';
import type { Actor } from '../auth/auth.service.ts';
import { type Connection, connect } from '../db/connect.ts';
import { migrate } from '../db/migrate.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';
import { mayCopyUnchecked } from './import-write.ts';
import { importPeople } from './people.import.ts';

/** A file of `n` people, P`from`… with their emails, and `extra` after. */
const file = (from: number, n: number, extra = '') =>
  `first_name,last_name,email\n${Array.from({ length: n }, (_, i) => `P${from + i},Q${n - i},p${from + i}@example.com`).join('\n')}\n${extra}`;

/** The bulk statements' edge cases: values the compact PostgreSQL encoding cannot carry. */
describe.each(dialects)('people import statements on %s', (dialect) => {
  let t: TestDb;
  let actor: Actor;
  beforeAll(async () => {
    t = await testDb(dialect);
    const ws = await createWorkspace(t.db, { name: 'Odd Shop', country: 'US' });
    actor = { workspaceId: ws.id, role: 'manager', userId: null, via: 'session' };
  });
  afterAll(() => t.close());

  const run = (body: string) => importPeople(t.db, actor, body, { filename: 'odd.csv' });
  const person = (email: string) =>
    t.db
      .selectFrom('people')
      .select(['first_name', 'last_name', 'notes'])
      .where('workspace_id', '=', actor.workspaceId)
      .where('email', '=', email)
      .executeTakeFirstOrThrow();

  it('keeps values holding control characters, and a lone row with empty names', async () => {
    const odd = await run(
      'first_name,last_name,email,notes,tags\nAnn\u001fA,Lee\u001e,ann@example.com,"x\u001fy\u001ez","a\u001fb,c"\n',
    );
    expect(odd).toMatchObject({ status: 'done', rowsCreated: 1 });
    expect(await person('ann@example.com')).toEqual({
      first_name: 'Ann\u001fA',
      last_name: 'Lee\u001e',
      notes: 'x\u001fy\u001ez',
    });
    const tags = await t.db.selectFrom('person_tags').select('tag').orderBy('tag').execute();
    expect(tags.map((r) => r.tag)).toEqual(['a\u001fb', 'c']);

    const lone = await run('first_name,email\n,bob@example.com\n');
    expect(lone).toMatchObject({ status: 'done', rowsCreated: 1 });
    expect(await person('bob@example.com')).toEqual({ first_name: '', last_name: '', notes: '' });
    // Again: found by email, nothing changes.
    expect(await run('first_name,email\n,bob@example.com\n')).toMatchObject({ rowsUnchanged: 1 });
  });

  it('looks rows up by email again once someone else adds a person during an import into an empty workspace', async () => {
    const ws = await createWorkspace(t.db, { name: `Busy Shop ${dialect}`, country: 'US' });
    const busy: Actor = { workspaceId: ws.id, role: 'manager', userId: null, via: 'session' };
    let added: Promise<unknown> | null = null;
    const summary = await importPeople(t.db, busy, file(0, 40), {
      filename: 'busy.csv',
      batchSize: 5,
      pieceBytes: 64,
      workers: 0,
      onProgress: ({ rows }) => {
        if (added || rows < 12) return;
        // As the friends form or the API would, between two batches: the file's row 30, first.
        const now = new Date().toISOString();
        added = sql`
          insert into people (workspace_id, id, kind, first_name, email, email_key, created_at, updated_at)
          values (${ws.id}, '00000000-0000-7000-8000-000000000030', 'prospect', 'Early', 'p30@example.com',
                  'p30@example.com', ${now}, ${now})`.execute(t.db);
      },
    });
    expect(await added).toBeTruthy();
    expect(summary).toMatchObject({ status: 'done', rowsCreated: 39, rowsUpdated: 1 });
    const p30 = await t.db
      .selectFrom('people')
      .select(['id', 'first_name'])
      .where('workspace_id', '=', ws.id)
      .where('email_key', '=', 'p30@example.com')
      .execute();
    expect(p30).toEqual([{ id: '00000000-0000-7000-8000-000000000030', first_name: 'P30' }]);
  });

  it('stops, leaving nobody behind, when its workspace is deleted during an import', async () => {
    // Batches write without per-row foreign-key checks: each checks the workspace once instead.
    const ws = await createWorkspace(t.db, { name: `Closing Shop ${dialect}`, country: 'US' });
    const closing: Actor = { workspaceId: ws.id, role: 'manager', userId: null, via: 'session' };
    let deleted: Promise<unknown> | null = null;
    const body = file(0, 40).replace('email\n', 'email,tags\n').replaceAll('.com\n', '.com,vip\n');
    await expect(
      importPeople(t.db, closing, body, {
        filename: 'closing.csv',
        batchSize: 5,
        pieceBytes: 64,
        workers: 0,
        onProgress: ({ rows }) => {
          if (!deleted && rows >= 12)
            deleted = t.db.deleteFrom('workspaces').where('id', '=', ws.id).execute();
        },
      }),
    ).rejects.toThrow('Workspace not found');
    expect(await deleted).toBeTruthy();
    for (const table of ['people', 'person_tags', 'imports'] as const) {
      const left = await t.db
        .selectFrom(table)
        .select('workspace_id')
        .where('workspace_id', '=', ws.id)
        .execute();
      expect(left, table).toEqual([]);
    }
    if (dialect === 'sqlite') {
      // The connection checks foreign keys again once the batches are over.
      const { rows } = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(t.db);
      expect(rows[0]!.foreign_keys).toBe(1);
    }
  });

  it.skipIf(dialect !== 'sqlite')('gives the connection its own settings back when it ends', async () => {
    const names = ['cache_size', 'wal_autocheckpoint', 'threads', 'foreign_keys'];
    const settings = () =>
      Promise.all(
        names.map(async (n) => Object.values((await sql.raw(`pragma ${n}`).execute(t.db)).rows[0]!)[0]),
      );
    const before = await settings();
    expect(before).toEqual([-32000, 1000, 0, 1]);
    const seen: unknown[][] = [];
    const summary = await importPeople(t.db, actor, file(500, 30), {
      filename: 'settings.csv',
      batchSize: 10,
      pieceBytes: 64,
      workers: 0,
      onProgress: () => void settings().then((s) => seen.push(s)),
    });
    expect(summary).toMatchObject({ status: 'done', rowsCreated: 30 });
    // Between batches: the import's page cache, log size and sort threads; foreign keys on.
    expect(seen.length).toBeGreaterThan(1);
    for (const s of seen) expect(s).toEqual([-2000, 10000, expect.any(Number), 1]);
    expect(seen[0]![2]).toBeGreaterThan(0);
    expect(await settings()).toEqual(before);
  });

  it('round-trips what COPY escapes and Latin-1 beyond ASCII when no value is wider', async () => {
    // Every value fits in a byte: the rows' bytes go into COPY as they are packed.
    const rows = [
      ['Tab\tbed Zoë', 'Back\\slash\\N ÿ', 'two\nlines\r\nand CR\r end', 'Ça\u00a0va', 'latin@example.com'],
    ];
    const q = (v: string) => `"${v.replaceAll('"', '""')}"`;
    const body = `first_name,last_name,notes,organisation,email\n${rows.map((r) => r.map(q).join(',')).join('\n')}\n`;
    expect(await run(body)).toMatchObject({ status: 'done', rowsCreated: 1 });
    const got = await t.db
      .selectFrom('people')
      .select(['first_name', 'last_name', 'notes', 'organisation'])
      .where('workspace_id', '=', actor.workspaceId)
      .where('email', '=', 'latin@example.com')
      .executeTakeFirstOrThrow();
    expect(got).toEqual({
      first_name: rows[0]![0],
      last_name: rows[0]![1],
      notes: rows[0]![2],
      organisation: rows[0]![3],
    });
  });

  it('stores the times a file gives to the millisecond, before 2000 too, and the import time for yes', async () => {
    const body =
      'first_name,email,marketing_consent,do_not_contact\n' +
      'Tia,tia@example.com,2024-02-29T13:45:06.789Z,1999-12-31T23:59:59.999Z\n' +
      'Uma,uma@example.com,yes,\n';
    const before = new Date().toISOString();
    expect(await run(body)).toMatchObject({ status: 'done', rowsCreated: 2 });
    const times = (email: string) =>
      t.db
        .selectFrom('people')
        .select(['marketing_consent_at', 'do_not_contact_at', 'created_at', 'updated_at'])
        .where('workspace_id', '=', actor.workspaceId)
        .where('email', '=', email)
        .executeTakeFirstOrThrow();
    const tia = await times('tia@example.com');
    expect(tia).toMatchObject({
      marketing_consent_at: '2024-02-29T13:45:06.789Z',
      do_not_contact_at: '1999-12-31T23:59:59.999Z',
    });
    const uma = await times('uma@example.com');
    expect(uma.do_not_contact_at).toBeNull();
    expect(uma.marketing_consent_at! >= before && uma.marketing_consent_at! <= new Date().toISOString()).toBe(
      true,
    );
    expect(uma.created_at).toBe(uma.updated_at);
    expect(tia.created_at).toBe(uma.created_at);
  });

  it('round-trips tabs, newlines, backslashes, quotes, unicode, and empty cells apart from missing ones', async () => {
    const q = (v: string) => `"${v.replaceAll('"', '""')}"`;
    const rows: string[][] = [
      [
        'Tab\tbed',
        'Back\\slash\\N',
        'two\nlines\r\nand CR\r end',
        'say "hi", \'you\'',
        'tab@example.com',
        'ta\tg,b\\ack',
      ],
      [
        '\\N',
        '\\',
        '\\t is not a tab; \\n is not a newline',
        'Zoë\u00a0北京 🎉 x',
        'nul@example.com',
        '\\n,café,北京',
      ],
      ['', '', '', '', 'empty@example.com', ''],
    ];
    const body = `first_name,last_name,notes,organisation,email,tags\n${rows.map((r) => r.map(q).join(',')).join('\n')}\n`;
    expect(await run(body)).toMatchObject({ status: 'done', rowsCreated: 3, rowsRejected: 0 });
    for (const [first, last, notes, organisation, email, tags] of rows) {
      const got = await t.db
        .selectFrom('people')
        .select([
          'id',
          'first_name',
          'last_name',
          'notes',
          'organisation',
          'phone',
          'external_id',
          'do_not_contact_at',
        ])
        .where('workspace_id', '=', actor.workspaceId)
        .where('email', '=', email!)
        .executeTakeFirstOrThrow();
      expect(got).toMatchObject({
        first_name: first,
        last_name: last,
        notes,
        // An empty organisation is none (NULL); empty names and notes stay empty strings.
        organisation: organisation || null,
        // Missing, not empty: NULL stays NULL.
        phone: null,
        external_id: null,
        do_not_contact_at: null,
      });
      const stored = await t.db
        .selectFrom('person_tags')
        .select('tag')
        .where('workspace_id', '=', actor.workspaceId)
        .where('person_id', '=', got.id)
        .execute();
      expect(stored.map((r) => r.tag).sort()).toEqual(tags ? tags.split(',').sort() : []);
    }
    // Again: every value read back equals the file's, so nothing changes.
    expect(await run(body)).toMatchObject({
      status: 'done',
      rowsUnchanged: 3,
      rowsUpdated: 0,
      rowsCreated: 0,
    });
  });
});

/**
 * PostgreSQL: new people are copied without per-row foreign-key checks only when the role may
 * set `session_replication_role`; a plain role imports the same file with the checks.
 */
describe.skipIf(!process.env.VOUCH_TEST_POSTGRES_URL)('people import foreign-key checks on postgres', () => {
  let t: TestDb;
  let plain: Connection;
  let admin: pg.Client;
  const role = `vouch_plain_${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    t = await testDb('postgres');
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(t.db)).rows[0]!.s;
    admin = new pg.Client({ connectionString: process.env.VOUCH_TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`create role ${role} login`);
    await admin.query(`grant usage on schema ${schema} to ${role}`);
    await admin.query(`grant all on all tables in schema ${schema} to ${role}`);
    const url = new URL(process.env.VOUCH_TEST_POSTGRES_URL!);
    url.username = role;
    plain = connect({ kind: 'postgres', url: url.toString(), poolSize: 2 }, { searchPath: schema });
  });
  afterAll(async () => {
    await plain.close();
    await t.close();
    await admin.query(`drop owned by ${role}`);
    await admin.query(`drop role ${role}`);
    await admin.end();
  });

  it('copies unchecked as a superuser or a granted role, and with the checks otherwise', async () => {
    expect(await mayCopyUnchecked(t.db)).toBe(true);
    expect(await mayCopyUnchecked(plain.db)).toBe(false);
    const ws = await createWorkspace(t.db, { name: 'Plain Shop', country: 'US' });
    const actor: Actor = { workspaceId: ws.id, role: 'manager', userId: null, via: 'session' };
    const body = 'first_name,email,tags\nAnn,ann@example.com,vip\nBob,bob@example.com,\n';
    expect(await importPeople(plain.db, actor, body, { filename: 'plain.csv' })).toMatchObject({
      status: 'done',
      rowsCreated: 2,
    });
    const tags = await t.db
      .selectFrom('person_tags')
      .select('tag')
      .where('workspace_id', '=', ws.id)
      .execute();
    expect(tags.map((r) => r.tag)).toEqual(['vip']);
    const version = (await admin.query('show server_version_num')).rows[0].server_version_num;
    if (Number(version) >= 150000) {
      await admin.query(`grant set on parameter session_replication_role to ${role}`);
      expect(await mayCopyUnchecked(plain.db)).toBe(true);
      await admin.query(`revoke set on parameter session_replication_role from ${role}`);
    }
  });
});

/** A big import sets the people name index aside and builds the same index again (both databases). */
describe.each(dialects)('people name index set aside by a big import on %s', (dialect) => {
  let t: TestDb;
  let actor: Actor;
  /** The index as the database describes it (SQLite: its columns, unique, partial), or null. */
  const nameIndex = async (): Promise<unknown> => {
    if (dialect === 'postgres') {
      const { rows } = await sql<{ def: string }>`
        select indexdef as def from pg_indexes where schemaname = current_schema() and indexname = 'people_name'`.execute(
        t.db,
      );
      return rows[0]?.def ?? null;
    }
    const { rows: list } = await sql<Record<string, unknown>>`pragma index_list(people)`.execute(t.db);
    const entry = list.find((i) => i.name === 'people_name');
    if (!entry) return null;
    const { rows: columns } = await sql<{ name: string }>`pragma index_info(people_name)`.execute(t.db);
    return { unique: entry.unique, partial: entry.partial, columns: columns.map((c) => c.name) };
  };
  const migratedIndex =
    dialect === 'postgres'
      ? expect.stringMatching(
          /^CREATE INDEX people_name ON \w+\.people USING btree \(workspace_id, last_name, first_name\)$/,
        )
      : { unique: 0, partial: 0, columns: ['workspace_id', 'last_name', 'first_name'] };
  beforeAll(async () => {
    t = await testDb(dialect);
    const ws = await createWorkspace(t.db, { name: 'Big Shop', country: 'US' });
    actor = { workspaceId: ws.id, role: 'manager', userId: null, via: 'session' };
  });
  afterAll(() => t.close());

  it('sets it aside once the import has created as many people as the table held, and builds it again', async () => {
    const migrated = await nameIndex();
    expect(migrated).toEqual(migratedIndex);
    const seen: Array<Promise<boolean>> = [];
    const states = async () => Promise.all(seen.splice(0));
    const opts = {
      filename: 'big.csv',
      batchSize: 5,
      pieceBytes: 64,
      workers: 0,
      nameIndexAsideAfter: 10,
      // Whether it is there, asked while the import may be dropping it (so not by its definition).
      onProgress: () =>
        seen.push(
          dialect === 'postgres'
            ? sql<{ ok: boolean }>`select to_regclass('people_name') is not null as ok`
                .execute(t.db)
                .then((r) => r.rows[0]!.ok)
            : nameIndex().then(Boolean),
        ),
    };
    expect(await importPeople(t.db, actor, file(0, 40), opts)).toMatchObject({
      status: 'done',
      rowsCreated: 40,
    });
    // Kept for the first 10 people, aside after, and back at the end as migration 0001 made it.
    const first = await states();
    expect(first[0]).toBe(true);
    expect(first.indexOf(false)).toBeGreaterThan(0);
    expect(await nameIndex()).toEqual(migrated);

    // 30 new people into a table of 40: too few to set it aside.
    expect(await importPeople(t.db, actor, file(100, 30), opts)).toMatchObject({ rowsCreated: 30 });
    expect((await states()).every(Boolean)).toBe(true);

    // A file that fails after the index went aside still builds it again.
    const broken = await importPeople(t.db, actor, file(200, 80, 'Bad,"open quote\n'), opts);
    expect(broken).toMatchObject({ status: 'failed', rowsCreated: 80 });
    expect((await states()).includes(false)).toBe(true);
    expect(await nameIndex()).toEqual(migrated);
  });

  it.skipIf(dialect !== 'postgres')(
    'keeps it when another session holds the table, and tries once',
    async () => {
      const schema = await currentSchema();
      const other = new pg.Client({ connectionString: process.env.VOUCH_TEST_POSTGRES_URL });
      await other.connect();
      try {
        // An open transaction that read people: the drop's lock waits for it, a second at most.
        await other.query(`begin; select 1 from ${schema}.people limit 1`);
        const seen: Array<Promise<boolean>> = [];
        const started = performance.now();
        const s = await importPeople(t.db, actor, file(300, 400), {
          filename: 'held.csv',
          batchSize: 20,
          pieceBytes: 256,
          workers: 0,
          nameIndexAsideAfter: 10,
          onProgress: () =>
            seen.push(
              sql<{ ok: boolean }>`select to_regclass('people_name') is not null as ok`
                .execute(t.db)
                .then((r) => r.rows[0]!.ok),
            ),
        });
        expect(s).toMatchObject({ status: 'done', rowsCreated: 400 });
        expect((await Promise.all(seen)).every(Boolean)).toBe(true);
        // One wait of a second, not one for each of the 20 batches after the first.
        expect(performance.now() - started).toBeLessThan(8_000);
      } finally {
        await other.query('rollback');
        await other.end();
      }
      expect(await nameIndex()).toEqual(migratedIndex);
    },
  );

  it('is built again at the next start when an import ended without doing so', async () => {
    await sql`drop index people_name`.execute(t.db);
    expect(await nameIndex()).toBeNull();
    await migrate(t.db, dialect === 'postgres' ? { schema: await currentSchema() } : {});
    expect(await nameIndex()).toEqual(migratedIndex);
  });

  const currentSchema = async () =>
    (await sql<{ s: string }>`select current_schema() as s`.execute(t.db)).rows[0]!.s;
});
