import { type SqlBool, sql } from 'kysely';
import type { z } from 'zod';
import type { Actor } from '../auth/auth.service.ts';
import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { OPEN, waitingSql } from '../referrals/pipeline.service.ts';
import { personName } from '../referrals/referrals.service.ts';
import type { Dashboard, DashboardQuery } from './dashboard.schema.ts';

const DAY = 86_400_000;
type Flow = Dashboard['totals'];
const METRICS = ['referred', 'contacted', 'appointments', 'won', 'lost', 'revenue'] as const;
const emptyFlow = (): Flow => ({ referred: 0, contacted: 0, appointments: 0, won: 0, lost: 0, revenue: 0 });

/** The first day of the week (Monday) or month a UTC day falls in. */
export function periodOf(day: string, period: 'day' | 'week' | 'month'): string {
  if (period === 'day') return day;
  if (period === 'month') return `${day.slice(0, 7)}-01`;
  const t = Date.parse(`${day}T00:00:00Z`);
  const monday = t - ((new Date(t).getUTCDay() + 6) % 7) * DAY;
  return new Date(monday).toISOString().slice(0, 10);
}

/**
 * The owner's dashboard: every figure is a sum over the daily rollups (referral_daily,
 * program_clicks_daily, ledger_daily) or an index range, never a scan of the raw rows, so it stays
 * fast with millions of referrals and clicks, and it never takes a write lock.
 */
export async function getDashboard(
  db: Db,
  actor: Actor,
  q: z.output<typeof DashboardQuery>,
): Promise<Dashboard> {
  const ws = actor.workspaceId;
  const to = q.to ?? new Date().toISOString().slice(0, 10);
  const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 89 * DAY).toISOString().slice(0, 10);
  if (from > to)
    throw new AppError('validation', 'from: after to', [{ path: 'from', message: 'must not be after `to`' }]);
  const days = (Date.parse(to) - Date.parse(from)) / DAY + 1;
  const period = q.period ?? (days <= 186 ? 'week' : 'month');

  const flows = db
    .selectFrom('referral_daily')
    .where('workspace_id', '=', ws)
    .where('day', '>=', from)
    .where('day', '<=', to)
    .$if(Boolean(q.programId), (qb) => qb.where('program_id', '=', q.programId as string));
  const sums = <K extends 'day' | 'program_id' | 'channel' | 'source_kind' | 'staff_id'>(key: K) =>
    flows
      .select((eb) => [key, ...METRICS.map((m) => eb.fn.sum<number>(m).as(m))])
      .groupBy(key)
      .execute() as unknown as Promise<
      Array<Record<K, string> & Record<(typeof METRICS)[number], number | string>>
    >;
  const flowOf = (r: Record<(typeof METRICS)[number], number | string>): Flow =>
    Object.fromEntries(METRICS.map((m) => [m, Number(r[m] ?? 0)])) as Flow;

  const now = new Date().toISOString();
  // Independent reads side by side (on PostgreSQL each is a round trip).
  const [workspace, byDay, byProgram, byChannel, bySource, byStaff, views, ledger, top, overdue] =
    await Promise.all([
      db.selectFrom('workspaces').select('currency').where('id', '=', ws).executeTakeFirstOrThrow(),
      sums('day'),
      sums('program_id'),
      sums('channel'),
      sums('source_kind'),
      sums('staff_id'),
      db
        .selectFrom('program_clicks_daily')
        .select(['day', (eb) => eb.fn.sum<number>('clicks').as('views')])
        .where('workspace_id', '=', ws)
        .where('day', '>=', from)
        .where('day', '<=', to)
        .$if(Boolean(q.programId), (qb) => qb.where('program_id', '=', q.programId as string))
        .groupBy('day')
        .execute(),
      db
        .selectFrom('ledger_daily')
        .select((eb) => [
          'unit',
          'account',
          eb.fn.sum<number>('amount').as('balance'),
          eb.fn
            .sum<number>(eb.case().when('day', '>=', from).then(eb.ref('amount')).else(0).end())
            .as('within'),
        ])
        .where('workspace_id', '=', ws)
        .where('day', '<=', to)
        .$if(Boolean(q.programId), (qb) => qb.where('program_id', '=', q.programId as string))
        .groupBy(['unit', 'account'])
        .execute(),
      db
        .selectFrom('referrals as r')
        .innerJoin('people as p', (j) =>
          j.onRef('p.workspace_id', '=', 'r.workspace_id').onRef('p.id', '=', 'r.referrer_id'),
        )
        .select((eb) => [
          'r.referrer_id',
          'p.first_name',
          'p.last_name',
          'p.organisation',
          'p.email',
          eb.fn.countAll<number>().as('won'),
        ])
        .where('r.workspace_id', '=', ws)
        .where('r.won_at', '>=', `${from}T00:00:00.000Z`)
        .where('r.won_at', '<', new Date(Date.parse(to) + DAY).toISOString())
        .where('r.status', '=', 'won')
        .$if(Boolean(q.programId), (qb) => qb.where('r.program_id', '=', q.programId as string))
        .groupBy(['r.referrer_id', 'p.first_name', 'p.last_name', 'p.organisation', 'p.email'])
        .orderBy('won', 'desc')
        .orderBy('r.referrer_id')
        .limit(10)
        .execute(),
      db
        .selectFrom('referrals as r')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('r.workspace_id', '=', ws)
        .where('r.status', 'in', OPEN)
        .where('r.follow_up_due_at', '<', now)
        .where(sql<SqlBool>`not ${waitingSql}`)
        .$if(Boolean(q.programId), (qb) => qb.where('r.program_id', '=', q.programId as string))
        .executeTakeFirstOrThrow(),
    ]);

  const [programs, staff] = await Promise.all([
    byProgram.length
      ? db
          .selectFrom('programs')
          .select(['id', 'name'])
          .where('workspace_id', '=', ws)
          .where(
            'id',
            'in',
            byProgram.map((r) => r.program_id),
          )
          .execute()
      : [],
    byStaff.some((r) => r.staff_id)
      ? db
          .selectFrom('users')
          .select(['id', 'name'])
          .where(
            'id',
            'in',
            byStaff.flatMap((r) => (r.staff_id ? [r.staff_id] : [])),
          )
          .execute()
      : [],
  ]);

  const totals = emptyFlow();
  const trend = new Map<string, Dashboard['trend'][number]>();
  const bucket = (day: string) => {
    const key = periodOf(day, period);
    let t = trend.get(key);
    if (!t) {
      t = { period: key, views: 0, ...emptyFlow() };
      trend.set(key, t);
    }
    return t;
  };
  // Every bucket of the range is listed, empty ones too, so a chart shows the gaps.
  for (let t = Date.parse(from); t <= Date.parse(to); t += DAY)
    bucket(new Date(t).toISOString().slice(0, 10));
  for (const r of byDay) {
    const f = flowOf(r);
    const b = bucket(r.day);
    for (const m of METRICS) {
      b[m] += f[m];
      totals[m] += f[m];
    }
  }
  let viewCount = 0;
  for (const v of views) {
    bucket(v.day).views += Number(v.views);
    viewCount += Number(v.views);
  }

  const stages = [
    ['views', viewCount],
    ['referred', totals.referred],
    ['contacted', totals.contacted],
    ['appointments', totals.appointments],
    ['won', totals.won],
  ] as const;
  const funnel = stages.map(([stage, count], i) => {
    const before = i === 0 ? null : (stages[i - 1] as readonly [string, number])[1];
    return { stage, count, conversion: before ? count / before : null };
  });

  const rewards = new Map<string, Dashboard['rewards'][number]>();
  for (const l of ledger) {
    const r = rewards.get(l.unit) ?? { unit: l.unit, held: 0, available: 0, redeemed: 0, paid: 0, cost: 0 };
    const balance = Number(l.balance);
    if (l.account === 'expense') r.cost = Number(l.within);
    else r[l.account as 'held' | 'available' | 'redeemed' | 'paid'] = -balance || 0;
    rewards.set(l.unit, r);
  }

  const names = new Map([...programs, ...staff].map((x) => [x.id, x.name]));
  const byFlow = <T>(
    rows: Array<Record<(typeof METRICS)[number], number | string>>,
    label: (r: never) => T,
  ) => rows.map((r) => ({ ...label(r as never), ...flowOf(r) })).sort((a, b) => b.referred - a.referred);

  return {
    range: { from, to, period },
    currency: workspace.currency,
    funnel,
    totals,
    rewards: [...rewards.values()],
    trend: [...trend.values()].sort((a, b) => a.period.localeCompare(b.period)),
    byProgram: byFlow(byProgram, (r: { program_id: string }) => ({
      programId: r.program_id,
      name: names.get(r.program_id) ?? '',
    })),
    byChannel: byFlow(byChannel, (r: { channel: string }) => ({ channel: r.channel })),
    bySource: byFlow(bySource, (r: { source_kind: string }) => ({ source: r.source_kind })),
    byStaff: byFlow(byStaff, (r: { staff_id: string }) => ({
      userId: r.staff_id || null,
      name: r.staff_id ? (names.get(r.staff_id) ?? 'former staff member') : 'nobody (not assigned)',
    })),
    topReferrers: top.map((t) => ({ personId: t.referrer_id, name: personName(t), won: Number(t.won) })),
    overdue: Number(overdue.n),
  };
}
