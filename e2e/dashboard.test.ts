/**
 * The owner's dashboard in a browser, in the demo clinic: signing in opens it, the funnel, the
 * hint and the key figures agree with the API, the range and program filters apply to all of
 * it, a sale logged at the front desk shows up in it, the phone layout holds, and axe finds no
 * serious or critical accessibility violation.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dashboard } from '../src/analytics/dashboard.schema.ts';
import {
  axeViolations,
  DESKTOP,
  type DemoServer,
  DOCS,
  fullName,
  newPage,
  PHONE,
  SHOTS,
  signIn,
  uniquelyNamed,
  withDemo,
} from './harness.ts';

let server: DemoServer;
let browser: Browser;
/** A referred friend whose referral is still open. */
let friend: { id: string; name: string };

withDemo((s, b) => {
  server = s;
  browser = b;
});

beforeAll(async () => {
  const people = await server.db
    .selectFrom('people')
    .select(['id', 'first_name', 'last_name'])
    .where('workspace_id', '=', server.workspaceId)
    .execute();
  const unique = (p: { first_name: string; last_name: string }) => uniquelyNamed(people, p);
  const byId = new Map(people.map((p) => [p.id, p]));
  const open = await server.db
    .selectFrom('referrals')
    .select(['friend_id'])
    .where('workspace_id', '=', server.workspaceId)
    .where('status', 'in', ['contacted', 'appointment'])
    .orderBy('created_at')
    .execute();
  const f = open.map((o) => byId.get(o.friend_id)!).find(unique)!;
  friend = { id: f.id, name: fullName(f) };
});

/** The dashboard as the API has it, with the page's own session. */
async function api(page: Page, query = ''): Promise<Dashboard> {
  const res = await page.request.get(`/api/v1/dashboard${query}`);
  expect(res.status()).toBe(200);
  return (await res.json()) as Dashboard;
}

const figure = (page: Page, label: string) => page.getByRole('group', { name: label, exact: true });

/** Each funnel step as read: "Contacted 21 70% of referred leads". */
async function funnelText(page: Page) {
  return (
    await page.getByRole('list', { name: 'Referral funnel' }).getByRole('listitem').allInnerTexts()
  ).map((t) => t.replace(/\s+/g, ' ').trim());
}

async function waitForCharts(page: Page) {
  await page.getByText('Referred and won, by').waitFor();
  await page.locator('.recharts-surface').nth(1).waitFor();
}

describe('the dashboard in a browser', () => {
  it('opens after sign-in, shows the funnel and figures, filters by range and program, and follows a sale', async () => {
    const { page, problems, done } = await newPage(browser, server.base, DESKTOP);
    try {
      // The owner signs in at the root and lands on the dashboard, first in the navigation.
      await page.goto('/app/');
      await signIn(page, server.owner.email, server.owner.password);
      await page.waitForURL(/\/app\/dashboard$/);
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
      const nav = page.getByRole('navigation', { name: 'Main' });
      expect((await nav.getByRole('link').allTextContents())[0]).toBe('Dashboard');
      expect(await nav.getByRole('link', { name: 'Dashboard' }).getAttribute('aria-current')).toBe('page');

      // The funnel and the figures say what the API says, for the last 90 days.
      const before = await api(page);
      const funnel = page.getByRole('list', { name: 'Referral funnel' });
      await funnel.waitFor();
      const steps = await funnelText(page);
      expect(steps).toHaveLength(5);
      expect(steps[0]).toMatch(/^Referral link views/);
      expect(steps[1]).toMatch(new RegExp(`^Referred leads ${before.totals.referred}( |$)`));
      const contacted = before.funnel.find((s) => s.stage === 'contacted')!;
      expect(steps[2]).toContain(`${Math.round(contacted.conversion! * 100)}% of referred leads`);
      expect(steps[4]).toMatch(new RegExp(`^Won: became customers ${before.totals.won} `));
      expect(before.totals.won).toBeGreaterThan(0);
      expect(await figure(page, 'Referrals won').textContent()).toContain(
        `Referrals won${before.totals.won}Of ${before.totals.referred} referred`,
      );
      const revenue = `$${(before.totals.revenue / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
      expect(await figure(page, 'Revenue from referred customers').textContent()).toContain(revenue);
      const held = before.rewards.find((r) => r.unit === 'USD')!.held;
      expect(await figure(page, 'Rewards on hold').textContent()).toContain(
        `$${(held / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`,
      );
      await figure(page, 'Overdue follow-ups').waitFor();
      // A plain-language hint of where referrals get stuck.
      const hint = page.getByRole('alert').filter({ hasText: /leads|referr|appointments/ });
      expect(await hint.textContent()).toMatch(/follow up|offer|first visit|get more|Too few/);
      // Breakdowns with friendly names, and the top referrers linking to their profile.
      await page
        .getByRole('table', { name: 'By program' })
        .getByRole('link', { name: 'Share the relief' })
        .waitFor();
      const channels = page.getByRole('table', { name: 'By channel' });
      await channels.getByRole('cell', { name: 'Referral link', exact: true }).waitFor();
      await channels.getByRole('cell', { name: 'Named by a referrer', exact: true }).waitFor();
      await page.getByRole('table', { name: 'By source' }).getByRole('cell', { name: 'Customers' }).waitFor();
      await page.getByRole('table', { name: 'By staff member' }).waitFor();
      const top = page.getByRole('list', { name: 'Top referrers' });
      const first = before.topReferrers[0]!;
      expect(await top.getByRole('link', { name: first.name }).first().getAttribute('href')).toBe(
        `/app/people/${first.personId}`,
      );
      await waitForCharts(page);

      // No serious or critical accessibility violation.
      expect(await axeViolations(page)).toEqual([]);

      // Screenshots, desktop and phone.
      await page.addStyleTag({ content: '.mantine-Notifications-root { display: none !important; }' });
      // The whole page at once, in a window as tall as it (the navigation is fixed to the window).
      const height = (await page.evaluate('document.documentElement.scrollHeight')) as number;
      await page.setViewportSize({ width: DESKTOP.width, height });
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(DOCS, 'dashboard.png'), animations: 'disabled' });
      await page.setViewportSize(PHONE);
      await page.waitForTimeout(400);
      await waitForCharts(page);
      await page.screenshot({
        path: join(DOCS, 'dashboard-phone.png'),
        fullPage: true,
        animations: 'disabled',
      });
      // On a phone nothing is wider than the screen.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
      expect(await axeViolations(page)).toEqual([]);
      await page.setViewportSize(DESKTOP);

      // A range with nothing in it: every figure follows.
      await page.getByRole('combobox', { name: 'Dates' }).click();
      await page.getByRole('option', { name: 'Custom range' }).click();
      await page.waitForURL(/range=custom/);
      await page.getByRole('textbox', { name: 'From', exact: true }).fill('2020-01-01');
      // The page follows the first day before the last one is typed.
      await page.getByText(/^Jan 1, 2020 – /).waitFor();
      await page.getByRole('textbox', { name: 'To', exact: true }).fill('2020-12-31');
      await page.waitForURL(/from=2020-01-01.*to=2020-12-31|to=2020-12-31.*from=2020-01-01/);
      await page.getByText('No referred leads in this period').waitFor();
      await figure(page, 'Referrals won').getByText('Of 0 referred').waitFor();
      await page.getByText(/Jan 1, 2020 – Dec 31, 2020/).waitFor();

      // This year, then the program with no referrals, then back to all programs.
      await page.getByRole('combobox', { name: 'Dates' }).click();
      await page.getByRole('option', { name: 'This year' }).click();
      await page.waitForURL(/range=year/);
      await figure(page, 'Referrals won').getByText(`Of ${before.totals.referred} referred`).waitFor();
      await page.getByRole('combobox', { name: 'Program' }).click();
      await page.getByRole('option', { name: 'Partner introductions' }).click();
      await page.waitForURL(/program=[0-9a-f-]{36}/);
      await figure(page, 'Referrals won').getByText('Of 0 referred').waitFor();
      await page.getByRole('combobox', { name: 'Program' }).click();
      await page.getByRole('option', { name: 'All programs' }).click();
      await figure(page, 'Referrals won').getByText(`Of ${before.totals.referred} referred`).waitFor();
      // A year is shown by month; by week when asked.
      await page.getByText('Referred and won, by month').waitFor();
      await page.getByRole('radiogroup', { name: 'Group by' }).getByText('Week').click();
      await page.waitForURL(/period=week/);
      await page.getByText('Referred and won, by week').waitFor();

      // The front desk logs a referred friend's first sale: it wins their referral.
      await page.goto(`/app/people/${friend.id}`);
      await page.getByRole('heading', { name: friend.name, level: 1 }).waitFor();
      const log = page.getByRole('form', { name: 'Log a visit or sale' });
      await log.getByRole('radiogroup', { name: 'Log a' }).getByText('Sale', { exact: true }).click();
      await log.getByRole('textbox', { name: 'Sale amount' }).fill('120');
      await log.getByRole('button', { name: 'Log sale' }).click();
      await page.getByText(/Sale of \$120\.00 logged\. It won their referral/).waitFor();

      // Back on the dashboard: one more won, $120 more revenue.
      await nav.getByRole('link', { name: 'Dashboard' }).click();
      await page.waitForURL(/\/app\/dashboard$/);
      const after = await api(page);
      expect(after.totals.won).toBe(before.totals.won + 1);
      expect(after.totals.revenue).toBe(before.totals.revenue + 12_000);
      await figure(page, 'Referrals won').getByText(String(after.totals.won), { exact: true }).waitFor();
      const more = `$${(after.totals.revenue / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
      await figure(page, 'Revenue from referred customers').getByText(more).waitFor();
      expect((await funnelText(page))[4]).toMatch(new RegExp(`^Won: became customers ${after.totals.won} `));
      await page.screenshot({ path: join(SHOTS, 'dashboard-after-sale.png'), fullPage: true });

      // Referral customers versus advertising: the API's figures, and a month's ad spend entered here moves them.
      const vs = page.getByRole('region', { name: 'Referral customers versus advertising' });
      const c = after.referralsVsAds;
      expect(c.adCustomers).toBeGreaterThan(0);
      const usd = (n: number) => `$${(n / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
      await vs
        .getByRole('group', { name: 'Cost of a customer won by advertising' })
        .getByText(usd(c.costPerAdCustomer!))
        .waitFor();
      await vs.getByText(`${usd(c.adSpend)} ad spend for ${c.adCustomers} new customer`).waitFor();
      await vs.getByRole('button', { name: 'Enter ad spend' }).click();
      const month = new Intl.DateTimeFormat('en-US', {
        month: 'long',
        year: 'numeric',
        timeZone: 'UTC',
      }).format(new Date(`${after.range.to.slice(0, 7)}-01T00:00:00Z`));
      const input = page
        .getByRole('dialog', { name: 'Advertising spend' })
        .getByRole('textbox', { name: month });
      await expect.poll(() => input.inputValue()).not.toBe('');
      await input.fill('10,000');
      await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
      await page.getByText('Ad spend saved').waitFor();
      await expect.poll(async () => (await api(page)).referralsVsAds.adSpend).toBeGreaterThan(c.adSpend);
      const moved = (await api(page)).referralsVsAds;
      await vs.getByText(`${usd(moved.adSpend)} ad spend`).waitFor();
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  });
});
