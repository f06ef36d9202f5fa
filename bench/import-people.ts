/**
 * People CSV import: a generated Shopify customer export of BENCH_ROWS rows (default 1,000,000)
 * imported into a fresh SQLite file and a fresh PostgreSQL schema (when VOUCH_BENCH_POSTGRES_URL
 * or VOUCH_TEST_POSTGRES_URL is set), then imported again (every row unchanged). Each import runs
 * in a child process of its own, so its peak memory (maxRSS) is its own.
 *
 *   npm run bench                      # every benchmark
 *   node bench/import-people.ts        # just this one; BENCH_ROWS=100000 for a quick look
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { IMPORT_READ_BYTES, IMPORT_V8_FLAGS, importProcessEnv } from '../src/people/import-launch.ts';
import { CITIES, FIRST, LAST } from './lib/customers.ts';

const SELF = fileURLToPath(import.meta.url);
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const PG_URL = process.env.VOUCH_BENCH_POSTGRES_URL ?? process.env.VOUCH_TEST_POSTGRES_URL;
/** V8 flags for the import processes: those `vouch import` starts with, unless BENCH_NODE_FLAGS says others. */
const NODE_FLAGS =
  process.env.BENCH_NODE_FLAGS === undefined
    ? IMPORT_V8_FLAGS
    : process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean);
/** A run that takes longer than this is stopped (and reported as such). */
const CHILD_TIMEOUT_MS = 15 * 60_000;

type Result = {
  rows: number;
  seconds: number;
  /** CPU time of the import process (all its threads) per row: less disturbed by other load than rows/s. */
  cpuUsPerRow: number;
  /** On PostgreSQL: CPU time of the import's server processes per row (same machine). */
  serverCpuUsPerRow?: number;
  maxRssMb: number;
  /** RSS when the import starts (Node, the database libraries and the import code loaded). */
  rssBeforeMb: number;
  created: number;
  unchanged: number;
  rejected: number;
};
const TARGET_ROWS_PER_S = 50_000;
const TARGET_RSS_MB = 200;

const HEADER =
  'Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,Default Address Address1,' +
  'Default Address Address2,Default Address City,Default Address Province Code,Default Address Country Code,' +
  'Default Address Zip,Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,Tags\n';
/** Row i of the generated export; one row in a thousand has a phone number nobody can read. */
function row(i: number): string {
  const first = FIRST[i % FIRST.length]!;
  const last = LAST[(i >> 3) % LAST.length]!;
  const [city, state, zip, area] = CITIES[i % CITIES.length]!;
  const exchange = 200 + Math.floor(i / 10_000);
  const phone = i % 1000 === 999 ? '12' : `'+1${area}${exchange}${String(i % 10_000).padStart(4, '0')}`;
  const tags = i % 3 === 0 ? '"vip, newsletter"' : i % 3 === 1 ? 'walk-in' : '';
  const note = i % 10 === 0 ? '"Prefers mornings, asks for Sam"' : '';
  return (
    `'${7_000_000_000_000 + i},${first},${last},${first.toLowerCase()}.${i}@example.com,${i % 2 ? 'yes' : 'no'},,` +
    `${100 + (i % 900)} Main St,,${city},${state},US,'${zip},,${phone},no,${(i % 500) + 0.5},${i % 20},${note},no,${tags}\n`
  );
}

async function generate(file: string, rows: number) {
  const out = createWriteStream(file);
  out.write(HEADER);
  for (let i = 0; i < rows; i += 10_000) {
    let chunk = '';
    for (let j = i; j < Math.min(rows, i + 10_000); j++) chunk += row(j);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** In the child: one import, timed, printed as JSON. */
async function child(dialect: 'sqlite' | 'postgres', csv: string, target: string, workspace: string) {
  const { connect } = await import('../src/db/connect.ts');
  const { migrate } = await import('../src/db/migrate.ts');
  const { importPeople } = await import('../src/people/people.import.ts');
  const conn =
    dialect === 'sqlite'
      ? connect({ kind: 'sqlite', file: target })
      : connect(
          { kind: 'postgres', url: PG_URL!, poolSize: 2 },
          { searchPath: target, settings: { application_name: target } },
        );
  // Like `vouch import`: migrate, then import into an existing workspace.
  await migrate(conn.db, dialect === 'postgres' ? { schema: target } : {});
  const workspaceId = workspace;
  const actor = { workspaceId, role: 'owner' as const, userId: null, via: 'session' as const };
  const rssBeforeMb = process.memoryUsage().rss / 1024 / 1024;
  // BENCH_MEMORY=1: what the process held when its RSS was highest (main thread's heap only).
  let atPeak: (NodeJS.MemoryUsage & { at: number }) | null = null;
  const started = performance.now();
  const sampler = process.env.BENCH_MEMORY
    ? setInterval(() => {
        const m = process.memoryUsage();
        if (!atPeak || m.rss > atPeak.rss) atPeak = { ...m, at: (performance.now() - started) / 1000 };
      }, 200)
    : null;
  const cpu = process.cpuUsage();
  const summary = await importPeople(
    conn.db,
    actor,
    createReadStream(csv, { highWaterMark: IMPORT_READ_BYTES }),
    {
      filename: 'bench.csv',
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (sampler) {
    clearInterval(sampler);
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
    const m = atPeak as (NodeJS.MemoryUsage & { at: number }) | null;
    if (m)
      process.stderr.write(
        `memory at peak (${m.at.toFixed(1)} of ${seconds.toFixed(1)} s): rss ${mb(m.rss)}, main heap ${mb(m.heapUsed)} of ${mb(m.heapTotal)}, external ${mb(m.external)}, array buffers ${mb(m.arrayBuffers)}\n`,
      );
  }
  // The server processes of this import's connections (named after its schema): their CPU time
  // so far, from /proc (the server runs on this machine), is the import's share of the server.
  let serverCpuUs: number | undefined;
  if (dialect === 'postgres') {
    const { sql } = await import('kysely');
    const { rows } = await sql<{
      pid: number;
    }>`select pid from pg_stat_activity where application_name = ${target}`.execute(conn.db);
    const tick = 1e6 / 100; // USER_HZ
    serverCpuUs = 0;
    for (const { pid } of rows) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      serverCpuUs += (Number(fields[11]) + Number(fields[12])) * tick; // utime, stime
    }
  }
  await conn.close();
  if (summary.status !== 'done') throw new Error(`import failed: ${summary.error}`);
  const result: Result & { workspaceId: string } = {
    rows: summary.rowsTotal,
    seconds,
    cpuUsPerRow: (used.user + used.system) / summary.rowsTotal,
    ...(serverCpuUs === undefined ? {} : { serverCpuUsPerRow: serverCpuUs / summary.rowsTotal }),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    rssBeforeMb,
    created: summary.rowsCreated,
    unchanged: summary.rowsUnchanged,
    rejected: summary.rowsRejected,
    workspaceId,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** A workspace to import into, made here so the import process loads only what `vouch import` loads. */
async function newWorkspace(dialect: 'sqlite' | 'postgres', target: string): Promise<string> {
  const { connect } = await import('../src/db/connect.ts');
  const { migrate } = await import('../src/db/migrate.ts');
  const { createWorkspace } = await import('../src/workspaces/workspaces.service.ts');
  const conn =
    dialect === 'sqlite'
      ? connect({ kind: 'sqlite', file: target })
      : connect({ kind: 'postgres', url: PG_URL!, poolSize: 1 }, { searchPath: target });
  try {
    await migrate(conn.db, dialect === 'postgres' ? { schema: target } : {});
    return (await createWorkspace(conn.db, { name: 'Bench shop', country: 'US' })).id;
  } finally {
    await conn.close();
  }
}

function runChild(args: string[]): Promise<Result & { workspaceId: string }> {
  // The run before left hundreds of megabytes of dirty pages (a SQLite file, PostgreSQL's log):
  // written back now, not by the kernel in the middle of this run.
  execFileSync('sync');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...NODE_FLAGS, SELF, '--child', ...args],
      // Started as `vouch import` starts its process: same flags, same compile cache.
      { timeout: CHILD_TIMEOUT_MS, maxBuffer: 1 << 20, killSignal: 'SIGKILL', env: importProcessEnv() },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new Error(`${args[0]} import ${err.killed ? 'timed out' : 'failed'}: ${stderr || err.message}`),
          );
        else {
          if (stderr.trim()) console.log(`    ${stderr.trim()}`);
          resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
        }
      },
    );
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-bench-'));
  const load = () => loadavg()[0]!.toFixed(1);
  try {
    const csv = join(dir, 'customers.csv');
    const t = performance.now();
    await generate(csv, ROWS);
    const mb = statSync(csv).size / 1024 / 1024;
    console.log(
      `people CSV import: ${ROWS.toLocaleString('en')} generated Shopify customer rows (${mb.toFixed(0)} MB, ` +
        `written in ${((performance.now() - t) / 1000).toFixed(1)} s); Node ${process.version}, ${availableParallelism()} CPUs, ` +
        `flags: ${NODE_FLAGS.join(' ') || 'none'}; load average ${load()}`,
    );
    const report = (label: string, r: Result) => {
      const rate = Math.round(r.rows / r.seconds);
      console.log(
        `  ${label.padEnd(34)} ${rate.toLocaleString('en').padStart(7)} rows/s  ${r.seconds.toFixed(1).padStart(6)} s  ` +
          `${r.cpuUsPerRow.toFixed(1).padStart(5)} µs CPU/row${r.serverCpuUsPerRow === undefined ? '' : ` (+ ${r.serverCpuUsPerRow.toFixed(1)} µs server)`}  peak RSS ${r.maxRssMb.toFixed(0).padStart(4)} MB ` +
          `(${r.rssBeforeMb.toFixed(0)} at start)  ` +
          `(created ${r.created}, unchanged ${r.unchanged}, rejected ${r.rejected}; load ${load()})`,
      );
      return rate;
    };

    // A small import first fills the compile cache, as any earlier `vouch import` would have.
    const small = join(dir, 'small.csv');
    await generate(small, 100);
    const warmUp = join(dir, 'warm-up.db');
    await runChild(['sqlite', small, warmUp, await newWorkspace('sqlite', warmUp)]);

    // BENCH_POSTGRES_ONLY=1: the PostgreSQL runs alone (for A/B runs of the PostgreSQL path).
    let sqliteRate: number | null = null;
    if (!process.env.BENCH_POSTGRES_ONLY) {
      const file = join(dir, 'vouch.db');
      const first = await runChild(['sqlite', csv, file, await newWorkspace('sqlite', file)]);
      sqliteRate = report('SQLite, into an empty database', first);
      if (!process.env.BENCH_FIRST_ONLY)
        report('SQLite, again (all unchanged)', await runChild(['sqlite', csv, file, first.workspaceId]));
      const ok = sqliteRate >= TARGET_ROWS_PER_S && first.maxRssMb < TARGET_RSS_MB;
      console.log(
        `  ${ok ? 'PASS' : 'FAIL'}: SQLite target ≥ ${TARGET_ROWS_PER_S.toLocaleString('en')} rows/s with < ${TARGET_RSS_MB} MB ` +
          `(${sqliteRate.toLocaleString('en')} rows/s, ${first.maxRssMb.toFixed(0)} MB)`,
      );
    }

    if (PG_URL) {
      const schema = `bench_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      try {
        const p1 = await runChild(['postgres', csv, schema, await newWorkspace('postgres', schema)]);
        const pgRate = report('PostgreSQL, into an empty schema', p1);
        report(
          'PostgreSQL, again (all unchanged)',
          await runChild(['postgres', csv, schema, p1.workspaceId]),
        );
        if (sqliteRate !== null)
          console.log(
            `  ${pgRate >= sqliteRate ? 'PASS' : 'FAIL'}: PostgreSQL target at least as fast as SQLite ` +
              `(${pgRate.toLocaleString('en')} vs ${sqliteRate.toLocaleString('en')} rows/s)`,
          );
      } finally {
        await admin.query(`drop schema ${schema} cascade`);
        await admin.end();
      }
    } else {
      console.log('  PostgreSQL: skipped (set VOUCH_BENCH_POSTGRES_URL or VOUCH_TEST_POSTGRES_URL)');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const [, , , dialect, csv, target, workspace] = process.argv;
  await child(dialect as 'sqlite' | 'postgres', csv!, target!, workspace!);
} else {
  await main();
}
