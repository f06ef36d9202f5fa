import { type Selectable, type SqlBool, sql } from 'kysely';
import { countReferral, countWin } from '../analytics/rollup.ts';
import { type Actor, requireRole } from '../auth/auth.service.ts';
import { type Db, transaction } from '../db/connect.ts';
import { pageOf } from '../db/paging.ts';
import { AppError, notFound } from '../errors.ts';
import { nowIso } from '../lib/ids.ts';
import { queueFriendIntro } from '../messaging/senders.ts';
import { getTerms } from '../programs/programs.service.ts';
import { onReferralWon, voidReferralRewards } from '../rewards/rewards.service.ts';
import { emit } from '../webhooks/domain-events.ts';
import { normalizeCode } from './codes.ts';
import type {
  Activity,
  Coupon,
  CouponAtCounter,
  Network,
  NetworkNode,
  ReferralPatch,
  ReferralQuery,
  StaffReferralInput,
} from './pipeline.schema.ts';
import type { Referral } from './referrals.schema.ts';
import {
  addActivity,
  type By,
  createReferral,
  getReferral,
  markIntroduced,
  markOptedIn,
  personName,
  selectReferrals,
  toReferral,
  waitingForIntroduction,
} from './referrals.service.ts';
import type {
  Channel,
  CouponsTable,
  ReferralActivitiesTable,
  ReferralStatus,
  ReferralsTable,
} from './referrals.table.ts';

type ReferralRow = Selectable<ReferralsTable>;

/** How the acting user appears on a referral's timeline. */
export async function byOf(db: Db, actor: Actor): Promise<By> {
  if (!actor.userId) return { userId: null, label: 'API key' };
  const user = await db.selectFrom('users').select('name').where('id', '=', actor.userId).executeTakeFirst();
  return { userId: actor.userId, label: user?.name || 'staff member' };
}

/** A timestamp as stored: ISO 8601 in UTC, whatever offset it was sent with. */
const utc = (at: string | null) => (at === null ? null : new Date(at).toISOString());

const invalid = (path: string, message: string, title = `${path}: ${message}`) =>
  new AppError('validation', title, [{ path, message }]);

// --- Staff entry ------------------------------------------------------------------------------

/**
 * A referral entered by staff: the referrer picked from the list or their code typed from a
 * card. Goes through the one door (createReferral), so every fraud and duplicate rule holds.
 */
export async function enterReferral(
  db: Db,
  actor: Actor,
  input: StaffReferralInput,
): Promise<{ referral: Referral; created: boolean; message?: string }> {
  const ws = actor.workspaceId;
  const by = await byOf(db, actor);
  let referrerId: string;
  let programId = input.programId;
  let linkId: string | null = null;
  if ('code' in input.referrer) {
    const code = normalizeCode(input.referrer.code);
    if (!code) {
      throw invalid(
        'referrer.code',
        'not a referral code: codes use the digits 2-9 and the letters A-Z without I, L and O',
        'That is not a referral code: codes use the digits 2-9 and the letters A-Z without I, L and O',
      );
    }
    const link = await db
      .selectFrom('referral_links as l')
      .innerJoin('programs as p', (j) =>
        j.onRef('p.workspace_id', '=', 'l.workspace_id').onRef('p.id', '=', 'l.program_id'),
      )
      .select(['l.id', 'l.program_id', 'l.referrer_id', 'l.disabled_at', 'p.name as program_name'])
      .where('l.workspace_id', '=', ws)
      .where('l.code', '=', code)
      .executeTakeFirst();
    if (!link) {
      throw new AppError('not_found', `No referral code ${code} in this business: check the card`, [
        { path: 'referrer.code', message: 'unknown code' },
      ]);
    }
    if (link.disabled_at) {
      throw new AppError(
        'unprocessable',
        `The referral code ${code} was disabled on ${link.disabled_at.slice(0, 10)}: pick the referrer by name instead`,
        [{ path: 'referrer.code', message: 'disabled code' }],
      );
    }
    if (programId && programId !== link.program_id) {
      throw new AppError(
        'unprocessable',
        `The code ${code} belongs to the program "${link.program_name}", not the one chosen`,
        [{ path: 'referrer.code', message: 'code of another program' }],
      );
    }
    programId = link.program_id;
    referrerId = link.referrer_id;
    linkId = link.id;
  } else {
    referrerId = input.referrer.personId;
  }
  if (!programId) throw invalid('programId', 'required when the referrer is picked by id');

  let channel: Channel | undefined = input.channel;
  if (!channel) {
    const referrer = await db
      .selectFrom('people as p')
      .leftJoin('people as m', (j) =>
        j.onRef('m.workspace_id', '=', 'p.workspace_id').onRef('m.id', '=', 'p.merged_into_id'),
      )
      .select(['p.kind', 'm.kind as merged_kind'])
      .where('p.workspace_id', '=', ws)
      .where('p.id', '=', referrerId)
      .executeTakeFirst();
    channel = (referrer?.merged_kind ?? referrer?.kind) === 'partner' ? 'partner' : 'staff';
  }

  const result = await createReferral(db, ws, by, {
    programId,
    referrerId,
    friend: input.friend,
    channel,
    linkId,
    introduced: input.introduced,
    friendOptIn: input.friendOptIn ? { source: `told ${by.label}` } : null,
  });
  const { created } = result;
  const id = result.referral.id;
  if (input.note) await addActivity(db, ws, id, by, { kind: 'note', note: input.note });
  const referral = await getReferral(db, ws, id);
  if (created) return { referral, created };
  const when = referral.createdAt.slice(0, 10);
  return {
    referral,
    created,
    message:
      referral.referrer.id === referrerId
        ? `${referral.friend.name} was already referred by ${referral.referrer.name} on ${when}; nothing new was created`
        : `${referral.friend.name} was already referred in this program by ${referral.referrer.name} on ${when}; the first referrer keeps the referral`,
  };
}

// --- Lists ------------------------------------------------------------------------------------

/** Named by a referrer, not introduced and not opted in: the business must not contact them yet. */
export const waitingSql = sql<SqlBool>`(r.channel = 'named_by_referrer' and r.introduced_at is null and r.friend_opt_in_at is null)`;
export const OPEN: ReferralStatus[] = ['new', 'contacted'];

const likePattern = (w: string) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function listReferrals(db: Db, actor: Actor, query: ReferralQuery) {
  const now = nowIso();
  let q = selectReferrals(db, actor.workspaceId);
  const statuses = query.status === undefined ? [] : [query.status].flat();
  if (statuses.length) q = q.where('r.status', 'in', statuses);
  if (query.programId) q = q.where('r.program_id', '=', query.programId);
  if (query.referrerId) q = q.where('r.referrer_id', '=', query.referrerId);
  if (query.friendId) q = q.where('r.friend_id', '=', query.friendId);
  if (query.channel) q = q.where('r.channel', '=', query.channel);
  if (query.assignedTo === 'none') q = q.where('r.assigned_to', 'is', null);
  else if (query.assignedTo === 'me') {
    if (!actor.userId) throw invalid('assignedTo', '"me" needs a signed-in person, not an API key');
    q = q.where('r.assigned_to', '=', actor.userId);
  } else if (query.assignedTo) q = q.where('r.assigned_to', '=', query.assignedTo);
  if (query.flagged === 'true') q = q.where('r.flag', 'is not', null);
  if (query.flagged === 'false') q = q.where('r.flag', 'is', null);
  if (query.waiting === 'true') q = q.where(waitingSql);
  if (query.waiting === 'false') q = q.where(sql<SqlBool>`not ${waitingSql}`);
  // Overdue reads the (workspace_id, status, follow_up_due_at) index: two short range scans.
  if (query.overdue === 'true') {
    q = q
      .where('r.status', 'in', OPEN)
      .where('r.follow_up_due_at', '<', now)
      .where(sql<SqlBool>`not ${waitingSql}`);
  }
  if (query.overdue === 'false') {
    q = q.where((eb) =>
      eb.or([
        eb('r.status', 'not in', OPEN),
        eb('r.follow_up_due_at', 'is', null),
        eb('r.follow_up_due_at', '>=', now),
        waitingSql,
      ]),
    );
  }
  if (query.q) {
    for (const w of query.q.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5)) {
      const like = sql`${likePattern(w)} escape '\\'`;
      q = q.where((eb) =>
        eb.or(
          (['f', 'a'] as const).flatMap((t) => [
            eb(sql`lower(${sql.ref(`${t}.first_name`)})`, 'like', like),
            eb(sql`lower(${sql.ref(`${t}.last_name`)})`, 'like', like),
            eb(sql`lower(coalesce(${sql.ref(`${t}.organisation`)}, ''))`, 'like', like),
            eb(sql`coalesce(${sql.ref(`${t}.email`)}, '')`, 'like', like),
          ]),
        ),
      );
    }
  }
  const sorted =
    query.sort === 'due'
      ? q
          .orderBy(sql`case when r.follow_up_due_at is null then 1 else 0 end`)
          .orderBy('r.follow_up_due_at', 'asc')
          .orderBy('r.created_at', 'asc')
          .orderBy('r.id', 'asc')
      : query.sort === 'created'
        ? q.orderBy('r.created_at', 'asc').orderBy('r.id', 'asc')
        : q.orderBy('r.created_at', 'desc').orderBy('r.id', 'desc');
  const { rows, total } = await pageOf(q, sorted, query);
  return {
    items: rows.map((r) => toReferral(r, now)),
    total,
    page: query.page,
    pageSize: query.pageSize,
  };
}

// --- One referral -----------------------------------------------------------------------------

function toActivity(a: Selectable<ReferralActivitiesTable>): Activity {
  return {
    id: a.id,
    kind: a.kind,
    fromStatus: a.from_status,
    toStatus: a.to_status,
    note: a.note,
    data: a.data ? JSON.parse(a.data) : null,
    actor: { id: a.actor_id, label: a.actor_label },
    at: a.at,
  };
}

function toCoupon(c: Selectable<CouponsTable>, now = nowIso()): Coupon {
  return {
    id: c.id,
    code: c.code,
    referralId: c.referral_id,
    friendId: c.friend_id,
    incentive: c.incentive ? JSON.parse(c.incentive) : null,
    expiresAt: c.expires_at,
    expired: c.expires_at < now,
    redeemedAt: c.redeemed_at,
    redeemedBy: c.redeemed_by,
    createdAt: c.created_at,
  };
}

export function listActivities(db: Db, workspaceId: string, referralId: string) {
  return db
    .selectFrom('referral_activities')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('referral_id', '=', referralId)
    .orderBy('at')
    .orderBy('id')
    .execute()
    .then((rows) => rows.map(toActivity));
}

/** A referral with its timeline (oldest first), its coupon and the terms it was made under. */
export async function getReferralDetail(db: Db, workspaceId: string, id: string) {
  const referral = await getReferral(db, workspaceId, id);
  const activities = await listActivities(db, workspaceId, id);
  const coupon = await db
    .selectFrom('coupons')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('referral_id', '=', id)
    .executeTakeFirst();
  const terms = await getTerms(db, workspaceId, referral.termsId);
  return { referral, activities, coupon: coupon ? toCoupon(coupon) : null, terms };
}

/** The referral row, locked for the rest of the transaction on PostgreSQL. */
async function lockReferral(tx: Db, workspaceId: string, id: string): Promise<ReferralRow> {
  let q = tx.selectFrom('referrals').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id);
  if (tx.dialect === 'postgres') q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound('Referral');
  return row;
}

async function setReferral(tx: Db, row: ReferralRow, set: Partial<ReferralRow>) {
  await tx
    .updateTable('referrals')
    .set({ ...set, updated_at: nowIso() })
    .where('workspace_id', '=', row.workspace_id)
    .where('id', '=', row.id)
    .execute();
  Object.assign(row, set);
}

// --- Pipeline ---------------------------------------------------------------------------------

/** Where a referral may go from each status. */
export const transitions: Record<ReferralStatus, readonly ReferralStatus[]> = {
  new: ['contacted', 'appointment', 'won', 'lost', 'void'],
  contacted: ['new', 'appointment', 'won', 'lost', 'void'],
  appointment: ['new', 'contacted', 'won', 'lost', 'void'],
  lost: ['contacted'],
  won: ['void'],
  void: [],
};

export type StatusExtra = {
  lostReason?: string;
  voidReason?: string;
  /** ISO 8601; needed for "appointment" unless the referral already has one */
  appointmentAt?: string | null;
  /** free text for the timeline */
  note?: string;
  /** details for the timeline and the event, e.g. { eventId } */
  data?: Record<string, unknown>;
  /** the business event that won it (a purchase), when one did */
  wonEventId?: string;
};

async function applyStatus(
  tx: Db,
  by: By,
  row: ReferralRow,
  to: ReferralStatus,
  extra: StatusExtra,
): Promise<string[]> {
  const from = row.status;
  if (from === to) return [];
  if (!transitions[from].includes(to)) {
    const why =
      from === 'void'
        ? `This referral is void${row.void_reason ? ` (${row.void_reason})` : ''}, which is final`
        : from === 'won'
          ? `A won referral can only be voided, not moved to "${to}"`
          : `A lost referral can only be reopened (status "contacted"), not moved to "${to}"`;
    throw new AppError('conflict', why, [{ path: 'status', message: `not allowed from "${from}"` }]);
  }
  const set: Partial<ReferralRow> = { status: to };
  const data: Record<string, unknown> = { ...extra.data };
  let note = extra.note?.trim() || null;
  if (to === 'lost') {
    const reason = extra.lostReason?.trim();
    if (!reason) throw invalid('lostReason', 'required when the status becomes "lost"');
    set.lost_reason = reason;
    data.lostReason = reason;
    note ??= reason;
  }
  if (to === 'void') {
    const reason = extra.voidReason?.trim();
    if (!reason) throw invalid('voidReason', 'required when the status becomes "void"');
    set.void_reason = reason;
    data.voidReason = reason;
    note ??= reason;
  }
  if (to === 'appointment') {
    const at = extra.appointmentAt !== undefined ? utc(extra.appointmentAt) : row.appointment_at;
    if (!at) throw invalid('appointmentAt', 'required when the status becomes "appointment"');
    set.appointment_at = at;
    data.appointmentAt = at;
  }
  if ((to === 'contacted' || to === 'appointment') && waitingForIntroduction(row)) {
    const r = await getReferral(tx, row.workspace_id, row.id);
    throw new AppError(
      'conflict',
      `${r.friend.name} was named by ${r.referrer.name} but not introduced yet and has not opted in: ` +
        `ask ${r.referrer.name} to introduce you, or record that they opted in`,
      [{ path: 'status', message: 'waiting for introduction' }],
    );
  }
  if (to === 'won') {
    set.won_at = nowIso();
    set.won_event_id = extra.wonEventId ?? null;
  }
  // Reopening a lost referral: the reason stays on the timeline, not on the live referral.
  if (from === 'lost') set.lost_reason = null;
  const wonAt = row.won_at;
  await setReferral(tx, row, set);
  const metric = { contacted: 'contacted', appointment: 'appointments', won: 'won', lost: 'lost' } as const;
  if (to in metric) await countReferral(tx, row, metric[to as keyof typeof metric], 1, nowIso());
  if (to === 'won') await countWin(tx, row, 1);
  // A won referral found void no longer counts as won, on the day it was won.
  if (from === 'won' && wonAt) {
    await countReferral(tx, row, 'won', -1, wonAt);
    await countWin(tx, row, -1);
  }
  await addActivity(tx, row.workspace_id, row.id, by, {
    kind: 'status',
    from_status: from,
    to_status: to,
    note,
    ...(Object.keys(data).length ? { data } : {}),
  });
  const issued = to === 'won' ? await onReferralWon(tx, row.workspace_id, by, row) : [];
  if (from === 'won')
    await voidReferralRewards(tx, row.workspace_id, by, row.id, `Referral voided: ${set.void_reason}`);
  await emit(tx, row.workspace_id, 'referral.status_changed', {
    referralId: row.id,
    from,
    to,
    programId: row.program_id,
    referrerId: row.referrer_id,
    friendId: row.friend_id,
  });
  return issued;
}

/**
 * Moves a referral to another status under the pipeline's rules, with an activity and a
 * `referral.status_changed` event in the same transaction. Moving to the current status does
 * nothing. Used by PATCH /referrals/:id and by other features (a purchase marks a referral won).
 */
export async function changeStatus(
  db: Db,
  workspaceId: string,
  by: By,
  referralId: string,
  to: ReferralStatus,
  extra: StatusExtra = {},
): Promise<Referral> {
  return transaction(db, async (tx) => {
    const row = await lockReferral(tx, workspaceId, referralId);
    await applyStatus(tx, by, row, to, extra);
    return getReferral(tx, workspaceId, referralId);
  });
}

/**
 * A business event won a referral: like changeStatus to "won", inside the event's transaction,
 * returning the rewards it issued instead of re-reading the referral.
 */
export async function winReferral(
  tx: Db,
  workspaceId: string,
  by: By,
  referralId: string,
  extra: StatusExtra,
): Promise<string[]> {
  const row = await lockReferral(tx, workspaceId, referralId);
  return applyStatus(tx, by, row, 'won', extra);
}

/** Edits a referral: status, assignment, follow-up and appointment times, reasons. */
export async function updateReferral(db: Db, actor: Actor, id: string, patch: ReferralPatch) {
  return transaction(db, async (tx) => {
    const ws = actor.workspaceId;
    const row = await lockReferral(tx, ws, id);
    const by = await byOf(tx, actor);
    const finalStatus = patch.status ?? row.status;
    // Voiding is a judgement on fraud or duplicates: the owner's or a manager's call.
    if (patch.status === 'void' && row.status !== 'void') requireRole(actor, 'manager');
    if (patch.lostReason !== undefined && finalStatus !== 'lost')
      throw invalid('lostReason', 'only with status "lost"');
    if (patch.voidReason !== undefined && finalStatus !== 'void')
      throw invalid('voidReason', 'only with status "void"');

    if (patch.assignedTo !== undefined && patch.assignedTo !== row.assigned_to) {
      let name: string | null = null;
      if (patch.assignedTo) {
        const member = await tx
          .selectFrom('memberships as m')
          .innerJoin('users as u', 'u.id', 'm.user_id')
          .select(['u.name', 'u.disabled_at'])
          .where('m.workspace_id', '=', ws)
          .where('m.user_id', '=', patch.assignedTo)
          .executeTakeFirst();
        if (!member || member.disabled_at) throw invalid('assignedTo', 'not a staff member of this business');
        name = member.name;
      }
      const before = row.assigned_to;
      await setReferral(tx, row, { assigned_to: patch.assignedTo });
      await addActivity(tx, ws, id, by, {
        kind: 'assigned',
        note: name ? `assigned to ${name}` : 'unassigned',
        data: { from: before, to: patch.assignedTo, toName: name },
      });
    }

    if (patch.followUpDueAt !== undefined) {
      const at = utc(patch.followUpDueAt);
      if (at !== row.follow_up_due_at) {
        const before = row.follow_up_due_at;
        await setReferral(tx, row, { follow_up_due_at: at });
        await addActivity(tx, ws, id, by, { kind: 'follow_up', data: { from: before, to: at } });
      }
    }

    const statusChanges = patch.status !== undefined && patch.status !== row.status;
    // Booking an appointment sets its date with the status change: one entry on the timeline.
    if (patch.appointmentAt !== undefined && !(statusChanges && patch.status === 'appointment')) {
      const at = utc(patch.appointmentAt);
      if (at === null && finalStatus === 'appointment')
        throw invalid('appointmentAt', 'a referral at status "appointment" needs its date');
      if (at !== row.appointment_at) {
        const before = row.appointment_at;
        await setReferral(tx, row, { appointment_at: at });
        await addActivity(tx, ws, id, by, { kind: 'appointment', data: { from: before, to: at } });
      }
    }

    if (patch.status !== undefined && statusChanges) {
      await applyStatus(tx, by, row, patch.status, {
        lostReason: patch.lostReason,
        voidReason: patch.voidReason,
        appointmentAt: patch.appointmentAt,
      });
    } else {
      // A corrected reason on a referral already lost or void.
      for (const [field, column] of [
        ['lostReason', 'lost_reason'],
        ['voidReason', 'void_reason'],
      ] as const) {
        const reason = patch[field];
        if (reason === undefined || reason === row[column]) continue;
        const before = row[column];
        await setReferral(tx, row, { [column]: reason });
        await addActivity(tx, ws, id, by, {
          kind: 'note',
          note: reason,
          data: { [field]: { from: before, to: reason } },
        });
      }
    }
    return getReferral(tx, ws, id);
  });
}

/** The referrer confirmed they told the friend about us: the business may now contact them. */
export async function recordIntroduced(db: Db, actor: Actor, id: string, note?: string) {
  return transaction(db, async (tx) => {
    await lockReferral(tx, actor.workspaceId, id);
    await markIntroduced(tx, actor.workspaceId, await byOf(tx, actor), id, note);
    return getReferral(tx, actor.workspaceId, id);
  });
}

/**
 * The friend agreed to be contacted; their marketing consent is recorded if they had none, and a
 * friend named by a referrer gets "your friend suggested we get in touch" (links on `publicUrl`).
 */
export async function recordOptIn(db: Db, actor: Actor, id: string, source: string, publicUrl: string) {
  return transaction(db, async (tx) => {
    const row = await lockReferral(tx, actor.workspaceId, id);
    if (await markOptedIn(tx, actor.workspaceId, await byOf(tx, actor), id, source))
      await queueFriendIntro(tx, actor.workspaceId, row, publicUrl);
    return getReferral(tx, actor.workspaceId, id);
  });
}

export async function addNote(db: Db, actor: Actor, id: string, note: string) {
  return transaction(db, async (tx) => {
    const row = await lockReferral(tx, actor.workspaceId, id);
    await addActivity(tx, actor.workspaceId, id, await byOf(tx, actor), { kind: 'note', note });
    await setReferral(tx, row, {});
    return getReferralDetail(tx, actor.workspaceId, id);
  });
}

/** A person looked at a flagged referral and found it fine. */
export async function clearFlag(db: Db, actor: Actor, id: string, note?: string) {
  requireRole(actor, 'manager');
  return transaction(db, async (tx) => {
    const row = await lockReferral(tx, actor.workspaceId, id);
    if (row.flag) {
      const by = await byOf(tx, actor);
      const cleared = row.flag;
      await setReferral(tx, row, { flag: null });
      await addActivity(tx, actor.workspaceId, id, by, {
        kind: 'flagged',
        note: `cleared by ${by.label}${note ? `: ${note}` : ''}`,
        data: { cleared },
      });
    }
    return getReferral(tx, actor.workspaceId, id);
  });
}

// --- Network ----------------------------------------------------------------------------------

/** Generations followed upwards at most (a chain longer than this is shown truncated). */
export const MAX_CHAIN = 20;
/** People shown downwards at most. */
export const MAX_NETWORK = 2000;

const edgeQuery = (db: Db, workspaceId: string, other: 'r.referrer_id' | 'r.friend_id') =>
  db
    .selectFrom('referrals as r')
    .innerJoin('programs as p', (j) =>
      j.onRef('p.workspace_id', '=', 'r.workspace_id').onRef('p.id', '=', 'r.program_id'),
    )
    .innerJoin('people as x', (j) =>
      j.onRef('x.workspace_id', '=', 'r.workspace_id').onRef('x.id', '=', other),
    )
    .select([
      'r.id',
      'r.status',
      'r.program_id',
      'p.name as program_name',
      'r.channel',
      'r.created_at',
      'r.won_at',
      'r.referrer_id',
      'r.friend_id',
      'x.id as person_id',
      'x.first_name',
      'x.last_name',
      'x.organisation',
      'x.email',
      'x.kind',
    ])
    .where('r.workspace_id', '=', workspaceId);

type Edge = Awaited<ReturnType<ReturnType<typeof edgeQuery>['execute']>>[number];

const edgeParts = (e: Edge) => ({
  person: { id: e.person_id, name: personName(e), kind: e.kind },
  referral: {
    id: e.id,
    status: e.status,
    programId: e.program_id,
    programName: e.program_name,
    channel: e.channel,
    createdAt: e.created_at,
    wonAt: e.won_at,
  },
});

/**
 * Who referred a person (up to the source of influence) and whom they referred, generation by
 * generation: one query per generation, never one per person. Void referrals are not influence,
 * so the chain upwards skips them; downwards they are shown with their status.
 */
export async function getNetwork(
  db: Db,
  workspaceId: string,
  personId: string,
  depth: number,
): Promise<Network> {
  let root = await db
    .selectFrom('people')
    .select(['id', 'first_name', 'last_name', 'organisation', 'email', 'kind', 'merged_into_id'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', personId)
    .executeTakeFirst();
  // A merged person's referrals moved to the person they were merged into.
  if (root?.merged_into_id)
    root = await db
      .selectFrom('people')
      .select(['id', 'first_name', 'last_name', 'organisation', 'email', 'kind', 'merged_into_id'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', root.merged_into_id)
      .executeTakeFirst();
  if (!root) throw notFound('Person');
  let truncated = false;

  // Upwards: the first (non-void) referral of each person, one generation at a time.
  const referredBy: Network['referredBy'] = [];
  const inChain = new Set([root.id]);
  let current = root.id;
  for (let g = 0; g < MAX_CHAIN; g++) {
    const up = await edgeQuery(db, workspaceId, 'r.referrer_id')
      .where('r.friend_id', '=', current)
      .where('r.status', '!=', 'void')
      .orderBy('r.created_at')
      .orderBy('r.id')
      .limit(1)
      .executeTakeFirst();
    if (!up || inChain.has(up.referrer_id)) break;
    referredBy.push(edgeParts(up));
    inChain.add(up.referrer_id);
    current = up.referrer_id;
    if (g === MAX_CHAIN - 1) truncated = true;
  }

  // Downwards: everyone referred by the previous generation, one query per generation.
  const referred: NetworkNode[] = [];
  const seen = new Set([root.id]);
  let frontier = [root.id];
  for (let generation = 1; generation <= depth && frontier.length && !truncated; generation++) {
    const room = MAX_NETWORK - referred.length;
    const rows = await edgeQuery(db, workspaceId, 'r.friend_id')
      .where('r.referrer_id', 'in', frontier)
      .orderBy('r.created_at')
      .orderBy('r.id')
      .limit(room + 1)
      .execute();
    if (rows.length > room) {
      truncated = true;
      rows.length = room;
    }
    frontier = [];
    for (const row of rows) {
      const repeated = seen.has(row.friend_id);
      referred.push({
        generation,
        referrerId: row.referrer_id,
        ...edgeParts(row),
        counts: { referred: 0, won: 0 },
        revenue: 0,
        branchRevenue: 0,
        repeated,
      });
      if (!repeated) {
        seen.add(row.friend_id);
        frontier.push(row.friend_id);
      }
    }
  }

  // How many each person shown referred, and how many of those were won: one query.
  const counts = new Map<string, { referred: number; won: number }>();
  const ids = [...seen];
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await db
      .selectFrom('referrals')
      .select((eb) => [
        'referrer_id',
        eb.fn.countAll<number>().as('referred'),
        eb.fn.sum<number>(eb.case().when('status', '=', 'won').then(1).else(0).end()).as('won'),
      ])
      .where('workspace_id', '=', workspaceId)
      .where('referrer_id', 'in', ids.slice(i, i + 1000))
      .where('status', '!=', 'void')
      .groupBy('referrer_id')
      .execute();
    for (const r of rows)
      counts.set(r.referrer_id, { referred: Number(r.referred), won: Number(r.won ?? 0) });
  }
  for (const node of referred) node.counts = counts.get(node.person.id) ?? { referred: 0, won: 0 };

  // Revenue stays with the referral that brought each customer: purchases less refunds.
  const revenue = new Map<string, number>();
  const referralIds = referred.filter((n) => !n.repeated).map((n) => n.referral.id);
  for (let i = 0; i < referralIds.length; i += 1000) {
    const rows = await db
      .selectFrom('business_events')
      .select((eb) => [
        'referral_id',
        eb.fn
          .sum<number>(
            eb
              .case()
              .when('type', '=', 'refund')
              .then(eb.neg(eb.ref('amount')))
              .else(eb.ref('amount'))
              .end(),
          )
          .as('net'),
      ])
      .where('workspace_id', '=', workspaceId)
      .where('referral_id', 'in', referralIds.slice(i, i + 1000))
      .where('type', 'in', ['purchase', 'refund'])
      .groupBy('referral_id')
      .execute();
    for (const r of rows) revenue.set(r.referral_id as string, Number(r.net ?? 0));
  }
  // Deepest first, so each branch adds up what is below it.
  const nodeOf = new Map(referred.filter((n) => !n.repeated).map((n) => [n.person.id, n]));
  for (const node of [...referred].reverse()) {
    if (node.repeated) continue;
    node.revenue = revenue.get(node.referral.id) ?? 0;
    node.branchRevenue += node.revenue;
    const parent = nodeOf.get(node.referrerId);
    if (parent && parent.generation === node.generation - 1) parent.branchRevenue += node.branchRevenue;
  }
  const firstGeneration = referred.filter((n) => n.generation === 1 && !n.repeated);

  return {
    person: { id: root.id, name: personName(root), kind: root.kind },
    counts: counts.get(root.id) ?? { referred: 0, won: 0 },
    referredBy,
    referred,
    truncated,
    revenue: {
      direct: firstGeneration.reduce((sum, n) => sum + n.revenue, 0),
      total: firstGeneration.reduce((sum, n) => sum + n.branchRevenue, 0),
    },
  };
}

// --- Coupons at the counter -------------------------------------------------------------------

const badCode = () =>
  new AppError(
    'not_found',
    'No coupon with this code: codes use the digits 2-9 and the letters A-Z without I, L and O',
    [{ path: 'code', message: 'not a coupon code' }],
  );

export async function getCoupon(db: Db, workspaceId: string, raw: string): Promise<CouponAtCounter> {
  const code = normalizeCode(raw);
  if (!code) throw badCode();
  const row = await db
    .selectFrom('coupons as c')
    .innerJoin('referrals as r', (j) =>
      j.onRef('r.workspace_id', '=', 'c.workspace_id').onRef('r.id', '=', 'c.referral_id'),
    )
    .innerJoin('programs as p', (j) =>
      j.onRef('p.workspace_id', '=', 'r.workspace_id').onRef('p.id', '=', 'r.program_id'),
    )
    .innerJoin('people as f', (j) =>
      j.onRef('f.workspace_id', '=', 'c.workspace_id').onRef('f.id', '=', 'c.friend_id'),
    )
    .innerJoin('people as a', (j) =>
      j.onRef('a.workspace_id', '=', 'r.workspace_id').onRef('a.id', '=', 'r.referrer_id'),
    )
    .selectAll('c')
    .select([
      'r.status',
      'r.void_reason',
      'p.name as program_name',
      'f.first_name as f_first',
      'f.last_name as f_last',
      'f.organisation as f_org',
      'f.email as f_email',
      'f.phone as f_phone',
      'a.first_name as a_first',
      'a.last_name as a_last',
      'a.organisation as a_org',
      'a.email as a_email',
    ])
    .where('c.workspace_id', '=', workspaceId)
    .where('c.code', '=', code)
    .executeTakeFirst();
  if (!row)
    throw new AppError('not_found', `No coupon ${code}: check the code`, [
      { path: 'code', message: 'unknown' },
    ]);
  return {
    ...toCoupon(row),
    friend: {
      id: row.friend_id,
      name: personName({
        first_name: row.f_first,
        last_name: row.f_last,
        organisation: row.f_org,
        email: row.f_email,
      }),
      email: row.f_email,
      phone: row.f_phone,
    },
    referral: {
      id: row.referral_id,
      status: row.status,
      programName: row.program_name,
      referrerName: personName({
        first_name: row.a_first,
        last_name: row.a_last,
        organisation: row.a_org,
        email: row.a_email,
      }),
      voidReason: row.void_reason,
    },
  };
}

/** Redeems a friend's coupon at the counter: once, before it expires, never for a void referral. */
export async function redeemCoupon(
  db: Db,
  actor: Actor,
  raw: string,
  note?: string,
): Promise<CouponAtCounter> {
  return transaction(db, async (tx) => {
    const ws = actor.workspaceId;
    const coupon = await getCoupon(tx, ws, raw);
    const already = (at: string, who: string | null) =>
      new AppError(
        'conflict',
        `Coupon ${coupon.code} was already redeemed on ${at.slice(0, 16).replace('T', ' ')} UTC${who ? ` by ${who}` : ''}`,
        [{ path: 'code', message: 'already redeemed', redeemedAt: at, redeemedBy: who }],
      );
    if (coupon.redeemedAt) throw already(coupon.redeemedAt, coupon.redeemedBy);
    const now = nowIso();
    if (coupon.expiresAt < now) {
      throw new AppError(
        'unprocessable',
        `Coupon ${coupon.code} expired on ${coupon.expiresAt.slice(0, 10)}`,
        [{ path: 'code', message: 'expired', expiresAt: coupon.expiresAt }],
      );
    }
    if (coupon.referral.status === 'void') {
      throw new AppError(
        'unprocessable',
        `Coupon ${coupon.code} belongs to a void referral${coupon.referral.voidReason ? ` (${coupon.referral.voidReason})` : ''}`,
        [{ path: 'code', message: 'void referral' }],
      );
    }
    const by = await byOf(tx, actor);
    const res = await tx
      .updateTable('coupons')
      .set({ redeemed_at: now, redeemed_by: by.label })
      .where('workspace_id', '=', ws)
      .where('id', '=', coupon.id)
      .where('redeemed_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) {
      // Someone at the other till was faster.
      const again = await getCoupon(tx, ws, coupon.code);
      throw already(again.redeemedAt ?? now, again.redeemedBy);
    }
    await addActivity(tx, ws, coupon.referralId, by, {
      kind: 'coupon_redeemed',
      note: `coupon ${coupon.code} redeemed${note ? `: ${note}` : ''}`,
      data: { couponId: coupon.id, code: coupon.code },
    });
    return getCoupon(tx, ws, coupon.code);
  });
}
