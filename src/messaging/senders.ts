import type { Db } from '../db/connect.ts';
import { formatMoney } from '../public/format.ts';
import type { ReferralsTable } from '../referrals/referrals.table.ts';
import type { RewardsTable } from '../rewards/rewards.table.ts';
import { queueMessage } from './outbox.ts';

type Reward = Pick<
  RewardsTable,
  'workspace_id' | 'id' | 'person_id' | 'kind' | 'unit' | 'amount' | 'description'
>;

async function rewardText(db: Db, r: Reward): Promise<string> {
  if (r.kind === 'service' || r.kind === 'gift') return r.description;
  const ws = await db
    .selectFrom('workspaces')
    .select('country')
    .where('id', '=', r.workspace_id)
    .executeTakeFirst();
  const money = formatMoney(Number(r.amount), r.unit, ws?.country ?? 'US');
  return `${money} ${r.kind === 'cash' ? 'cash' : 'credit'}${r.description ? ` (${r.description})` : ''}`;
}

/** "Your reward is ready": queued in the transaction that makes a person's reward available. */
export async function queueRewardAvailable(tx: Db, reward: Reward): Promise<void> {
  if (!reward.person_id) return;
  await queueMessage(tx, {
    workspaceId: reward.workspace_id,
    kind: 'reward_available',
    personId: reward.person_id,
    vars: { reward: await rewardText(tx, reward), link: '' },
    dedupeKey: `reward_available:${reward.id}`,
  });
}

/** The thank-you note to a referrer whose friend was won (the thank-you task stays as well). */
export async function queueThankYou(
  tx: Db,
  workspaceId: string,
  ref: Pick<ReferralsTable, 'id' | 'referrer_id' | 'friend_id'>,
): Promise<void> {
  const friend = await tx
    .selectFrom('people')
    .select('first_name')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', ref.friend_id)
    .executeTakeFirst();
  const earned = await tx
    .selectFrom('rewards')
    .select(['workspace_id', 'id', 'person_id', 'kind', 'unit', 'amount', 'description'])
    .where('workspace_id', '=', workspaceId)
    .where('referral_id', '=', ref.id)
    .where('person_id', '=', ref.referrer_id)
    .where('status', '!=', 'voided')
    .executeTakeFirst();
  await queueMessage(tx, {
    workspaceId,
    kind: 'thank_you',
    personId: ref.referrer_id,
    vars: {
      friendName: friend?.first_name || 'Your friend',
      reward: earned ? `As a thank-you, you have earned ${await rewardText(tx, earned)}.` : '',
    },
    dedupeKey: `thank_you:${ref.id}`,
  });
}
