/**
 * Landing page render: GET /p/:code against the real app (buildApp) on a SQLite file, served by a
 * child process, loaded by autocannon at 50 connections for several rounds. Reports the median
 * requests per second and p99 latency; the target is 2,000 pages/s.
 *
 *   npx node bench/landing.ts                      # 5 rounds of 10 s
 *   BENCH_ROUNDS=3 BENCH_SECONDS=5 npx node bench/landing.ts
 *
 * Stops by itself: the server child is killed at the end, on error, or after a hard time limit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const TARGET = 2000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const HARD_LIMIT_MS = (ROUNDS * SECONDS + 120) * 1000;

/** In the child: serve the app on the seeded file until told to stop. */
async function serve(file: string) {
  const { connect } = await import('../src/db/connect.ts');
  const { buildApp } = await import('../src/app.ts');
  const { loadConfig } = await import('../src/config.ts');
  const conn = connect({ kind: 'sqlite', file });
  const app = await buildApp({
    db: conn.db,
    config: loadConfig({ DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'silent' }),
    logger: false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof addr === 'object' && addr ? addr.port : 0 })}\n`);
  const stop = async () => {
    await app.close();
    await conn.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Never outlive the parent.
  process.on('disconnect', stop);
  setTimeout(() => process.exit(2), HARD_LIMIT_MS).unref();
}

/** A clinic with a two-sided program, a story, testimonials, and one referrer's link. */
async function seed(file: string): Promise<string> {
  const { connect } = await import('../src/db/connect.ts');
  const { migrate } = await import('../src/db/migrate.ts');
  const { createWorkspace } = await import('../src/workspaces/workspaces.service.ts');
  const { createProgram } = await import('../src/programs/programs.service.ts');
  const { createPerson } = await import('../src/people/people.service.ts');
  const { getOrCreateLink } = await import('../src/referrals/links.service.ts');
  const conn = connect({ kind: 'sqlite', file });
  await migrate(conn.db);
  const ws = await createWorkspace(conn.db, {
    name: 'Elm Street Chiropractic',
    country: 'US',
    timeZone: 'America/Chicago',
    address: { line1: '12 Elm Street', city: 'Springfield', region: 'IL', postalCode: '62701' },
  });
  const actor = { workspaceId: ws.id, role: 'owner' as const, userId: null, via: 'api_key' as const };
  const program = await createProgram(conn.db, actor, {
    name: 'Give $20, get $20',
    status: 'active',
    terms: {
      referrerReward: { type: 'credit', amount: 2000, description: '' },
      friendIncentive: { type: 'credit', amount: 2000, description: 'off your first adjustment' },
    },
    landing: {
      headline: 'Move without pain again',
      story:
        'For twenty years we have helped our neighbours on Elm Street get back to the things they love.\n\nYour first visit includes a full assessment and a plan made for you.',
      testimonials: [
        { quote: 'My back has never felt better. The whole team is wonderful.', name: 'Sue P., Elm Street' },
        { quote: 'They fitted me in the same day and explained everything.', name: 'Tom R.' },
        { quote: 'I sent my sister and she loves them too.', name: 'Ana G.' },
      ],
    },
  });
  const referrer = await createPerson(conn.db, actor, {
    firstName: 'Rita',
    lastName: 'Moreno',
    email: 'rita@example.com',
  });
  const { link } = await getOrCreateLink(conn.db, ws.id, program.id, referrer.id);
  await conn.close();
  return link.code;
}

function startServer(file: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, '--serve', file], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start within 30 s')), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, port: JSON.parse(line).port });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited early (${code})`)));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main() {
  const { default: autocannon } = await import('autocannon');
  const dir = mkdtempSync(join(tmpdir(), 'vouch-bench-landing-'));
  const file = join(dir, 'bench.db');
  let child: ChildProcess | undefined;
  const hard = setTimeout(() => {
    console.error('bench/landing: hard time limit reached, stopping');
    child?.kill('SIGKILL');
    process.exit(3);
  }, HARD_LIMIT_MS);
  hard.unref();
  try {
    const code = await seed(file);
    const server = await startServer(file);
    child = server.child;
    const url = `http://127.0.0.1:${server.port}/p/${code}`;
    const probe = await fetch(url);
    const body = await probe.text();
    if (probe.status !== 200 || !body.includes('on behalf of Rita'))
      throw new Error(`landing page answered ${probe.status}`);
    console.log(
      `landing page: ${body.length} bytes of HTML; ${cpus().length} CPUs; load before ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    // Warm-up: JIT, statement cache, code cache.
    await autocannon({ url, connections: CONNECTIONS, duration: 3 });
    const rounds: Array<{ rps: number; p99: number; non2xx: number; errors: number }> = [];
    for (let i = 0; i < ROUNDS; i++) {
      const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
      rounds.push({ rps: r.requests.average, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors });
      console.log(
        `round ${i + 1}/${ROUNDS}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`,
      );
    }
    const rps = median(rounds.map((r) => r.rps));
    const p99 = median(rounds.map((r) => r.p99));
    const bad = rounds.reduce((s, r) => s + r.non2xx + r.errors, 0);
    const pass = rps >= TARGET && bad === 0;
    console.log(
      JSON.stringify({
        bench: 'landing',
        connections: CONNECTIONS,
        rounds: ROUNDS,
        seconds: SECONDS,
        medianRps: Math.round(rps),
        medianP99Ms: p99,
        failures: bad,
        loadAfter: loadavg(),
      }),
    );
    console.log(
      `${pass ? 'PASS' : 'FAIL'}: median ${Math.round(rps)} pages/s (target ${TARGET}), p99 ${p99} ms${bad ? `, ${bad} failed requests` : ''}`,
    );
    process.exitCode = pass ? 0 : 1;
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
    clearTimeout(hard);
  }
}

if (process.argv[2] === '--serve') await serve(process.argv[3]!);
else await main();
