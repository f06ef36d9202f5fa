/**
 * Rewards in a browser, in the demo clinic: the owner switches approval on, redeems part of a
 * referrer's released credit at the counter and sees the balance and the ledger change, logs a
 * friend's first sale at the front desk (which wins their referral), approves the new reward in
 * the queue, reads the liability by program, and marks a thank-you done with a gift.
 */
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { releaseDue } from '../src/rewards/rewards.service.ts';
import {
  DESK,
  DESKTOP,
  type DemoServer,
  DOCS,
  deskUser,
  fullName,
  newPage,
  PHONE,
  signIn,
  uniquelyNamed,
  withDemo,
} from './harness.ts';

const SCREEN = { width: DESKTOP.width, height: 800 };

let server: DemoServer;
let browser: Browser;
/** A referrer whose $25 credit was released (its hold moved past). */
let referrer: { id: string; name: string };
/** A referred friend whose referral is still open, and the person who referred them. */
let friend: { id: string; name: string; referralId: string; referrerName: string };

withDemo((s, b) => {
  server = s;
  browser = b;
});

beforeAll(async () => {
  // The demo's won referrals hold $25 credits for 14 days: let the clock run past the hold.
  const released = await releaseDue(server.db, new Date(Date.now() + 15 * 86_400_000).toISOString());
  expect(released).toBeGreaterThan(0);
  const people = await server.db
    .selectFrom('people')
    .select(['id', 'first_name', 'last_name'])
    .where('workspace_id', '=', server.workspaceId)
    .execute();
  const unique = (p: { first_name: string; last_name: string }) => uniquelyNamed(people, p);
  const byId = new Map(people.map((p) => [p.id, p]));
  const credits = await server.db
    .selectFrom('rewards')
    .select(['person_id'])
    .where('workspace_id', '=', server.workspaceId)
    .where('rule', '=', 'referrer')
    .where('kind', '=', 'credit')
    .where('status', '=', 'available')
    .orderBy('created_at')
    .execute();
  const r = credits.map((c) => byId.get(c.person_id!)!).find(unique)!;
  referrer = { id: r.id, name: fullName(r) };
  const open = await server.db
    .selectFrom('referrals')
    .select(['id', 'friend_id', 'referrer_id'])
    .where('workspace_id', '=', server.workspaceId)
    .where('status', 'in', ['contacted', 'appointment'])
    .orderBy('created_at')
    .execute();
  const o = open.find((x) => unique(byId.get(x.friend_id)!) && x.referrer_id !== referrer.id)!;
  const f = byId.get(o.friend_id)!;
  friend = {
    id: f.id,
    name: fullName(f),
    referralId: o.id,
    referrerName: fullName(byId.get(o.referrer_id)!),
  };
});

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

describe('rewards in a browser', () => {
  it('approval on → redeem part of a credit → a sale wins a referral → approve → liability → thank-you done', async () => {
    const { page, problems, done } = await newPage(browser, server.base, SCREEN);
    try {
      // The owner turns on approval where the workspace settings live.
      await page.goto('/app/settings/workspace');
      await signIn(page, server.owner.email, server.owner.password);
      await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
      const approval = page.getByRole('switch', { name: 'Rewards need approval' });
      expect(await approval.isChecked()).toBe(false);
      await approval.check();
      await page.getByRole('button', { name: 'Save workspace' }).click();
      await page.getByText('Workspace saved').waitFor();
      const ws = await server.db
        .selectFrom('workspaces')
        .select('approve_rewards')
        .where('id', '=', server.workspaceId)
        .executeTakeFirstOrThrow();
      expect(ws.approve_rewards).toBe(1);

      // At the counter: the referrer has $25.00 of credit and uses $10.00 of it.
      await page.goto(`/app/people/${referrer.id}`);
      await page.getByRole('heading', { name: referrer.name, level: 1 }).waitFor();
      const panel = page.getByRole('region', { name: 'Rewards', exact: true });
      const credit = panel.getByRole('article', { name: 'Credit balance' });
      await credit.getByText('$25.00').first().waitFor();
      const counter = panel.getByRole('form', { name: 'Redeem at the counter' });
      const amount = counter.getByRole('textbox', { name: 'Amount of credit' });
      // The amount starts at everything available.
      expect(await amount.inputValue()).toMatch(/^\$25(\.00)?$/);
      await amount.fill('10');
      await counter.getByRole('textbox', { name: 'Note' }).fill('half a massage');
      await counter.getByRole('button', { name: 'Redeem' }).click();
      await page.getByText('$10.00 redeemed; $15.00 left').waitFor();
      await credit.getByText('$15.00').waitFor();
      expect(await credit.textContent()).toContain('Redeemed$10.00');
      // The ledger shows the redemption with its lines, who and when.
      const history = panel.getByRole('list', { name: 'Ledger history' });
      const redeemed = history.getByRole('listitem').filter({ hasText: 'half a massage' });
      await redeemed.waitFor();
      expect(await redeemed.textContent()).toContain('−$10.00 Available');
      expect(await redeemed.textContent()).toContain('+$10.00 Redeemed');
      expect(await redeemed.textContent()).toContain('Dr. Sarah Whitman');
      // Asking for more than is left is refused in the form.
      await amount.fill('20');
      await counter.getByText('Only $15.00 is available').waitFor();
      expect(await counter.getByRole('button', { name: 'Redeem' }).isDisabled()).toBe(true);
      await amount.fill('15');
      await shoot(page, 'person-rewards', panel);

      // The referred friend's first sale, logged at the front desk, wins their referral.
      await page.goto(`/app/people/${friend.id}`);
      await page.getByRole('heading', { name: friend.name, level: 1 }).waitFor();
      const log = page.getByRole('form', { name: 'Log a visit or sale' });
      await log.getByRole('radiogroup', { name: 'Log a' }).getByText('Sale', { exact: true }).click();
      await log.getByRole('textbox', { name: 'Sale amount' }).fill('120');
      await log.getByRole('button', { name: 'Log sale' }).click();
      await page.getByText(/Sale of \$120\.00 logged\. It won their referral/).waitFor();
      const events = page.getByRole('table', { name: 'Visits and purchases' });
      await events.getByRole('row', { name: /Purchase.*won a referral.*\$120\.00/ }).waitFor();
      const referral = await server.db
        .selectFrom('referrals')
        .select('status')
        .where('id', '=', friend.referralId)
        .executeTakeFirstOrThrow();
      expect(referral.status).toBe('won');
      const event = await server.db
        .selectFrom('business_events')
        .select(['source', 'external_id'])
        .where('workspace_id', '=', server.workspaceId)
        .where('person_id', '=', friend.id)
        .where('source', '=', 'front-desk')
        .executeTakeFirstOrThrow();
      expect(event.external_id).toMatch(/^[0-9a-f-]{36}$/);

      // The new rewards wait for approval; the owner approves the referrer's credit.
      await page.getByRole('navigation').getByRole('link', { name: 'Rewards' }).click();
      await page.getByRole('heading', { name: 'Rewards', level: 1 }).waitFor();
      await page.getByRole('tab', { name: /Approval/ }).click();
      const queue = page.getByRole('table', { name: 'Awaiting approval' });
      const waiting = queue.getByRole('row', { name: new RegExp(friend.referrerName) });
      await waiting.getByText('Needs approval').filter({ visible: true }).waitFor();
      await waiting.getByRole('button', { name: `Approve $25.00 credit for ${friend.referrerName}` }).click();
      await page.getByText(`Approved for ${friend.referrerName}, on hold until`).waitFor();
      await waiting.waitFor({ state: 'detached' });
      const approved = await server.db
        .selectFrom('rewards')
        .select(['approved_at', 'status'])
        .where('referral_id', '=', friend.referralId)
        .where('rule', '=', 'referrer')
        .executeTakeFirstOrThrow();
      expect(approved.approved_at).toBeTruthy();
      expect(approved.status).toBe('pending');

      // Every reward, filtered by status.
      await page.getByRole('tab', { name: 'Rewards', exact: true }).click();
      const list = page.getByRole('table', { name: 'Rewards' });
      await list.getByRole('row', { name: new RegExp(referrer.name) }).waitFor();
      await page.getByRole('radiogroup', { name: 'Status' }).getByText('Available', { exact: true }).click();
      await page.waitForURL(/status=available/);
      await list.getByRole('row', { name: new RegExp(`${referrer.name}.*\\$15\\.00 available`) }).waitFor();
      await shoot(page, 'rewards');

      // The liability by program, with totals.
      await page.getByRole('tab', { name: 'Liability' }).click();
      const liability = page.getByRole('table', { name: 'Liability by program' });
      const usd = liability.getByRole('row', { name: /Share the relief.*USD/ });
      await usd.waitFor();
      const totals = await liability.getByRole('row', { name: /Total, USD/ }).textContent();
      expect(totals).toContain('$10.00'); // redeemed
      expect(await usd.textContent()).toContain('$25.00'); // the approved credit, on hold
      await shoot(page, 'rewards-liability');

      // A thank-you: the first open one, done with a gift.
      await page.getByRole('tab', { name: /Thank-you/ }).click();
      const tasks = page.getByRole('table', { name: 'Thank-you tasks to do' });
      const first = tasks.getByRole('row').nth(1);
      const title = (await first.getByRole('button', { name: /^Done: / }).getAttribute('aria-label'))!.slice(
        6,
      );
      await first.getByRole('button', { name: /^Done: / }).click();
      const dialog = page.getByRole('dialog', { name: 'Thank-you done' });
      await dialog.getByRole('combobox', { name: 'How did you thank them?' }).click();
      await page.getByRole('option', { name: 'Gift', exact: true }).click();
      await dialog.getByRole('textbox', { name: 'What was the gift?' }).fill('a bottle of olive oil');
      await dialog.getByRole('textbox', { name: 'Gift value' }).fill('15');
      await dialog.getByRole('textbox', { name: 'Note' }).fill('dropped off at her office');
      await dialog.getByRole('button', { name: 'Mark done' }).click();
      await dialog.waitFor({ state: 'detached' });
      await tasks.getByRole('row', { name: new RegExp(title) }).waitFor({ state: 'detached' });
      await page
        .getByRole('radiogroup', { name: 'Thank-you tasks' })
        .getByText('Done', { exact: true })
        .click();
      const doneRow = page
        .getByRole('table', { name: 'Thank-you tasks done' })
        .getByRole('row', { name: new RegExp(title) });
      await doneRow.getByText('Gift').waitFor();
      const task = await server.db
        .selectFrom('tasks')
        .select(['done_at', 'outcome', 'note', 'referral_id'])
        .where('workspace_id', '=', server.workspaceId)
        .where('title', '=', title)
        .executeTakeFirstOrThrow();
      expect(task).toMatchObject({ outcome: 'gift', note: 'dropped off at her office' });
      const gift = await server.db
        .selectFrom('rewards')
        .select(['description', 'value', 'status'])
        .where('referral_id', '=', task.referral_id)
        .where('rule', '=', 'thank_you')
        .executeTakeFirstOrThrow();
      expect(gift).toEqual({ description: 'a bottle of olive oil', value: 1500, status: 'redeemed' });
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  }, 90_000);

  it('shows front-desk staff rewards and thank-yous, and lets them redeem, but no money actions or liability', async () => {
    await deskUser(server);
    const { page, problems, done } = await newPage(browser, server.base, SCREEN);
    try {
      await page.goto('/app/rewards?tab=liability');
      await signIn(page, DESK.email, DESK.password);
      await page.getByRole('heading', { name: 'Rewards', level: 1 }).waitFor();
      // Only their tabs; the liability address falls back to the list.
      expect(await page.getByRole('tab').allTextContents()).toEqual([
        'Rewards',
        expect.stringMatching(/^Thank-you/),
      ]);
      const list = page.getByRole('table', { name: 'Rewards' });
      await list.getByRole('row').nth(1).waitFor();
      expect(await list.getByRole('button').count()).toBe(0);
      // At the counter they can redeem; the rewards table has no void.
      await page.goto(`/app/people/${referrer.id}`);
      const panel = page.getByRole('region', { name: 'Rewards', exact: true });
      await panel.getByRole('form', { name: 'Redeem at the counter' }).waitFor();
      expect(await panel.getByRole('table', { name: 'Their rewards' }).getByRole('button').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  });
});
