import type { Db } from '../db/connect.ts';
import { nowIso } from '../lib/ids.ts';
import { addActivity } from '../referrals/referrals.service.ts';

/**
 * What a friend or referrer tells us about a referral that already exists (createReferral answers
 * `created: false` and leaves it as it was): a friend who claims again with the consent tick is
 * opted in now; a referrer who names a friend again with "I have told them" has introduced them.
 * Each is recorded once, on the timeline, by who said it.
 */
export async function optInLater(db: Db, workspaceId: string, referralId: string, source: string) {
  const now = nowIso();
  const updated = await db
    .updateTable('referrals')
    .set({ friend_opt_in_at: now, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', referralId)
    .where('friend_opt_in_at', 'is', null)
    .returning('friend_id')
    .executeTakeFirst();
  if (!updated) return;
  await db
    .updateTable('people')
    .set({ marketing_consent_at: now, marketing_consent_source: source, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', updated.friend_id)
    .where('marketing_consent_at', 'is', null)
    .execute();
  await addActivity(
    db,
    workspaceId,
    referralId,
    { userId: null, label: 'the friend' },
    { kind: 'opted_in', note: source },
  );
}

export async function introducedLater(db: Db, workspaceId: string, referralId: string) {
  const now = nowIso();
  const updated = await db
    .updateTable('referrals')
    .set({ introduced_at: now, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', referralId)
    .where('introduced_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (!updated) return;
  await addActivity(
    db,
    workspaceId,
    referralId,
    { userId: null, label: 'the referrer' },
    { kind: 'introduced' },
  );
}
