import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../src/app.ts';
import { addMember, createApiKey, createUser } from '../src/auth/auth.service.ts';
import type { Role } from '../src/auth/auth.table.ts';
import { loadConfig } from '../src/config.ts';
import type { Dialect } from '../src/db/connect.ts';
import type { App } from '../src/http/types.ts';
import { createWorkspace } from '../src/workspaces/workspaces.service.ts';
import { type TestDb, testDb } from './db.ts';

export const PASSWORD = 'correct horse battery';

/** A signed-in browser-like client: session cookie plus CSRF header on writes. */
export type Client = {
  workspaceId: string;
  userId: string;
  email: string;
  csrf: string;
  cookie: string;
  req: (
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<LightMyRequestResponse>;
};

export type TestApp = TestDb & {
  app: App;
  /** Creates a workspace with a member of `role`, signed in. */
  signIn: (opts?: { role?: Role; workspaceName?: string; country?: string }) => Promise<Client>;
  /** An API key of the client's workspace. */
  apiKey: (client: Client) => Promise<string>;
};

let n = 0;

export async function testApp(dialect: Dialect): Promise<TestApp> {
  const t = await testDb(dialect);
  const app = await buildApp({ db: t.db, config: loadConfig({}), logger: false });
  const signIn: TestApp['signIn'] = async (opts = {}) => {
    const i = ++n;
    const email = `staff${i}-${Date.now()}@example.com`;
    const user = await createUser(t.db, { email, name: `Staff ${i}`, password: PASSWORD });
    const ws = await createWorkspace(t.db, {
      name: opts.workspaceName ?? `Clinic ${i}`,
      country: opts.country ?? 'US',
    });
    await addMember(t.db, ws.id, user.id, opts.role ?? 'owner');
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email, password: PASSWORD },
    });
    if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.body}`);
    const cookie = res.cookies.find((c) => c.name === 'vouch_session')!;
    const client: Client = {
      workspaceId: ws.id,
      userId: user.id,
      email,
      csrf: res.json().csrfToken,
      cookie: `vouch_session=${cookie.value}`,
      req: (method, url, body, headers = {}) =>
        app.inject({
          method: method as 'GET',
          url,
          headers: { cookie: client.cookie, 'x-csrf-token': client.csrf, ...headers },
          ...(body === undefined
            ? {}
            : typeof body === 'string'
              ? { payload: body }
              : { payload: body as object }),
        }),
    };
    return client;
  };
  const apiKey = async (c: Client) =>
    (
      await createApiKey(
        t.db,
        { workspaceId: c.workspaceId, role: 'owner', userId: c.userId, via: 'session' },
        'test',
      )
    ).key;
  return {
    ...t,
    app,
    signIn,
    apiKey,
    close: async () => {
      await app.close();
      await t.close();
    },
  };
}
