/**
 * Every main screen of the admin app, in the demo clinic, at desktop and phone width: it opens
 * without an error, axe-core finds no serious or critical violation, nothing is wider than a
 * phone, and a screenshot of each goes to docs/screenshots for the README.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  axeViolations,
  DESKTOP,
  type DemoServer,
  DOCS,
  newPage,
  PHONE,
  signIn,
  withDemo,
} from './harness.ts';

let server: DemoServer;
let browser: Browser;
let person: string;
let program: string;
let referral: string;

withDemo((s, b) => {
  server = s;
  browser = b;
});

beforeAll(async () => {
  const ws = server.workspaceId;
  // The referrer with the most won referrals: their profile has something in every section.
  const top = await server.db
    .selectFrom('referrals')
    .select(['referrer_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', ws)
    .groupBy('referrer_id')
    .orderBy('n', 'desc')
    .orderBy('referrer_id')
    .executeTakeFirstOrThrow();
  person = top.referrer_id;
  program = (
    await server.db
      .selectFrom('programs')
      .select('id')
      .where('workspace_id', '=', ws)
      .orderBy('created_at')
      .executeTakeFirstOrThrow()
  ).id;
  referral = (
    await server.db
      .selectFrom('referrals')
      .select('id')
      .where('workspace_id', '=', ws)
      .where('status', '=', 'appointment')
      .orderBy('created_at')
      .executeTakeFirstOrThrow()
  ).id;
});

/** The screens, by address, with the heading that says they have loaded and their picture's name. */
const screens = () => [
  { name: 'people', path: '/app/people', heading: 'People' },
  { name: 'person', path: `/app/people/${person}`, heading: null },
  { name: 'programs', path: '/app/programs', heading: 'Programs' },
  { name: 'program', path: `/app/programs/${program}`, heading: null },
  { name: 'referrals', path: '/app/referrals', heading: 'Referrals' },
  { name: 'referral', path: `/app/referrals/${referral}`, heading: null },
  { name: 'rewards', path: '/app/rewards', heading: 'Rewards' },
  { name: 'import', path: '/app/import', heading: 'Import' },
  { name: 'settings', path: '/app/settings/workspace', heading: 'Settings' },
  { name: 'staff', path: '/app/settings/staff', heading: 'Settings' },
  { name: 'api-keys', path: '/app/settings/api-keys', heading: 'Settings' },
];

async function open(page: Page, path: string, heading: string | null) {
  await page.goto(path);
  const h1 = page.getByRole('heading', { level: 1 });
  if (heading) await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  else await h1.first().waitFor();
  // Lists and panels load after the heading.
  await page.waitForLoadState('networkidle');
  await page
    .locator('.mantine-Skeleton-root')
    .first()
    .waitFor({ state: 'detached' })
    .catch(() => {});
}

describe('the main screens', () => {
  for (const [label, viewport, suffix] of [
    ['desktop', DESKTOP, ''],
    ['phone', PHONE, '-phone'],
  ] as const) {
    it(`open cleanly and accessibly on a ${label}`, { timeout: 180_000 }, async () => {
      const { page, problems, done } = await newPage(browser, server.base, viewport);
      try {
        await page.goto('/app/');
        await signIn(page, server.owner.email, server.owner.password);
        await page.waitForURL(/\/app\/dashboard$/);
        const found: string[] = [];
        for (const s of screens()) {
          await open(page, s.path, s.heading);
          for (const v of await axeViolations(page)) found.push(`${s.name}: ${v}`);
          const wide = (await page.evaluate('document.documentElement.scrollWidth')) as number;
          if (wide > viewport.width) found.push(`${s.name}: ${wide}px wide on a ${viewport.width}px screen`);
          await page.screenshot({
            path: join(DOCS, `screen-${s.name}${suffix}.png`),
            fullPage: label === 'phone',
            animations: 'disabled',
          });
        }
        expect(found).toEqual([]);
        expect(problems).toEqual([]);
      } finally {
        await done();
      }
    });
  }
});
