import type { z } from 'zod';
import { type Actor, requireRole } from '../auth/auth.service.ts';
import type { Db } from '../db/connect.ts';
import { nowIso } from '../lib/ids.ts';
import type { AdSpend, AdSpendInput } from './dashboard.schema.ts';

const toAdSpend = (r: {
  month: string;
  amount: number | string;
  note: string;
  updated_at: string;
}): AdSpend => ({
  month: r.month,
  amount: Number(r.amount),
  note: r.note,
  updatedAt: r.updated_at,
});

/** The months of ad spend the owner entered, from `from` to `to` (YYYY-MM). */
export async function listAdSpend(db: Db, actor: Actor, from: string, to: string): Promise<AdSpend[]> {
  requireRole(actor, 'manager');
  const rows = await db
    .selectFrom('ad_spend')
    .select(['month', 'amount', 'note', 'updated_at'])
    .where('workspace_id', '=', actor.workspaceId)
    .where('month', '>=', from)
    .where('month', '<=', to)
    .orderBy('month')
    .execute();
  return rows.map(toAdSpend);
}

/** Sets one month's ad spend (in the workspace's minor units); 0 clears it. */
export async function setAdSpend(
  db: Db,
  actor: Actor,
  month: string,
  input: z.output<typeof AdSpendInput>,
): Promise<AdSpend> {
  requireRole(actor, 'manager');
  const row = {
    workspace_id: actor.workspaceId,
    month,
    amount: input.amount,
    note: input.note ?? '',
    updated_by: actor.userId,
    updated_at: nowIso(),
  };
  await db
    .insertInto('ad_spend')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'month']).doUpdateSet({
        amount: row.amount,
        note: row.note,
        updated_by: row.updated_by,
        updated_at: row.updated_at,
      }),
    )
    .execute();
  return toAdSpend(row);
}

/** Days of [from, to] (YYYY-MM-DD) in each calendar month they touch. */
export function monthsOf(from: string, to: string): Array<{ month: string; days: number; inMonth: number }> {
  const out: Array<{ month: string; days: number; inMonth: number }> = [];
  let [y, m] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > to.slice(0, 7)) return out;
    const inMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
    const first = month === from.slice(0, 7) ? Number(from.slice(8, 10)) : 1;
    const last = month === to.slice(0, 7) ? Number(to.slice(8, 10)) : inMonth;
    out.push({ month, days: last - first + 1, inMonth });
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
}
