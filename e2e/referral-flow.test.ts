/**
 * The referral core's "done when", in a browser: in the demo workspace a newcomer creates a
 * program, opens a customer, gets their link and QR, a friend lands on the page and claims the
 * offer, the lead shows up in the pipeline with a due follow-up and is moved to won; the customer
 * names three friends on the brain-tickler form and they wait for an introduction.
 */
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import type { Browser, Locator, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DESKTOP,
  type DemoServer,
  DOCS,
  fullName,
  newPage,
  PHONE,
  signIn,
  uniquelyNamed,
  withDemo,
} from './harness.ts';

// jsqr is CommonJS whose types declare an ES default export: take the function either way.
const jsQR = ((jsQRModule as { default?: unknown }).default ?? jsQRModule) as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;

const SCREEN = { width: DESKTOP.width, height: 800 };

let server: DemoServer;
let browser: Browser;
let customer: { id: string; name: string };

withDemo((s, b) => {
  server = s;
  browser = b;
});

beforeAll(async () => {
  const people = await server.db
    .selectFrom('people')
    .select(['id', 'kind', 'first_name', 'last_name', 'email'])
    .where('workspace_id', '=', server.workspaceId)
    .orderBy('external_id')
    .execute();
  const c = people.find((p) => p.kind === 'customer' && p.email && uniquelyNamed(people, p))!;
  customer = { id: c.id, name: fullName(c) };
});

/** Picks an option of a Mantine select by the select's label. */
async function choose(page: Page, label: string, option: string) {
  await page.getByRole('combobox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** The same screen on a desktop and on a phone, from `top` down if given, without toasts. */
async function shoot(page: Page, name: string, top?: Locator) {
  await page.addStyleTag({ content: '.mantine-Notifications-root { display: none !important; }' });
  for (const [viewport, file] of [
    [SCREEN, `${name}.png`],
    [PHONE, `${name}-phone.png`],
  ] as const) {
    await page.setViewportSize(viewport);
    // Let the navigation drawer finish sliding away after the resize.
    await page.waitForTimeout(400);
    await page.evaluate('window.scrollTo(0, 0)');
    if (top) await page.evaluate(`window.scrollTo(0, ${(await top.boundingBox())!.y - 72})`);
    await page.screenshot({ path: join(DOCS, file), animations: 'disabled' });
  }
  await page.setViewportSize(SCREEN);
}

describe('referral flow in a browser', () => {
  it('program → link and QR → friend claims → pipeline to won; three friends named wait for introduction', async () => {
    const admin = await newPage(browser, server.base, SCREEN);
    const friend = await newPage(browser, server.base, PHONE);
    const { page } = admin;
    try {
      // A newcomer signs in and creates a program.
      await page.goto('/app/programs');
      await signIn(page, server.owner.email, server.owner.password);
      await page.getByRole('heading', { name: 'Programs', level: 1 }).waitFor();
      await page.getByRole('link', { name: 'New program' }).click();
      await page.getByRole('heading', { name: 'New program' }).waitFor();
      const programName = 'Spring friends';
      await page.getByRole('textbox', { name: 'Name', exact: true }).fill(programName);
      await choose(page, 'Status', 'Active');
      await choose(page, 'Referrer reward: type', 'Credit (amount)');
      await page.getByRole('textbox', { name: 'Referrer reward: amount' }).fill('20');
      await choose(page, 'Friend incentive: type', 'Free service');
      await page
        .getByRole('textbox', { name: 'Friend incentive: description' })
        .fill('a complimentary first visit');
      await page.getByRole('textbox', { name: 'Friend incentive: declared value' }).fill('65');
      await page.getByRole('textbox', { name: 'Headline' }).fill('Your friend sent you a first visit on us');
      await page.getByRole('button', { name: 'Add testimonial' }).click();
      await page.getByRole('textbox', { name: 'Quote 1' }).fill('My back has never felt better.');
      await page.getByRole('textbox', { name: 'Name 1' }).fill('Sue P., Elm Street');
      await page
        .getByRole('textbox', { name: 'Target categories' })
        .fill('sits at a desk all day\nhas a new baby\nplays golf');
      // Every term is in the form: coupon days, a milestone bonus.
      await page.getByRole('textbox', { name: 'Coupon days' }).fill('30');
      await page.getByRole('button', { name: 'Add milestone' }).click();
      await page.getByRole('textbox', { name: 'Milestone 1: referrals won' }).fill('3');
      await page.getByRole('textbox', { name: 'Milestone 1 reward: description' }).fill('a massage voucher');
      // The friend's page, previewed before anything is saved.
      await page.getByRole('button', { name: 'Preview the landing page' }).click();
      const preview = page
        .frameLocator('iframe[title^="The friend\'s landing page"]')
        .getByRole('heading', { name: 'Your friend sent you a first visit on us' });
      await preview.waitFor();
      await page
        .frameLocator('iframe[title^="The friend\'s landing page"]')
        .getByText('My back has never felt better.')
        .waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Create program' }).click();
      await page.waitForURL(/\/app\/programs\/[0-9a-f-]{36}$/);
      await page.getByRole('heading', { name: programName, level: 1 }).waitFor();
      await page.getByText('terms version 1', { exact: true }).waitFor();
      await shoot(page, 'program');
      const program = await server.db
        .selectFrom('programs')
        .innerJoin('program_terms as t', 't.id', 'programs.terms_id')
        .select(['programs.id as id', 'programs.status as status', 't.terms'])
        .where('programs.workspace_id', '=', server.workspaceId)
        .where('programs.name', '=', programName)
        .executeTakeFirstOrThrow();
      expect(program.status).toBe('active');
      expect(JSON.parse(program.terms)).toMatchObject({
        couponDays: 30,
        milestones: [{ wonCount: 3, reward: { type: 'gift', description: 'a massage voucher' } }],
      });
      await page.getByRole('link', { name: 'Programs', exact: true }).first().click();
      const programs = page.getByRole('table', { name: 'Programs' });
      await programs
        .getByRole('row', { name: new RegExp(programName) })
        .getByText('Active')
        .waitFor();
      await shoot(page, 'programs');

      // The customer's profile: a link in the new program, its QR and cards.
      await page.goto(`/app/people/${customer.id}`);
      await page.getByRole('heading', { name: customer.name, level: 1 }).waitFor();
      const links = page.getByRole('region', { name: 'Referral links' });
      await links.getByRole('button', { name: `Get link for ${programName}` }).click();
      const card = links.getByRole('article', { name: `Link for ${programName}` });
      const shareUrl = await card.getByRole('textbox', { name: 'Share link' }).inputValue();
      const formUrl = await card.getByRole('textbox', { name: 'Name your friends form' }).inputValue();
      expect(shareUrl).toMatch(new RegExp(`^${server.base}/r/[0-9A-Z]+$`));
      expect(formUrl).toMatch(new RegExp(`^${server.base}/f/`));
      const qr = card.getByRole('img', { name: `QR code for ${shareUrl}` });
      await qr.waitFor();
      expect(await qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0)).toBe(
        true,
      );
      const linkId = (await qr.getAttribute('src'))!.match(/links\/([^/]+)\/qr\.svg/)![1]!;
      const print = card.getByRole('link', { name: 'Print referral cards' });
      const pdf = await page.request.get(new URL((await print.getAttribute('href'))!, server.base).href);
      expect(pdf.headers()['content-type']).toBe('application/pdf');
      expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

      // The printed QR decodes to the share link.
      const png = await page.request.get(`/api/v1/links/${linkId}/qr.png`);
      expect(png.status()).toBe(200);
      const image = PNG.sync.read(await png.body());
      const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
      expect(decoded?.data).toBe(shareUrl);
      await shoot(page, 'person-links', links);

      // A friend scans it on their phone, with no session: the landing page, then the claim.
      const fp = friend.page;
      await fp.goto(decoded!.data);
      await fp.getByRole('heading', { name: 'Your friend sent you a first visit on us' }).waitFor();
      await fp.getByText('a complimentary first visit').first().waitFor();
      await fp.getByRole('textbox', { name: 'Your name' }).fill('Nora Quinlan');
      await fp.getByRole('textbox', { name: 'Email' }).fill('nora.quinlan@example.com');
      await fp.getByRole('checkbox', { name: /may contact me/ }).check();
      await fp.getByRole('button', { name: 'Claim my offer' }).click();
      await fp.waitForURL(/\/c\//);
      await fp.getByRole('heading', { level: 1 }).waitFor();

      // Back at the front desk: the lead is in the pipeline with a due follow-up.
      await page.getByRole('navigation').getByRole('link', { name: 'Referrals' }).click();
      await page.getByRole('heading', { name: 'Referrals', level: 1 }).waitFor();
      await page.getByRole('searchbox', { name: 'Search' }).fill('Nora Quinlan');
      const table = page.getByRole('table', { name: 'Referrals' });
      const row = table.getByRole('row', { name: /Nora Quinlan/ });
      await row.waitFor();
      expect(await row.textContent()).toContain(customer.name);
      expect(await row.textContent()).toContain('Link');
      expect(await row.textContent()).toContain('New');
      const due = await server.db
        .selectFrom('referrals')
        .select(['id', 'follow_up_due_at'])
        .where('workspace_id', '=', server.workspaceId)
        .where('program_id', '=', program.id)
        .executeTakeFirstOrThrow();
      expect(due.follow_up_due_at).toBeTruthy();
      expect(await row.textContent()).not.toContain('—');
      await page.getByRole('searchbox', { name: 'Search' }).fill('');
      await table.getByRole('row', { name: /Nora Quinlan/ }).waitFor();
      await shoot(page, 'referrals');

      // Contacted, then won; the timeline keeps every step.
      await table.getByRole('link', { name: 'Nora Quinlan' }).click();
      await page.waitForURL(new RegExp(`/app/referrals/${due.id}$`));
      await page.getByRole('heading', { name: 'Nora Quinlan', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Mark contacted' }).click();
      await page.getByLabel('Status: Contacted').waitFor();
      await page.getByRole('button', { name: 'Mark won' }).click();
      await page.getByLabel('Status: Won').waitFor();
      const timeline = page.getByRole('region', { name: 'Timeline' });
      await timeline.getByText('New → Contacted').waitFor();
      await timeline.getByText('Contacted → Won').waitFor();
      // From won only void is left.
      expect(
        await page.getByRole('group', { name: 'Move to' }).getByRole('button').allTextContents(),
      ).toEqual(['Void']);
      await shoot(page, 'referral');

      // The customer names three friends on their private form, without telling them yet.
      await fp.goto(formUrl);
      await fp.getByRole('heading', { name: /should know about/ }).waitFor();
      const names = ['Ada Whitfield', 'Bram Okonkwo', 'Cleo Marsh'];
      for (const [i, name] of names.entries()) await fp.locator(`#name${i + 1}`).fill(name);
      await fp.getByRole('button', { name: 'Send my list' }).click();
      await fp.getByRole('heading', { name: /Thank you/ }).waitFor();

      // In the admin they wait for an introduction.
      await page.goto('/app/referrals?view=waiting');
      const waiting = page.getByRole('table', { name: 'Referrals' });
      for (const name of names)
        await waiting
          .getByRole('row', { name: new RegExp(name) })
          .getByText('Waiting')
          .waitFor();
      expect(admin.problems).toEqual([]);
      expect(friend.problems).toEqual([]);
    } finally {
      await admin.done();
      await friend.done();
    }
  }, 60_000);
});
