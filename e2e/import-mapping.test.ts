/**
 * Importing a CSV whose headers nobody recognises, in a browser: choosing the file shows its
 * columns with the field each is taken as and its first rows, the owner maps "Client name" to a
 * full name and leaves a column out, imports, and sees the counts and a reject to download.
 * Axe finds no serious or critical violation on the mapping step.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
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

withDemo((s, b) => {
  server = s;
  browser = b;
});

beforeAll(async () => {});

const CSV = [
  'Client name,E-mail address,Mobile,Loyalty tier,Favourite treatment',
  'Imani Castillo,imani.castillo@example.com,(217) 555-7301,gold,Sports massage',
  'Oskar Lindqvist,oskar.lindqvist@example.com,(217) 555-7302,silver,Adjustment',
  'Priya Raman,priya.raman@,(217) 555-7303,,Adjustment',
  'Wes Mbeki,,(217) 555-7304,bronze,',
].join('\n');

describe('importing with the columns mapped by hand', () => {
  it('previews the columns, takes the mapping, imports and shows the counts and the reject', async () => {
    const { page, problems, done } = await newPage(browser, server.base, DESKTOP);
    try {
      await page.goto('/app/import');
      await signIn(page, server.owner.email, server.owner.password);
      await page.getByRole('heading', { name: 'Import people' }).waitFor();
      await page
        .locator('input[type=file]')
        .setInputFiles({ name: 'spa-clients.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });

      // The mapping step: every column with its guess and its first rows.
      const step = page.getByRole('region', { name: 'Match the columns' });
      const table = step.getByRole('table', { name: 'Columns of the file' });
      await table.waitFor();
      const select = (header: string) => table.getByRole('combobox', { name: `Import "${header}" as` });
      expect(await select('Client name').inputValue()).toBe('ignore');
      expect(await select('E-mail address').inputValue()).toBe('email');
      expect(await select('Mobile').inputValue()).toBe('phone');
      await table.getByText('Imani Castillo · Oskar Lindqvist · Priya Raman').waitFor();

      // Without a name column the file could still go (emails and phones); leaving those out too
      // says what a person needs, and the import waits.
      await select('E-mail address').selectOption('ignore');
      await select('Mobile').selectOption('ignore');
      await step.getByText('a person needs at least one of them').waitFor();
      expect(await page.getByRole('button', { name: 'Import', exact: true }).isDisabled()).toBe(true);
      await select('E-mail address').selectOption('email');
      await select('Mobile').selectOption('phone');

      // "Client name" is a full name; the favourite treatment goes to the notes.
      await select('Client name').selectOption('fullName');
      await select('Favourite treatment').selectOption('notes');
      expect(await select('Loyalty tier').inputValue()).toBe('ignore');
      expect(await axeViolations(page)).toEqual([]);
      await page.addStyleTag({ content: '.mantine-Notifications-root { display: none !important; }' });
      const height = (await page.evaluate('document.documentElement.scrollHeight')) as number;
      await page.setViewportSize({ width: DESKTOP.width, height: Math.min(height, 1400) });
      await page.waitForTimeout(200);
      await page.screenshot({ path: join(DOCS, 'import-mapping.png'), animations: 'disabled' });
      await page.setViewportSize(DESKTOP);

      // Picking a field that another column had takes it from that column.
      await select('Loyalty tier').selectOption('phone');
      expect(await select('Mobile').inputValue()).toBe('ignore');
      await select('Mobile').selectOption('phone');
      expect(await select('Loyalty tier').inputValue()).toBe('ignore');

      await page.getByRole('button', { name: 'Import', exact: true }).click();
      const result = page.getByRole('region', { name: 'Import result' });
      await result.getByRole('heading', { name: 'spa-clients.csv' }).waitFor();
      const stat = async (label: string) =>
        (await result.getByText(label, { exact: true }).locator('xpath=..').textContent())?.replace(
          label,
          '',
        );
      expect(await stat('Created')).toBe('3');
      expect(await stat('Rejected')).toBe('1');
      await result.getByText('Client name → Full name (split into first and last)').waitFor();
      await result.getByText('Loyalty tier → not used').waitFor();
      const link = result.getByRole('link', { name: 'Download the rejected rows' });
      const rejects = await page.request.get(new URL((await link.getAttribute('href'))!, server.base).href);
      expect(await rejects.text()).toContain('E-mail address: ""priya.raman@"" is not a valid email address');
      // The mapping step is gone; the people are there, named and with their notes.
      expect(await page.getByRole('region', { name: 'Match the columns' }).count()).toBe(0);
      const found = await page.request.get('/api/v1/people?q=Castillo');
      expect((await found.json()).items[0]).toMatchObject({
        firstName: 'Imani',
        lastName: 'Castillo',
        notes: 'Sports massage',
        phone: '+12175557301',
      });

      // On a phone the mapping table scrolls inside its frame.
      await page.setViewportSize(PHONE);
      await page
        .locator('input[type=file]')
        .setInputFiles({ name: 'spa-clients.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
      await page.getByRole('table', { name: 'Columns of the file' }).waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
      expect(await axeViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  });
});
