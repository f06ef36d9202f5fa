import type { z } from 'zod';
import { type Actor, requireRole } from '../auth/auth.service.ts';
import { type Db, transaction } from '../db/connect.ts';
import { pageOf } from '../db/paging.ts';
import { AppError, notFound } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { livePerson } from '../people/people.service.ts';
import { formatMoney } from '../public/format.ts';
import { byOf } from '../referrals/pipeline.service.ts';
import { type By, personName } from '../referrals/referrals.service.ts';
import { type Line, post, rewardSums, type Standing, standing } from './ledger.ts';
import type {
  Liability,
  PayInput,
  RedeemInput,
  RewardOut,
  RewardQuery,
  Task,
  TaskDone,
  TaskQuery,
  Wallet,
} from './rewards.schema.ts';
import { lockReward, type RewardRow, release, voidReward } from './rewards.service.ts';
import type { RewardKind } from './rewards.table.ts';

const conflict = (message: string, path = 'status') => new AppError('conflict', message, [{ path, message }]);

async function workspaceOf(db: Db, id: string) {
  return db
    .selectFrom('workspaces')
    .select(['currency', 'country'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/** Rewards as the API shows them, with their ledger standing and who they are for. */
async function toRewards(
  db: Db,
  workspaceId: string,
  rows: RewardRow[],
  names = new Map<string, string>(),
): Promise<RewardOut[]> {
  if (!rows.length) return [];
  const unnamed = (id: string | null) => (id && !names.has(id) ? [id] : []);
  const personIds = [...new Set(rows.flatMap((r) => unnamed(r.person_id)))];
  const userIds = [...new Set(rows.flatMap((r) => unnamed(r.user_id)))];
  // Independent reads side by side: on PostgreSQL each is a round trip.
  const [sums, programRows, people, users] = await Promise.all([
    rewardSums(
      db,
      workspaceId,
      rows.map((r) => r.id),
    ),
    db
      .selectFrom('programs')
      .select(['id', 'name'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', [...new Set(rows.map((r) => r.program_id))])
      .execute(),
    personIds.length
      ? db
          .selectFrom('people')
          .select(['id', 'first_name', 'last_name', 'organisation', 'email'])
          .where('workspace_id', '=', workspaceId)
          .where('id', 'in', personIds)
          .execute()
      : [],
    userIds.length ? db.selectFrom('users').select(['id', 'name']).where('id', 'in', userIds).execute() : [],
  ]);
  const programs = new Map(programRows.map((p) => [p.id, p.name]));
  for (const p of people) names.set(p.id, personName(p));
  for (const u of users) names.set(u.id, u.name);
  return rows.map((r) => {
    const id = (r.person_id ?? r.user_id) as string;
    return {
      id: r.id,
      programId: r.program_id,
      programName: programs.get(r.program_id) ?? '',
      referralId: r.referral_id,
      rule: r.rule,
      beneficiary: { type: r.person_id ? 'person' : 'user', id, name: names.get(id) ?? '' },
      kind: r.kind,
      unit: r.unit,
      amount: Number(r.amount),
      value: Number(r.value),
      description: r.description,
      status: r.status,
      holdUntil: r.hold_until,
      needsApproval: r.needs_approval === 1,
      approvedAt: r.approved_at,
      voidReason: r.void_reason,
      standing: standing(sums.get(r.id) ?? { expense: 0, held: 0, available: 0, redeemed: 0, paid: 0 }),
      createdAt: r.created_at,
    };
  });
}

const beneficiaryColumn = (type: 'person' | 'user') => (type === 'person' ? 'person_id' : 'user_id');

/**
 * A beneficiary's balances (sums of their ledger entries), rewards and full history: what the
 * front desk sees before redeeming, and what a person can be shown to explain every cent.
 */
export async function getWallet(
  db: Db,
  workspaceId: string,
  type: 'person' | 'user',
  id: string,
): Promise<Wallet> {
  const column = beneficiaryColumn(type);
  const rewardsOf = (beneficiary: string) =>
    db
      .selectFrom('rewards')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where(column, '=', beneficiary)
      .orderBy('created_at', 'desc')
      .execute();
  // Independent reads side by side (each is a round trip on PostgreSQL); the rewards are read
  // for the id asked about, and again only when that person was merged into another.
  const [ws, who, asked] = await Promise.all([
    workspaceOf(db, workspaceId),
    type === 'person'
      ? livePerson(db, workspaceId, id).then((p) => p && { id: p.id, name: personName(p) })
      : db
          .selectFrom('users as u')
          .innerJoin('memberships as m', 'm.user_id', 'u.id')
          .select(['u.id', 'u.name'])
          .where('m.workspace_id', '=', workspaceId)
          .where('u.id', '=', id)
          .executeTakeFirst(),
    rewardsOf(id),
  ]);
  if (!who) throw notFound(type === 'person' ? 'Person' : 'Staff member');
  const rows = who.id === id ? asked : await rewardsOf(who.id);
  id = who.id;
  const name = who.name;
  const rewards$ = toRewards(db, workspaceId, rows, new Map([[id, name]]));
  // By reward id (the entries' own index): joining rewards lets the planner walk the workspace.
  const history$ = rows.length
    ? db
        .selectFrom('ledger_entries as e')
        .innerJoin('ledger_postings as p', (j) =>
          j.onRef('p.workspace_id', '=', 'e.workspace_id').onRef('p.id', '=', 'e.posting_id'),
        )
        .select([
          'p.id',
          'p.kind',
          'p.memo',
          'p.at',
          'p.actor_label',
          'p.event_id',
          'e.reward_id',
          'e.account',
          'e.unit',
          'e.amount',
        ])
        .where('e.workspace_id', '=', workspaceId)
        .where(
          'e.reward_id',
          'in',
          rows.map((r) => r.id),
        )
        .where('e.account', '!=', 'expense')
        .orderBy('p.at', 'desc')
        .orderBy('p.id', 'desc')
        .limit(1000)
        .execute()
    : [];
  const [rewards, entries] = await Promise.all([rewards$, history$]);
  const balances = new Map<string, Standing & { kind: RewardKind; unit: string }>();
  for (const r of rewards) {
    const key = `${r.kind}|${r.unit}`;
    const b = balances.get(key) ?? {
      kind: r.kind,
      unit: r.unit,
      held: 0,
      available: 0,
      redeemed: 0,
      paid: 0,
      earned: 0,
    };
    for (const k of ['held', 'available', 'redeemed', 'paid', 'earned'] as const) b[k] += r.standing[k];
    balances.set(key, b);
  }

  const history: Wallet['history'] = [];
  for (const e of entries) {
    let p = history.at(-1);
    if (p?.id !== e.id) {
      if (history.length === 200) break;
      p = {
        id: e.id,
        kind: e.kind,
        memo: e.memo,
        at: e.at,
        actorLabel: e.actor_label,
        eventId: e.event_id,
        lines: [],
      };
      history.push(p);
    }
    p.lines.push({
      rewardId: e.reward_id,
      account: e.account as 'held' | 'available' | 'redeemed' | 'paid',
      unit: e.unit,
      amount: -Number(e.amount),
    });
  }
  const order = ['held', 'available', 'redeemed', 'paid'];
  for (const p of history) p.lines.sort((a, b) => order.indexOf(a.account) - order.indexOf(b.account));
  return {
    beneficiary: { type, id, name },
    currency: ws.currency,
    balances: [...balances.values()],
    rewards,
    history,
  };
}

/**
 * Redeems at the counter: an amount of credit (oldest credit first) or one reward (a free
 * service or gift, or a credit in full). The person's credit rows are locked first, so two
 * staff redeeming the last credit at once cannot both succeed.
 */
export async function redeem(
  db: Db,
  actor: Actor,
  personId: string,
  input: z.output<typeof RedeemInput>,
): Promise<Wallet> {
  const ws = actor.workspaceId;
  const by = await byOf(db, actor);
  const person = await livePerson(db, ws, personId);
  if (!person) throw notFound('Person');
  const { currency, country } = await workspaceOf(db, ws);
  await transaction(db, async (tx) => {
    let q = tx
      .selectFrom('rewards')
      .selectAll()
      .where('workspace_id', '=', ws)
      .where('person_id', '=', person.id)
      .orderBy('created_at')
      .orderBy('id');
    q = input.rewardId
      ? q.where('id', '=', input.rewardId)
      : q.where('kind', '=', 'credit').where('unit', '=', currency);
    if (tx.dialect === 'postgres') q = q.forUpdate();
    const rows = await q.execute();
    const sums = await rewardSums(
      tx,
      ws,
      rows.map((r) => r.id),
    );
    const left = (r: RewardRow) => -(sums.get(r.id)?.available ?? 0);
    let take: Array<[RewardRow, number]>;
    if (input.rewardId) {
      const r = rows[0];
      if (!r) throw notFound('Reward');
      if (r.kind === 'cash') throw conflict('A cash reward is paid, not redeemed', 'rewardId');
      if (r.status !== 'available' || left(r) <= 0) throw conflict(notAvailable(r), 'rewardId');
      take = [[r, left(r)]];
    } else {
      const amount = input.amount as number;
      // Net of anything the person owes back on a reversed credit.
      const net = rows.reduce((s, r) => s + left(r), 0);
      if (amount > net)
        throw new AppError(
          'unprocessable',
          `Only ${formatMoney(Math.max(net, 0), currency, country)} of credit is available to ${personName(person)}`,
          [{ path: 'amount', message: `more than the available ${Math.max(net, 0)}` }],
        );
      take = [];
      let rest = amount;
      for (const r of rows) {
        if (rest === 0) break;
        if (r.status !== 'available' || left(r) <= 0) continue;
        const part = Math.min(rest, left(r));
        take.push([r, part]);
        rest -= part;
      }
    }
    const lines: Line[] = take.flatMap(([reward, amount]) => [
      { reward, account: 'available', amount },
      { reward, account: 'redeemed', amount: -amount },
    ]);
    await post(tx, ws, { kind: 'redeem', memo: input.note || 'redeemed at the counter', by }, lines);
    for (const [r, part] of take)
      if (part === left(r))
        await tx
          .updateTable('rewards')
          .set({ status: 'redeemed', updated_at: nowIso() })
          .where('workspace_id', '=', ws)
          .where('id', '=', r.id)
          .execute();
  });
  return getWallet(db, ws, 'person', person.id);
}

function notAvailable(r: RewardRow): string {
  switch (r.status) {
    case 'voided':
      return `This reward was voided${r.void_reason ? ` (${r.void_reason})` : ''}`;
    case 'pending':
      return r.needs_approval && !r.approved_at
        ? 'This reward is waiting for approval'
        : `This reward is on hold until ${r.hold_until.slice(0, 10)}`;
    case 'paid':
      return 'This reward was already paid';
    case 'redeemed':
      return 'This reward was already redeemed';
    default:
      return 'Nothing is left of this reward';
  }
}

async function rewardOut(db: Db, workspaceId: string, id: string): Promise<RewardOut> {
  const row = await db
    .selectFrom('rewards')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Reward');
  return (await toRewards(db, workspaceId, [row]))[0] as RewardOut;
}

/** Marks a cash reward paid (bank transfer, cheque…): its whole available amount. */
export async function payReward(db: Db, actor: Actor, id: string, input: z.output<typeof PayInput>) {
  requireRole(actor, 'manager');
  const by = await byOf(db, actor);
  await transaction(db, async (tx) => {
    const r = await lockReward(tx, actor.workspaceId, id);
    if (r.kind !== 'cash') throw conflict(`A ${r.kind} reward is redeemed at the counter, not paid`, 'kind');
    const available = -((await rewardSums(tx, r.workspace_id, [r.id])).get(r.id)?.available ?? 0);
    if (r.status !== 'available' || available <= 0) throw conflict(notAvailable(r));
    await post(
      tx,
      r.workspace_id,
      { kind: 'pay', memo: `paid by ${input.method}${input.reference ? ` (${input.reference})` : ''}`, by },
      [
        { reward: r, account: 'available', amount: available },
        { reward: r, account: 'paid', amount: -available },
      ],
    );
    await tx
      .updateTable('rewards')
      .set({ status: 'paid', updated_at: nowIso() })
      .where('workspace_id', '=', r.workspace_id)
      .where('id', '=', r.id)
      .execute();
  });
  return rewardOut(db, actor.workspaceId, id);
}

/** Approves a reward waiting for approval; it becomes available now if its hold has ended. */
export async function approveReward(db: Db, actor: Actor, id: string, now = nowIso()) {
  requireRole(actor, 'manager');
  const by = await byOf(db, actor);
  await transaction(db, async (tx) => {
    const r = await lockReward(tx, actor.workspaceId, id);
    if (r.status !== 'pending' || !r.needs_approval || r.approved_at)
      throw conflict(r.status === 'pending' ? 'This reward needs no approval' : notAvailable(r));
    await tx
      .updateTable('rewards')
      .set({ approved_at: now, approved_by: actor.userId, updated_at: now })
      .where('workspace_id', '=', r.workspace_id)
      .where('id', '=', r.id)
      .execute();
    if (r.hold_until <= now) await release(tx, r, by);
  });
  return rewardOut(db, actor.workspaceId, id);
}

/** Voids a reward by hand (a mistake, fraud found later): reversed, never deleted. */
export async function voidByStaff(db: Db, actor: Actor, id: string, reason: string) {
  requireRole(actor, 'manager');
  const by = await byOf(db, actor);
  await transaction(db, async (tx) => {
    const r = await lockReward(tx, actor.workspaceId, id);
    if (r.status === 'voided') throw conflict(notAvailable(r));
    await voidReward(tx, r, by, reason);
  });
  return rewardOut(db, actor.workspaceId, id);
}

export async function listRewards(db: Db, actor: Actor, q: z.output<typeof RewardQuery>) {
  const ws = actor.workspaceId;
  let query = db.selectFrom('rewards').where('workspace_id', '=', ws);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.programId) query = query.where('program_id', '=', q.programId);
  if (q.personId) query = query.where('person_id', '=', q.personId);
  if (q.awaitingApproval === 'true')
    query = query
      .where('status', '=', 'pending')
      .where('needs_approval', '=', 1)
      .where('approved_at', 'is', null);
  const { rows, total } = await pageOf(
    query,
    query.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'),
    q,
  );
  return { items: await toRewards(db, ws, rows), total };
}

/**
 * What the business owes, by program: on hold, available, owed back, and what was redeemed and
 * paid. Sums of ledger entries; "owed" needs each reward's own available balance.
 */
export async function liability(db: Db, actor: Actor): Promise<z.output<typeof Liability>> {
  requireRole(actor, 'manager');
  const ws = actor.workspaceId;
  const { currency } = await workspaceOf(db, ws);
  const totals = await db
    .selectFrom('ledger_entries')
    .select(['program_id', 'unit', 'account', (eb) => eb.fn.sum<number>('amount').as('sum')])
    .where('workspace_id', '=', ws)
    .where('account', 'in', ['held', 'redeemed', 'paid'])
    .groupBy(['program_id', 'unit', 'account'])
    .execute();
  const perReward = db
    .selectFrom('ledger_entries')
    .select(['program_id', 'unit', (eb) => eb.fn.sum<number>('amount').as('s')])
    .where('workspace_id', '=', ws)
    .where('account', '=', 'available')
    .groupBy(['reward_id', 'program_id', 'unit'])
    .as('a');
  const available = await db
    .selectFrom(perReward)
    .select((eb) => [
      'a.program_id',
      'a.unit',
      eb.fn
        .sum<number>(
          eb
            .case()
            .when('a.s', '<', 0)
            .then(eb.neg(eb.ref('a.s')))
            .else(0)
            .end(),
        )
        .as('available'),
      eb.fn.sum<number>(eb.case().when('a.s', '>', 0).then(eb.ref('a.s')).else(0).end()).as('owed'),
    ])
    .groupBy(['a.program_id', 'a.unit'])
    .execute();
  type Row = { held: number; available: number; owed: number; redeemed: number; paid: number };
  const rows = new Map<string, Row & { programId: string; unit: string }>();
  const at = (programId: string, unit: string) => {
    const key = `${programId}|${unit}`;
    let r = rows.get(key);
    if (!r) {
      r = { programId, unit, held: 0, available: 0, owed: 0, redeemed: 0, paid: 0 };
      rows.set(key, r);
    }
    return r;
  };
  for (const t of totals)
    at(t.program_id, t.unit)[t.account as 'held' | 'redeemed' | 'paid'] = -Number(t.sum);
  for (const a of available) {
    const r = at(a.program_id, a.unit);
    r.available = Number(a.available);
    r.owed = Number(a.owed);
  }
  const names = new Map(
    (await db.selectFrom('programs').select(['id', 'name']).where('workspace_id', '=', ws).execute()).map(
      (p) => [p.id, p.name],
    ),
  );
  const programs = [...rows.values()]
    .map((r) => ({ ...r, programName: names.get(r.programId) ?? '' }))
    .sort((a, b) => a.programName.localeCompare(b.programName) || a.unit.localeCompare(b.unit));
  const sum = new Map<string, Row & { unit: string }>();
  for (const p of programs) {
    const t = sum.get(p.unit) ?? { unit: p.unit, held: 0, available: 0, owed: 0, redeemed: 0, paid: 0 };
    for (const k of ['held', 'available', 'owed', 'redeemed', 'paid'] as const) t[k] += p[k];
    sum.set(p.unit, t);
  }
  return { currency, programs, totals: [...sum.values()] };
}

// --- Thank-you tasks ---------------------------------------------------------------------------

export async function listTasks(db: Db, actor: Actor, q: z.output<typeof TaskQuery> & { id?: string }) {
  const ws = actor.workspaceId;
  const open = q.open === 'true';
  const base = db
    .selectFrom('tasks as t')
    .innerJoin('people as p', (j) =>
      j.onRef('p.workspace_id', '=', 't.workspace_id').onRef('p.id', '=', 't.person_id'),
    )
    .where('t.workspace_id', '=', ws)
    // Complaint tasks (low survey scores) have their own list on the Feedback page.
    .where('t.kind', '=', 'thank_referrer')
    .where('t.done_at', open ? 'is' : 'is not', null)
    .$if(Boolean(q.id), (qb) => qb.where('t.id', '=', q.id as string));
  const { rows, total } = await pageOf(
    base,
    base
      .selectAll('t')
      .select(['p.first_name', 'p.last_name', 'p.organisation', 'p.email'])
      .orderBy(open ? 't.due_at' : 't.done_at', open ? 'asc' : 'desc'),
    q,
  );
  const now = nowIso();
  const items: z.output<typeof Task>[] = rows.map((t) => ({
    id: t.id,
    kind: 'thank_referrer' as const,
    title: t.title,
    person: { id: t.person_id, name: personName(t) },
    referralId: t.referral_id,
    dueAt: t.due_at,
    overdue: !t.done_at && t.due_at < now,
    assignedTo: t.assigned_to,
    doneAt: t.done_at,
    outcome: t.outcome,
    note: t.note,
    createdAt: t.created_at,
  }));
  return { items, total };
}

/**
 * Marks a thank-you done. A gift is recorded as a reward to the referrer, given at once, so its
 * cost shows in the ledger beside the rewards.
 */
export async function completeTask(db: Db, actor: Actor, id: string, input: z.output<typeof TaskDone>) {
  const ws = actor.workspaceId;
  if (input.outcome === 'gift' && !input.gift)
    throw new AppError('validation', 'gift: describe the gift given', [
      { path: 'gift', message: 'required with "gift"' },
    ]);
  const by = await byOf(db, actor);
  await transaction(db, async (tx) => {
    const task = await tx
      .selectFrom('tasks')
      .selectAll()
      .where('workspace_id', '=', ws)
      .where('id', '=', id)
      .executeTakeFirst();
    if (task?.kind !== 'thank_referrer') throw notFound('Task');
    if (task.done_at) throw conflict(`This task was already done on ${task.done_at.slice(0, 10)}`);
    const now = nowIso();
    await tx
      .updateTable('tasks')
      .set({ done_at: now, done_by: actor.userId, outcome: input.outcome, note: input.note ?? null })
      .where('workspace_id', '=', ws)
      .where('id', '=', id)
      .execute();
    if (input.gift && task.referral_id)
      await recordGift(tx, ws, by, task.referral_id, task.person_id, input.gift);
  });
  return (await listTasks(db, actor, { open: 'false', page: 1, pageSize: 1, id })).items[0];
}

async function recordGift(
  tx: Db,
  ws: string,
  by: By,
  referralId: string,
  personId: string,
  gift: { description: string; value: number },
) {
  const ref = await tx
    .selectFrom('referrals')
    .select(['program_id', 'terms_id'])
    .where('workspace_id', '=', ws)
    .where('id', '=', referralId)
    .executeTakeFirstOrThrow();
  const now = nowIso();
  const reward: RewardRow = {
    workspace_id: ws,
    id: newId(),
    program_id: ref.program_id,
    terms_id: ref.terms_id,
    referral_id: referralId,
    rule: 'thank_you',
    issue_key: `thank_you:${referralId}`,
    person_id: personId,
    user_id: null,
    kind: 'gift',
    unit: 'unit',
    amount: 1,
    value: gift.value,
    description: gift.description,
    status: 'redeemed',
    hold_until: now,
    needs_approval: 0,
    approved_at: null,
    approved_by: null,
    void_reason: null,
    created_at: now,
    updated_at: now,
  };
  await tx.insertInto('rewards').values(reward).execute();
  await post(tx, ws, { kind: 'issue', memo: `thank-you gift: ${gift.description}`, by }, [
    { reward, account: 'expense', amount: 1 },
    { reward, account: 'held', amount: -1 },
  ]);
  await post(tx, ws, { kind: 'release', memo: 'given at once', by }, [
    { reward, account: 'held', amount: 1 },
    { reward, account: 'available', amount: -1 },
  ]);
  await post(tx, ws, { kind: 'redeem', memo: 'handed over', by }, [
    { reward, account: 'available', amount: 1 },
    { reward, account: 'redeemed', amount: -1 },
  ]);
}
