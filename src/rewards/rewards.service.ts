import type { Selectable } from 'kysely';
import { type Db, transaction } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { queueRewardAvailable, queueThankYou } from '../messaging/senders.ts';
import type { ProgramTerms, Reward } from '../programs/programs.schema.ts';
import { getTerms } from '../programs/programs.service.ts';
import { addActivity, type By, personName } from '../referrals/referrals.service.ts';
import type { ReferralsTable } from '../referrals/referrals.table.ts';
import { post, reduceLines, rewardSums } from './ledger.ts';
import type { RewardKind, RewardRule, RewardsTable } from './rewards.table.ts';

export type RewardRow = Selectable<RewardsTable>;
type ReferralRow = Selectable<ReferralsTable>;
type WorkspaceMoney = {
  id: string;
  currency: string;
  country: string;
  time_zone: string;
  approve_rewards: number;
};

const DAY = 86_400_000;

/**
 * `percent` % of `amount` minor units, in integers. Rounds up (or half up, when the program
 * says so): a fraction of a cent never stays with the business.
 */
export function percentOf(amount: number, percent: number, rounding: ProgramTerms['rounding']): number {
  const n = amount * percent;
  const rest = n % 100;
  const whole = (n - rest) / 100;
  return whole + (rounding === 'up' ? (rest > 0 ? 1 : 0) : rest >= 50 ? 1 : 0);
}

/** What a program's reward comes to: kind, unit and amount; null for a percent with no purchase yet. */
export function rewardAmount(
  r: Reward,
  base: number | null,
  terms: Pick<ProgramTerms, 'rounding'>,
  currency: string,
): { kind: RewardKind; unit: string; amount: number; value: number; description: string } | null {
  switch (r.type) {
    case 'credit':
    case 'cash':
      return { kind: r.type, unit: currency, amount: r.amount, value: r.amount, description: r.description };
    case 'percent': {
      if (base === null) return null;
      const amount = Math.min(
        percentOf(base, r.percent, terms.rounding),
        r.maxAmount ?? Number.MAX_SAFE_INTEGER,
      );
      if (amount <= 0) return null;
      const kind = r.payAs ?? 'credit';
      return {
        kind,
        unit: currency,
        amount,
        value: amount,
        description: r.description || `${r.percent}% of the first purchase`,
      };
    }
    case 'service':
    case 'gift':
      return { kind: r.type, unit: 'unit', amount: 1, value: r.value, description: r.description };
  }
}

async function workspaceMoney(db: Db, workspaceId: string): Promise<WorkspaceMoney> {
  return db
    .selectFrom('workspaces')
    .select(['id', 'currency', 'country', 'time_zone', 'approve_rewards'])
    .where('id', '=', workspaceId)
    .executeTakeFirstOrThrow();
}

/**
 * The event that won a referral: when it happened, and for a purchase its net amount after
 * refunds (what percent rewards are computed on); null when no event won it.
 */
async function winningEvent(db: Db, workspaceId: string, eventId: string | null) {
  if (!eventId) return null;
  const row = await db
    .selectFrom('business_events as e')
    .select((eb) => [
      'e.type',
      'e.amount',
      'e.occurred_at',
      eb
        .selectFrom('business_events as r')
        .select((eb2) => eb2.fn.coalesce(eb2.fn.sum<number>('r.amount'), eb2.lit(0)).as('refunded'))
        .whereRef('r.workspace_id', '=', 'e.workspace_id')
        .whereRef('r.refund_of_id', '=', 'e.id')
        .as('refunded'),
    ])
    .where('e.workspace_id', '=', workspaceId)
    .where('e.id', '=', eventId)
    .executeTakeFirst();
  if (!row) return null;
  const net =
    row.type === 'purchase' && row.amount !== null ? Number(row.amount) - Number(row.refunded ?? 0) : null;
  return { net, occurredAt: row.occurred_at };
}

type Beneficiary = { rule: RewardRule; key: string; reward: Reward; personId?: string; userId?: string };

/** Who a won referral rewards under its terms, and with what; milestones included. */
async function beneficiaries(tx: Db, ref: ReferralRow, terms: ProgramTerms, ws: WorkspaceMoney, by: By) {
  const out: Beneficiary[] = [];
  if (terms.referrerReward) {
    const capped = terms.monthlyCap !== null && (await rewardsThisMonth(tx, ref, ws)) >= terms.monthlyCap;
    const issued =
      capped &&
      (await tx
        .selectFrom('rewards')
        .select('id')
        .where('workspace_id', '=', ws.id)
        .where('issue_key', '=', `referrer:${ref.id}`)
        .executeTakeFirst());
    if (capped && !issued) {
      await addActivity(tx, ws.id, ref.id, by, {
        kind: 'note',
        note: `No referrer reward: the program's cap of ${terms.monthlyCap} a month is reached`,
      });
    } else {
      out.push({
        rule: 'referrer',
        key: `referrer:${ref.id}`,
        reward: terms.referrerReward,
        personId: ref.referrer_id,
      });
    }
  }
  if (terms.friendIncentive) {
    // A coupon is the friend's incentive already given.
    const coupon = await tx
      .selectFrom('coupons')
      .select('id')
      .where('workspace_id', '=', ws.id)
      .where('referral_id', '=', ref.id)
      .executeTakeFirst();
    if (!coupon)
      out.push({
        rule: 'friend',
        key: `friend:${ref.id}`,
        reward: terms.friendIncentive,
        personId: ref.friend_id,
      });
  }
  const staff = ref.assigned_to ?? ref.created_by;
  if (terms.rewardStaff && staff) {
    const member = await tx
      .selectFrom('memberships')
      .select('user_id')
      .where('workspace_id', '=', ws.id)
      .where('user_id', '=', staff)
      .executeTakeFirst();
    if (member) out.push({ rule: 'staff', key: `staff:${ref.id}`, reward: terms.rewardStaff, userId: staff });
  }
  if (terms.milestones.length) {
    const { n } = await tx
      .selectFrom('referrals')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', ws.id)
      .where('program_id', '=', ref.program_id)
      .where('referrer_id', '=', ref.referrer_id)
      .where('status', '=', 'won')
      .executeTakeFirstOrThrow();
    for (const m of terms.milestones)
      if (Number(n) >= m.wonCount)
        out.push({
          rule: 'milestone',
          key: `milestone:${ref.program_id}:${m.wonCount}:${ref.referrer_id}`,
          reward: m.reward,
          personId: ref.referrer_id,
        });
  }
  return out;
}

/** Referrer rewards of this referrer and program issued in the current month (workspace time). */
async function rewardsThisMonth(tx: Db, ref: ReferralRow, ws: WorkspaceMoney): Promise<number> {
  const monthOf = new Intl.DateTimeFormat('en-CA', {
    timeZone: ws.time_zone,
    year: 'numeric',
    month: '2-digit',
  });
  const month = monthOf.format(new Date()).slice(0, 7);
  const rows = await tx
    .selectFrom('rewards')
    .select('created_at')
    .where('workspace_id', '=', ws.id)
    .where('program_id', '=', ref.program_id)
    .where('person_id', '=', ref.referrer_id)
    .where('rule', '=', 'referrer')
    .where('status', '!=', 'voided')
    .where('created_at', '>=', new Date(Date.now() - 32 * DAY).toISOString())
    .execute();
  return rows.filter((r) => monthOf.format(new Date(r.created_at)).slice(0, 7) === month).length;
}

/**
 * Creates the rewards a won referral earns, each exactly once (a unique issue key per rule,
 * referral and beneficiary), posts them to the ledger on hold, and releases at once those whose
 * hold is zero. Safe to call again: a percent reward waits for the qualifying purchase.
 */
export async function issueRewards(
  tx: Db,
  workspaceId: string,
  by: By,
  referralId: string,
): Promise<string[]> {
  const ws = await workspaceMoney(tx, workspaceId);
  const ref = await tx
    .selectFrom('referrals')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', referralId)
    .executeTakeFirstOrThrow();
  if (ref.status !== 'won') return [];
  const terms = await getTerms(tx, workspaceId, ref.terms_id);
  const won = await winningEvent(tx, workspaceId, ref.won_event_id);
  const base = won?.net ?? null;
  const from = won?.occurredAt ?? ref.won_at ?? nowIso();
  const holdUntil = new Date(new Date(from).getTime() + terms.holdDays * DAY).toISOString();
  const issued: string[] = [];
  for (const b of await beneficiaries(tx, ref, terms, ws, by)) {
    const amount = rewardAmount(b.reward, base, terms, ws.currency);
    if (!amount) continue;
    const now = nowIso();
    const row: RewardRow = {
      workspace_id: workspaceId,
      id: newId(),
      program_id: ref.program_id,
      terms_id: ref.terms_id,
      referral_id: ref.id,
      rule: b.rule,
      issue_key: b.key,
      person_id: b.personId ?? null,
      user_id: b.userId ?? null,
      ...amount,
      status: 'pending',
      hold_until: holdUntil,
      needs_approval: ws.approve_rewards,
      approved_at: null,
      approved_by: null,
      void_reason: null,
      created_at: now,
      updated_at: now,
    };
    const inserted = await tx
      .insertInto('rewards')
      .values(row)
      .onConflict((oc) => oc.columns(['workspace_id', 'issue_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) continue;
    await post(tx, workspaceId, { kind: 'issue', memo: `${b.rule} reward for referral`, by }, [
      { reward: row, account: 'expense', amount: row.amount },
      { reward: row, account: 'held', amount: -row.amount },
    ]);
    issued.push(row.id);
    if (row.hold_until <= now && !row.needs_approval) await release(tx, row, by);
  }
  return issued;
}

/** Moves a reward's held amount to available. */
export async function release(tx: Db, reward: RewardRow, by: By): Promise<void> {
  const sums = (await rewardSums(tx, reward.workspace_id, [reward.id])).get(reward.id);
  const held = -(sums?.held ?? 0);
  await post(tx, reward.workspace_id, { kind: 'release', memo: 'hold ended', by }, [
    { reward, account: 'held', amount: held },
    { reward, account: 'available', amount: -held },
  ]);
  await setStatus(tx, reward, 'available');
  await queueRewardAvailable(tx, reward);
}

async function setStatus(
  tx: Db,
  reward: RewardRow,
  status: RewardRow['status'],
  extra: Partial<RewardRow> = {},
) {
  await tx
    .updateTable('rewards')
    .set({ status, ...extra, updated_at: nowIso() })
    .where('workspace_id', '=', reward.workspace_id)
    .where('id', '=', reward.id)
    .execute();
  Object.assign(reward, { status, ...extra });
}

const system: By = { userId: null, label: 'Vouch' };

/**
 * Releases rewards whose hold has ended (and that are approved, where approval is on).
 * Run by the worker; `now` is the clock (tests move it).
 */
export async function releaseDue(db: Db, now = nowIso(), limit = 500): Promise<number> {
  const due = await db
    .selectFrom('rewards')
    .selectAll()
    .where('status', '=', 'pending')
    .where('hold_until', '<=', now)
    .where((eb) => eb.or([eb('needs_approval', '=', 0), eb('approved_at', 'is not', null)]))
    .orderBy('hold_until')
    .limit(limit)
    .execute();
  for (const r of due)
    await transaction(db, async (tx) => {
      const fresh = await lockReward(tx, r.workspace_id, r.id);
      if (fresh.status === 'pending') await release(tx, fresh, system);
    });
  return due.length;
}

export async function lockReward(tx: Db, workspaceId: string, id: string): Promise<RewardRow> {
  let q = tx.selectFrom('rewards').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id);
  if (tx.dialect === 'postgres') q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw new AppError('not_found', 'Reward not found');
  return row;
}

/**
 * Voids a reward: what is on hold or available goes back; what was already redeemed or paid
 * is reversed into a balance the beneficiary owes. History stays as it was.
 */
export async function voidReward(
  tx: Db,
  reward: RewardRow,
  by: By,
  reason: string,
  eventId: string | null = null,
): Promise<void> {
  if (reward.status === 'voided') return;
  const sums = (await rewardSums(tx, reward.workspace_id, [reward.id])).get(reward.id)!;
  const spent = -(sums.redeemed + sums.paid);
  await post(
    tx,
    reward.workspace_id,
    { kind: spent > 0 ? 'reverse' : 'void', memo: reason, by, eventId },
    reduceLines(reward, sums, sums.expense),
  );
  await setStatus(tx, reward, 'voided', { void_reason: reason });
}

/**
 * Lowers a reward to `amount` (a partial refund of the purchase a percent reward was computed
 * on): the difference comes off the hold, then off what is available, then is owed.
 */
async function lowerReward(tx: Db, reward: RewardRow, amount: number, by: By, memo: string, eventId: string) {
  const sums = (await rewardSums(tx, reward.workspace_id, [reward.id])).get(reward.id)!;
  const less = sums.expense - amount;
  if (less <= 0) return;
  await post(tx, reward.workspace_id, { kind: 'adjust', memo, by, eventId }, reduceLines(reward, sums, less));
}

/** Voids every reward of a referral (the referral was voided, its purchase refunded in full). */
export async function voidReferralRewards(
  tx: Db,
  workspaceId: string,
  by: By,
  referralId: string,
  reason: string,
  eventId: string | null = null,
): Promise<string[]> {
  const rows = await tx
    .selectFrom('rewards')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('referral_id', '=', referralId)
    .where('rule', 'in', ['referrer', 'friend', 'staff'])
    .where('status', '!=', 'voided')
    .execute();
  for (const { id } of rows) await voidReward(tx, await lockReward(tx, workspaceId, id), by, reason, eventId);
  return rows.map((r) => r.id);
}

/**
 * A refund of the purchase that won a referral: in full (or below the program's qualifying
 * amount) it voids the referral's rewards; in part it lowers rewards computed as a percent.
 */
export async function refundRewards(
  tx: Db,
  workspaceId: string,
  by: By,
  ref: ReferralRow,
  refund: { eventId: string; purchaseExternalId: string },
): Promise<string[]> {
  const terms = await getTerms(tx, workspaceId, ref.terms_id);
  const net = (await winningEvent(tx, workspaceId, ref.won_event_id))?.net ?? 0;
  const q = terms.qualifyingEvent;
  const stillQualifies = net > 0 && !(q.type === 'first_purchase_over' && net < q.amount);
  const note = `Purchase ${refund.purchaseExternalId} refunded`;
  if (!stillQualifies) {
    const voided = await voidReferralRewards(tx, workspaceId, by, ref.id, note, refund.eventId);
    await addActivity(tx, workspaceId, ref.id, by, {
      kind: 'note',
      note: voided.length ? `${note}: its rewards are voided` : note,
      data: { eventId: refund.eventId },
    });
    return voided;
  }
  const ws = await workspaceMoney(tx, workspaceId);
  const rows = await tx
    .selectFrom('rewards')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('referral_id', '=', ref.id)
    .where('status', '!=', 'voided')
    .execute();
  const promise: Partial<Record<RewardRule, Reward | null>> = {
    referrer: terms.referrerReward,
    friend: terms.friendIncentive,
    staff: terms.rewardStaff,
  };
  const lowered: string[] = [];
  for (const r of rows) {
    const rule = promise[r.rule];
    if (rule?.type !== 'percent') continue;
    const now = rewardAmount(rule, net, terms, ws.currency);
    const locked = await lockReward(tx, workspaceId, r.id);
    if (now) await lowerReward(tx, locked, now.amount, by, note, refund.eventId);
    else await voidReward(tx, locked, by, note, refund.eventId);
    lowered.push(r.id);
  }
  if (lowered.length)
    await addActivity(tx, workspaceId, ref.id, by, {
      kind: 'note',
      note: `${note} in part: percent rewards lowered to match`,
      data: { eventId: refund.eventId },
    });
  return lowered;
}

/**
 * The "thank the referrer" task a won referral creates (once): a handwritten note, and the
 * program's thank-you gift when it names one.
 */
export async function createThankTask(
  tx: Db,
  workspaceId: string,
  ref: ReferralRow,
  gift = '',
): Promise<void> {
  const people = await tx
    .selectFrom('people')
    .select(['id', 'first_name', 'last_name', 'organisation', 'email'])
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', [ref.referrer_id, ref.friend_id])
    .execute();
  const name = (id: string) => {
    const p = people.find((x) => x.id === id);
    return p ? personName(p) : 'someone';
  };
  const now = nowIso();
  await tx
    .insertInto('tasks')
    .values({
      workspace_id: workspaceId,
      id: newId(),
      kind: 'thank_referrer',
      person_id: ref.referrer_id,
      referral_id: ref.id,
      title: `Thank ${name(ref.referrer_id)} for referring ${name(ref.friend_id)}${gift ? ` (gift: ${gift})` : ''}`,
      due_at: new Date(Date.now() + 2 * DAY).toISOString(),
      assigned_to: ref.assigned_to,
      done_at: null,
      done_by: null,
      outcome: null,
      note: null,
      created_at: now,
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'kind', 'referral_id']).doNothing())
    .execute();
}

/**
 * Everything a won referral sets off: its rewards and the thank-you, as the program says: the
 * thank-you email, a task for staff (a handwritten note, the gift), or both.
 */
export async function onReferralWon(
  tx: Db,
  workspaceId: string,
  by: By,
  ref: ReferralRow,
): Promise<string[]> {
  const issued = await issueRewards(tx, workspaceId, by, ref.id);
  const program = await tx
    .selectFrom('programs')
    .select(['thank_you', 'thank_you_gift'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', ref.program_id)
    .executeTakeFirstOrThrow();
  if (program.thank_you !== 'email') await createThankTask(tx, workspaceId, ref, program.thank_you_gift);
  if (program.thank_you !== 'task') await queueThankYou(tx, workspaceId, ref);
  return issued;
}
