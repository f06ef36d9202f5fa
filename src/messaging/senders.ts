import type { Db } from '../db/connect.ts';
import { formatMoney } from '../public/format.ts';
import type { ReferralsTable } from '../referrals/referrals.table.ts';
import type { RewardsTable } from '../rewards/rewards.table.ts';
import { queueMessage } from './outbox.ts';

type Reward = Pick<
  RewardsTable,
  'workspace_id' | 'id' | 'person_id' | 'kind' | 'unit' | 'amount' | 'description'
>;

function rewardText(r: Pick<Reward, 'kind' | 'unit' | 'amount' | 'description'>, country: string): string {
  if (r.kind === 'service' || r.kind === 'gift') return r.description;
  const money = formatMoney(Number(r.amount), r.unit, country);
  return `${money} ${r.kind === 'cash' ? 'cash' : 'credit'}${r.description ? ` (${r.description})` : ''}`;
}

/** "Your reward is ready": queued in the transaction that makes a person's reward available. */
export async function queueRewardAvailable(tx: Db, reward: Reward): Promise<void> {
  if (!reward.person_id) return;
  await queueMessage(tx, {
    workspaceId: reward.workspace_id,
    kind: 'reward_available',
    personId: reward.person_id,
    vars: (ws) => ({ reward: rewardText(reward, ws.country), link: '' }),
    dedupeKey: `reward_available:${reward.id}`,
  });
}

/** The thank-you note to a referrer whose friend was won (when the program thanks by email). */
export async function queueThankYou(
  tx: Db,
  workspaceId: string,
  ref: Pick<ReferralsTable, 'id' | 'referrer_id' | 'friend_id'>,
): Promise<void> {
  // The friend's name and the referrer's reward for this referral, in one query.
  const row = await tx
    .selectFrom('people as f')
    .innerJoin('workspaces as w', 'w.id', 'f.workspace_id')
    .leftJoin('rewards as r', (j) =>
      j
        .onRef('r.workspace_id', '=', 'f.workspace_id')
        .on('r.referral_id', '=', ref.id)
        .on('r.person_id', '=', ref.referrer_id)
        .on('r.status', '!=', 'voided'),
    )
    .select(['f.first_name', 'w.country', 'r.id', 'r.kind', 'r.unit', 'r.amount', 'r.description'])
    .where('f.workspace_id', '=', workspaceId)
    .where('f.id', '=', ref.friend_id)
    .executeTakeFirst();
  const reward =
    row?.id && row.kind && row.unit && row.amount !== null
      ? rewardText(
          { kind: row.kind, unit: row.unit, amount: row.amount, description: row.description ?? '' },
          row.country,
        )
      : null;
  await queueMessage(tx, {
    workspaceId,
    kind: 'thank_you',
    personId: ref.referrer_id,
    vars: {
      friendName: row?.first_name || 'Your friend',
      reward: reward ? `As a thank-you, you have earned ${reward}.` : '',
    },
    dedupeKey: `thank_you:${ref.id}`,
  });
}
