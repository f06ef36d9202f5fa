/**
 * Event ingestion and the ledger. Through the real HTTP API (API key, validation, attribution,
 * rewards and ledger postings, acknowledged only once committed: SQLite with WAL and
 * synchronous=FULL, PostgreSQL with its default synchronous_commit=on):
 *   - batches: POST /api/v1/events/batch with 1,000 events each   target ≥ 5,000 events/s (SQLite)
 *   - singles: POST /api/v1/events at 50 connections               target ≥ 1,000 events/s (SQLite)
 * and in-process, a person's balance and history (GET …/wallet's service) with 1,000,000 ledger
 * entries in the workspace: target < 5 ms.
 *
 *   node bench/events.ts          BENCH_SECONDS=10 BENCH_CONNECTIONS=50 BENCH_PART=ingestion,balance;
 *                                 PostgreSQL too when
 *                                 VOUCH_BENCH_POSTGRES_URL or VOUCH_TEST_POSTGRES_URL is set
 *
 * The event mix: 10% first purchases of referred friends (each wins a referral: status change,
 * activity, domain event, two rewards, two ledger postings, a thank-you task), 55% purchases of
 * known customers by external id, 30% visits, 5% purchases of people nobody knows yet (created).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { personRow } from '../test/factories.ts';

const SELF = fileURLToPath(import.meta.url);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const CUSTOMERS = 20_000;
const FRIENDS = 30_000;
const LEDGER_ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000_000);
const PG_URL = process.env.VOUCH_BENCH_POSTGRES_URL ?? process.env.VOUCH_TEST_POSTGRES_URL;

type Ready = { port: number; key: string };
type Dialect = 'sqlite' | 'postgres';

const person = (workspaceId: string, i: number, kind: 'customer' | 'prospect', email: string) =>
  personRow(workspaceId, {
    kind,
    first_name: `P${i}`,
    last_name: 'Bench',
    email,
    email_key: email,
    external_id: kind === 'customer' ? `C${i}` : null,
  });

/** In the child: a database with customers and referred friends, and the app listening. */
async function serveChild(dialect: Dialect, target: string) {
  const { connect } = await import('../src/db/connect.ts');
  const { migrate } = await import('../src/db/migrate.ts');
  const { buildApp } = await import('../src/app.ts');
  const { loadConfig } = await import('../src/config.ts');
  const { createWorkspace } = await import('../src/workspaces/workspaces.service.ts');
  const { createProgram } = await import('../src/programs/programs.service.ts');
  const { createApiKey } = await import('../src/auth/auth.service.ts');
  const { newId } = await import('../src/lib/ids.ts');

  const conn =
    dialect === 'sqlite'
      ? connect({ kind: 'sqlite', file: target })
      : connect({ kind: 'postgres', url: PG_URL as string, poolSize: 20 }, { searchPath: target });
  const db = conn.db;
  await migrate(db, dialect === 'postgres' ? { schema: target } : {});
  const ws = await createWorkspace(db, { name: 'Bench clinic', country: 'US' });
  const actor = { workspaceId: ws.id, role: 'owner' as const, userId: null, via: 'api_key' as const };
  const program = await createProgram(db, actor, {
    name: 'Give $10, get $25',
    status: 'active',
    terms: {
      referrerReward: { type: 'credit', amount: 2500 },
      friendIncentive: { type: 'credit', amount: 1000 },
      holdDays: 14,
    },
  });
  const customers = Array.from({ length: CUSTOMERS }, (_, i) =>
    person(ws.id, i, 'customer', `c${i}@bench.example`),
  );
  const friends = Array.from({ length: FRIENDS }, (_, i) =>
    person(ws.id, i, 'prospect', `f${i}@bench.example`),
  );
  for (const rows of [customers, friends])
    for (let i = 0; i < rows.length; i += 500)
      await db
        .insertInto('people')
        .values(rows.slice(i, i + 500))
        .execute();
  const now = new Date().toISOString();
  const referrals = friends.map((f, i) => ({
    workspace_id: ws.id,
    id: newId(),
    program_id: program.id,
    terms_id: program.termsId,
    referrer_id: (customers[i % CUSTOMERS] as { id: string }).id,
    friend_id: f.id,
    link_id: null,
    channel: 'staff' as const,
    status: 'new' as const,
    introduced_at: now,
    friend_opt_in_at: now,
    assigned_to: null,
    follow_up_due_at: now,
    appointment_at: null,
    lost_reason: null,
    void_reason: null,
    flag: null,
    source_ip_key: null,
    created_by: null,
    won_at: null,
    won_event_id: null,
    created_at: now,
    updated_at: now,
  }));
  for (let i = 0; i < referrals.length; i += 500)
    await db
      .insertInto('referrals')
      .values(referrals.slice(i, i + 500))
      .execute();
  const { key } = await createApiKey(db, actor, 'bench');
  const app = await buildApp({ db, config: loadConfig({}), logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  process.send?.({ port, key } satisfies Ready);
  process.on('message', async (msg) => {
    if (msg === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.(user + system);
      return;
    }
    if (msg !== 'stop') return;
    await app.close();
    const count = async (table: 'business_events' | 'ledger_entries' | 'rewards') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const won = Number(
      (
        await db
          .selectFrom('referrals')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '=', 'won')
          .executeTakeFirstOrThrow()
      ).n,
    );
    process.send?.({
      events: await count('business_events'),
      rewards: await count('rewards'),
      entries: await count('ledger_entries'),
      won,
    });
    await conn.close();
    process.exit(0);
  });
}

/** One event of the mix; `n` makes its external id unique. */
function makeEvent(n: number, run: string) {
  const r = n % 20;
  const externalId = `${run}-${n}`;
  if (r < 2)
    return {
      type: 'purchase',
      externalId,
      person: { email: `f${(n * 7919) % FRIENDS}@bench.example` },
      amount: 12_000,
    };
  if (r < 13)
    return {
      type: 'purchase',
      externalId,
      person: { externalId: `C${(n * 104_729) % CUSTOMERS}` },
      amount: 4_500 + (n % 7) * 1000,
    };
  if (r < 19)
    return { type: 'visit', externalId, person: { externalId: `C${(n * 15_485_863) % CUSTOMERS}` } };
  return {
    type: 'purchase',
    externalId,
    person: { email: `new-${externalId}@bench.example`, firstName: 'New' },
    amount: 9_900,
  };
}

/** Server CPU time (user + system), asked of the child. */
async function serverCpu(child: ChildProcess): Promise<number> {
  child.send('cpu');
  const [cpu] = (await once(child, 'message')) as [number];
  return cpu;
}

async function load(
  ready: Ready,
  child: ChildProcess,
  opts: { batch: boolean; connections: number; run: string },
) {
  const { default: autocannon } = await import('autocannon');
  // Bodies are made before the run, so the load generator only sends bytes (it shares the cores).
  const bodies = Array.from({ length: opts.batch ? 150 : 40_000 }, (_, i) =>
    JSON.stringify(
      opts.batch
        ? { events: Array.from({ length: 1000 }, (_, k) => makeEvent(i * 1000 + k, opts.run)) }
        : makeEvent(i, opts.run),
    ),
  );
  let n = 0;
  const cpu0 = await serverCpu(child);
  const result = await autocannon({
    url: `http://127.0.0.1:${ready.port}`,
    connections: opts.connections,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        path: opts.batch ? '/api/v1/events/batch' : '/api/v1/events',
        headers: { authorization: `Bearer ${ready.key}`, 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: bodies[n++ % bodies.length] as string }),
      },
    ],
  });
  const cpu = (await serverCpu(child)) - cpu0;
  const events = result['2xx'] * (opts.batch ? 1000 : 1);
  return {
    eventsPerSecond: events / SECONDS,
    cpuPerEvent: cpu / Math.max(events, 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
}

/** A SQLite file in a temporary folder, or a PostgreSQL schema; and how to remove it. */
async function makeTarget(dialect: Dialect, name: string) {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `vouch-${name}-`));
    return {
      target: join(dir, `${name}.db`),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  const target = `bench_${name}_${process.pid}`;
  await admin.query(`create schema ${target}`);
  return {
    target,
    drop: async () => {
      await admin.query(`drop schema ${target} cascade`);
      await admin.end();
    },
  };
}

async function ingestion(dialect: Dialect) {
  const { target, drop } = await makeTarget(dialect, 'events');
  const child: ChildProcess = fork(SELF, ['serve', dialect, target], {
    stdio: 'inherit',
    execArgv: process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [],
  });
  try {
    const [ready] = (await once(child, 'message')) as [Ready];
    await load(ready, child, { batch: false, connections: 10, run: 'warm' });
    const batches = await load(ready, child, { batch: true, connections: 2, run: 'batch' });
    const singles = await load(ready, child, { batch: false, connections: CONNECTIONS, run: 'single' });
    child.send('stop');
    const [counts] = (await once(child, 'message')) as [
      { events: number; rewards: number; entries: number; won: number },
    ];
    if (child.exitCode === null)
      await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 10_000))]);
    const sqlite = dialect === 'sqlite';
    const line = (what: string, r: Awaited<ReturnType<typeof load>>, target: number) =>
      `  ${dialect.padEnd(8)} ${what.padEnd(34)} ${r.eventsPerSecond.toFixed(0).padStart(7)} events/s  ${r.cpuPerEvent.toFixed(0)} µs server CPU/event  p50 ${r.p50} ms  p99 ${r.p99} ms` +
      (r.errors ? `  (${r.errors} not 2xx)` : '') +
      (sqlite ? `  (target ≥ ${target}: ${r.eventsPerSecond >= target ? 'PASS' : 'FAIL'})` : '');
    console.log(line('batches of 1,000, 2 connections', batches, 5000));
    console.log(line(`single events, ${CONNECTIONS} connections`, singles, 1000));
    console.log(
      `  ${dialect.padEnd(8)} stored: ${counts.events} events, ${counts.won} referrals won, ${counts.rewards} rewards, ${counts.entries} ledger entries`,
    );
  } finally {
    if (child.exitCode === null) {
      child.kill();
      await once(child, 'exit');
    }
    await drop();
  }
}

/** In a child: 1,000,000 ledger entries in one workspace, then a person's wallet, timed. */
async function balanceChild(dialect: Dialect, target: string) {
  const { connect } = await import('../src/db/connect.ts');
  const { migrate } = await import('../src/db/migrate.ts');
  const { createWorkspace } = await import('../src/workspaces/workspaces.service.ts');
  const { createProgram } = await import('../src/programs/programs.service.ts');
  const { getWallet } = await import('../src/rewards/wallet.service.ts');
  const conn =
    dialect === 'sqlite'
      ? connect({ kind: 'sqlite', file: target })
      : connect({ kind: 'postgres', url: PG_URL as string, poolSize: 4 }, { searchPath: target });
  const db = conn.db;
  await migrate(db, dialect === 'postgres' ? { schema: target } : {});
  const ws = await createWorkspace(db, { name: 'Ledger bench', country: 'US' });
  const actor = { workspaceId: ws.id, role: 'owner' as const, userId: null, via: 'api_key' as const };
  const program = await createProgram(db, actor, { name: 'P', status: 'active' });
  // 25,000 people with 10 rewards each; a reward has 4 entries (issue and release). Seeded with
  // INSERT … SELECT over a number series (ids are plain strings here), which takes seconds.
  const { sql } = await import('kysely');
  const PEOPLE = LEDGER_ENTRIES / 40;
  const REWARDS = PEOPLE * 10;
  const started = Date.now();
  const now = new Date().toISOString();
  const series = (n: number) =>
    dialect === 'sqlite'
      ? sql.raw(
          `(with recursive s(i) as (select 0 union all select i + 1 from s where i < ${n - 1}) select i from s) as s`,
        )
      : sql.raw(`generate_series(0, ${n - 1}) as s(i)`);
  const ts = dialect === 'sqlite' ? sql`${now}` : sql`${now}::timestamptz`;
  await sql`insert into people (workspace_id, id, kind, first_name, last_name, address, notes, created_at, updated_at)
    select ${ws.id}, 'p' || i, 'customer', 'P' || i, 'Bench', '{}', '', ${ts}, ${ts} from ${series(PEOPLE)}`.execute(
    db,
  );
  await sql`insert into rewards (workspace_id, id, program_id, terms_id, rule, issue_key, person_id, kind, unit, amount,
      value, description, status, hold_until, needs_approval, created_at, updated_at)
    select ${ws.id}, 'r' || i, ${program.id}, ${program.termsId}, 'milestone', 'bench:' || i, 'p' || (i / 10), 'credit',
      'USD', 2500, 2500, '', 'available', ${ts}, 0, ${ts}, ${ts} from ${series(REWARDS)}`.execute(db);
  for (const kind of ['issue', 'release'])
    await sql`insert into ledger_postings (workspace_id, id, kind, memo, actor_label, at)
      select ${ws.id}, ${kind} || i, ${kind}, ${kind}, 'bench', ${ts} from ${series(REWARDS)}`.execute(db);
  for (const [kind, account, amount] of [
    ['issue', 'expense', 2500],
    ['issue', 'held', -2500],
    ['release', 'held', 2500],
    ['release', 'available', -2500],
  ] as const)
    await sql`insert into ledger_entries (workspace_id, id, posting_id, reward_id, program_id, account, unit, amount, at)
      select ${ws.id}, ${`${kind}-${account}-`} || i, ${kind} || i, 'r' || i, ${program.id}, ${account}, 'USD', ${amount}, ${ts}
      from ${series(REWARDS)}`.execute(db);
  const seeded = (Date.now() - started) / 1000;
  if (dialect === 'postgres') await sql`analyze`.execute(db);
  const times: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const who = `p${(i * 7919) % PEOPLE}`;
    const t0 = performance.now();
    const w = await getWallet(db, ws.id, 'person', who);
    times.push(performance.now() - t0);
    if (w.balances[0]?.available !== 25_000) throw new Error(`wrong balance ${JSON.stringify(w.balances)}`);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => (times[Math.floor(q * (times.length - 1))] as number).toFixed(2);
  process.send?.({ seeded, p50: at(0.5), p99: at(0.99), max: at(1) });
  await conn.close();
  process.exit(0);
}

async function balance(dialect: Dialect) {
  const { target, drop } = await makeTarget(dialect, 'ledger');
  const child = fork(SELF, ['balance', dialect, target], { stdio: 'inherit' });
  try {
    const [r] = (await once(child, 'message')) as [{ seeded: number; p50: string; p99: string; max: string }];
    console.log(
      `  ${dialect.padEnd(8)} wallet (balances, 10 rewards, 20 postings of history) with ${LEDGER_ENTRIES.toLocaleString('en')} entries: ` +
        `p50 ${r.p50} ms  p99 ${r.p99} ms  max ${r.max} ms  (target < 5 ms: ${Number(r.p99) < 5 ? 'PASS' : 'FAIL'}; seeded in ${r.seeded.toFixed(0)} s)`,
    );
  } finally {
    if (child.exitCode === null) {
      child.kill();
      await once(child, 'exit');
    }
    await drop();
  }
}

async function main() {
  const parts = (process.env.BENCH_PART ?? 'ingestion,balance').split(',');
  console.log(
    `Event ingestion and ledger: ${SECONDS} s per run, Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model})`,
  );
  const dialects: Dialect[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
  if (parts.includes('ingestion')) for (const d of dialects) await ingestion(d);
  if (parts.includes('balance')) for (const d of dialects) await balance(d);
}

if (process.argv[2] === 'serve') await serveChild(process.argv[3] as Dialect, process.argv[4] as string);
else if (process.argv[2] === 'balance')
  await balanceChild(process.argv[3] as Dialect, process.argv[4] as string);
else await main();
