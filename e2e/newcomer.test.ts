/**
 * The admin app's "done when", in one sitting: a newcomer signs in with the demo login, creates
 * a program, adds a customer, records at the front desk a friend that customer sent, moves the
 * referral to won on the pipeline board, and sees the dashboard count it.
 */
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Dashboard } from '../src/analytics/dashboard.schema.ts';
import { DESKTOP, type DemoServer, newPage, signIn, withDemo } from './harness.ts';

let server: DemoServer;
let browser: Browser;

withDemo((s, b) => {
  server = s;
  browser = b;
});

async function dashboard(page: Page): Promise<Dashboard> {
  const res = await page.request.get('/api/v1/dashboard');
  expect(res.status()).toBe(200);
  return (await res.json()) as Dashboard;
}

const figure = (page: Page, label: string) => page.getByRole('group', { name: label, exact: true });

async function choose(page: Page, label: string, option: string) {
  await page.getByRole('combobox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

describe('a newcomer runs a referral through', () => {
  it('program → customer → front-desk referral → won on the board → the dashboard counts it', async () => {
    const { page, problems, done } = await newPage(browser, server.base, DESKTOP);
    try {
      await page.goto('/app/');
      await signIn(page, server.owner.email, server.owner.password);
      await page.waitForURL(/\/app\/dashboard$/);
      const before = await dashboard(page);
      await figure(page, 'Referrals won').getByText(String(before.totals.won), { exact: true }).waitFor();
      const nav = page.getByRole('navigation', { name: 'Main' });

      // A program of their own.
      await nav.getByRole('link', { name: 'Programs' }).click();
      await page.getByRole('link', { name: 'New program' }).click();
      await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Bring a neighbour');
      await choose(page, 'Status', 'Active');
      await choose(page, 'Referrer reward: type', 'Credit (amount)');
      await page.getByRole('textbox', { name: 'Referrer reward: amount' }).fill('15');
      await page.getByRole('button', { name: 'Create program' }).click();
      await page.getByRole('heading', { name: 'Bring a neighbour', level: 1 }).waitFor();

      // A customer.
      await nav.getByRole('link', { name: 'People' }).click();
      await page.getByRole('link', { name: 'Add person' }).click();
      await page.getByRole('textbox', { name: 'First name' }).fill('Greta');
      await page.getByRole('textbox', { name: 'Last name' }).fill('Lindqvist');
      await page.getByRole('textbox', { name: 'Email' }).fill('greta.lindqvist@example.com');
      await page.getByRole('main').getByRole('button', { name: 'Add person' }).click();
      await page.getByRole('heading', { name: 'Greta Lindqvist', level: 1 }).waitFor();

      // At the front desk, a new customer says Greta sent them.
      await nav.getByRole('link', { name: 'Front desk' }).click();
      await page.getByRole('link', { name: 'New customer' }).click();
      const form = page.getByRole('form', { name: 'New customer' });
      await form.getByRole('textbox', { name: 'First name' }).fill('Henrik');
      await form.getByRole('textbox', { name: 'Last name' }).fill('Berg');
      await form.getByRole('textbox', { name: 'Phone' }).fill('(217) 555-0199');
      await form.getByRole('combobox', { name: 'Who referred you?' }).fill('Greta Lindqvist');
      await page.getByRole('option', { name: /^Greta Lindqvist( |$)/ }).click();
      await form.getByRole('button', { name: 'Add customer and referral' }).click();
      await page.getByRole('heading', { name: 'Henrik Berg', level: 1 }).waitFor();

      // On the pipeline board the lead waits in New; the card's menu moves it to Won.
      await nav.getByRole('link', { name: 'Referrals' }).click();
      await page.getByText('Board', { exact: true }).click();
      await page.waitForURL(/view=board/);
      const newColumn = page.getByRole('region', { name: 'New', exact: true });
      const card = newColumn.getByRole('article', { name: 'Henrik Berg', exact: true });
      await card.getByText('Greta Lindqvist').waitFor();
      await card.getByRole('button', { name: 'Move to… (Henrik Berg)' }).click();
      await page
        .getByRole('menu', { name: 'Move to… (Henrik Berg)' })
        .getByRole('menuitem', { name: 'Won' })
        .click();
      await expect.poll(async () => (await card.count()) === 0).toBe(true);
      const referrals = await (
        await page.request.get('/api/v1/referrals?status=won&pageSize=100&sort=created')
      ).json();
      const won = referrals.items.find((r: { friend: { name: string } }) => r.friend.name === 'Henrik Berg');
      expect(won).toMatchObject({ status: 'won', referrer: { name: 'Greta Lindqvist' } });

      // The dashboard counts one more referred lead and one more won.
      await nav.getByRole('link', { name: 'Dashboard' }).click();
      await page.waitForURL(/\/app\/dashboard$/);
      const after = await dashboard(page);
      expect(after.totals.won).toBe(before.totals.won + 1);
      expect(after.totals.referred).toBe(before.totals.referred + 1);
      await figure(page, 'Referrals won').getByText(String(after.totals.won), { exact: true }).waitFor();
      await figure(page, 'Referrals won').getByText(`Of ${after.totals.referred} referred`).waitFor();
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  }, 90_000);
});
