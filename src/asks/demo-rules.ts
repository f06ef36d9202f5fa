import type { Actor } from '../auth/auth.service.ts';
import type { Db } from '../db/connect.ts';
import { createRule } from './rules.service.ts';

/**
 * The demo's ask rules on its customer program: the seeds' "after several visits" as a staff ask
 * with the program's leading question; "always, always ask for feedback" as the feedback survey
 * a few days after a purchase; and "when they praise you" as the ask email the day after a 9 or
 * 10 (so the survey leads to the ask rather than both landing in one inbox the same week).
 */
export async function seedAskRules(db: Db, owner: Actor): Promise<void> {
  const program = await db
    .selectFrom('programs')
    .select('id')
    .where('workspace_id', '=', owner.workspaceId)
    .where('audience', '=', 'customers')
    .where('status', '=', 'active')
    .orderBy('created_at')
    .executeTakeFirst();
  if (!program) return;
  await createRule(db, owner, {
    name: '3rd visit: ask at the desk',
    programId: program.id,
    active: true,
    trigger: { type: 'nth_visit', n: 3 },
    conditions: { minSpend: null, tagsAny: [], tagsNone: [], kinds: ['customer'] },
    channel: 'task',
    timing: { quietFrom: '20:00', quietTo: '08:00', businessDaysOnly: false, maxPerDay: null },
  });
  await createRule(db, owner, {
    name: '3 days after a purchase: the feedback survey',
    programId: program.id,
    active: true,
    trigger: { type: 'days_after', days: 3, of: 'purchase' },
    conditions: { minSpend: null, tagsAny: [], tagsNone: [], kinds: ['customer'] },
    channel: 'survey',
    timing: { quietFrom: '20:00', quietTo: '08:00', businessDaysOnly: true, maxPerDay: null },
  });
  await createRule(db, owner, {
    name: 'After a 9 or 10: the ask email',
    programId: program.id,
    active: true,
    trigger: { type: 'survey_score', min: 9 },
    conditions: { minSpend: null, tagsAny: [], tagsNone: [], kinds: ['customer'] },
    channel: 'email',
    timing: { quietFrom: '20:00', quietTo: '08:00', businessDaysOnly: true, maxPerDay: null },
  });
}
