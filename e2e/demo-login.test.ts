/**
 * The demo login works in a browser: a real server on a temporary SQLite file with the demo
 * clinic, and Debian's Chromium driven by playwright-core.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMember } from '../src/auth/auth.service.ts';
import { createWorkspace } from '../src/workspaces/workspaces.service.ts';
import {
  DESK,
  type DemoServer,
  deskUser,
  newPage,
  PHONE,
  SHOTS,
  signIn,
  uniquelyNamed,
  withDemo,
} from './harness.ts';

let server: DemoServer;
let browser: Browser;
/** A demo customer whose name is unique in the clinic, to search for. */
let customer: { id: string; first_name: string; last_name: string };

withDemo((s, b) => {
  server = s;
  browser = b;
});

beforeAll(async () => {
  const people = await server.db
    .selectFrom('people')
    .select(['id', 'kind', 'first_name', 'last_name'])
    .where('workspace_id', '=', server.workspaceId)
    .orderBy('external_id')
    .execute();
  customer = people.find((c) => c.kind === 'customer' && uniquelyNamed(people, c))!;
});

describe('demo login in a browser', () => {
  it('signs in, lists and finds a customer, edits them, signs out', async () => {
    const { page, problems, done } = await newPage(browser, server.base);
    try {
      // The root sends the browser to the app, which asks who you are first.
      await page.goto('/');
      await page.waitForURL(/\/app\/sign-in/);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();

      // The owner's first screen is the dashboard; the people are one click away.
      await signIn(page, server.owner.email, server.owner.password);
      await page.waitForURL(/\/app\/dashboard$/);
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
      await page.getByRole('navigation').getByRole('link', { name: 'People' }).click();
      await page.waitForURL(/\/app\/people$/);
      await page.getByRole('heading', { name: 'People' }).waitFor();
      const table = page.getByRole('table', { name: 'People' });
      await table.waitFor();
      // The demo clinic's customers, partners and referred prospects, 25 to a page.
      const { n } = await server.db
        .selectFrom('people')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', server.workspaceId)
        .where('merged_into_id', 'is', null)
        .executeTakeFirstOrThrow();
      expect(Number(n)).toBeGreaterThanOrEqual(300);
      await page.getByText(`1–25 of ${n}`).waitFor();
      expect(await table.getByRole('row').count()).toBe(26);
      await page.getByRole('banner').getByText('Maple Street Chiropractic').waitFor();
      await page.screenshot({ path: join(SHOTS, 'people.png') });

      // Search narrows the list to the one customer.
      const name = `${customer.first_name} ${customer.last_name}`;
      await page.getByRole('searchbox', { name: 'Search' }).fill(name);
      await page.getByText('1–1 of 1').waitFor();
      expect(page.url()).toContain(`q=${encodeURIComponent(name).replace(/%20/g, '+')}`);
      await table.getByRole('link', { name }).click();

      // The profile, then an edit that sticks.
      await page.waitForURL(new RegExp(`/app/people/${customer.id}$`));
      await page.getByRole('heading', { name, level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Edit' }).click();
      const note = 'Prefers early morning appointments';
      await page.getByLabel('Notes').fill(note);
      await page.getByLabel('How did they hear about us?').fill('Referred by a neighbour');
      await page.getByRole('button', { name: 'Save changes' }).click();
      const notes = page.getByRole('region', { name: 'Notes' });
      await notes.getByText(note).waitFor();
      await page.reload();
      await page.getByRole('region', { name: 'Notes' }).getByText(note).waitFor();
      await page.getByRole('region', { name: 'Details' }).getByText('Referred by a neighbour').waitFor();

      await page.getByRole('navigation').getByRole('link', { name: 'People' }).click();
      await page.waitForURL(/\/app\/people$/);

      // Sign out: back at sign-in, and the app is closed until signing in again.
      await page.getByRole('button', { name: 'Account' }).click();
      await page.getByRole('menuitem', { name: 'Sign out' }).click();
      await page.waitForURL(/\/app\/sign-in/);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.goto(`/app/people/${customer.id}`);
      await page.waitForURL(/\/app\/sign-in\?next=/);
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  });

  it('says so when the password is wrong', async () => {
    const { page, problems, done } = await newPage(browser, server.base, PHONE);
    try {
      await page.goto('/app/');
      await signIn(page, server.owner.email, 'not the password');
      const alert = page.getByRole('alert').filter({ hasText: 'Could not sign in' });
      await alert.waitFor();
      expect(await alert.textContent()).toContain('Email or password is wrong');
      expect(page.url()).toMatch(/\/app\/sign-in/);
      await page.screenshot({ path: join(SHOTS, 'sign-in-error-phone.png') });
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  });

  it('warns of a duplicate when adding a person, and creates anyway when asked', async () => {
    const { page, problems, done } = await newPage(browser, server.base);
    try {
      await page.goto('/app/people/new');
      await signIn(page, server.owner.email, server.owner.password);
      await page.waitForURL(/\/app\/people\/new$/);
      // Dr. Patel's practice is a partner already; the front desk types her in again.
      await page.getByRole('textbox', { name: 'First name' }).fill('Anita');
      await page.getByRole('textbox', { name: 'Last name' }).fill('Patel');
      await page.getByRole('textbox', { name: 'Email' }).fill('Anita@PatelFamilyMed.example');
      await page.getByRole('main').getByRole('button', { name: 'Add person' }).click();
      const warning = page.getByRole('alert').filter({ hasText: 'This looks like someone you already have' });
      await warning.waitFor();
      await warning.getByRole('link', { name: 'Anita Patel' }).waitFor();
      expect(page.url()).toMatch(/\/app\/people\/new$/);
      await warning.getByRole('button', { name: 'Create anyway' }).click();
      await page.waitForURL(/\/app\/people\/[0-9a-f-]{36}$/);
      await page.getByRole('heading', { name: 'Anita Patel', level: 1 }).waitFor();
      const count = await server.db
        .selectFrom('people')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', server.workspaceId)
        .where('email', '=', 'anita@patelfamilymed.example')
        .executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(2);
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  });

  it('shows front-desk staff neither Settings nor Import', async () => {
    await deskUser(server);
    const { page, problems, done } = await newPage(browser, server.base, PHONE);
    try {
      await page.goto('/app/');
      // Staff land on the front desk; the dashboard is for owners and managers.
      await signIn(page, DESK.email, DESK.password);
      await page.waitForURL(/\/app\/front-desk$/);
      await page.getByRole('heading', { name: 'Front desk', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Open navigation' }).click();
      const nav = page.getByRole('navigation');
      await nav.getByRole('link', { name: 'People' }).waitFor();
      expect(await nav.getByRole('link').allTextContents()).toEqual([
        'Front desk',
        'Who to ask today',
        'Referrals',
        'People',
        'Rewards',
        'Programs',
      ]);
      // Typing the address does not open the page either.
      await page.goto('/app/settings/staff');
      await page.getByRole('heading', { name: 'Not available for your role' }).waitFor();
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  });

  it('switches between the workspaces of a consultant', async () => {
    const owner = await server.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', server.owner.email)
      .executeTakeFirstOrThrow();
    const other = await createWorkspace(server.db, { name: 'Riverside Massage Studio', country: 'US' });
    await addMember(server.db, other.id, owner.id, 'manager');
    const { page, problems, done } = await newPage(browser, server.base);
    try {
      await page.goto('/app/');
      await signIn(page, server.owner.email, server.owner.password);
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
      await page.getByRole('button', { name: /Switch workspace/ }).click();
      await page.getByRole('menuitem', { name: /Riverside Massage Studio/ }).click();
      // The other business has nobody yet, and its name is in the header.
      await page.getByText('No people yet').waitFor();
      await page
        .getByRole('button', { name: 'Workspace: Riverside Massage Studio. Switch workspace' })
        .waitFor();
      await page.reload();
      await page.getByText('No people yet').waitFor();
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  });

  it('imports a CSV, shows what became of each row and offers the rejects', async () => {
    const { page, problems, done } = await newPage(browser, server.base);
    try {
      await page.goto('/app/import');
      await signIn(page, server.owner.email, server.owner.password);
      await page.getByRole('heading', { name: 'Import people' }).waitFor();
      const csv = [
        'first_name,last_name,email,phone',
        'Ruth,Okafor,ruth.okafor@example.com,(217) 555-7001',
        'Tomas,Berg,tomas.berg@example.com,',
        'Bad,Row,not-an-email,',
      ].join('\n');
      await page
        .locator('input[type=file]')
        .setInputFiles({ name: 'front-desk.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      const result = page.getByRole('region', { name: 'Import result' });
      await result.getByRole('heading', { name: 'front-desk.csv' }).waitFor();
      const stat = async (label: string) =>
        (await result.getByText(label, { exact: true }).locator('xpath=..').textContent())?.replace(
          label,
          '',
        );
      expect(await stat('Created')).toBe('2');
      expect(await stat('Rejected')).toBe('1');
      const link = result.getByRole('link', { name: 'Download the rejected rows' });
      const rejects = await page.request.get(new URL((await link.getAttribute('href'))!, server.base).href);
      expect(rejects.status()).toBe(200);
      expect(await rejects.text()).toContain('not-an-email');
      // The import is listed, and the people are there.
      await page.getByRole('table', { name: 'Past imports' }).getByText('front-desk.csv').waitFor();
      await page.goto('/app/people?q=Okafor');
      await page.getByRole('table', { name: 'People' }).getByRole('link', { name: 'Ruth Okafor' }).waitFor();
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  });
});
