import type { Db } from '../db/connect.ts';
import type { AskStaff } from './rules.schema.ts';

/**
 * Staff accountability for a range [start, end): per staff member, the staff asks due (by their
 * due time) and missed, the asks made (by their done time, at the front desk or from the list),
 * the names collected, and the referrals won in the range among the names they typed in: grouped
 * queries on the asks' due and done indexes, then the named friends' wins of those staff members
 * only (index referrals_named_won).
 */
export async function asksByStaff(
  db: Db,
  workspaceId: string,
  start: string,
  end: string,
): Promise<AskStaff[]> {
  const [due, made] = await Promise.all([
    db
      .selectFrom('asks')
      .select((eb) => [
        'staff_user_id',
        eb.fn.countAll<number>().as('due'),
        eb.fn.sum<number>(eb.case().when('outcome', '=', 'missed').then(1).else(0).end()).as('missed'),
      ])
      .where('workspace_id', '=', workspaceId)
      .where('due_at', '>=', start)
      .where('due_at', '<', end)
      .where('channel', '=', 'task')
      .groupBy('staff_user_id')
      .execute(),
    db
      .selectFrom('asks')
      .select((eb) => [
        'staff_user_id',
        eb.fn.countAll<number>().as('made'),
        eb.fn.sum<number>('names_count').as('names'),
      ])
      .where('workspace_id', '=', workspaceId)
      .where('done_at', '>=', start)
      .where('done_at', '<', end)
      .where('channel', 'in', ['task', 'front_desk'])
      .where('outcome', 'in', ['got_names', 'asked', 'declined'])
      .groupBy('staff_user_id')
      .execute(),
  ]);
  const rows = new Map<string | null, AskStaff>();
  const row = (id: string | null) => {
    let r = rows.get(id);
    if (!r) {
      r = { userId: id, name: '', due: 0, made: 0, missed: 0, names: 0, won: 0 };
      rows.set(id, r);
    }
    return r;
  };
  for (const d of due)
    Object.assign(row(d.staff_user_id), { due: Number(d.due), missed: Number(d.missed ?? 0) });
  for (const m of made)
    Object.assign(row(m.staff_user_id), { made: Number(m.made), names: Number(m.names ?? 0) });
  const ids = [...rows.keys()].filter((k): k is string => k !== null);
  // Only staff who ask: wins of referrals they typed in elsewhere are not counted here.
  const won = ids.length
    ? await db
        .selectFrom('referrals')
        .select((eb) => ['created_by', eb.fn.countAll<number>().as('won')])
        .where('workspace_id', '=', workspaceId)
        .where('won_at', '>=', start)
        .where('won_at', '<', end)
        .where('status', '=', 'won')
        .where('channel', '=', 'named_by_referrer')
        .where('created_by', 'in', ids)
        .groupBy('created_by')
        .execute()
    : [];
  for (const w of won) row(w.created_by as string).won = Number(w.won);
  const names = new Map(
    ids.length
      ? (await db.selectFrom('users').select(['id', 'name']).where('id', 'in', ids).execute()).map((u) => [
          u.id,
          u.name,
        ])
      : [],
  );
  for (const r of rows.values())
    r.name = r.userId ? (names.get(r.userId) ?? 'former staff member') : 'nobody (not assigned)';
  return [...rows.values()].sort((a, b) => b.due + b.made - (a.due + a.made) || a.name.localeCompare(b.name));
}
