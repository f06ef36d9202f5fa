import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { PASSWORD, type TestApp, testApp } from '../../test/http.ts';
import { disableUser } from './auth.service.ts';

describe.each(dialects)('auth on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect);
  });
  afterAll(() => t.close());

  it('signs in with a secure, HttpOnly, SameSite cookie and never stores the token', async () => {
    const c = await t.signIn();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email: c.email, password: PASSWORD },
    });
    const cookie = res.cookies.find((k) => k.name === 'vouch_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: true, path: '/' });
    const stored = await t.db.selectFrom('sessions').select('token_hash').execute();
    expect(stored.map((s) => s.token_hash)).not.toContain(cookie.value);
  });

  it('rotates the session at sign-in: the old cookie stops working', async () => {
    const c = await t.signIn();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      headers: { cookie: c.cookie },
      payload: { email: c.email, password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    expect((await c.req('GET', '/api/v1/auth/session')).statusCode).toBe(401);
  });

  it('refuses a wrong password with the same message as an unknown email', async () => {
    const c = await t.signIn();
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email: c.email, password: 'nope-nope-nope' },
    });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email: 'x@example.com', password: 'nope-nope-nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
    expect(wrong.json().title).toBe(unknown.json().title);
  });

  it('ends the session at sign-out', async () => {
    const c = await t.signIn();
    expect((await c.req('POST', '/api/v1/auth/sign-out')).statusCode).toBe(204);
    expect((await c.req('GET', '/api/v1/workspace')).statusCode).toBe(401);
  });

  it('requires the CSRF token on state-changing requests made with the cookie', async () => {
    const c = await t.signIn();
    const res = await c.req('PATCH', '/api/v1/workspace', { name: 'Renamed' }, { 'x-csrf-token': 'forged' });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('csrf');
    expect((await c.req('GET', '/api/v1/workspace')).json().name).not.toBe('Renamed');
    expect((await c.req('PATCH', '/api/v1/workspace', { name: 'Renamed' })).json().name).toBe('Renamed');
  });

  it('refuses a cross-site sign-in form', async () => {
    const c = await t.signIn();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      headers: { origin: 'https://evil.example', host: 'localhost:80' },
      payload: { email: c.email, password: PASSWORD },
    });
    expect(res.statusCode).toBe(403);
  });

  it('ends every session of a disabled user', async () => {
    const c = await t.signIn();
    await disableUser(t.db, c.email);
    expect((await c.req('GET', '/api/v1/workspace')).statusCode).toBe(401);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email: c.email, password: PASSWORD },
    });
    expect(again.statusCode).toBe(401);
    expect(again.json().title).toMatch(/disabled/);
  });

  it('rate-limits sign-in', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/sign-in',
        remoteAddress: '10.9.9.9',
        payload: { email: 'brute@example.com', password: `guess-${i}-guess` },
      });
      codes.push(res.statusCode);
    }
    expect(codes.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(codes.at(-1)).toBe(429);
  });

  it('issues API keys shown once, stored hashed, and revocable', async () => {
    const c = await t.signIn();
    const created = await c.req('POST', '/api/v1/api-keys', { name: 'POS' });
    expect(created.statusCode).toBe(201);
    const { key, id } = created.json();
    expect(key).toMatch(/^vk_/);
    const list = await c.req('GET', '/api/v1/api-keys');
    expect(JSON.stringify(list.json())).not.toContain(key);
    const rows = await t.db.selectFrom('api_keys').select('key_hash').execute();
    expect(rows.map((r) => r.key_hash)).not.toContain(key);
    const withKey = (k: string) =>
      t.app.inject({ method: 'GET', url: '/api/v1/workspace', headers: { authorization: `Bearer ${k}` } });
    expect((await withKey(key)).statusCode).toBe(200);
    expect((await c.req('DELETE', `/api/v1/api-keys/${id}`)).statusCode).toBe(204);
    const revoked = await withKey(key);
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().title).toMatch(/revoked/);
  });

  it('lets staff read but not manage keys, staff or settings', async () => {
    const c = await t.signIn({ role: 'staff' });
    expect((await c.req('GET', '/api/v1/workspace')).statusCode).toBe(200);
    expect((await c.req('PATCH', '/api/v1/workspace', { name: 'x' })).statusCode).toBe(403);
    expect((await c.req('POST', '/api/v1/api-keys', { name: 'x' })).statusCode).toBe(403);
  });

  it('switches workspace with a rotated session; a session cannot reach another workspace', async () => {
    const a = await t.signIn();
    const other = await (await t.signIn()).req('GET', '/api/v1/workspace');
    const refused = await a.req('POST', '/api/v1/auth/switch', { workspace: other.json().slug });
    expect(refused.statusCode).toBe(403);
    const created = await a.req('POST', '/api/v1/workspaces', { name: 'Second Clinic' });
    expect(created.statusCode).toBe(201);
    const switched = await a.req('POST', '/api/v1/auth/switch', { workspace: created.json().slug });
    expect(switched.statusCode).toBe(200);
    expect(switched.json().workspaces).toHaveLength(2);
    expect((await a.req('GET', '/api/v1/workspace')).statusCode).toBe(401);
  });

  it('adds staff, keeps at least one owner, and removal ends their sessions', async () => {
    const owner = await t.signIn();
    const email = `new-${Date.now()}@example.com`;
    const added = await owner.req('POST', '/api/v1/staff', {
      email,
      name: 'Nina Front',
      role: 'staff',
      password: PASSWORD,
    });
    expect(added.statusCode).toBe(201);
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email, password: PASSWORD },
    });
    const cookie = `vouch_session=${login.cookies.find((k) => k.name === 'vouch_session')!.value}`;
    expect((await owner.req('PATCH', `/api/v1/staff/${owner.userId}`, { role: 'manager' })).statusCode).toBe(
      409,
    );
    expect((await owner.req('DELETE', `/api/v1/staff/${added.json().userId}`)).statusCode).toBe(204);
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/workspace', headers: { cookie } });
    expect(after.statusCode).toBe(401);
  });
});
