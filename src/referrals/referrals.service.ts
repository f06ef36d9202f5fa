import type { Selectable } from 'kysely';
import { countReferral } from '../analytics/rollup.ts';
import { type Db, isUniqueViolation, transaction } from '../db/connect.ts';
import { AppError, notFound } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { queueFriendCoupon } from '../messaging/senders.ts';
import { PersonInput } from '../people/people.schema.ts';
import { findDuplicates, invalidPerson, livePerson, preparePerson } from '../people/people.service.ts';
import type { PeopleTable } from '../people/people.table.ts';
import type { Reward } from '../programs/programs.schema.ts';
import { getProgram, isOpen, todayIn } from '../programs/programs.service.ts';
import { emit } from '../webhooks/domain-events.ts';
import { newCode } from './codes.ts';
import { FriendInput, type Referral } from './referrals.schema.ts';
import type { Channel, ReferralActivitiesTable, ReferralsTable } from './referrals.table.ts';

/** Who made a change, as shown on a referral's timeline. */
export type By = { userId: string | null; label: string };

type ReferralRow = Selectable<ReferralsTable>;
type PersonRow = Selectable<PeopleTable>;

/** Claims from one address within an hour beyond which a referral is flagged for review. */
export const IP_BURST = 5;

/** How a person is named on screens and timelines: their name, else organisation, else email. */
export const personName = (p: Pick<PersonRow, 'first_name' | 'last_name' | 'organisation' | 'email'>) =>
  [p.first_name, p.last_name].filter(Boolean).join(' ') || p.organisation || p.email || 'someone';

export const waitingForIntroduction = (
  r: Pick<ReferralRow, 'channel' | 'introduced_at' | 'friend_opt_in_at'>,
) => r.channel === 'named_by_referrer' && !r.introduced_at && !r.friend_opt_in_at;

/** A business may contact the friend: they opted in, or the referrer introduced us. */
export const mayContactFriend = (r: Pick<ReferralRow, 'introduced_at' | 'friend_opt_in_at'>) =>
  Boolean(r.introduced_at || r.friend_opt_in_at);

export async function addActivity(
  db: Db,
  workspaceId: string,
  referralId: string,
  by: By,
  a: Pick<ReferralActivitiesTable, 'kind'> &
    Partial<Pick<ReferralActivitiesTable, 'from_status' | 'to_status' | 'note'>> & { data?: object },
) {
  await db
    .insertInto('referral_activities')
    .values({
      workspace_id: workspaceId,
      id: newId(),
      referral_id: referralId,
      kind: a.kind,
      from_status: a.from_status ?? null,
      to_status: a.to_status ?? null,
      note: a.note ?? null,
      data: a.data ? JSON.stringify(a.data) : null,
      actor_id: by.userId,
      actor_label: by.label,
      at: nowIso(),
    })
    .execute();
}

/**
 * The follow-up due time: `hours` after `from`, pushed past weekends in the workspace's time zone
 * (24 hours on a Friday afternoon means Monday afternoon).
 */
export function followUpDue(from: Date, hours: number, timeZone: string): string {
  let due = new Date(from.getTime() + hours * 3_600_000);
  const weekday = (d: Date) => new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' }).format(d);
  for (let i = 0; i < 3 && ['Sat', 'Sun'].includes(weekday(due)); i++)
    due = new Date(due.getTime() + 86_400_000);
  return due.toISOString();
}

/**
 * The referral a friend is attributed to, whether this call created it, and what it newly
 * learnt about one that existed (a later opt-in or introduction).
 */
export type Attribution = { referral: Referral; created: boolean; learnt: Array<'opted_in' | 'introduced'> };

export type NewReferral = {
  programId: string;
  referrerId: string;
  friend: FriendInput;
  channel: Channel;
  linkId?: string | null;
  /** the referrer told the friend about us */
  introduced?: boolean;
  /** the friend agreed to be contacted (claim form consent, intake form) */
  friendOptIn?: { source: string } | null;
  /** keyed hash of the submitting address, for burst detection */
  sourceIpKey?: string | null;
  /** extra reason for review, e.g. a click burst seen by the caller */
  flag?: string | null;
};

/**
 * Attributes a friend to a referrer in a program: the one door every channel goes through.
 * Refuses self-referral and existing customers; a friend already attributed in the program
 * stays with the first referrer (`created: false` with that referral). Suspicious patterns are
 * flagged for review, never dropped.
 */
export async function createReferral(
  db: Db,
  workspaceId: string,
  by: By,
  input: NewReferral,
): Promise<Attribution> {
  try {
    return await attribute(db, workspaceId, by, input);
  } catch (err) {
    // Two deliveries of the same claim raced past the check: the unique constraint kept one;
    // a second pass finds it and answers as for any repeat.
    if (isUniqueViolation(err) && !db.isTransaction) return attribute(db, workspaceId, by, input);
    throw err;
  }
}

function attribute(db: Db, workspaceId: string, by: By, input: NewReferral): Promise<Attribution> {
  return transaction(db, async (tx) => {
    const ws = await tx
      .selectFrom('workspaces')
      .select(['country', 'time_zone'])
      .where('id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    const program = await getProgram(tx, workspaceId, input.programId);
    if (!isOpen(program, todayIn(ws.time_zone))) {
      throw new AppError(
        'unprocessable',
        `The program "${program.name}" is not taking referrals (${program.status})`,
      );
    }
    const referrer = await requirePerson(tx, workspaceId, input.referrerId, 'Referrer');
    const friendIn = FriendInput.parse(input.friend);
    const now = nowIso();

    // Resolve the friend: by id, or by what we know of them, or as a new prospect.
    let friend: PersonRow;
    let friendFields: { email_key: string | null; phone: string | null } = { email_key: null, phone: null };
    if (friendIn.personId) {
      friend = await requirePerson(tx, workspaceId, friendIn.personId, 'Friend');
    } else {
      const prepared = preparePerson(
        PersonInput.parse({
          kind: 'prospect',
          firstName: friendIn.firstName,
          lastName: friendIn.lastName,
          email: friendIn.email,
          phone: friendIn.phone,
          organisation: friendIn.organisation,
          notes: friendIn.note,
          marketingConsent: null,
        }),
        ws.country,
        now,
      );
      if (!prepared.ok) throw invalidPerson(prepared.errors, 'friend');
      friendFields = prepared.person.fields as typeof friendFields;
      const known = (
        await findDuplicates(tx, workspaceId, {
          email_key: friendFields.email_key,
          phone: friendFields.phone,
        })
      )[0];
      if (known) friend = await requirePerson(tx, workspaceId, known.id, 'Friend');
      else {
        friend = {
          ...prepared.person.fields,
          workspace_id: workspaceId,
          id: newId(),
          merged_into_id: null,
          created_at: now,
          updated_at: now,
        } as PersonRow;
        if (friendIsReferrer(referrer, friendFields)) throw selfReferral();
        await tx.insertInto('people').values(friend).execute();
      }
    }

    if (friend.id === referrer.id || friendIsReferrer(referrer, friend)) throw selfReferral();
    if (friend.kind === 'customer') {
      throw new AppError(
        'conflict',
        `${personName(friend)} is already a customer, so they cannot be referred`,
        [{ path: 'friend', message: 'existing customer', personId: friend.id }],
      );
    }

    const existing = await tx
      .selectFrom('referrals')
      .select(['id', 'referrer_id'])
      .where('workspace_id', '=', workspaceId)
      .where('program_id', '=', program.id)
      .where('friend_id', '=', friend.id)
      .executeTakeFirst();
    if (existing) {
      // The friend stays with the first referrer, but what we learn now still counts: the friend
      // agreeing to be contacted, or that same referrer having told them about us.
      const learnt: Attribution['learnt'] = [];
      if (
        input.friendOptIn &&
        (await markOptedIn(tx, workspaceId, by, existing.id, input.friendOptIn.source))
      ) {
        learnt.push('opted_in');
      }
      if (
        input.introduced &&
        existing.referrer_id === referrer.id &&
        (await markIntroduced(tx, workspaceId, by, existing.id))
      ) {
        learnt.push('introduced');
      }
      return { referral: await getReferral(tx, workspaceId, existing.id), created: false, learnt };
    }

    const flags: string[] = [];
    if (input.flag) flags.push(input.flag);
    if (input.sourceIpKey) {
      const since = new Date(Date.now() - 3_600_000).toISOString();
      const { n } = await tx
        .selectFrom('referrals')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', workspaceId)
        .where('source_ip_key', '=', input.sourceIpKey)
        .where('created_at', '>=', since)
        .executeTakeFirstOrThrow();
      if (Number(n) >= IP_BURST) flags.push(`${Number(n) + 1} claims from one address within an hour`);
    }

    const referral: ReferralRow = {
      workspace_id: workspaceId,
      id: newId(),
      program_id: program.id,
      terms_id: program.termsId,
      referrer_id: referrer.id,
      friend_id: friend.id,
      link_id: input.linkId ?? null,
      channel: input.channel,
      status: 'new',
      introduced_at: input.introduced ? now : null,
      friend_opt_in_at: input.friendOptIn ? now : null,
      assigned_to: null,
      follow_up_due_at: followUpDue(new Date(now), program.followUpHours, ws.time_zone),
      appointment_at: null,
      lost_reason: null,
      void_reason: null,
      flag: flags.length ? flags.join('; ') : null,
      source_ip_key: input.sourceIpKey ?? null,
      created_by: by.userId,
      won_at: null,
      won_event_id: null,
      source_kind: referrer.kind,
      created_at: now,
      updated_at: now,
    };
    await tx.insertInto('referrals').values(referral).execute();
    await countReferral(tx, referral, 'referred', 1, now);
    if (input.friendOptIn && !friend.marketing_consent_at) {
      await tx
        .updateTable('people')
        .set({
          marketing_consent_at: now,
          marketing_consent_source: input.friendOptIn.source,
          updated_at: now,
        })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', friend.id)
        .execute();
    }
    await addActivity(tx, workspaceId, referral.id, by, {
      kind: 'created',
      to_status: 'new',
      note: friendIn.note || null,
      data: { channel: input.channel },
    });
    if (referral.flag)
      await addActivity(tx, workspaceId, referral.id, by, { kind: 'flagged', note: referral.flag });
    await emit(tx, workspaceId, 'referral.created', {
      referralId: referral.id,
      programId: program.id,
      referrerId: referrer.id,
      friendId: friend.id,
      channel: input.channel,
    });
    return { referral: await getReferral(tx, workspaceId, referral.id), created: true, learnt: [] };
  });
}

const selfReferral = () =>
  new AppError('unprocessable', 'You cannot refer yourself', [
    { path: 'friend', message: 'same person as the referrer' },
  ]);

function friendIsReferrer(referrer: PersonRow, friend: { email_key: string | null; phone: string | null }) {
  return Boolean(
    (friend.email_key && friend.email_key === referrer.email_key) ||
      (friend.phone && friend.phone === referrer.phone),
  );
}

async function requirePerson(db: Db, workspaceId: string, id: string, what: string): Promise<PersonRow> {
  const row = await livePerson(db, workspaceId, id);
  if (!row) throw notFound(what);
  return row;
}

export async function getReferral(db: Db, workspaceId: string, id: string): Promise<Referral> {
  const [r] = await selectReferrals(db, workspaceId).where('r.id', '=', id).execute();
  if (!r) throw notFound('Referral');
  return toReferral(r);
}

/** Referrals with their program, referrer and friend, for lists and single reads. */
export const selectReferrals = (db: Db, workspaceId: string) =>
  db
    .selectFrom('referrals as r')
    .innerJoin('programs as p', (j) =>
      j.onRef('p.workspace_id', '=', 'r.workspace_id').onRef('p.id', '=', 'r.program_id'),
    )
    .innerJoin('people as a', (j) =>
      j.onRef('a.workspace_id', '=', 'r.workspace_id').onRef('a.id', '=', 'r.referrer_id'),
    )
    .innerJoin('people as f', (j) =>
      j.onRef('f.workspace_id', '=', 'r.workspace_id').onRef('f.id', '=', 'r.friend_id'),
    )
    .selectAll('r')
    .select([
      'p.name as program_name',
      'a.first_name as a_first',
      'a.last_name as a_last',
      'a.organisation as a_org',
      'a.email as a_email',
      'a.phone as a_phone',
      'f.first_name as f_first',
      'f.last_name as f_last',
      'f.organisation as f_org',
      'f.email as f_email',
      'f.phone as f_phone',
    ])
    .where('r.workspace_id', '=', workspaceId);

type JoinedRow = ReferralRow & {
  program_name: string;
  a_first: string;
  a_last: string;
  a_org: string | null;
  a_email: string | null;
  a_phone: string | null;
  f_first: string;
  f_last: string;
  f_org: string | null;
  f_email: string | null;
  f_phone: string | null;
};

export function toReferral(r: JoinedRow, now = nowIso()): Referral {
  const open = r.status === 'new' || r.status === 'contacted';
  return {
    id: r.id,
    programId: r.program_id,
    programName: r.program_name,
    termsId: r.terms_id,
    referrer: {
      id: r.referrer_id,
      name: personName({
        first_name: r.a_first,
        last_name: r.a_last,
        organisation: r.a_org,
        email: r.a_email,
      }),
      email: r.a_email,
      phone: r.a_phone,
    },
    friend: {
      id: r.friend_id,
      name: personName({
        first_name: r.f_first,
        last_name: r.f_last,
        organisation: r.f_org,
        email: r.f_email,
      }),
      email: r.f_email,
      phone: r.f_phone,
    },
    channel: r.channel,
    status: r.status,
    waitingForIntroduction: waitingForIntroduction(r),
    introducedAt: r.introduced_at,
    friendOptInAt: r.friend_opt_in_at,
    assignedTo: r.assigned_to,
    followUpDueAt: r.follow_up_due_at,
    // A friend waiting for their introduction cannot be followed up yet, so is never overdue.
    overdue: open && !waitingForIntroduction(r) && r.follow_up_due_at !== null && r.follow_up_due_at < now,
    appointmentAt: r.appointment_at,
    lostReason: r.lost_reason,
    voidReason: r.void_reason,
    flag: r.flag,
    wonAt: r.won_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The friend's coupon for a referral (one per referral; asking again returns the same one). */
export async function issueCoupon(
  db: Db,
  workspaceId: string,
  referral: Pick<Referral, 'id' | 'friend' | 'referrer'>,
  incentive: Reward | null,
  days: number,
  /** given, the friend also gets the coupon by email (links on this address) */
  publicUrl?: string,
) {
  return transaction(db, async (tx) => {
    const existing = await tx
      .selectFrom('coupons')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('referral_id', '=', referral.id)
      .executeTakeFirst();
    if (existing) return existing;
    const now = new Date();
    const coupon = {
      workspace_id: workspaceId,
      id: newId(),
      code: newCode(10),
      referral_id: referral.id,
      friend_id: referral.friend.id,
      incentive: incentive ? JSON.stringify(incentive) : null,
      expires_at: new Date(now.getTime() + days * 86_400_000).toISOString(),
      redeemed_at: null,
      redeemed_by: null,
      created_at: now.toISOString(),
    };
    await tx.insertInto('coupons').values(coupon).execute();
    if (publicUrl) await queueFriendCoupon(tx, workspaceId, coupon, referral.referrer.id, publicUrl);
    return coupon;
  });
}

/** The referrer told the friend about us, so the business may contact them. Once; true if now. */
export async function markIntroduced(db: Db, workspaceId: string, by: By, referralId: string, note?: string) {
  const now = nowIso();
  const done = await db
    .updateTable('referrals')
    .set({ introduced_at: now, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', referralId)
    .where('introduced_at', 'is', null)
    .executeTakeFirst();
  if (done.numUpdatedRows === 0n) return false;
  await addActivity(db, workspaceId, referralId, by, { kind: 'introduced', note: note || null });
  return true;
}

/**
 * The friend agreed to be contacted; it becomes their marketing consent if they had none.
 * Once; true if now.
 */
export async function markOptedIn(db: Db, workspaceId: string, by: By, referralId: string, source: string) {
  const now = nowIso();
  const done = await db
    .updateTable('referrals')
    .set({ friend_opt_in_at: now, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', referralId)
    .where('friend_opt_in_at', 'is', null)
    .returning('friend_id')
    .executeTakeFirst();
  if (!done) return false;
  await db
    .updateTable('people')
    .set({ marketing_consent_at: now, marketing_consent_source: source, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', done.friend_id)
    .where('marketing_consent_at', 'is', null)
    .execute();
  await addActivity(db, workspaceId, referralId, by, { kind: 'opted_in', note: source });
  return true;
}
