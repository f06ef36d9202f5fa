import { countLedger } from '../analytics/rollup.ts';
import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import type { By } from '../referrals/referrals.service.ts';
import type { Account, PostingKind, RewardsTable } from './rewards.table.ts';

/**
 * The ledger: append-only double entry. Each reward has five accounts: the business's `expense`
 * (debit-normal) and the beneficiary's `held`, `available`, `redeemed` and `paid` (credit-normal).
 * A reward moves expense → held → available → redeemed | paid; voids and refunds move amounts
 * back with new postings, never by editing one. Every posting sums to zero per unit.
 */

export type Line = {
  reward: Pick<RewardsTable, 'id' | 'program_id' | 'unit'>;
  account: Account;
  amount: number;
};

export async function post(
  tx: Db,
  workspaceId: string,
  posting: { kind: PostingKind; memo: string; by: By; eventId?: string | null; at?: string },
  lines: Line[],
): Promise<string | null> {
  const live = lines.filter((l) => l.amount !== 0);
  if (!live.length) return null;
  const sums = new Map<string, number>();
  for (const l of live) {
    if (!Number.isSafeInteger(l.amount))
      throw new AppError('internal', `Ledger amount ${l.amount} is not a safe integer`);
    sums.set(l.reward.unit, (sums.get(l.reward.unit) ?? 0) + l.amount);
  }
  for (const [unit, sum] of sums)
    if (sum !== 0)
      throw new AppError('internal', `Unbalanced ${posting.kind} posting: ${unit} sums to ${sum}`);
  const at = posting.at ?? nowIso();
  const id = newId();
  await tx
    .insertInto('ledger_postings')
    .values({
      workspace_id: workspaceId,
      id,
      kind: posting.kind,
      memo: posting.memo,
      event_id: posting.eventId ?? null,
      actor_id: posting.by.userId,
      actor_label: posting.by.label,
      at,
    })
    .execute();
  const entries = live.map((l) => ({
    workspace_id: workspaceId,
    id: newId(),
    posting_id: id,
    reward_id: l.reward.id,
    program_id: l.reward.program_id,
    account: l.account,
    unit: l.reward.unit,
    amount: l.amount,
    at,
  }));
  await tx.insertInto('ledger_entries').values(entries).execute();
  await countLedger(tx, workspaceId, at, entries);
  return id;
}

/** Sums of entries per account, as signed in the ledger (credits negative). */
export type Sums = Record<Account, number>;
const zero = (): Sums => ({ expense: 0, held: 0, available: 0, redeemed: 0, paid: 0 });

/** The account sums of each reward: the only source of any amount. */
export async function rewardSums(
  db: Db,
  workspaceId: string,
  rewardIds: string[],
): Promise<Map<string, Sums>> {
  const out = new Map<string, Sums>(rewardIds.map((id) => [id, zero()]));
  if (!rewardIds.length) return out;
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['reward_id', 'account', (eb) => eb.fn.sum<number>('amount').as('sum')])
    .where('workspace_id', '=', workspaceId)
    .where('reward_id', 'in', rewardIds)
    .groupBy(['reward_id', 'account'])
    .execute();
  for (const r of rows) (out.get(r.reward_id) as Sums)[r.account] = Number(r.sum);
  return out;
}

/** What the beneficiary sees: positive amounts the business owes them, by state. */
export type Standing = {
  /** on hold until the hold ends (and approval, where required) */
  held: number;
  /** theirs to redeem or be paid; negative when they owe (a reversal after payment) */
  available: number;
  redeemed: number;
  paid: number;
  /** the reward's cost to the business so far */
  earned: number;
};

// `|| 0` turns the -0 of negating an empty sum into 0.
export const standing = (s: Sums): Standing => ({
  held: -s.held || 0,
  available: -s.available || 0,
  redeemed: -s.redeemed || 0,
  paid: -s.paid || 0,
  earned: s.expense,
});

/**
 * Takes `amount` off a reward's cost: first from what is on hold, then from what is available;
 * beyond that, the beneficiary owes it (their available balance goes below zero).
 */
export function reduceLines(reward: Line['reward'], sums: Sums, amount: number): Line[] {
  const fromHeld = Math.min(amount, -sums.held);
  const fromAvailable = amount - fromHeld;
  return [
    { reward, account: 'held', amount: fromHeld },
    { reward, account: 'available', amount: fromAvailable },
    { reward, account: 'expense', amount: -amount },
  ];
}
