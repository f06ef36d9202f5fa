import type { Selectable } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { ReferralsTable } from '../referrals/referrals.table.ts';

type Metric = 'referred' | 'contacted' | 'appointments' | 'won' | 'lost' | 'revenue';
type ReferralBucket = Pick<
  Selectable<ReferralsTable>,
  'workspace_id' | 'program_id' | 'channel' | 'source_kind' | 'assigned_to' | 'created_by'
>;

const day = (at: string) => new Date(at).toISOString().slice(0, 10);

/**
 * Adds `n` to a referral's daily rows (overall, and by its channel, source and staff member)
 * for the UTC day of `at`, in the caller's transaction, so the dashboard reads sums of days, not
 * the referrals.
 */
export async function countReferral(tx: Db, r: ReferralBucket, metric: Metric, n: number, at: string) {
  if (n === 0) return;
  const base = {
    workspace_id: r.workspace_id,
    day: day(at),
    program_id: r.program_id,
    referred: 0,
    contacted: 0,
    appointments: 0,
    won: 0,
    lost: 0,
    revenue: 0,
    [metric]: n,
  };
  await tx
    .insertInto('referral_daily')
    .values([
      { ...base, dim: 'all', key: '' },
      { ...base, dim: 'channel', key: r.channel },
      { ...base, dim: 'source', key: r.source_kind ?? 'customer' },
      { ...base, dim: 'staff', key: r.assigned_to ?? r.created_by ?? '' },
    ])
    .onConflict((oc) =>
      oc
        .columns(['workspace_id', 'dim', 'day', 'program_id', 'key'])
        .doUpdateSet((eb) => ({ [metric]: eb(`referral_daily.${metric}`, '+', n) })),
    )
    .execute();
}

/** Adds `n` (1 or -1) to a referrer's wins, for the referral's program and for all programs. */
export async function countWin(
  tx: Db,
  r: Pick<Selectable<ReferralsTable>, 'workspace_id' | 'program_id' | 'referrer_id'>,
  n: 1 | -1,
) {
  await tx
    .insertInto('referrer_wins')
    .values([
      { workspace_id: r.workspace_id, program_id: r.program_id, referrer_id: r.referrer_id, won: n },
      { workspace_id: r.workspace_id, program_id: '', referrer_id: r.referrer_id, won: n },
    ])
    .onConflict((oc) =>
      oc
        .columns(['workspace_id', 'program_id', 'referrer_id'])
        .doUpdateSet((eb) => ({ won: eb('referrer_wins.won', '+', n) })),
    )
    .execute();
}

/** Adds a posting's entries to the ledger's daily sums. */
export async function countLedger(
  tx: Db,
  workspaceId: string,
  at: string,
  entries: Array<{ program_id: string; account: string; unit: string; amount: number }>,
) {
  const sums = new Map<string, { program_id: string; account: string; unit: string; amount: number }>();
  for (const e of entries) {
    const key = `${e.program_id}|${e.account}|${e.unit}`;
    const s = sums.get(key) ?? { program_id: e.program_id, account: e.account, unit: e.unit, amount: 0 };
    s.amount += e.amount;
    sums.set(key, s);
  }
  for (const s of sums.values())
    await tx
      .insertInto('ledger_daily')
      .values({ workspace_id: workspaceId, day: day(at), ...s })
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'day', 'program_id', 'account', 'unit'])
          .doUpdateSet((eb) => ({ amount: eb('ledger_daily.amount', '+', s.amount) })),
      )
      .execute();
}
