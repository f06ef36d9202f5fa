/**
 * Feedback in a browser, in the demo clinic: a client answers the survey from their email with a
 * 10 and lets the clinic quote them, and sees the share page with their link and the review
 * sites; the owner approves the quote and attaches it to the program, and it shows on the
 * program's landing page. The outbox and the templates screens open, a template edit previews
 * and an unknown variable is refused at its field; a person's profile lists their messages and
 * survey answers and sends a survey. axe finds nothing serious on any of these screens.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { transaction } from '../src/db/connect.ts';
import { getOrCreateLink } from '../src/referrals/links.service.ts';
import { sendSurvey } from '../src/surveys/surveys.service.ts';
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

const SCREEN = { width: DESKTOP.width, height: 800 };
const QUOTE = 'Two visits and my shoulder moves again. Kind people who listen.';

let server: DemoServer;
let browser: Browser;
let client: { id: string; first: string; name: string };
let surveyUrl: string;
let program: { id: string; name: string };
let landingCode: string;

withDemo((s, b) => {
  server = s;
  browser = b;
});

beforeAll(async () => {
  const ws = server.workspaceId;
  const people = await server.db
    .selectFrom('people')
    .select(['id', 'first_name', 'last_name', 'email'])
    .where('workspace_id', '=', ws)
    .where('kind', '=', 'customer')
    .where('email', 'is not', null)
    .orderBy('created_at')
    .execute();
  const unique = people.filter((p) => uniquelyNamed(people, p));
  const c = unique[0]!;
  client = { id: c.id, first: c.first_name, name: fullName(c) };
  const sent = await transaction(server.db, (tx) => sendSurvey(tx, ws, c.id, { publicUrl: server.base }));
  surveyUrl = sent!.url;
  const p = await server.db
    .selectFrom('programs')
    .select(['id', 'name'])
    .where('workspace_id', '=', ws)
    .where('audience', '=', 'customers')
    .where('status', '=', 'active')
    .orderBy('created_at')
    .executeTakeFirstOrThrow();
  program = p;
  // Another client's link to the program: the landing page a friend of theirs would see.
  landingCode = (await getOrCreateLink(server.db, ws, p.id, unique[1]!.id)).link.code;
});

const noToasts = (page: Page) =>
  page.addStyleTag({ content: '.mantine-Notifications-root { display: none !important; }' });

async function shoot(page: Page, name: string, phone = false) {
  await noToasts(page);
  const shots: Array<[{ width: number; height: number }, string]> = [[SCREEN, `${name}.png`]];
  if (phone) shots.push([PHONE, `${name}-phone.png`]);
  for (const [viewport, file] of shots) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(400);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(DOCS, file), animations: 'disabled' });
  }
  await page.setViewportSize(SCREEN);
}

describe('feedback in a browser', () => {
  it('a 10 with a permitted quote → the share page → approved and attached → on the landing page', async () => {
    const { page, problems, done } = await newPage(browser, server.base, SCREEN);
    try {
      // The client opens the survey from the email.
      await page.goto(surveyUrl);
      await page.getByRole('heading', { name: `${client.first}, how did we do?`, level: 1 }).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await shoot(page, 'survey', true);
      // Sending without a score names the field.
      await page.getByRole('button', { name: 'Send my answers' }).click();
      await page.getByText('Score: please choose how likely you are to recommend us').first().waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole('radio', { name: '10, extremely likely' }).check();
      await page.getByRole('textbox', { name: 'What would make us better?' }).fill('Saturday mornings');
      await page.getByRole('textbox', { name: 'Anything else you would like to tell us?' }).fill(QUOTE);
      await page.getByRole('checkbox', { name: 'You may quote my feedback in your marketing' }).check();
      const name = page.getByRole('textbox', { name: 'Name to show with your words' });
      await name.fill(`${await name.inputValue()}, Maple Street`);
      const displayName = await name.inputValue();
      await page.getByRole('button', { name: 'Send my answers' }).click();

      // Promoters see their link, the friends form and the review sites.
      await page.getByRole('heading', { name: `Thank you, ${client.first}!`, level: 1 }).waitFor();
      await page.getByRole('heading', { name: /Know someone who would like/ }).waitFor();
      const share = await page.getByRole('link', { name: /\/r\/[A-Z0-9]+$/ }).getAttribute('href');
      expect(share).toMatch(new RegExp(`^${server.base}/r/[A-Z0-9]+$`));
      await page.getByRole('link', { name: 'Name a few friends who would like us' }).waitFor();
      await page.getByRole('link', { name: 'Review us on Google' }).waitFor();
      await page.getByRole('img', { name: 'QR code of your link' }).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'survey-share.png'), fullPage: true });
      // Answered once: the link shows the thanks again, not the form.
      await page.goto(surveyUrl);
      await page.getByRole('heading', { name: `Thank you, ${client.first}!` }).waitFor();
      expect(await page.getByRole('radio').count()).toBe(0);

      // The owner approves the quote and shows it on the program's landing page.
      await page.goto('/app/feedback');
      await signIn(page, server.owner.email, server.owner.password);
      await page.getByRole('heading', { name: 'Feedback', level: 1 }).waitFor();
      await page.getByRole('table', { name: 'Survey answers' }).getByText(QUOTE).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole('tab', { name: /Complaints/ }).click();
      await page
        .getByRole('button', { name: /Resolve the complaint of/ })
        .first()
        .waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole('tab', { name: /Testimonials/ }).click();
      const card = page.locator('.mantine-Paper-root').filter({ hasText: QUOTE });
      await card.getByText('Waiting for you').waitFor();
      await card.getByRole('button', { name: 'Approve' }).click();
      await card.getByText('Approved', { exact: true }).waitFor();
      const where = card.getByLabel('Show on the landing page of');
      await where.click();
      await page.getByRole('option', { name: program.name }).click();
      await page.keyboard.press('Escape');
      await expect
        .poll(
          async () =>
            (
              await server.db
                .selectFrom('testimonial_programs')
                .select('program_id')
                .where('workspace_id', '=', server.workspaceId)
                .execute()
            ).filter((r) => r.program_id === program.id).length,
        )
        .toBe(2);
      expect(await axeViolations(page)).toEqual([]);
      await shoot(page, 'feedback');

      // The friend's landing page quotes the client, under the name they chose.
      await page.goto(`/p/${landingCode}`);
      const said = page.getByRole('region', { name: 'What our clients say' });
      await said.getByText(`“${QUOTE}”`).waitFor();
      await said.getByText(displayName, { exact: true }).waitFor();
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  });

  it('the outbox, the templates with a live preview, and a person’s messages and surveys', async () => {
    const { page, problems, done } = await newPage(browser, server.base, SCREEN);
    try {
      await page.goto('/app/outbox');
      await signIn(page, server.owner.email, server.owner.password);
      await page.getByRole('heading', { name: 'Outbox', level: 1 }).waitFor();
      const table = page.getByRole('table', { name: 'Messages' });
      await table.getByRole('row').nth(1).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await shoot(page, 'outbox', true);
      // Filter by status, then open a message: its HTML in a sandboxed frame and its text.
      await page.getByRole('radiogroup', { name: 'Status' }).getByText('Queued', { exact: true }).click();
      await expect.poll(() => page.url()).toContain('status=queued');
      await page
        .getByRole('table', { name: 'Messages' })
        .getByRole('row')
        .nth(1)
        .getByRole('button')
        .first()
        .click();
      const frame = page.locator('iframe[title^="Email:"]');
      await frame.waitFor();
      expect(await frame.getAttribute('sandbox')).toBe('');
      await page.getByRole('tab', { name: 'Plain text' }).click();
      await page.getByText('Unsubscribe', { exact: false }).first().waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await page.getByRole('button', { name: 'Close message' }).click();
      await page.getByRole('tab', { name: /Failed jobs/ }).click();
      await page
        .getByText(/No failed jobs|gave up after their retries/)
        .first()
        .waitFor();
      expect(await axeViolations(page)).toEqual([]);

      // Templates: edit the survey invitation and watch the preview follow.
      await page.goto('/app/templates?kind=survey_invite');
      await page.getByRole('heading', { name: 'Email templates', level: 1 }).waitFor();
      const subject = page.getByRole('textbox', { name: 'Subject' });
      await expect.poll(() => subject.inputValue()).toBe('How did we do, {{firstName}}?');
      await subject.fill('A minute for us, {{firstName}}?');
      await page.getByTestId('preview-subject').getByText('A minute for us, Sam?').waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await shoot(page, 'templates');
      const body = page.getByRole('textbox', { name: 'Body' });
      await body.fill(`${await body.inputValue()}\n\n{{nope}}`);
      await page.getByText(/unknown variable \{\{nope\}\}/).waitFor();
      expect(await body.getAttribute('aria-invalid')).toBe('true');
      await body.fill('Hi {{firstName}}, [tell us]({{link}})');
      await page.getByRole('button', { name: 'Save' }).click();
      // (Toasts are hidden since the screenshot; the badge says it.)
      await page.getByText('Your version', { exact: true }).first().waitFor();

      // The client's profile: their messages and their answer; send another survey.
      await page.goto(`/app/people/${client.id}`);
      await page.getByRole('heading', { name: client.name, level: 1 }).waitFor();
      const feedback = page.getByRole('region', { name: 'Feedback' });
      await feedback.getByText(QUOTE).waitFor();
      const messages = page.getByRole('region', { name: 'Messages' });
      await messages.getByText('How did we do').first().waitFor();
      await feedback.getByRole('button', { name: 'Send a survey' }).click();
      await messages.getByText(`A minute for us, ${client.first}?`).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await done();
    }
  });
});
