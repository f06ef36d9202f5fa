/**
 * The referral network picture in a browser, in the demo clinic: the customer whose friends
 * became customers and referred friends of their own shows a tree several generations deep with
 * the sales each branch brought; the generations can be chosen, a click re-roots the tree on
 * someone in it, a big family folds into "+ N more", the nested list says the same to a screen
 * reader, a phone scrolls it, and axe finds no serious or critical violation.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createReferral } from '../src/referrals/referrals.service.ts';
import {
  axeViolations,
  DESKTOP,
  type DemoServer,
  DOCS,
  fullName,
  newPage,
  PHONE,
  signIn,
  withDemo,
} from './harness.ts';

let server: DemoServer;
let browser: Browser;
/** The source of the demo's chain of referrals. */
let source: { id: string; name: string };
/** A customer with a big family of referrals (nine friends). */
let big: { id: string; name: string };

withDemo((s, b) => {
  server = s;
  browser = b;
});

beforeAll(async () => {
  const ws = server.workspaceId;
  // The demo's tenth customer starts its chain of referrals.
  const top = await server.db
    .selectFrom('people')
    .select(['id', 'first_name', 'last_name'])
    .where('workspace_id', '=', ws)
    .where('external_id', '=', 'PAT-10009')
    .executeTakeFirstOrThrow();
  source = { id: top.id, name: fullName(top) };

  // A customer of the booking system who never referred anyone, then nine friends at once.
  const quiet = await server.db
    .selectFrom('people')
    .select(['id', 'first_name', 'last_name'])
    .where('workspace_id', '=', ws)
    .where('kind', '=', 'customer')
    .where('external_id', 'is not', null)
    .where(
      'id',
      'not in',
      server.db.selectFrom('referrals').select('referrer_id').where('workspace_id', '=', ws),
    )
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();
  big = { id: quiet.id, name: fullName(quiet) };
  const program = await server.db
    .selectFrom('programs')
    .select('id')
    .where('workspace_id', '=', ws)
    .where('name', '=', 'Share the relief')
    .executeTakeFirstOrThrow();
  for (let i = 0; i < 9; i++) {
    await createReferral(
      server.db,
      ws,
      { userId: null, label: 'e2e' },
      {
        programId: program.id,
        referrerId: big.id,
        channel: 'staff',
        friend: { firstName: `Crowd${i}`, lastName: 'Member', email: `crowd${i}@example.net` },
      },
    );
  }
});

/** Violations in the network section (the rest of the profile is other tests' business). */

const section = (page: Page) => page.getByRole('region', { name: 'Referral network' });
const summary = (page: Page) => section(page).locator('[data-summary]');
/** A segment of one of the section's segmented controls, by its text. */
const choose = (page: Page, label: string) =>
  section(page)
    .locator('label')
    .filter({ hasText: new RegExp(`^${label}$`) })
    .click();
const node = (page: Page, name: string) => section(page).locator(`svg g[data-name="${name}"]`);

describe('the referral network in a browser', () => {
  it('draws the chain, changes generations, re-roots on a click, folds a big family', async () => {
    const { page, problems, done } = await newPage(browser, server.base, DESKTOP);
    try {
      await page.goto(`/app/people/${source.id}`);
      await signIn(page, server.owner.email, server.owner.password);
      await page.getByRole('heading', { name: source.name, level: 1 }).waitFor();

      // Three generations at first: the summary, the picture and its text alternative.
      const net = section(page);
      await net.scrollIntoViewIfNeeded();
      await expect
        .poll(() => summary(page).textContent())
        .toMatch(
          new RegExp(`^${source.name} brought \\d+ customers over 3 generations, \\$[\\d,]+ in sales`),
        );
      const picture = net.getByRole('img', { name: `Referral network of ${source.name}` });
      await picture.waitFor();
      expect(await net.locator('svg desc').textContent()).toContain(`${source.name} brought`);
      // The nested list has the same people as the picture.
      const inList = await net
        .getByRole('group', { name: /^Whom .* referred/ })
        .getByRole('listitem')
        .count();
      expect(inList).toBe(await net.locator('svg g[data-node="person"]').count());

      // Four generations: the chain goes deeper.
      await choose(page, '4');
      await expect.poll(() => summary(page).textContent()).toMatch(/over 4 generations/);
      const api = await page.request.get(`/api/v1/people/${source.id}/network?depth=4`);
      const data = (await api.json()) as {
        revenue: { total: number };
        referred: Array<{ generation: number }>;
      };
      expect(data.referred.some((n) => n.generation === 4)).toBe(true);
      expect(await summary(page).textContent()).toContain(
        `$${(data.revenue.total / 100).toLocaleString('en-US')} in sales`,
      );
      expect(await axeViolations(page, '[data-network]')).toEqual([]);

      // Screenshots of the section, desktop and phone.
      await page.addStyleTag({ content: '.mantine-Notifications-root { display: none !important; }' });
      await page.waitForTimeout(200);
      await net.screenshot({ path: join(DOCS, 'network.png'), animations: 'disabled' });

      // A click on a first-generation customer shows the network from them.
      const first = data as unknown as {
        referred: Array<{ generation: number; person: { name: string }; counts: { referred: number } }>;
      };
      const child = first.referred.find((n) => n.generation === 1 && n.counts.referred > 0)!;
      await node(page, child.person.name).click();
      await expect
        .poll(() => summary(page).textContent())
        .toMatch(new RegExp(`^${child.person.name} brought`));
      const trail = net.getByRole('navigation', { name: 'Whose network' });
      await trail.getByRole('link', { name: child.person.name }).waitFor();
      // And back.
      await trail.getByRole('button', { name: 'Back to the start' }).click();
      await expect.poll(() => summary(page).textContent()).toMatch(new RegExp(`^${source.name} brought`));

      // The same from the keyboard: the list shows when focused, its buttons re-root.
      await choose(page, 'List');
      await net.getByRole('button', { name: `${child.person.name}: show the network from them` }).click();
      await expect
        .poll(() => summary(page).textContent())
        .toMatch(new RegExp(`^${child.person.name} brought`));
      await choose(page, 'Picture');

      // A big family folds: five shown and "+ 4 more", which opens the rest.
      await page.goto(`/app/people/${big.id}`);
      await page.getByRole('heading', { name: big.name, level: 1 }).waitFor();
      await expect
        .poll(() => summary(page).textContent())
        .toMatch(new RegExp(`^${big.name} brought 0 customers over 1 generation`));
      expect(await net.locator('svg g[data-node="person"]').count()).toBe(5);
      await net.locator('svg g[data-node="more"]').getByText('+ 4 more').click();
      await expect.poll(() => net.locator('svg g[data-node="person"]').count()).toBe(9);

      // A phone scrolls the picture inside its frame; the page itself stays as wide as the screen.
      await page.setViewportSize(PHONE);
      await page.goto(`/app/people/${source.id}`);
      await page.getByRole('heading', { name: source.name, level: 1 }).waitFor();
      await choose(page, '4');
      await expect.poll(() => summary(page).textContent()).toMatch(/over 4 generations/);
      await net.scrollIntoViewIfNeeded();
      await page.waitForTimeout(300);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
      expect(await axeViolations(page, '[data-network]')).toEqual([]);
      await net.screenshot({ path: join(DOCS, 'network-phone.png'), animations: 'disabled' });

      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  });
});
