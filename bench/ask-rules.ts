/**
 * One nightly pass of the ask rules (`runAskPass`) over a workspace of 100,000 customers and
 * 1,000,000 transactions (purchases and visits over a year), with two rules of each time-based
 * type (days after a purchase / a visit, every 6 / 12 months, survey score 9+ / 10), a survey rule
 * (3 days after a purchase → the feedback survey) and the missed-asks sweep. A fifth of the customers were asked at some point in the past year, so
 * the cooling-off guard and "every N months" have history to look at. Target: < 2 s on SQLite.
 *
 *   node bench/ask-rules.ts       PostgreSQL too when VOUCH_BENCH_POSTGRES_URL or
 *                                 VOUCH_TEST_POSTGRES_URL is set
 *
 * The pass runs twice: the first creates the day's asks, the second (same day) must create none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 100_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const DAYS = 365;
const PG_URL = process.env.VOUCH_BENCH_POSTGRES_URL ?? process.env.VOUCH_TEST_POSTGRES_URL;
type Dialect = 'sqlite' | 'postgres';

async function run(dialect: Dialect) {
  const { sql } = await import('kysely');
  const { connect } = await import('../src/db/connect.ts');
  const { migrate } = await import('../src/db/migrate.ts');
  const { createWorkspace } = await import('../src/workspaces/workspaces.service.ts');
  const { createProgram } = await import('../src/programs/programs.service.ts');
  const { createRule } = await import('../src/asks/rules.service.ts');
  const { runAskPass } = await import('../src/asks/engine.ts');
  let target: string;
  let drop: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'vouch-asks-'));
    target = join(dir, 'bench.db');
    drop = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const pg = (await import('pg')).default;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    target = `bench_asks_${process.pid}`;
    await admin.query(`create schema ${target}`);
    drop = async () => {
      await admin.query(`drop schema ${target} cascade`);
      await admin.end();
    };
  }
  const conn =
    dialect === 'sqlite'
      ? connect({ kind: 'sqlite', file: target })
      : connect({ kind: 'postgres', url: PG_URL as string, poolSize: 4 }, { searchPath: target });
  const db = conn.db;
  try {
    await migrate(db, dialect === 'postgres' ? { schema: target } : {});
    const ws = await createWorkspace(db, { name: 'Ask bench', country: 'US', timeZone: 'America/Chicago' });
    const owner = { workspaceId: ws.id, role: 'owner' as const, userId: null, via: 'api_key' as const };
    const program = await createProgram(db, owner, { name: 'Share', status: 'active' });
    const pg = dialect === 'postgres';
    const series = (n: number) =>
      pg
        ? sql.raw(`generate_series(0::bigint, ${n - 1}) as s(i)`)
        : sql.raw(
            `(with recursive s(i) as (select 0 union all select i + 1 from s where i < ${n - 1}) select i from s) as s`,
          );
    const now = Date.now();
    const start = now - DAYS * 86_400_000;
    const at = (expr: string, span: number) =>
      pg
        ? sql.raw(
            `to_char(to_timestamp((${start} + ((${expr})::bigint % ${span})) / 1000.0) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
          )
        : sql.raw(`strftime('%Y-%m-%dT%H:%M:%fZ', (${start} + ((${expr}) % ${span})) / 1000.0, 'unixepoch')`);
    const ts = (e: ReturnType<typeof sql.raw>) => (pg ? sql`(${e})::timestamptz` : e);
    const span = DAYS * 86_400_000;
    const t0 = performance.now();
    await sql`insert into people (workspace_id, id, kind, first_name, last_name, email, email_key, address, notes,
        marketing_consent_at, created_at, updated_at)
      select ${ws.id}, 'p' || i, 'customer', 'Cust' || i, 'Bench', 'c' || i || '@example.com', 'c' || i || '@example.com', '{}', '',
        case when i % 3 = 0 then null else ${ts(at('0', span))} end,
        ${ts(at(`i * ${Math.floor(span / PEOPLE)}`, span))}, ${ts(at(`i * ${Math.floor(span / PEOPLE)}`, span))}
      from ${series(PEOPLE)}`.execute(db);
    await sql`insert into business_events (workspace_id, id, type, source, external_id, person_id, occurred_at, amount,
        currency, actor_label, created_at)
      select ${ws.id}, 'e' || i, case when i % 3 = 0 then 'visit' else 'purchase' end, 'pos', 'x' || i,
        'p' || ((i * 31) % ${sql.raw(String(PEOPLE))}), ${ts(at(`i * ${Math.floor(span / EVENTS)}`, span))},
        case when i % 3 = 0 then null else 1000 + (i % 50) * 100 end, case when i % 3 = 0 then null else 'USD' end,
        'bench', ${ts(at('0', span))} from ${series(EVENTS)}`.execute(db);
    // Steady state: every customer was asked once in the last six months, as "every 6 months"
    // leaves it, so about 1/180 of them come due each night (a first
    // night with "every N months" asks everyone known that long at once; BENCH_FLOOD=1 measures it).
    const half = Math.floor(span / 2);
    const asked = ts(at(`${half} + i * ${Math.floor(half / PEOPLE)}`, span));
    await sql`insert into asks (workspace_id, id, person_id, program_id, staff_user_id, reason, question, channel,
        outcome, names_count, due_at, done_at, created_at)
      select ${ws.id}, 'a' || i, 'p' || i, ${program.id}, null, 'visit today', 'Who?', 'front_desk',
        'asked', 0, ${asked}, ${asked}, ${asked}
      from ${series(process.env.BENCH_FLOOD ? PEOPLE / 5 : PEOPLE)}`.execute(db);
    // Survey answers of the last days, one in four a 9 or 10.
    await sql`insert into surveys (workspace_id, id, person_id, token_hash, sent_at, answered_at, score, may_quote, created_at)
      select ${ws.id}, 's' || i, 'p' || (i * 13 % ${sql.raw(String(PEOPLE))}), 't' || i, ${ts(at(`${span - 40 * 3_600_000} + i * 10000`, span + 1))},
        ${ts(at(`${span - 30 * 3_600_000} + i * 10000`, span + 1))}, i % 11, 0, ${ts(at('0', span))}
      from ${series(5000)}`.execute(db);
    if (!pg) await sql`analyze`.execute(db);
    else await sql`analyze`.execute(db);
    const seeded = (performance.now() - t0) / 1000;
    const rule = (name: string, trigger: never, channel: 'task' | 'email' | 'postcard' | 'survey') =>
      createRule(db, owner, {
        name,
        programId: program.id,
        active: true,
        trigger,
        conditions: { minSpend: null, tagsAny: [], tagsNone: [], kinds: ['customer'] },
        channel,
        timing: { quietFrom: '20:00', quietTo: '08:00', businessDaysOnly: false, maxPerDay: null },
      });
    await rule('3 days after a purchase', { type: 'days_after', days: 3, of: 'purchase' } as never, 'email');
    await rule('7 days after a visit', { type: 'days_after', days: 7, of: 'visit' } as never, 'task');
    await rule('every 6 months', { type: 'every_months', months: 6 } as never, 'postcard');
    await rule('every 12 months', { type: 'every_months', months: 12 } as never, 'email');
    await rule('praise 9+', { type: 'survey_score', min: 9 } as never, 'task');
    await rule('praise 10', { type: 'survey_score', min: 10 } as never, 'email');
    if (!process.env.BENCH_NO_SURVEY)
      await rule(
        'feedback 3 days after a purchase',
        { type: 'days_after', days: 3, of: 'purchase' } as never,
        'survey',
      );
    const opts = { publicUrl: 'https://vouch.example' };
    const when = new Date(now);
    const t1 = performance.now();
    const first = await runAskPass(db, ws.id, when, opts);
    const pass = performance.now() - t1;
    if (process.env.BENCH_DEBUG) console.log(first.byRule);
    const t2 = performance.now();
    const second = await runAskPass(db, ws.id, when, opts);
    const again = performance.now() - t2;
    console.log(
      `  ${dialect.padEnd(8)} seeded in ${seeded.toFixed(0)} s; nightly pass ${(pass / 1000).toFixed(2)} s ` +
        `(${first.created.toLocaleString('en')} asks, ${first.surveys.toLocaleString('en')} surveys), again the same day ` +
        `${(again / 1000).toFixed(2)} s (${second.created} asks, ${second.surveys} surveys)  (target < 2 s: ${pass < 2000 ? 'PASS' : 'FAIL'}); load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
    );
  } finally {
    await conn.close();
    await drop();
  }
}

console.log(
  `Ask rules nightly pass: ${PEOPLE.toLocaleString('en')} customers, ${EVENTS.toLocaleString('en')} transactions; Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model})`,
);
for (const d of PG_URL ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const)) await run(d);
