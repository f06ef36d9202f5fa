import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { connect } from './db/connect.ts';
import { migrate } from './db/migrate.ts';

const dir = mkdtempSync(join(tmpdir(), 'vouch-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `vouch serve` as a user would and waits for the banner. */
function start(): Promise<{ proc: ChildProcess; url: string; out: () => string }> {
  const proc = spawn(process.execPath, ['src/main.ts', 'serve'], {
    env: { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'vouch.db')}`, PORT: '0', LOG_LEVEL: 'warn' },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ proc, url: m[1]!, out: () => out });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

const stop = (proc: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    proc.removeAllListeners('exit');
    proc.on('exit', (code) => resolve(code));
    proc.kill('SIGTERM');
  });

describe('vouch serve', () => {
  it('creates the demo on an empty database, prints a login that works, and reuses the data next time', async () => {
    const first = await start();
    const m = /Sign in as (\S+) with password (\S+)/.exec(first.out());
    expect(m).not.toBeNull();
    const signIn = () =>
      fetch(`${first.url}/api/v1/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: m![1], password: m![2] }),
      });
    const res = await signIn();
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const people = (await (
      await fetch(`${first.url}/api/v1/people?pageSize=1`, { headers: { cookie } })
    ).json()) as {
      total: number;
    };
    expect(people.total).toBeGreaterThanOrEqual(300);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    expect(await stop(first.proc)).toBe(0);

    const second = await start();
    expect(second.out()).not.toContain('Demo workspace created');
    expect(second.out()).toContain(`Demo login: ${m![1]} / ${m![2]}`);
    const again = (await (
      await fetch(`${second.url}/api/v1/people?pageSize=1`, {
        headers: { cookie: (await signInAt(second.url, m![1]!, m![2]!))! },
      })
    ).json()) as { total: number };
    expect(again.total).toBe(people.total);
    expect(await stop(second.proc)).toBe(0);
  }, 60_000);
});

async function signInAt(url: string, email: string, password: string) {
  const res = await fetch(`${url}/api/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return res.headers.get('set-cookie')?.split(';')[0];
}

describe('graceful shutdown', () => {
  it('finishes in-flight requests and refuses new ones', async () => {
    const { db, close } = connect({ kind: 'sqlite', file: ':memory:' });
    await migrate(db);
    const app = await buildApp({ db, config: loadConfig({}), logger: false });
    app.get('/slow', async () => {
      await new Promise((r) => setTimeout(r, 300));
      return { done: true };
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const inFlight = fetch(`${url}/slow`);
    await new Promise((r) => setTimeout(r, 50));
    const closing = app.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await closing;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    await close();
  });
});
