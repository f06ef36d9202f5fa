import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'vouch-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'vouch.db')}`, LOG_LEVEL: 'warn' };
const vouch = (...args: string[]) => run(process.execPath, ['bin/vouch.js', ...args], { env });

describe('the vouch command', () => {
  it('migrates, seeds the demo, adds a user and takes a consistent backup', async () => {
    expect((await vouch('migrate')).stdout).toMatch(/latest of \d+ migration/);
    expect((await vouch('demo')).stdout).toMatch(/Demo workspace maple-street-chiropractic created/);
    expect((await vouch('demo')).stdout).toMatch(/already exists/);
    const added = await vouch(
      'user',
      'add',
      '--email',
      'Ann@Example.com',
      '--name',
      'Ann',
      '--password',
      'long enough pw',
      '--workspace',
      'maple-street-chiropractic',
      '--role',
      'manager',
    );
    expect(added.stdout).toContain('ann@example.com created as manager');
    const backup = join(dir, 'backup.db');
    expect((await vouch('backup', backup)).stdout).toContain('Backup written');
    const copy = new DatabaseSync(backup, { readOnly: true });
    const { n } = copy.prepare('select count(*) as n from people').get() as { n: number };
    copy.close();
    expect(n).toBeGreaterThanOrEqual(300);
  }, 60_000);

  it('says what is wrong, and exits non-zero', async () => {
    await expect(vouch('user', 'add', '--email', 'x@example.com')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('needs --email, --name and --password'),
    });
    await expect(vouch('frobnicate')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Unknown command'),
    });
    await expect(
      run(process.execPath, ['bin/vouch.js', 'migrate'], { env: { ...env, PORT: 'x' } }),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('PORT'),
    });
  }, 60_000);
});
