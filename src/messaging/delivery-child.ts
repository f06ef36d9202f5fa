/**
 * A worker process that only delivers messages, for the crash test (crash.test.ts), which kills
 * it with SIGKILL in the middle of a delivery. Configured by the environment: DATABASE_URL,
 * SMTP_URL, MAIL_FROM, VOUCH_LEASE_MS for a short lease, VOUCH_CONCURRENCY, and VOUCH_PG_SCHEMA
 * (the test's own schema on PostgreSQL).
 */
import { loadConfig } from '../config.ts';
import { connect } from '../db/connect.ts';
import '../jobs/handlers.ts';
import { startRunner } from '../jobs/runner.ts';
import { createMailer } from './mailer.ts';
import { DELIVER } from './outbox.ts';

const config = loadConfig();
const schema = process.env.VOUCH_PG_SCHEMA;
const { db } = connect(config.database, schema ? { searchPath: schema } : {});
startRunner(
  db,
  { config, mailer: createMailer(config.smtp!) },
  {
    worker: `child-${process.pid}`,
    kinds: [DELIVER],
    concurrency: Number(process.env.VOUCH_CONCURRENCY ?? 1),
    pollMs: 20,
    leaseMs: Number(process.env.VOUCH_LEASE_MS ?? 60_000),
    log: (msg, err) => console.error(msg, err ?? ''),
  },
);
console.log('ready');
