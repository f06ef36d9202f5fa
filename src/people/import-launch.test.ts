import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../db/connect.ts';
import { migrate } from '../db/migrate.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'vouch-import-launch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vouch import people', () => {
  it('runs in a process of its own, with the import flags, and keeps the exit code', async () => {
    const file = join(dir, 'vouch.db');
    const conn = connect({ kind: 'sqlite', file });
    await migrate(conn.db);
    await createWorkspace(conn.db, { name: 'Launch shop', slug: 'launch-shop', country: 'US' });
    await conn.close();
    const env = { ...process.env, DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'warn' };
    const vouch = (...args: string[]) => run(process.execPath, ['bin/vouch.js', ...args], { env });

    const good = join(dir, 'good.csv');
    writeFileSync(good, 'first_name,email\nAnn,ann@example.com\nBob,bob@\n');
    const ok = await vouch('import', 'people', good, '--workspace', 'launch-shop');
    expect(ok.stdout).toMatch(/created +1\n/);
    expect(ok.stdout).toMatch(/rejected +1\n/);

    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, 'first_name,email\nCy,cy@example.com\nDee,"dee\n');
    const failed = await vouch('import', 'people', broken, '--workspace', 'launch-shop').catch((e) => e);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('Line 3: a quoted field starting on this line is never closed');
  }, 30_000);
});
