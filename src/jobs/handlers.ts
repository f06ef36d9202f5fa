import {
  ASK_PASS,
  type RuleSurveyPayload,
  runAskPass,
  SCHEDULE_ASK_PASSES,
  SEND_ASK_EMAILS,
  SEND_RULE_SURVEY,
  scheduleAskPasses,
  sendAskEmails,
  sendRuleSurvey,
} from '../asks/engine.ts';
import { purgeIdempotencyKeys } from '../http/idempotency.ts';
import { nowIso } from '../lib/ids.ts';
import { deliverMessage } from '../messaging/delivery.ts';
import { DELIVER } from '../messaging/outbox.ts';
import { releaseDue } from '../rewards/rewards.service.ts';
import { purgeJobs } from './queue.ts';
import { defineJob } from './registry.ts';

/** Every kind of job, in one place. Features add theirs here. */
defineJob(DELIVER, deliverMessage);

defineJob('release-holds', async ({ db }) => {
  // In pages, until a page comes back short.
  while ((await releaseDue(db, nowIso(), 500)) === 500);
});

defineJob('purge-sessions', async ({ db }) => {
  await db.deleteFrom('sessions').where('expires_at', '<', nowIso()).execute();
});

defineJob('purge-idempotency-keys', async ({ db }) => {
  await purgeIdempotencyKeys(db);
});

defineJob('purge-jobs', async ({ db }) => {
  await purgeJobs(db);
});

// The ask engine: each workspace's nightly pass once its night has come, and the ask emails.
defineJob(SCHEDULE_ASK_PASSES, async ({ db }) => {
  await scheduleAskPasses(db);
});

defineJob(ASK_PASS, async ({ db, services }, payload) => {
  const { workspaceId } = payload as { workspaceId: string };
  const r = await runAskPass(db, workspaceId, undefined, { publicUrl: services.config.publicUrl });
  if (r.created) await sendAskEmails(db, workspaceId, services.config.publicUrl);
});

defineJob(SEND_ASK_EMAILS, async ({ db, services }, payload) => {
  await sendAskEmails(db, (payload as { workspaceId: string }).workspaceId, services.config.publicUrl);
});

// A survey rule's feedback survey, picked as an event was recorded.
defineJob(SEND_RULE_SURVEY, async ({ db, services }, payload) => {
  await sendRuleSurvey(db, payload as RuleSurveyPayload, services.config.publicUrl);
});

/**
 * The installation's recurring jobs. Every worker enqueues each one once per period under a key
 * naming the period, so however many workers run, each period's job runs once.
 */
export const recurring: Array<{ kind: string; everyMs: number }> = [
  { kind: 'release-holds', everyMs: 60_000 },
  { kind: 'purge-sessions', everyMs: 60 * 60_000 },
  { kind: 'purge-idempotency-keys', everyMs: 60 * 60_000 },
  { kind: 'purge-jobs', everyMs: 60 * 60_000 },
  { kind: SCHEDULE_ASK_PASSES, everyMs: 60 * 60_000 },
];
