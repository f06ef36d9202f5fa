/**
 * Outbox delivery: N messages queued (each with its delivery job, as queueMessage does), then
 * delivered by the worker's runner over SMTP to a local smtp-server in a process of its own.
 * Each delivery is the real one: the message committed as "sending", the suppression list
 * checked, the email composed (footer, unsubscribe token, headers), sent through a pooled
 * nodemailer transport, "sent" committed after the server's 250, the job marked done. Durable
 * commits: SQLite with WAL and synchronous=FULL, PostgreSQL with synchronous_commit=on.
 *
 *   node bench/outbox.ts     BENCH_MESSAGES=5000 BENCH_CONCURRENCY=50 BENCH_SMTP_CONNECTIONS=10;
 *                            PostgreSQL too when VOUCH_BENCH_POSTGRES_URL or
 *                            VOUCH_TEST_POSTGRES_URL is set
 *
 * Target: ≥ 200 messages/s on SQLite.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { personRow } from '../test/factories.ts';

const SELF = fileURLToPath(import.meta.url);
const N = Number(process.env.BENCH_MESSAGES ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const SMTP_CONNECTIONS = Number(process.env.BENCH_SMTP_CONNECTIONS ?? 10);
const PG_URL = process.env.VOUCH_BENCH_POSTGRES_URL ?? process.env.VOUCH_TEST_POSTGRES_URL;
const TARGET = 200;

/** In the child: the SMTP server, counting acknowledged Message-IDs. */
async function smtpChild() {
  const { startTestSmtp } = await import('../src/messaging/smtp-test-server.ts');
  const smtp = await startTestSmtp();
  process.send?.({ port: smtp.port });
  process.on('message', async (msg) => {
    if (msg === 'count')
      process.send?.({ accepted: smtp.accepted.length, unique: new Set(smtp.accepted).size });
    if (msg === 'stop') {
      await smtp.close();
      process.exit(0);
    }
  });
}

async function run(dialect: 'sqlite' | 'postgres', port: number) {
  const { connect, transaction } = await import('../src/db/connect.ts');
  const { migrate } = await import('../src/db/migrate.ts');
  const { loadConfig } = await import('../src/config.ts');
  const { createWorkspace } = await import('../src/workspaces/workspaces.service.ts');
  const { queueMessage, DELIVER } = await import('../src/messaging/outbox.ts');
  const { createMailer } = await import('../src/messaging/mailer.ts');
  const { startRunner } = await import('../src/jobs/runner.ts');
  await import('../src/jobs/handlers.ts');

  let dir: string | null = null;
  let schema: string | null = null;
  let conn: ReturnType<typeof connect>;
  if (dialect === 'sqlite') {
    dir = mkdtempSync(join(tmpdir(), 'vouch-bench-outbox-'));
    conn = connect({ kind: 'sqlite', file: join(dir, 'bench.db') });
  } else {
    schema = `bench_outbox_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    conn = connect(
      { kind: 'postgres', url: PG_URL as string, poolSize: CONCURRENCY + 2 },
      { searchPath: schema },
    );
  }
  const db = conn.db;
  try {
    await migrate(db, schema ? { schema } : {});
    const ws = await createWorkspace(db, { name: 'Bench Clinic', country: 'US' });
    const people = Array.from({ length: N }, (_, i) =>
      personRow(ws.id, {
        first_name: `P${i}`,
        email: `p${i}@bench.example`,
        email_key: `p${i}@bench.example`,
      }),
    );
    for (let i = 0; i < people.length; i += 500)
      await db
        .insertInto('people')
        .values(people.slice(i, i + 500))
        .execute();

    let t0 = performance.now();
    for (let i = 0; i < N; i += 500)
      await transaction(db, async (tx) => {
        for (const p of people.slice(i, i + 500))
          await queueMessage(tx, {
            workspaceId: ws.id,
            kind: 'reward_available',
            personId: p.id,
            vars: { reward: '$20 credit' },
          });
      });
    const queueSeconds = (performance.now() - t0) / 1000;

    const config = loadConfig({
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      MAIL_FROM: 'Bench <mail@bench.example>',
    });
    const mailer = createMailer(config.smtp!, { maxConnections: SMTP_CONNECTIONS });
    const sent = async () =>
      Number(
        (
          await db
            .selectFrom('messages')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('workspace_id', '=', ws.id)
            .where('status', '=', 'sent')
            .executeTakeFirstOrThrow()
        ).n,
      );
    t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const runner = startRunner(
      db,
      { config, mailer },
      {
        kinds: [DELIVER],
        concurrency: CONCURRENCY,
        pollMs: 20,
        log: (m, e) => console.error(m, e),
      },
    );
    const deadline = Date.now() + 10 * 60_000;
    while ((await sent()) < N) {
      if (Date.now() > deadline) throw new Error('delivery did not finish in 10 minutes');
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await runner.stop();
    mailer.close();
    const failedJobs = Number(
      (
        await db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', '!=', 'done')
          .where('kind', '=', DELIVER)
          .executeTakeFirstOrThrow()
      ).n,
    );
    return {
      queued: N / queueSeconds,
      delivered: N / seconds,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      notDone: failedJobs,
    };
  } finally {
    await conn.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (schema) {
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  }
}

async function main() {
  console.log(
    `outbox: ${N} messages, ${CONCURRENCY} deliveries at once, ${SMTP_CONNECTIONS} SMTP connections; ` +
      `${cpus().length} CPUs, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}, Node ${process.version}`,
  );
  const smtp: ChildProcess = fork(SELF, ['smtp'], { stdio: 'inherit' });
  const kill = setTimeout(() => smtp.kill('SIGKILL'), 15 * 60_000);
  try {
    const [{ port }] = (await once(smtp, 'message')) as [{ port: number }];
    const dialects: Array<'sqlite' | 'postgres'> = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
    for (const dialect of dialects) {
      smtp.send('count');
      const [before] = (await once(smtp, 'message')) as [{ accepted: number }];
      const r = await run(dialect, port);
      smtp.send('count');
      const [after] = (await once(smtp, 'message')) as [{ accepted: number; unique: number }];
      const got = after.accepted - before.accepted;
      const ok = got === N && r.notDone === 0;
      console.log(
        `${dialect.padEnd(8)}  queued ${r.queued.toFixed(0)} msg/s  delivered ${r.delivered.toFixed(0)} msg/s ` +
          `(${N} in ${r.seconds.toFixed(1)} s, worker CPU ${r.cpuSeconds.toFixed(1)} s, SMTP acknowledged ${got})` +
          (dialect === 'sqlite'
            ? `  target ≥ ${TARGET}: ${r.delivered >= TARGET && ok ? 'PASS' : 'FAIL'}`
            : '') +
          (ok ? '' : `  (${r.notDone} jobs not done)`),
      );
    }
    console.log(
      `load after: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    clearTimeout(kill);
    smtp.send('stop');
    await Promise.race([once(smtp, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
    if (smtp.exitCode === null) smtp.kill('SIGKILL');
  }
}

if (process.argv[2] === 'smtp') await smtpChild();
else await main();
