import type { Actor } from '../auth/auth.service.ts';
import type { Db } from '../db/connect.ts';
import { createRule } from './rules.service.ts';

/**
 * The demo's ask rules on its customer program: the seeds' "after several visits" as a staff ask
 * with the program's leading question, and "within a few days of the transaction" as the ask email.
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
    timing: { quietFrom: '20:00', quietTo: '08:00', businessDaysOnly: false },
  });
  await createRule(db, owner, {
    name: '3 days after a purchase: the ask email',
    programId: program.id,
    active: true,
    trigger: { type: 'days_after', days: 3, of: 'purchase' },
    conditions: { minSpend: null, tagsAny: [], tagsNone: [], kinds: ['customer'] },
    channel: 'email',
    timing: { quietFrom: '20:00', quietTo: '08:00', businessDaysOnly: true },
  });
}
