import { type SqlBool, sql } from 'kysely';
import type { z } from 'zod';
import { asksByStaff } from '../asks/stats.ts';
import { type Actor, requireRole } from '../auth/auth.service.ts';
import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { OPEN, waitingSql } from '../referrals/pipeline.service.ts';
import { personName } from '../referrals/referrals.service.ts';
import { classifyHeard, VIA, type Via } from './acquisition.ts';
import { monthsOf } from './ad-spend.ts';
import type { Dashboard, DashboardQuery } from './dashboard.schema.ts';

const DAY = 86_400_000;
const OVERDUE_CAP = 1000;
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
  requireRole(actor, 'manager');
  const ws = actor.workspaceId;
  const to = q.to ?? new Date().toISOString().slice(0, 10);
  const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 89 * DAY).toISOString().slice(0, 10);
  if (from > to)
    throw new AppError('validation', 'from: after to', [{ path: 'from', message: 'must not be after `to`' }]);
  const days = (Date.parse(to) - Date.parse(from)) / DAY + 1;
  const period = q.period ?? (days <= 186 ? 'week' : 'month');

  /** Sums of one breakdown's rows in the range, grouped by `by` (its key, the day or program). */
  const sums = (dim: 'all' | 'channel' | 'source' | 'staff', by: 'key' | 'day' | 'program_id') =>
    db
      .selectFrom('referral_daily')
      .select((eb) => [eb.ref(by).as('by'), ...METRICS.map((m) => eb.fn.sum<number>(m).as(m))])
      .where('workspace_id', '=', ws)
      .where('dim', '=', dim)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .$if(Boolean(q.programId), (qb) => qb.where('program_id', '=', q.programId as string))
      .groupBy(by)
      .execute() as unknown as Promise<
      Array<{ by: string } & Record<(typeof METRICS)[number], number | string>>
    >;
  const flowOf = (r: Record<(typeof METRICS)[number], number | string>): Flow =>
    Object.fromEntries(METRICS.map((m) => [m, Number(r[m] ?? 0)])) as Flow;

  const now = new Date().toISOString();
  // Independent reads side by side (on PostgreSQL each is a round trip).
  const months = monthsOf(from, to);
  const [
    workspace,
    byDay,
    byProgram,
    byChannel,
    bySource,
    byStaff,
    views,
    ledger,
    top,
    overdue,
    acquired,
    spend,
  ] = await Promise.all([
    db.selectFrom('workspaces').select('currency').where('id', '=', ws).executeTakeFirstOrThrow(),
    sums('all', 'day'),
    sums('all', 'program_id'),
    sums('channel', 'key'),
    sums('source', 'key'),
    sums('staff', 'key'),
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
    topReferrers(db, ws, from, to, q.programId),
    // Counted up to a cap: past it the owner needs to act, not an exact figure.
    db
      .selectFrom((qb) =>
        qb
          .selectFrom('referrals as r')
          .select('r.id')
          .where('r.workspace_id', '=', ws)
          .where('r.status', 'in', OPEN)
          .where('r.follow_up_due_at', '<', now)
          .where(sql<SqlBool>`not ${waitingSql}`)
          .$if(Boolean(q.programId), (qb2) => qb2.where('r.program_id', '=', q.programId as string))
          .limit(OVERDUE_CAP + 1)
          .as('o'),
      )
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('acquisition_daily')
      .select(['heard', (eb) => eb.fn.sum<number>('customers').as('customers')])
      .where('workspace_id', '=', ws)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .groupBy('heard')
      .execute(),
    db
      .selectFrom('ad_spend')
      .select(['month', 'amount'])
      .where('workspace_id', '=', ws)
      .where('month', '>=', months[0]!.month)
      .where('month', '<=', months.at(-1)!.month)
      .execute(),
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
            byProgram.map((r) => r.by),
          )
          .execute()
      : [],
    byStaff.some((r) => r.by)
      ? db
          .selectFrom('users')
          .select(['id', 'name'])
          .where(
            'id',
            'in',
            byStaff.flatMap((r) => (r.by ? [r.by] : [])),
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
    const b = bucket(r.by);
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
  // Views lead to link referrals only; the other channels (coupons, names, the desk) have no views.
  const fromLinks = Number(byChannel.find((c) => c.by === 'link')?.referred ?? 0);
  const funnel = stages.map(([stage, count], i) => {
    const before = i === 0 ? null : (stages[i - 1] as readonly [string, number])[1];
    const converted = stage === 'referred' ? fromLinks : count;
    return { stage, count, conversion: before ? converted / before : null };
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
    rows: Array<{ by: string } & Record<(typeof METRICS)[number], number | string>>,
    label: (key: string) => T,
  ) => rows.map((r) => ({ ...label(r.by), ...flowOf(r) })).sort((a, b) => b.referred - a.referred);

  return {
    referralsVsAds: referralsVsAds(
      totals.won,
      rewards.get(workspace.currency)?.cost ?? 0,
      acquired,
      spend,
      months,
    ),
    range: { from, to, period },
    currency: workspace.currency,
    funnel,
    totals,
    rewards: [...rewards.values()],
    trend: [...trend.values()].sort((a, b) => a.period.localeCompare(b.period)),
    byProgram: byFlow(byProgram, (programId) => ({ programId, name: names.get(programId) ?? '' })),
    byChannel: byFlow(byChannel, (channel) => ({ channel })),
    bySource: byFlow(bySource, (source) => ({ source })),
    byStaff: byFlow(byStaff, (userId) => ({
      userId: userId || null,
      name: userId ? (names.get(userId) ?? 'former staff member') : 'nobody (not assigned)',
    })),
    topReferrers: top,
    asksByStaff: await asksByStaff(
      db,
      ws,
      `${from}T00:00:00.000Z`,
      new Date(Date.parse(to) + DAY).toISOString(),
    ),
    overdue: Math.min(Number(overdue.n), OVERDUE_CAP),
    overdueCapped: Number(overdue.n) > OVERDUE_CAP,
  };
}

/**
 * The seeds' comparison: what a customer won by referral cost in rewards against what one won by
 * advertising cost in ad spend. A month's spend counts for the share of its days in the range.
 */
function referralsVsAds(
  referralCustomers: number,
  referralCost: number,
  acquired: Array<{ heard: string; customers: number | string }>,
  spend: Array<{ month: string; amount: number | string }>,
  months: ReturnType<typeof monthsOf>,
): Dashboard['referralsVsAds'] {
  const entered = new Map(spend.map((s) => [s.month, Number(s.amount)]));
  const adSpend = Math.round(
    months.reduce((sum, m) => sum + ((entered.get(m.month) ?? 0) * m.days) / m.inMonth, 0),
  );
  const newCustomers = Object.fromEntries(VIA.map((v) => [v, 0])) as Record<Via, number>;
  const answers = acquired
    .map((a) => ({ answer: a.heard, via: classifyHeard(a.heard), customers: Number(a.customers) }))
    .filter((a) => a.customers > 0);
  for (const a of answers) newCustomers[a.via] += a.customers;
  const per = (cost: number, n: number) => (n > 0 ? Math.round(cost / n) : null);
  return {
    referralCustomers,
    referralCost,
    costPerReferralCustomer: per(referralCost, referralCustomers),
    adCustomers: newCustomers.advertising,
    adSpend,
    costPerAdCustomer: per(adSpend, newCustomers.advertising),
    monthsWithoutSpend: months.filter((m) => !entered.has(m.month)).map((m) => m.month),
    newCustomers,
    answers: answers
      .sort((a, b) => b.customers - a.customers || a.answer.localeCompare(b.answer))
      .slice(0, 20),
  };
}

const TOP = 10;
/** Referrers with the most wins ever, looked at before giving up on them (one query's worth). */
const CANDIDATES = 300;

/**
 * The ten referrers with the most referrals won within the range, ties by id. Over a range that
 * holds most of the wins ever, the referrers with the most wins ever are looked at first and
 * that settles it when no one further down the list could catch up; otherwise (and when it does
 * not settle) the range's wins are counted per referrer from the covering index.
 */
async function topReferrers(db: Db, ws: string, from: string, to: string, programId: string | undefined) {
  const start = `${from}T00:00:00.000Z`;
  const end = new Date(Date.parse(to) + DAY).toISOString();
  const winsIn = () =>
    db
      .selectFrom('referrals as r')
      .where('r.workspace_id', '=', ws)
      .where('r.won_at', '>=', start)
      .where('r.won_at', '<', end)
      .where('r.status', '=', 'won')
      .$if(Boolean(programId), (qb) => qb.where('r.program_id', '=', programId as string));
  const best = (rows: Array<{ referrer_id: string; won: number | string }>) =>
    rows
      .map((r) => ({ id: r.referrer_id, won: Number(r.won) }))
      .sort((a, b) => b.won - a.won || (a.id < b.id ? -1 : 1))
      .slice(0, TOP);

  let top: Array<{ id: string; won: number }> | null = null;
  const share = await db
    .selectFrom('referral_daily')
    .select((eb) => [
      eb.fn.sum<number>('won').as('ever'),
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(eb.and([eb('day', '>=', from), eb('day', '<=', to)]))
            .then(eb.ref('won'))
            .else(0)
            .end(),
        )
        .as('within'),
    ])
    .where('workspace_id', '=', ws)
    .where('dim', '=', 'all')
    .$if(Boolean(programId), (qb) => qb.where('program_id', '=', programId as string))
    .executeTakeFirst();
  const ever = Number(share?.ever ?? 0);
  if (ever > 0 && Number(share?.within ?? 0) >= 0.8 * ever) {
    const candidates = await db
      .selectFrom('referrer_wins')
      .select(['referrer_id', 'won'])
      .where('workspace_id', '=', ws)
      .where('program_id', '=', programId ?? '')
      .where('won', '>', 0)
      .orderBy('won', 'desc')
      .orderBy('referrer_id')
      .limit(CANDIDATES)
      .execute();
    const counted = !candidates.length
      ? []
      : await winsIn()
          .where(
            'r.referrer_id',
            'in',
            candidates.map((c) => c.referrer_id),
          )
          .select((eb) => ['r.referrer_id', eb.fn.countAll<number>().as('won')])
          .groupBy('r.referrer_id')
          .execute();
    top = best(counted);
    // Settled when every referrer not looked at has fewer wins ever than the tenth has within
    // the range, or as many and loses the tie (a larger id).
    const last = candidates.at(-1);
    const tenth = top[TOP - 1];
    const settled =
      (candidates.length > 0 && candidates.length < CANDIDATES) ||
      (tenth !== undefined &&
        last !== undefined &&
        (Number(last.won) < tenth.won || (Number(last.won) === tenth.won && last.referrer_id > tenth.id)));
    if (!settled) top = null;
  }
  top ??= best(
    await winsIn()
      .select((eb) => ['r.referrer_id', eb.fn.countAll<number>().as('won')])
      .groupBy('r.referrer_id')
      .orderBy('won', 'desc')
      .orderBy('r.referrer_id')
      .limit(TOP)
      .execute(),
  );
  if (!top.length) return [];
  const people = await db
    .selectFrom('people')
    .select(['id', 'first_name', 'last_name', 'organisation', 'email'])
    .where('workspace_id', '=', ws)
    .where(
      'id',
      'in',
      top.map((t) => t.id),
    )
    .execute();
  const byId = new Map(people.map((p) => [p.id, p]));
  return top.map((t) => {
    const p = byId.get(t.id);
    return { personId: t.id, name: p ? personName(p) : '', won: t.won };
  });
}
