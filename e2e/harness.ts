/**
 * What every end-to-end test needs: the built admin app, a real server on a temporary SQLite
 * file with the demo clinic, and Debian's Chromium driven by playwright-core (never a
 * downloaded browser).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { buildWebIfStale } from '../scripts/build-web.ts';
import { buildApp } from '../src/app.ts';
import { setPassword } from '../src/auth/auth.service.ts';
import { loadConfig } from '../src/config.ts';
import { connect, type Db } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { DEMO_OWNER, seedDemo } from '../src/demo/demo.ts';
import { webRoutes } from '../src/web/web.routes.ts';

export const CHROMIUM = '/usr/bin/chromium';
/** Committed screenshots of the screens, to look at in review (the e2e runs rewrite them). */
export const DOCS = join(import.meta.dirname, '..', 'docs', 'screenshots');
/** The demo's front-desk staff member, with the password `deskUser` gives them. */
export const DESK = { email: 'frontdesk@maple-street.example', password: 'front desk password' };
/** Screenshots land here, to look at after a run. */
export const SHOTS = join(tmpdir(), 'vouch-e2e');

export type DemoServer = {
  base: string;
  db: Db;
  workspaceId: string;
  owner: { email: string; password: string };
  close: () => Promise<void>;
};

/** Builds the web app if stale, seeds the demo into a fresh database and listens on a free port. */
export async function startDemoServer(): Promise<DemoServer> {
  await buildWebIfStale({ quiet: true });
  const dir = mkdtempSync(join(tmpdir(), 'vouch-e2e-'));
  // A known port up front, so the public URL in links, QR codes and cards is this server's.
  const port = await freePort();
  const config = loadConfig({
    DATABASE_URL: `sqlite:${join(dir, 'vouch.db')}`,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'silent',
  });
  const conn = connect(config.database);
  await migrate(conn.db);
  const demo = await seedDemo(conn.db);
  const app = await buildApp({ db: conn.db, config, logger: false });
  // Until app.ts registers the admin app itself.
  if (!app.hasRoute({ method: 'GET', url: '/app/*' })) await webRoutes(app, { db: conn.db, config });
  await app.listen({ port, host: '127.0.0.1' });
  return {
    base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    db: conn.db,
    workspaceId: demo.workspaceId,
    owner: { email: DEMO_OWNER, password: demo.password! },
    close: async () => {
      await app.close();
      await conn.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The demo server and Chromium for a file's tests: both start before its first test (`ready`
 * receives them, before the file's own `beforeAll`) and stop after its last.
 */
export function withDemo(ready: (server: DemoServer, browser: Browser) => void): void {
  let server: DemoServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    mkdirSync(DOCS, { recursive: true });
    [server, browser] = await Promise.all([startDemoServer(), launchChromium()]);
    ready(server, browser);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
}

/** The demo's front-desk staff member, signed in with DESK's password from now on: their id. */
export async function deskUser(server: DemoServer): Promise<string> {
  const desk = await server.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', DESK.email)
    .executeTakeFirstOrThrow();
  await setPassword(server.db, desk.id, DESK.password);
  return desk.id;
}

type Named = { first_name: string; last_name: string };

/** A person's name as the app shows it. */
export const fullName = (p: Named) => `${p.first_name} ${p.last_name}`;

/** Whether nobody else among `people` has `p`'s name (so a test can find them by it on screen). */
export const uniquelyNamed = (people: Named[], p: Named) =>
  people.filter((o) => fullName(o) === fullName(p)).length === 1;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (CI's .ci/run does)`);
  }
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

/** A fresh browser profile; `problems` collects every error the page throws or logs. */
export async function newPage(browser: Browser, base: string, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, baseURL: base });
  context.setDefaultTimeout(8_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // Refused requests (a wrong password, a duplicate) are logged by the browser; the app shows them.
    if (
      msg.type() === 'error' &&
      !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())
    )
      problems.push(`console: ${msg.text()}`);
  });
  return { page, problems, done: () => context.close() };
}

export async function signIn(page: Page, email: string, password: string) {
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical findings on the page as it is now (or within a selector), one line each. */
export async function axeViolations(page: Page, within?: string): Promise<string[]> {
  // The app's CSP (script-src 'self') refuses an injected <script>; evaluate is not subject to it.
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(AXE);
  // Toasts fade in and out: caught mid-fade their colours fail; they are checked once shown.
  const context = { exclude: [['.mantine-Notifications-root']], ...(within ? { include: [[within]] } : {}) };
  const result = (await page.evaluate(`axe.run(${JSON.stringify(context)})`)) as {
    violations: Array<{
      id: string;
      impact: string;
      help: string;
      nodes: Array<{ html: string; failureSummary?: string }>;
    }>;
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.html.slice(0, 160)).join(' | ')}) ${v.nodes[0]?.failureSummary ?? ''}`,
    );
}
