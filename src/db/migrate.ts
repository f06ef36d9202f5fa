import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import * as m0001 from './migrations/0001_foundation.ts';
import * as m0002 from './migrations/0002_referral_core.ts';
import * as m0003 from './migrations/0003_click_rollup.ts';
import * as m0004 from './migrations/0004_events_rewards.ts';
import * as m0005 from './migrations/0005_dashboard_rollups.ts';
import * as m0006 from './migrations/0006_program_clicks.ts';
import * as m0007 from './migrations/0007_asks.ts';
import * as m0008 from './migrations/0008_jobs_outbox.ts';
import * as m0009 from './migrations/0009_ad_spend.ts';
import * as m0010 from './migrations/0010_ask_rules.ts';
import * as m0011 from './migrations/0011_surveys.ts';
import * as m0012 from './migrations/0012_referrer_wins.ts';
import * as m0013 from './migrations/0013_people_indexes.ts';
import * as m0014 from './migrations/0014_survey_rules.ts';
import * as m0015 from './migrations/0015_named_wins_index.ts';
import * as m0016 from './migrations/0016_people_writes.ts';
import * as m0017 from './migrations/0017_import_rejects.ts';

/** Migrations live in code (no directory scan), so they ship inside the program. */
const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_referral_core': m0002,
  '0003_click_rollup': m0003,
  '0004_events_rewards': m0004,
  '0005_dashboard_rollups': m0005,
  '0006_program_clicks': m0006,
  '0007_asks': m0007,
  '0008_jobs_outbox': m0008,
  '0009_ad_spend': m0009,
  '0010_ask_rules': m0010,
  '0011_surveys': m0011,
  '0012_referrer_wins': m0012,
  '0013_people_indexes': m0013,
  '0014_survey_rules': m0014,
  '0015_named_wins_index': m0015,
  '0016_people_writes': m0016,
  '0017_import_rejects': m0017,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Column types that differ between the dialects. */
export function types(db: Kysely<unknown>) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  return { ts: pg ? ('timestamptz' as const) : ('text' as const), pg };
}

// biome-ignore lint/suspicious/noExplicitAny: the migrator works on any schema
export async function migrate(db: Kysely<any>, opts: { schema?: string } = {}): Promise<string[]> {
  // With a schema, the migration bookkeeping tables live in it too (one database, many schemas).
  const migrator = new Migrator({
    db,
    provider,
    ...(opts.schema ? { migrationTableSchema: opts.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  await restoreSetAsideIndexes(db);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Builds again the indexes a big import sets aside while it runs (people.import.ts,
 * `tuneImport`), for when it ended without doing so itself; nothing when they are there. The
 * definition is the one migration 0001 made, which a test checks.
 */
// biome-ignore lint/suspicious/noExplicitAny: the people table of any schema
export async function restoreSetAsideIndexes(db: Kysely<any>): Promise<void> {
  const create = sql`create index if not exists people_name on people (workspace_id, last_name, first_name)`;
  if (!types(db).pg) {
    await create.execute(db);
    return;
  }
  // Looked up first: creating, even "if not exists", locks the table against writes.
  const there = async () =>
    (await sql<{ ok: boolean }>`select to_regclass('people_name') is not null as ok`.execute(db)).rows[0]!.ok;
  if (await there()) return;
  // Two processes may build it at once (imports ending together); one of them loses the race.
  await create.execute(db).catch(async (err) => {
    if (!(await there())) throw err;
  });
}
