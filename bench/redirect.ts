/**
 * Referral redirect: `GET /r/:code` (resolve the code, derive the visitor key, record the click,
 * 302) against the same Fastify answering a bare 302 with no database work, side by side in one
 * run. The servers run in a child process, autocannon in this one, so the load generator does not
 * share the servers' event loop. Targets: real ≥ 70% of bare throughput, p99 < 15 ms.
 *
 *   npm run bench                 # every benchmark
 *   node bench/redirect.ts        # just this one; BENCH_ROUNDS=5 BENCH_SECONDS=5 BENCH_CONNECTIONS=50
 *
 * Knobs for looking closer: BENCH_FLUSH_MS (group interval, default 10), BENCH_WORKER=false (write
 * from the event loop instead of the writer thread), BENCH_REAL=nowrite (record nothing).
 *
 * Seeds a SQLite file (WAL, synchronous=FULL, as the app runs it) with one workspace, one active
 * program and 1,000 referrers with links; every request asks for one of those codes in turn.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const REFERRERS = 1000;
const TARGET_RATIO = 0.7;
const TARGET_P99_MS = 15;
/** The whole run stops by itself after this, whatever happens. */
const DEADLINE_MS = (ROUNDS * 2 * (SECONDS + 2) + 120) * 1000;

type Ports = { bare: number; real: number; codes: string[] };

/** In the child: seed, then serve both variants until told to stop. */
async function serveChild(file: string) {
  const { default: Fastify } = await import('fastify');
  const { connect } = await import('../src/db/connect.ts');
  const { migrate } = await import('../src/db/migrate.ts');
  const { createWorkspace } = await import('../src/workspaces/workspaces.service.ts');
  const { createProgram } = await import('../src/programs/programs.service.ts');
  const { getOrCreateLink } = await import('../src/referrals/links.service.ts');
  const { createClickRecorder, trackClick } = await import('../src/referrals/clicks.ts');
  const { newId, nowIso } = await import('../src/lib/ids.ts');

  const conn = connect({ kind: 'sqlite', file });
  const db = conn.db;
  await migrate(db);
  const ws = await createWorkspace(db, { name: 'Bench clinic', country: 'US' });
  const actor = { workspaceId: ws.id, role: 'owner' as const, userId: null, via: 'api_key' as const };
  const program = await createProgram(db, actor, { name: 'Give $20', status: 'active' });
  const now = nowIso();
  const people = Array.from({ length: REFERRERS }, (_, i) => ({
    workspace_id: ws.id,
    id: newId(),
    kind: 'customer' as const,
    first_name: `Referrer${i}`,
    last_name: 'Bench',
    organisation: null,
    email: `r${i}@example.com`,
    email_key: `r${i}@example.com`,
    phone: null,
    external_id: null,
    address: '{}',
    how_heard: null,
    notes: '',
    marketing_consent_at: null,
    marketing_consent_source: null,
    do_not_contact_at: null,
    merged_into_id: null,
    created_at: now,
    updated_at: now,
  }));
  for (let i = 0; i < people.length; i += 100) {
    await db
      .insertInto('people')
      .values(people.slice(i, i + 100))
      .execute();
  }
  const codes: string[] = [];
  for (const p of people) codes.push((await getOrCreateLink(db, ws.id, program.id, p.id)).link.code);

  // The same Fastify, with and without the work of /r/:code.
  const bare = Fastify({ logger: false });
  bare.get<{ Params: { code: string } }>('/r/:code', (_req, reply) => reply.redirect('/p/x', 302));

  // BENCH_REAL=nowrite: the same route with a recorder that writes nothing (where the time goes).
  const MODE = process.env.BENCH_REAL ?? 'full';
  const recorder =
    MODE === 'nowrite'
      ? { record() {}, flush: async () => {}, close: async () => {}, pending: 0 }
      : createClickRecorder(db, {
          // The recorder's own defaults unless told otherwise.
          ...(process.env.BENCH_FLUSH_MS ? { flushMs: Number(process.env.BENCH_FLUSH_MS) } : {}),
          worker: process.env.BENCH_WORKER !== 'false',
        });
  const real = Fastify({ logger: false });
  real.get<{ Params: { code: string } }>('/r/:code', async (req, reply) => {
    const resolved = await trackClick(db, recorder, req.params.code, {
      ip: req.ip,
      userAgent: req.headers['user-agent'] ?? '',
    });
    return reply.redirect(resolved ? `/p/${resolved.link.code}` : '/', 302);
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  await real.listen({ port: 0, host: '127.0.0.1' });
  const port = (app: typeof bare) => (app.server.address() as { port: number }).port;
  process.send!({ bare: port(bare), real: port(real), codes } satisfies Ports);

  process.once('message', async () => {
    // A clean shutdown: stop taking requests, write every buffered click, then close the database.
    await bare.close();
    await real.close();
    await recorder.close();
    const { n } = await db
      .selectFrom('clicks')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('clicks'), eb.lit(0)).as('n'))
      .executeTakeFirstOrThrow();
    await conn.close();
    process.send!({ clicks: Number(n) }, () => process.exit(0));
  });
}

type Round = {
  variant: 'bare' | 'real';
  rps: number;
  p99: number;
  p50: number;
  non3xx: number;
  total: number;
};

async function load(port: number, codes: string[], seconds: number): Promise<Omit<Round, 'variant'>> {
  const { default: autocannon } = await import('autocannon');
  let i = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'user-agent': 'Mozilla/5.0 (bench) autocannon' },
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          req.path = `/r/${codes[i++ % codes.length]}`;
          return req;
        },
      },
    ],
  });
  const total = result.requests.total;
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    p50: result.latency.p50,
    non3xx: result['1xx'] + result['2xx'] + result['4xx'] + result['5xx'] + result.errors + result.timeouts,
    total,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-bench-redirect-'));
  let child: ChildProcess | undefined;
  const deadline = setTimeout(() => {
    console.error(`redirect bench: stopped after ${DEADLINE_MS / 1000} s`);
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  }, DEADLINE_MS);
  deadline.unref();
  try {
    child = spawn(process.execPath, [SELF, 'serve', join(dir, 'bench.db')], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const [ready] = (await once(child, 'message')) as [Ports];
    console.log(
      `Referral redirect: ${CONNECTIONS} connections, ${ROUNDS} rounds × ${SECONDS} s per variant, ` +
        `${REFERRERS} links, SQLite file; Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model})`,
    );
    // Warm both (JIT, link cache, prepared statements) before measuring.
    await load(ready.bare, ready.codes, 2);
    let answered = (await load(ready.real, ready.codes, 2)).total;
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which goes first, so a drift in machine load falls on both.
      const order: Array<'bare' | 'real'> = r % 2 ? ['real', 'bare'] : ['bare', 'real'];
      for (const variant of order) {
        const res = await load(ready[variant], ready.codes, SECONDS);
        rounds.push({ variant, ...res });
        if (variant === 'real') answered += res.total;
        console.log(
          `  round ${r + 1} ${variant.padEnd(4)} ${res.rps.toFixed(0).padStart(7)} req/s  p50 ${res.p50} ms  p99 ${res.p99} ms` +
            (res.non3xx ? `  (${res.non3xx} not redirected)` : ''),
        );
      }
    }
    child.send('stop');
    const [{ clicks }] = (await once(child, 'message')) as [{ clicks: number }];
    await once(child, 'exit');

    const of = (v: 'bare' | 'real') => rounds.filter((x) => x.variant === v);
    const bare = { rps: median(of('bare').map((x) => x.rps)), p99: median(of('bare').map((x) => x.p99)) };
    const real = { rps: median(of('real').map((x) => x.rps)), p99: median(of('real').map((x) => x.p99)) };
    const ratio = real.rps / bare.rps;
    console.log(`  median bare ${bare.rps.toFixed(0)} req/s, p99 ${bare.p99} ms`);
    console.log(`  median real ${real.rps.toFixed(0)} req/s, p99 ${real.p99} ms`);
    console.log(
      `  ratio ${(ratio * 100).toFixed(1)}% (target ≥ ${TARGET_RATIO * 100}%): ${ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      `  p99 ${real.p99} ms (target < ${TARGET_P99_MS} ms): ${real.p99 < TARGET_P99_MS ? 'PASS' : 'FAIL'}`,
    );
    // Requests still in flight when a round ends are served (and recorded) but not counted.
    if (process.env.BENCH_REAL === 'nowrite') console.log('  clicks: none recorded (BENCH_REAL=nowrite)');
    else
      console.log(
        `  clicks written after a clean shutdown: ${clicks} for ${answered} redirects counted by autocannon (+ at most ${CONNECTIONS} in flight per round): ${clicks >= answered && clicks <= answered + CONNECTIONS * (ROUNDS + 1) ? 'none lost' : 'MISMATCH'}`,
      );
  } finally {
    child?.kill();
    rmSync(dir, { recursive: true, force: true });
    clearTimeout(deadline);
  }
}

if (process.argv[2] === 'serve') await serveChild(process.argv[3]!);
else await main();
