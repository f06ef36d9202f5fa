import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personRow } from '../../test/factories.ts';
import { loadConfig } from '../config.ts';
import { type Connection, connect, transaction } from '../db/connect.ts';
import { migrate } from '../db/migrate.ts';
import '../jobs/handlers.ts';
import { startRunner } from '../jobs/runner.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';
import { createMailer } from './mailer.ts';
import { DELIVER, queueMessage } from './outbox.ts';
import { startTestSmtp, type TestSmtp } from './smtp-test-server.ts';

const N = 8;
const LEASE_MS = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * A worker process is killed (SIGKILL) while the SMTP server holds the DATA of a message
 * unanswered; another worker takes over once the lease runs out. Every message arrives, and
 * none twice: the server acknowledged each Message-ID exactly once.
 */
const PG_URL = process.env.VOUCH_TEST_POSTGRES_URL;

describe.each(PG_URL ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const))(
  'a worker killed in the middle of delivery (%s, two processes)',
  (dialect) => {
    let dir: string;
    let schema: string | null = null;
    let databaseUrl: string;
    let conn: Connection;
    let smtp: TestSmtp;
    let child: ChildProcess | undefined;
    let stalled = false;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'vouch-crash-'));
      if (dialect === 'sqlite') {
        databaseUrl = `sqlite:${join(dir, 'vouch.db')}`;
        conn = connect({ kind: 'sqlite', file: join(dir, 'vouch.db') });
      } else {
        schema = `t_crash_${randomBytes(5).toString('hex')}`;
        const admin = new pg.Client({ connectionString: PG_URL });
        await admin.connect();
        await admin.query(`create schema ${schema}`);
        await admin.end();
        databaseUrl = PG_URL!;
        conn = connect({ kind: 'postgres', url: PG_URL!, poolSize: 5 }, { searchPath: schema });
      }
      await migrate(conn.db, schema ? { schema } : {});
      // The third DATA is never answered: the worker is inside the SMTP call when it dies, after
      // two messages went out. (One delivery at a time in the child: no other message is between
      // the server's 250 and its "sent" commit when it dies; that instant is the one window in which
      // a crash sends twice, see delivery.ts.)
      smtp = await startTestSmtp({
        onData: (_raw, n) => {
          if (n === 3) {
            stalled = true;
            return 'stall';
          }
          return 'accept';
        },
      });
    });
    afterAll(async () => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      await smtp.close();
      await conn.close();
      rmSync(dir, { recursive: true, force: true });
      if (schema) {
        const admin = new pg.Client({ connectionString: PG_URL });
        await admin.connect();
        await admin.query(`drop schema ${schema} cascade`);
        await admin.end();
      }
    });

    it('loses no message and sends none twice where the SMTP server acknowledged it', async () => {
      const db = conn.db;
      const ws = await createWorkspace(db, { name: 'Crash Clinic' });
      const ids = await transaction(db, async (tx) => {
        const out: string[] = [];
        for (let i = 0; i < N; i++) {
          const p = personRow(ws.id, {
            first_name: `P${i}`,
            email: `p${i}@example.com`,
            email_key: `p${i}@example.com`,
          });
          await tx.insertInto('people').values(p).execute();
          const q = await queueMessage(tx, {
            workspaceId: ws.id,
            kind: 'thank_you',
            personId: p.id,
            vars: { friendName: 'F' },
          });
          out.push(q!.id);
        }
        return out;
      });

      const env = {
        ...process.env,
        DATABASE_URL: databaseUrl,
        ...(schema ? { VOUCH_PG_SCHEMA: schema } : {}),
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Crash Clinic <mail@crash.test>',
        VOUCH_LEASE_MS: String(LEASE_MS),
        VOUCH_CONCURRENCY: '1',
      };
      const script = fileURLToPath(new URL('./delivery-child.ts', import.meta.url));
      child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      await until('the stalled DATA after two acknowledged messages', () => stalled);
      const stuck = await db
        .selectFrom('messages')
        .select(['id', 'status'])
        .where('status', '=', 'sending')
        .execute();
      expect(stuck).toHaveLength(1);
      child.kill('SIGKILL');
      await once(child, 'exit');
      expect(smtp.accepted).toHaveLength(2);

      // A new worker: it takes the unfinished jobs once the dead worker's lease ends.
      const config = loadConfig({ SMTP_URL: smtp.url, MAIL_FROM: 'Crash Clinic <mail@crash.test>' });
      const mailer = createMailer(config.smtp!);
      const runner = startRunner(db, { config, mailer }, { kinds: [DELIVER], pollMs: 50, leaseMs: LEASE_MS });
      try {
        await until('every message sent', async () => {
          const rows = await db
            .selectFrom('messages')
            .select('status')
            .where('workspace_id', '=', ws.id)
            .execute();
          return rows.every((r) => r.status === 'sent');
        });
      } finally {
        await runner.stop();
        mailer.close();
      }
      const domain = '127.0.0.1';
      expect([...smtp.accepted].sort()).toEqual(ids.map((id) => `${id}@${domain}`).sort());
      expect(new Set(smtp.accepted).size).toBe(N);
      // The stalled message took a second attempt; the server saw its DATA twice, acknowledged once.
      const again = await db
        .selectFrom('messages')
        .select(['id', 'attempts'])
        .where(
          'id',
          'in',
          stuck.map((s) => s.id),
        )
        .execute();
      for (const m of again) expect(m.attempts).toBe(2);
      expect(smtp.dataCount()).toBe(N + 1);
    }, 40_000);
  },
);
