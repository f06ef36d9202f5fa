import type { LightMyRequestResponse } from 'fastify';
import { dialects, testDb } from '../../test/db.ts';
import { buildApp } from '../app.ts';
import type { Actor } from '../auth/auth.service.ts';
import { loadConfig } from '../config.ts';
import type { Db } from '../db/connect.ts';
import type { App } from '../http/types.ts';
import { createPerson } from '../people/people.service.ts';
import { createProgram } from '../programs/programs.service.ts';
import { getOrCreateLink, type Link } from '../referrals/links.service.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';

export { dialects };

export type Kit = {
  db: Db;
  app: App;
  actor: Actor;
  workspace: { id: string; slug: string; name: string };
  programId: string;
  referrerId: string;
  link: Link;
  close: () => Promise<void>;
  /** GET a page and read its form token */
  tokenOf: (url: string, ip?: string) => Promise<string>;
  /** POST a urlencoded form as a browser on our own site would */
  post: (
    url: string,
    form: Record<string, string>,
    opts?: { ip?: string; headers?: Record<string, string>; token?: string | null },
  ) => Promise<LightMyRequestResponse>;
  get: (url: string, ip?: string) => Promise<LightMyRequestResponse>;
};

let seq = 0;
/** Each test speaks from its own address, so per-address limits never cross tests. */
export const nextIp = () => `10.9.${Math.floor(++seq / 250)}.${(seq % 250) + 1}`;

export const tokenIn = (body: string) => /name="token" value="([^"]+)"/.exec(body)?.[1] ?? '';

/** A clinic with an active two-sided program, a referrer and their link. */
export async function publicKit(
  dialect: 'sqlite' | 'postgres',
  name = 'Elm Street Chiropractic',
): Promise<Kit> {
  const t = await testDb(dialect);
  const app = await buildApp({ db: t.db, config: loadConfig({}), logger: false });
  const ws = await createWorkspace(t.db, {
    name,
    country: 'US',
    currency: 'USD',
    timeZone: 'America/Chicago',
    brandColor: '#2f6f5e',
    address: { line1: '12 Elm Street', city: 'Springfield', region: 'IL', postalCode: '62701' },
  });
  const actor: Actor = { workspaceId: ws.id, role: 'owner', userId: null, via: 'api_key' };
  const programId = (
    await createProgram(t.db, actor, {
      name: 'Give $20, get $20',
      status: 'active',
      terms: {
        referrerReward: { type: 'credit', amount: 2000, description: '' },
        friendIncentive: { type: 'credit', amount: 2000, description: 'off your first adjustment' },
        couponDays: 60,
      },
      landing: {
        headline: '',
        story: 'We help people move without pain.\n\nYour first visit includes a full assessment.',
        testimonials: [{ quote: 'My back has never felt better.', name: 'Sue P., Elm Street' }],
      },
      targetCategories: ['has a stiff neck from desk work', 'runs marathons'],
    })
  ).id;
  const referrerId = (
    await createPerson(t.db, actor, {
      kind: 'customer',
      firstName: 'Rita',
      lastName: 'Moreno',
      email: 'rita@example.com',
      phone: '217-555-0100',
    })
  ).id;
  const { link } = await getOrCreateLink(t.db, ws.id, programId, referrerId);
  const get = (url: string, ip = nextIp()) => app.inject({ method: 'GET', url, remoteAddress: ip });
  const tokenOf = async (url: string, ip?: string) => tokenIn((await get(url, ip)).body);
  const post: Kit['post'] = async (url, form, opts = {}) => {
    const ip = opts.ip ?? nextIp();
    let token = opts.token;
    if (token === undefined) {
      const page = url.endsWith('/claim') ? url.slice(0, -'/claim'.length) : url;
      token = await tokenOf(page, ip);
    }
    const payload = new URLSearchParams({ ...(token === null ? {} : { token }), ...form }).toString();
    return app.inject({
      method: 'POST',
      url,
      payload,
      remoteAddress: ip,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://localhost',
        'user-agent': 'Mozilla/5.0 (iPhone; test)',
        ...opts.headers,
      },
    });
  };
  return {
    db: t.db,
    app,
    actor,
    workspace: { id: ws.id, slug: ws.slug, name: ws.name },
    programId,
    referrerId,
    link,
    tokenOf,
    post,
    get,
    close: async () => {
      await app.close();
      await t.close();
    },
  };
}
