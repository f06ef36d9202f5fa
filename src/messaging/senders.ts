import type { Db } from '../db/connect.ts';
import type { Reward as Incentive } from '../programs/programs.schema.ts';
import { getTerms } from '../programs/programs.service.ts';
import { formatMoney, incentiveText } from '../public/format.ts';
import { getOrCreateLink, linkUrls } from '../referrals/links.service.ts';
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

/** What the friend is offered, in a few words ("$20.00 credit"), or nothing. */
const offerText = (incentive: Incentive | null, ws: { country: string; currency: string }) =>
  incentiveText(incentive, ws.currency, ws.country)?.headline ?? '';

/** The referrer as the friend knows them: their first name, or their organisation. */
async function referrerName(tx: Db, workspaceId: string, referrerId: string): Promise<string> {
  const r = await tx
    .selectFrom('people')
    .select(['first_name', 'organisation'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', referrerId)
    .executeTakeFirst();
  return r?.first_name || r?.organisation || 'A friend';
}

/**
 * The friend's coupon, emailed when they claim the offer (they asked for it, so it is not
 * marketing), in the transaction that issues it.
 */
export async function queueFriendCoupon(
  tx: Db,
  workspaceId: string,
  coupon: { id: string; code: string; friend_id: string; incentive: string | null },
  referrerId: string,
  publicUrl: string,
): Promise<void> {
  const incentive = coupon.incentive ? (JSON.parse(coupon.incentive) as Incentive) : null;
  const name = await referrerName(tx, workspaceId, referrerId);
  await queueMessage(tx, {
    workspaceId,
    kind: 'friend_coupon',
    personId: coupon.friend_id,
    vars: (ws) => ({
      referrerName: name,
      offer: offerText(incentive, ws),
      couponCode: coupon.code,
      link: `${publicUrl.replace(/\/+$/, '')}/c/${coupon.code}`,
    }),
    dedupeKey: `friend_coupon:${coupon.id}`,
  });
}

/**
 * "Your friend suggested we get in touch": to a friend a referrer named, once the friend has agreed
 * to hear from the business (never before), with the referrer's offer page.
 */
export async function queueFriendIntro(
  tx: Db,
  workspaceId: string,
  ref: Pick<ReferralsTable, 'id' | 'channel' | 'program_id' | 'terms_id' | 'referrer_id' | 'friend_id'>,
  publicUrl: string,
): Promise<void> {
  if (ref.channel !== 'named_by_referrer') return;
  const [terms, name, { link }] = await Promise.all([
    getTerms(tx, workspaceId, ref.terms_id),
    referrerName(tx, workspaceId, ref.referrer_id),
    getOrCreateLink(tx, workspaceId, ref.program_id, ref.referrer_id),
  ]);
  await queueMessage(tx, {
    workspaceId,
    kind: 'friend_intro',
    personId: ref.friend_id,
    vars: (ws) => ({
      referrerName: name,
      offer: offerText(terms.friendIncentive, ws),
      link: linkUrls(publicUrl, link).shareUrl,
    }),
    dedupeKey: `friend_intro:${ref.id}`,
  });
}
