/**
 * Front-desk mode on a phone, in the demo clinic, as the front-desk member (staff role): find a
 * customer, log today's visit (their third), see the green ask card with the leading question,
 * record the ask with two names (which become referrals), redeem part of their credit, and add
 * a new customer with "who referred you?". axe finds no serious or critical violation, and the
 * screen is photographed on a phone and a desktop.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { askMoment } from '../src/asks/asks.service.ts';
import { recordEvent } from '../src/events/events.service.ts';
import { releaseDue } from '../src/rewards/rewards.service.ts';
import {
  axeViolations,
  DESK,
  DESKTOP,
  type DemoServer,
  DOCS,
  deskUser,
  newPage,
  PHONE,
  SHOTS,
  signIn,
  uniquelyNamed,
  withDemo,
} from './harness.ts';

const DAY = 86_400_000;

let server: DemoServer;
let browser: Browser;
let deskId: string;
/** A customer with released credit (in cents) and two earlier visits, none today. */
let customer: { id: string; first: string; last: string; name: string; credit: number };
const usd = (cents: number) => `$${(cents / 100).toFixed(2)}`;

withDemo((s, b) => {
  server = s;
  browser = b;
});

beforeAll(async () => {
  deskId = await deskUser(server);
  // The demo's referrers hold $25 credits for 14 days: let the clock run past the hold.
  await releaseDue(server.db, new Date(Date.now() + 15 * DAY).toISOString());
  const people = await server.db
    .selectFrom('people')
    .select(['id', 'first_name', 'last_name', 'do_not_contact_at'])
    .where('workspace_id', '=', server.workspaceId)
    .execute();
  const unique = (p: { first_name: string; last_name: string }) => uniquelyNamed(people, p);
  const credits = await server.db
    .selectFrom('rewards')
    .select(['person_id', 'amount'])
    .where('workspace_id', '=', server.workspaceId)
    .where('rule', '=', 'referrer')
    .where('kind', '=', 'credit')
    .where('status', '=', 'available')
    .orderBy('created_at')
    .execute();
  // One whose name is unique, so searching and picking them is unambiguous.
  const byId = new Map(people.map((p) => [p.id, p]));
  for (const c of credits) {
    const p = byId.get(c.person_id!)!;
    if (p.do_not_contact_at || !unique(p)) continue;
    const m = await askMoment(server.db, server.workspaceId, p.id);
    if (m.visits > 2 || m.reason !== `no visit or purchase ${m.visits ? 'today' : 'yet'}`) continue;
    // Two visits on record before today, as the booking system would have sent them.
    for (let i = m.visits; i < 2; i++) {
      await recordEvent(
        server.db,
        {
          workspace: { id: server.workspaceId, currency: 'USD', country: 'US' },
          by: { userId: null, label: 'demo booking system' },
          now: new Date(),
        },
        {
          type: 'visit',
          source: 'e2e',
          externalId: `front-desk-${p.id}-${i}`,
          occurredAt: new Date(Date.now() - (40 + i * 20) * DAY).toISOString(),
          person: { id: p.id, firstName: '', lastName: '' },
        },
      );
    }
    const credit = credits.filter((x) => x.person_id === p.id).reduce((sum, x) => sum + Number(x.amount), 0);
    customer = {
      id: p.id,
      first: p.first_name,
      last: p.last_name,
      name: `${p.first_name} ${p.last_name}`,
      credit,
    };
    break;
  }
  expect(customer).toBeTruthy();
  expect(await askMoment(server.db, server.workspaceId, customer.id)).toMatchObject({
    visits: 2,
    good: false,
  });
});

describe('front-desk mode', () => {
  it('on a phone: find a customer, log a visit, ask with two names, redeem, add a referred new customer', async () => {
    const { page, problems, done } = await newPage(browser, server.base, PHONE);
    try {
      await page.goto('/app/front-desk');
      await signIn(page, DESK.email, DESK.password);
      // Toasts come and go; the screenshots show the screen.
      await page.addStyleTag({ content: '.mantine-Notifications-root { display: none !important; }' });
      await page.getByRole('heading', { name: 'Front desk', level: 1 }).waitFor();
      // Staff see the front desk first in the navigation.
      await page.getByRole('button', { name: 'Open navigation' }).click();
      const nav = page.getByRole('navigation', { name: 'Main' });
      expect((await nav.getByRole('link').first().textContent())?.trim()).toBe('Front desk');
      await page.getByRole('button', { name: 'Close navigation' }).click();
      await page.getByText('Recently seen').waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'front-desk-search-phone.png'), animations: 'disabled' });

      // Find them by part of their last name; the result is a large tap target.
      const search = page.getByRole('searchbox', { name: 'Find a customer' });
      await search.fill(`${customer.first} ${customer.last.slice(0, 3)}`);
      const result = page.getByRole('link', { name: new RegExp(`^${customer.name}( |$)`) });
      await result.waitFor();
      expect((await result.boundingBox())!.height).toBeGreaterThanOrEqual(56);
      await result.click();
      await page.getByRole('heading', { name: customer.name, level: 1 }).waitFor();
      const glance = page.getByRole('region', { name: 'At a glance' });
      await glance.getByText(usd(customer.credit)).waitFor();
      const card = page.getByRole('region', { name: 'Ask for referrals' });
      await card.getByRole('heading', { name: 'Not now — no visit or purchase today' }).waitFor();

      // Today's visit is their third: a good moment, with the program's leading question.
      await page.getByRole('button', { name: 'Log visit' }).click();
      await card.getByRole('heading', { name: 'Good moment to ask — 3rd visit' }).waitFor();
      await card.getByText('“Who do you know with lower back pain?”').waitFor();
      expect(await glance.textContent()).toContain('Visits3');
      const visit = await server.db
        .selectFrom('business_events')
        .select(['type', 'external_id', 'actor_label'])
        .where('workspace_id', '=', server.workspaceId)
        .where('person_id', '=', customer.id)
        .where('source', '=', 'front-desk')
        .executeTakeFirstOrThrow();
      expect(visit).toMatchObject({ type: 'visit', actor_label: 'Jamie Ortiz' });
      expect(visit.external_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await axeViolations(page)).toEqual([]);
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({
        path: join(DOCS, 'front-desk-phone.png'),
        fullPage: true,
        animations: 'disabled',
      });
      // Tall enough for the whole screen (a full-page shot would cut the fixed navigation short).
      await page.setViewportSize({ width: DESKTOP.width, height: 940 });
      await page.waitForTimeout(400);
      await page.screenshot({ path: join(DOCS, 'front-desk.png'), animations: 'disabled' });
      await page.setViewportSize(PHONE);
      await page.waitForTimeout(400);

      // The ask, with two names typed straight in.
      const ask = card.getByRole('form', { name: 'Record the ask' });
      const person = (n: number) => ask.getByRole('group', { name: `Person ${n}` });
      await person(1).getByRole('textbox', { name: 'Name' }).fill('Nora Neighbour');
      await person(1).getByRole('textbox', { name: 'Phone or email' }).fill('(217) 555-0177');
      await person(2).getByRole('textbox', { name: 'Name' }).fill('Owen Officemate');
      await person(2).getByRole('textbox', { name: 'Phone or email' }).fill('owen.office@example.com');
      await ask.getByRole('button', { name: 'Save 2 names' }).click();
      const saved = card.getByRole('status');
      await saved.getByText('Names saved').waitFor();
      expect(await saved.textContent()).toContain('Nora Neighbour: added');
      await card.getByRole('heading', { name: 'Not now — asked today' }).waitFor();
      await page.screenshot({ path: join(SHOTS, 'front-desk-asked-phone.png'), fullPage: true });
      // The names are referrals of the customer, entered by the front-desk member, waiting for
      // the customer's introduction.
      const referrals = await page.request.get(
        `/api/v1/referrals?referrerId=${customer.id}&channel=named_by_referrer&sort=created`,
      );
      expect(referrals.status()).toBe(200);
      // The demo may have named friends of this customer already: the two just typed come last.
      const named = (
        (await referrals.json()).items as Array<{
          friend: { name: string; email: string | null; phone: string | null };
          waitingForIntroduction: boolean;
        }>
      ).slice(-2);
      expect(named.map((r) => r.friend.name)).toEqual(['Nora Neighbour', 'Owen Officemate']);
      expect(named[1]!.friend.email).toBe('owen.office@example.com');
      expect(named.every((r) => r.waitingForIntroduction)).toBe(true);
      const asks = await (await page.request.get(`/api/v1/asks?personId=${customer.id}`)).json();
      expect(asks.items).toMatchObject([
        {
          outcome: 'got_names',
          namesCount: 2,
          reason: '3rd visit',
          staffUserId: deskId,
          staffName: 'Jamie Ortiz',
        },
      ]);

      // Redeem part of their credit at the counter.
      const counter = page.getByRole('form', { name: 'Redeem at the counter' });
      await counter.getByRole('textbox', { name: 'Amount of credit' }).fill('10');
      await counter.getByRole('button', { name: 'Redeem' }).click();
      await glance.getByText(usd(customer.credit - 1000)).waitFor();

      // A new customer, sent by this one.
      await page.getByRole('link', { name: 'Find another customer' }).click();
      await page.getByRole('link', { name: 'New customer' }).click();
      await page.getByRole('heading', { name: 'New customer', level: 1 }).waitFor();
      const form = page.getByRole('form', { name: 'New customer' });
      await form.getByRole('textbox', { name: 'First name' }).fill('Hana');
      await form.getByRole('textbox', { name: 'Last name' }).fill('Newcomb');
      await form.getByRole('textbox', { name: 'Phone' }).fill('(217) 555-0188');
      const who = form.getByRole('combobox', { name: 'Who referred you?' });
      await who.fill(customer.name);
      await page.getByRole('option', { name: new RegExp(`^${customer.name}( |$)`) }).click();
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'front-desk-new-phone.png'), fullPage: true });
      await form.getByRole('button', { name: 'Add customer and referral' }).click();
      await page.getByRole('heading', { name: 'Hana Newcomb', level: 1 }).waitFor();
      const theirs = await (
        await page.request.get(`/api/v1/referrals?referrerId=${customer.id}&channel=staff`)
      ).json();
      const hana = theirs.items.find((r: { friend: { name: string } }) => r.friend.name === 'Hana Newcomb');
      expect(hana).toMatchObject({ status: 'new', channel: 'staff', friend: { phone: '+12175550188' } });
      // Her first visit, logged straight away, makes her a customer.
      await page.getByRole('button', { name: 'Log visit' }).click();
      await page
        .getByRole('region', { name: 'Ask for referrals' })
        .getByRole('heading', { name: /^Good moment to ask/ })
        .waitFor();
      // Her first sale wins the referral for the customer who sent her.
      const sale = page.getByRole('form', { name: 'Log a sale' });
      await sale.getByRole('textbox', { name: 'Sale amount' }).fill('65');
      await sale.getByRole('button', { name: 'Log sale' }).click();
      await page.getByRole('region', { name: 'At a glance' }).getByText('Sales1').waitFor();
      const won = await (await page.request.get(`/api/v1/referrals/${hana.id}`)).json();
      expect(won.referral).toMatchObject({ status: 'won', friend: { name: 'Hana Newcomb' } });
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  }, 120_000);
});
