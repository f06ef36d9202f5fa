/**
 * The referrals pipeline board in a browser, in the demo clinic: the owner switches the
 * referrals page to the board, drags a card to the next column (the server has the new
 * status), sees a refused move (a friend waiting for an introduction) roll back with the
 * server's reason, books an appointment from a card's "Move to…" menu, assigns a card and sets
 * its follow-up date, finds overdue cards highlighted in words as well as colour, filters to
 * overdue only, and the board holds on a phone. axe finds no serious or critical violation.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Referral } from '../src/referrals/referrals.schema.ts';
import {
  axeViolations,
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

let server: DemoServer;
let browser: Browser;

type Pick = { id: string; name: string };
/** Open referrals of the demo, by what the test does with them (friends with unique names). */
let toDrag: Pick;
let waiting: Pick;
let toMenu: Pick;
let toAssign: Pick;

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
  const unique = (id: string) => {
    const p = people.find((o) => o.id === id)!;
    return uniquelyNamed(people, p);
  };
  const rows = await server.db
    .selectFrom('referrals')
    .select(['id', 'friend_id', 'status', 'channel', 'introduced_at', 'friend_opt_in_at'])
    .where('workspace_id', '=', server.workspaceId)
    .where('status', 'in', ['new', 'contacted'])
    .orderBy('created_at')
    .execute();
  const isWaiting = (r: (typeof rows)[number]) =>
    r.channel === 'named_by_referrer' && !r.introduced_at && !r.friend_opt_in_at;
  const pick = (r: (typeof rows)[number] | undefined): Pick => {
    expect(r).toBeDefined();
    const p = people.find((o) => o.id === r!.friend_id)!;
    return { id: r!.id, name: fullName(p) };
  };
  const candidates = rows.filter((r) => unique(r.friend_id));
  const newOnes = candidates.filter((r) => r.status === 'new');
  toDrag = pick(newOnes.find((r) => !isWaiting(r)));
  waiting = pick(newOnes.find(isWaiting));
  const contacted = candidates.filter((r) => r.status === 'contacted');
  toMenu = pick(contacted[0]);
  toAssign = pick(contacted[1]);
});

async function referral(page: Page, id: string): Promise<Referral> {
  const res = await page.request.get(`/api/v1/referrals/${id}`);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { referral: Referral }).referral;
}

const column = (page: Page, name: string) => page.getByRole('region', { name, exact: true });
const card = (page: Page, name: string) => page.getByRole('article', { name, exact: true });
const document_ = (selector: string) => `document.querySelector(${JSON.stringify(selector)})`;
const menu = (page: Page, name: string) => page.getByRole('menu', { name: `Move to… (${name})` });
/**
 * Drags a card onto a column's heading: a column is as tall as the longest, and dropping on its
 * middle would scroll the page between the press and the first move, so the drag would start
 * on whatever card then lies under the pointer.
 */
const drag = (page: Page, name: string, to: string) =>
  card(page, name).dragTo(column(page, to).getByRole('heading', { name: to }));

describe('the referrals board in a browser', () => {
  it('drags, refuses, moves by menu, assigns, highlights overdue, filters and fits a phone', async () => {
    const { page, problems, done } = await newPage(browser, server.base, DESKTOP);
    try {
      await page.goto('/app/referrals');
      await signIn(page, server.owner.email, server.owner.password);
      await page.getByRole('heading', { name: 'Referrals', level: 1 }).waitFor();
      // The list first; the switch opens the board and the address remembers it.
      await page.getByRole('table', { name: 'Referrals' }).waitFor();
      await page.getByText('Board', { exact: true }).click();
      await page.waitForURL(/view=board/);
      for (const name of ['New', 'Contacted', 'Appointment']) await column(page, name).waitFor();
      await page.reload();
      await column(page, 'New').waitFor();
      await card(page, toDrag.name).waitFor();
      expect(await column(page, 'New').getByRole('article', { name: toDrag.name }).count()).toBe(1);

      // Drag a new referral to Contacted: the card moves and the server has the new status.
      await drag(page, toDrag.name, 'Contacted');
      await column(page, 'Contacted').getByRole('article', { name: toDrag.name }).waitFor();
      await expect.poll(async () => (await referral(page, toDrag.id)).status).toBe('contacted');
      await page.getByText(`${toDrag.name}: Contacted`).waitFor();

      // A friend named by a referrer and not introduced yet cannot be contacted: the server
      // refuses, the card goes back to New and the reason is shown.
      await drag(page, waiting.name, 'Contacted');
      await page.getByText(`${waiting.name} not moved`).waitFor();
      await page
        .getByText(/not introduced yet/)
        .first()
        .waitFor();
      await column(page, 'New').getByRole('article', { name: waiting.name }).waitFor();
      expect(await column(page, 'Contacted').getByRole('article', { name: waiting.name }).count()).toBe(0);
      // Moved there and back, the card is mounted anew each time and never gets its dragend:
      // the drop itself ends the drag, so neither card stays faded.
      for (const name of [toDrag.name, waiting.name])
        expect(await card(page, name).getAttribute('data-dragging')).toBeNull();
      expect((await referral(page, waiting.id)).status).toBe('new');
      // Toasts from here on would only cover the filters.
      await page.addStyleTag({ content: '.mantine-Notifications-root { display: none !important; }' });
      // Its menu does not offer what the server would refuse.
      await card(page, waiting.name)
        .getByRole('button', { name: /^Move to…/ })
        .click();
      const waitingMenu = menu(page, waiting.name);
      expect(await waitingMenu.getByRole('menuitem', { name: 'Contacted' }).isDisabled()).toBe(true);
      await page.keyboard.press('Escape');
      await waitingMenu.waitFor({ state: 'hidden' });

      // The keyboard and phone way: "Move to…" → Appointment asks for the date, then moves it.
      await card(page, toMenu.name)
        .getByRole('button', { name: /^Move to…/ })
        .click();
      await menu(page, toMenu.name).getByRole('menuitem', { name: 'Appointment' }).click();
      const book = page.getByRole('dialog', { name: `Book an appointment for ${toMenu.name}` });
      await book.getByLabel('Appointment').fill('2030-05-04T09:30');
      await book.getByRole('button', { name: 'Book appointment' }).click();
      await column(page, 'Appointment').getByRole('article', { name: toMenu.name }).waitFor();
      await expect.poll(async () => (await referral(page, toMenu.id)).status).toBe('appointment');
      expect((await referral(page, toMenu.id)).appointmentAt).toBe(
        new Date('2030-05-04T09:30').toISOString(),
      );

      // Assign a card to the owner and give it a follow-up date, from the card.
      await card(page, toAssign.name)
        .getByRole('button', { name: /^Assign…/ })
        .click();
      const edit = page.getByRole('dialog', { name: `Assign and schedule ${toAssign.name}` });
      await edit.getByRole('combobox', { name: 'Assigned to' }).click();
      await page.getByRole('option', { name: 'Dr. Sarah Whitman' }).click();
      await edit.getByLabel('Follow-up due').fill('2030-06-01T10:00');
      await edit.getByRole('button', { name: 'Save' }).click();
      await card(page, toAssign.name).getByText('Assigned to Dr. Sarah Whitman').waitFor();
      await expect
        .poll(async () => {
          const r = await referral(page, toAssign.id);
          return [r.assignedTo !== null, r.followUpDueAt, r.overdue];
        })
        .toEqual([true, new Date('2030-06-01T10:00').toISOString(), false]);
      // "Assigned to me" shows just that card.
      // The switches change the address, which React Router applies in a transition: click and
      // wait for the address rather than expect the box to flip at once.
      await page.getByRole('switch', { name: 'Assigned to me' }).click();
      await page.waitForURL(/mine=1/);
      await expect.poll(() => page.getByRole('article').count()).toBe(1);
      await card(page, toAssign.name).waitFor();
      await page.getByRole('switch', { name: 'Assigned to me' }).click();
      await page.waitForURL((u) => !u.searchParams.has('mine'));

      // Overdue cards say so in words, with a red edge; "Overdue only" shows just them.
      const overdue = await page.request.get('/api/v1/referrals?overdue=true&pageSize=500');
      const overdueIds = ((await overdue.json()) as { items: Referral[] }).items.map((r) => r.id);
      expect(overdueIds.length).toBeGreaterThan(0);
      const marked = page.locator('article[data-overdue]');
      await expect.poll(() => marked.count()).toBe(overdueIds.length);
      const first = marked.first();
      expect(await first.getByText('Overdue', { exact: true }).isVisible()).toBe(true);
      expect(await first.textContent()).toContain('Follow-up was due');
      expect(
        await page.evaluate(
          'getComputedStyle(document.querySelector("article[data-overdue]")).borderLeftWidth',
        ),
      ).toBe('4px');
      await page.getByRole('switch', { name: 'Overdue only' }).click();
      await page.waitForURL(/overdue=1/);
      await expect.poll(() => page.getByRole('article').count()).toBe(overdueIds.length);
      await page.getByRole('switch', { name: 'Overdue only' }).click();
      await page.waitForURL((u) => !u.searchParams.has('overdue'));
      await expect.poll(() => page.getByRole('article').count()).toBeGreaterThan(overdueIds.length);

      // No serious or critical accessibility violation, with a menu open too.
      expect(await axeViolations(page)).toEqual([]);

      // Screenshots, desktop and phone.
      await page.evaluate('window.scrollTo(0, 0)');
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(DOCS, 'referrals-board.png'), animations: 'disabled' });
      await page.setViewportSize(PHONE);
      await page.waitForTimeout(400);
      // From the first column, as a phone opens the page (a resize may snap to another one).
      await page.evaluate(`window.scrollTo(0, 0); ${document_('.referral-board')}.scrollLeft = 0`);
      await page.waitForTimeout(200);
      await page.screenshot({ path: join(DOCS, 'referrals-board-phone.png'), animations: 'disabled' });
      // On a phone the columns scroll sideways inside the board; the page is no wider than the screen.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
      const board = document_('.referral-board');
      expect(await page.evaluate(`${board}.scrollWidth > ${board}.clientWidth`)).toBe(true);
      // The menu still moves cards on a phone: Contacted → New.
      await card(page, toDrag.name)
        .getByRole('button', { name: /^Move to…/ })
        .click();
      await menu(page, toDrag.name).getByRole('menuitem', { name: 'New' }).click();
      await expect.poll(async () => (await referral(page, toDrag.id)).status).toBe('new');
      // The keyboard focus follows the card to its new column.
      await column(page, 'New').getByRole('article', { name: toDrag.name }).waitFor();
      await expect
        .poll(() => page.evaluate('document.activeElement?.getAttribute("aria-label")'))
        .toBe(`Move to… (${toDrag.name})`);
      expect(await axeViolations(page)).toEqual([]);

      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  }, 120_000);
});
