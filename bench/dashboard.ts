/**
 * The dashboard payload (`getDashboard`, everything `GET /api/v1/dashboard` answers) with
 * 1,000,000 referrals over two years and 10,000,000 link views in one workspace, for ranges from
 * a month to the whole two years, with and without a program filter. Target: < 100 ms.
 *
 *   node bench/dashboard.ts       BENCH_REFERRALS=1000000; PostgreSQL too when
 *                                 VOUCH_BENCH_POSTGRES_URL or VOUCH_TEST_POSTGRES_URL is set
 *
 * Seeding writes the tables with INSERT … SELECT over a number series: 1,000,000 referrals (and
 * their referrers and friends), the referral_daily rollup grouped from them, and
 * link_clicks_daily for 2,000 links × 730 days holding 10,000,000 views (program_clicks_daily
 * follows by its triggers). The raw `clicks` rows are not written: the dashboard never reads
 * them (bench/redirect.ts measures the click path).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const REFERRALS = Number(process.env.BENCH_REFERRALS ?? 1_000_000);
const CLICKS = 10_000_000;
const LINKS = 2000;
const DAYS = 730;
const PG_URL = process.env.VOUCH_BENCH_POSTGRES_URL ?? process.env.VOUCH_TEST_POSTGRES_URL;
type Dialect = 'sqlite' | 'postgres';

async function child(dialect: Dialect, target: string) {
  const { sql } = await import('kysely');
  const { connect } = await import('../src/db/connect.ts');
  const { migrate } = await import('../src/db/migrate.ts');
  const { createWorkspace } = await import('../src/workspaces/workspaces.service.ts');
  const { createProgram } = await import('../src/programs/programs.service.ts');
  const { getDashboard } = await import('../src/analytics/dashboard.service.ts');
  const conn =
    dialect === 'sqlite'
      ? connect({ kind: 'sqlite', file: target })
      : connect({ kind: 'postgres', url: PG_URL as string, poolSize: 8 }, { searchPath: target });
  const db = conn.db;
  await migrate(db, dialect === 'postgres' ? { schema: target } : {});
  const ws = await createWorkspace(db, { name: 'Dashboard bench', country: 'US' });
  const actor = { workspaceId: ws.id, role: 'owner' as const, userId: null, via: 'api_key' as const };
  const programs: Array<{ id: string; termsId: string }> = [];
  for (const name of ['Share the relief', 'Partner introductions', 'Family plan'])
    programs.push(await createProgram(db, actor, { name, status: 'active' }));
  const started = Date.now();
  const pg = dialect === 'postgres';
  const series = (n: number) =>
    pg
      ? sql.raw(`generate_series(0, ${n - 1}) as s(i)`)
      : sql.raw(
          `(with recursive s(i) as (select 0 union all select i + 1 from s where i < ${n - 1}) select i from s) as s`,
        );
  const start = Date.now() - DAYS * 86_400_000;
  // The i-th referral is made at start + i × (two years / REFERRALS), as ISO text.
  const at = (expr: string) =>
    pg
      ? sql.raw(
          `to_char(to_timestamp((${start} + (${expr})::bigint * ${(DAYS * 86_400_000) / REFERRALS}) / 1000.0) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
        )
      : sql.raw(
          `strftime('%Y-%m-%dT%H:%M:%fZ', (${start} + (${expr}) * ${(DAYS * 86_400_000) / REFERRALS}) / 1000.0, 'unixepoch')`,
        );
  const ts = (expr: ReturnType<typeof sql.raw>) => (pg ? sql`(${expr})::timestamptz` : expr);
  const PEOPLE = REFERRALS / 10;
  await sql`insert into people (workspace_id, id, kind, first_name, last_name, address, notes, created_at, updated_at)
    select ${ws.id}, 'r' || i, case when i % 10 = 0 then 'partner' else 'customer' end, 'Referrer' || i, 'Bench', '{}', '',
      ${ts(at('0'))}, ${ts(at('0'))} from ${series(PEOPLE)}`.execute(db);
  await sql`insert into people (workspace_id, id, kind, first_name, last_name, address, notes, created_at, updated_at)
    select ${ws.id}, 'f' || i, 'prospect', 'Friend' || i, 'Bench', '{}', '', ${ts(at('i'))}, ${ts(at('i'))}
    from ${series(REFERRALS)}`.execute(db);
  const program = (expr: string) =>
    sql.raw(
      `case (${expr}) % 3 when 0 then '${programs[0]?.id}' when 1 then '${programs[1]?.id}' else '${programs[2]?.id}' end`,
    );
  const terms = (expr: string) =>
    sql.raw(
      `case (${expr}) % 3 when 0 then '${programs[0]?.termsId}' when 1 then '${programs[1]?.termsId}' else '${programs[2]?.termsId}' end`,
    );
  // Statuses by i % 10: 0–3 new, 4–5 contacted, 6 appointment, 7–8 won, 9 lost.
  await sql`insert into referrals (workspace_id, id, program_id, terms_id, referrer_id, friend_id, channel, status,
      introduced_at, friend_opt_in_at, assigned_to, follow_up_due_at, won_at, source_kind, created_at, updated_at)
    select ${ws.id}, 'x' || i, ${program('i')}, ${terms('i')}, 'r' || (i % ${sql.raw(String(PEOPLE))}), 'f' || i,
      case i % 7 when 0 then 'link' when 1 then 'coupon' when 2 then 'named_by_referrer' when 3 then 'how_heard'
        when 4 then 'staff' when 5 then 'campaign' else 'partner' end,
      case when i % 10 < 4 then 'new' when i % 10 < 6 then 'contacted' when i % 10 = 6 then 'appointment'
        when i % 10 < 9 then 'won' else 'lost' end,
      ${ts(at('i'))}, ${ts(at('i'))}, case when i % 5 = 0 then null else 'staff' || (i % 5) end,
      ${ts(at('i + 20'))}, case when i % 10 in (7, 8) then ${ts(at('i + 500'))} else null end,
      case when (i % ${sql.raw(String(PEOPLE))}) % 10 = 0 then 'partner' else 'customer' end, ${ts(at('i'))}, ${ts(at('i'))}
    from ${series(REFERRALS)}`.execute(db);
  // The flow rollup as the app keeps it: referred by creation day, won by the day it was won.
  const day = (col: string) =>
    pg ? sql.raw(`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD')`) : sql.raw(`substr(${col}, 1, 10)`);
  for (const [dim, key] of [
    ['all', `''`],
    ['channel', 'channel'],
    ['source', 'source_kind'],
    ['staff', `coalesce(assigned_to, '')`],
  ] as const)
    await sql`insert into referral_daily (workspace_id, dim, day, program_id, key, referred, contacted, appointments, won, lost, revenue)
      select workspace_id, ${dim}, ${day('created_at')}, program_id, ${sql.raw(key)}, count(*),
        sum(case when status in ('contacted', 'appointment', 'won', 'lost') then 1 else 0 end),
        sum(case when status in ('appointment', 'won') then 1 else 0 end),
        sum(case when status = 'won' then 1 else 0 end), sum(case when status = 'lost' then 1 else 0 end),
        sum(case when status = 'won' then 12000 else 0 end)
      from referrals where true
      group by workspace_id, ${day('created_at')}, program_id${dim === 'all' ? sql`` : sql`, ${sql.raw(key)}`}`.execute(
      db,
    );
  // Wins per referrer, as the app keeps them.
  const { backfill: backfillWins } = await import('../src/db/migrations/0012_referrer_wins.ts');
  await backfillWins(db as never);
  // 10,000,000 views over 2,000 links and 730 days (program_clicks_daily follows by trigger).
  const perLinkDay = Math.round(CLICKS / (LINKS * DAYS));
  const dayOf = (expr: string) =>
    pg
      ? sql.raw(
          `to_char(to_timestamp((${start} + (${expr})::bigint * 86400000) / 1000.0) at time zone 'UTC', 'YYYY-MM-DD')`,
        )
      : sql.raw(`strftime('%Y-%m-%d', (${start} + (${expr}) * 86400000) / 1000.0, 'unixepoch')`);
  await sql`insert into link_clicks_daily (workspace_id, link_id, day, program_id, clicks)
    select ${ws.id}, 'l' || (i % ${sql.raw(String(LINKS))}), ${dayOf(`i / ${LINKS}`)}, ${program(`i % ${LINKS}`)}, ${sql.raw(String(perLinkDay))}
    from ${series(LINKS * DAYS)}`.execute(db);
  // As autovacuum leaves a settled database: statistics, and a visibility map for index-only scans.
  await sql.raw(pg ? 'vacuum analyze' : 'analyze').execute(db);
  const seeded = (Date.now() - started) / 1000;

  const today = new Date().toISOString().slice(0, 10);
  const ago = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
  const results: Array<{ name: string; p50: number; p99: number; max: number; bytes: number }> = [];
  for (const [name, q] of [
    ['last 30 days', { from: ago(29), to: today }],
    ['last 90 days', { from: ago(89), to: today }],
    ['last 365 days', { from: ago(364), to: today }],
    ['two years', { from: ago(DAYS), to: today }],
    ['two years, one program', { from: ago(DAYS), to: today, programId: programs[0]?.id }],
  ] as const) {
    const times: number[] = [];
    let bytes = 0;
    for (let k = 0; k < 40; k++) {
      const t0 = performance.now();
      const d = await getDashboard(db, actor, q);
      bytes = JSON.stringify(d).length;
      times.push(performance.now() - t0);
      if (k === 0 && d.totals.referred === 0) throw new Error(`nothing in ${name}`);
    }
    times.sort((a, b) => a - b);
    results.push({
      name,
      p50: times[Math.floor(times.length / 2)] as number,
      p99: times[Math.floor(times.length * 0.99)] as number,
      max: times.at(-1) as number,
      bytes,
    });
  }
  process.send?.({ seeded, results });
  await conn.close();
  process.exit(0);
}

async function run(dialect: Dialect) {
  let target: string;
  let drop: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'vouch-dashboard-'));
    target = join(dir, 'dashboard.db');
    drop = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const pg = (await import('pg')).default;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    target = `bench_dashboard_${process.pid}`;
    await admin.query(`create schema ${target}`);
    drop = async () => {
      await admin.query(`drop schema ${target} cascade`);
      await admin.end();
    };
  }
  const c = fork(SELF, ['child', dialect, target], { stdio: 'inherit' });
  try {
    const [r] = (await once(c, 'message')) as [
      {
        seeded: number;
        results: Array<{ name: string; p50: number; p99: number; max: number; bytes: number }>;
      },
    ];
    console.log(`  ${dialect}: seeded in ${r.seeded.toFixed(0)} s`);
    for (const x of r.results)
      console.log(
        `  ${dialect.padEnd(8)} ${x.name.padEnd(24)} p50 ${x.p50.toFixed(1)} ms  p99 ${x.p99.toFixed(1)} ms  max ${x.max.toFixed(1)} ms  ` +
          `${(x.bytes / 1024).toFixed(1)} KB  (target < 100 ms: ${x.p99 < 100 ? 'PASS' : 'FAIL'})`,
      );
  } finally {
    if (c.exitCode === null) {
      c.kill();
      await once(c, 'exit');
    }
    await drop();
  }
}

if (process.argv[2] === 'child') await child(process.argv[3] as Dialect, process.argv[4] as string);
else {
  console.log(
    `Dashboard: ${REFERRALS.toLocaleString('en')} referrals, ${CLICKS.toLocaleString('en')} views; Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model})`,
  );
  for (const d of PG_URL ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const)) await run(d);
}
