import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDb, testDb } from '../../test/db.ts';
import { buildApp } from '../app.ts';
import { addMember, createApiKey, createUser } from '../auth/auth.service.ts';
import { loadConfig } from '../config.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';

describe('logs', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await testDb('sqlite');
  });
  afterAll(() => t.close());

  it('never contain passwords, tokens, cookies or full email addresses', async () => {
    let logged = '';
    const logStream = new Writable({
      write(chunk, _enc, cb) {
        logged += chunk.toString();
        cb();
      },
    });
    const app = await buildApp({ db: t.db, config: loadConfig({ LOG_LEVEL: 'trace' }), logStream });
    const password = 'hunter2-but-longer';
    const user = await createUser(t.db, { email: 'grace.hopper@example.com', name: 'Grace', password });
    const ws = await createWorkspace(t.db, { name: 'Log Clinic' });
    await addMember(t.db, ws.id, user.id, 'owner');
    const signIn = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email: 'grace.hopper@example.com', password },
    });
    const token = signIn.cookies[0]!.value;
    await app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email: 'grace.hopper@example.com', password: 'wrong-password-1' },
    });
    const key = (
      await createApiKey(t.db, { workspaceId: ws.id, role: 'owner', userId: user.id, via: 'session' }, 'k')
    ).key;
    await app.inject({
      method: 'GET',
      url: '/api/v1/people?q=grace.hopper@example.com',
      headers: { authorization: `Bearer ${key}` },
    });
    await app.inject({
      method: 'GET',
      url: '/api/v1/workspace',
      headers: { cookie: `vouch_session=${token}` },
    });
    await app.close();
    expect(logged).toContain('/api/v1/people');
    for (const secret of [password, 'wrong-password-1', token, key, 'grace.hopper@example.com']) {
      expect(logged).not.toContain(secret);
    }
    expect(logged).toContain('g***@example.com');
  });
});
