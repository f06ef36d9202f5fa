import type { Selectable } from 'kysely';
import {
  type AcquisitionCounts,
  addAcquisition,
  countPurchase,
  writeAcquisition,
} from '../analytics/acquisition.ts';
import { countReferral } from '../analytics/rollup.ts';
import { askOnEvent } from '../asks/engine.ts';
import type { Actor } from '../auth/auth.service.ts';
import type { Db } from '../db/connect.ts';
import { inSavepoint } from '../db/group-commit.ts';
import { AppError, type ErrorDetail } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { emailKey, normalizeEmail, normalizePhone } from '../people/normalize.ts';
import { PersonInput } from '../people/people.schema.ts';
import { livePerson, preparePerson } from '../people/people.service.ts';
import type { PersonKind } from '../people/people.table.ts';
import type { ProgramTerms } from '../programs/programs.schema.ts';
import { getTerms } from '../programs/programs.service.ts';
import { formatMoney } from '../public/format.ts';
import { winReferral } from '../referrals/pipeline.service.ts';
import type { By } from '../referrals/referrals.service.ts';
import { issueRewards, refundRewards } from '../rewards/rewards.service.ts';
import type { BatchResult, Event, EventInput, Recorded } from './events.schema.ts';
import { EventInput as EventSchema } from './events.schema.ts';
import type { BusinessEventsTable } from './events.table.ts';

type EventRow = Selectable<BusinessEventsTable>;

const DAY = 86_400_000;
/** Clocks of point-of-sale systems drift; a little of the future is accepted. */
const FUTURE_SLACK_MS = 5 * 60_000;
const MAX_AGE_DAYS = 366;
/** A purchase rung up just before the referral was recorded (the coupon shown at the till) still counts. */
const ATTRIBUTION_GRACE_MS = 60 * 60_000;
const currencies = new Set(Intl.supportedValuesOf('currency'));

export type EventContext = {
  workspace: { id: string; currency: string; country: string };
  by: By;
  now: Date;
};

export async function eventContext(db: Db, actor: Actor, by: By, now = new Date()): Promise<EventContext> {
  const workspace = await db
    .selectFrom('workspaces')
    .select(['id', 'currency', 'country'])
    .where('id', '=', actor.workspaceId)
    .executeTakeFirstOrThrow();
  return { workspace, by, now };
}

export function toEvent(r: EventRow): Event {
  return {
    id: r.id,
    type: r.type,
    source: r.source,
    externalId: r.external_id,
    personId: r.person_id,
    occurredAt: r.occurred_at,
    amount: r.amount === null ? null : Number(r.amount),
    currency: r.currency,
    refundOfId: r.refund_of_id,
    referralId: r.referral_id,
    note: r.note,
    createdAt: r.created_at,
  };
}

const unprocessable = (path: string, message: string) =>
  new AppError('unprocessable', `${path}: ${message}`, [{ path, message }]);

/** Thrown inside the event's transaction when another delivery of it got there first. */
class AlreadyRecorded extends Error {}

const noEffects = () => ({ personCreated: false, referralWon: null, rewardsIssued: [], rewardsChanged: [] });

function findEvent(db: Db, workspaceId: string, source: string, externalId: string) {
  return db
    .selectFrom('business_events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('source', '=', source)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
}

/**
 * Records one business event and everything it sets off, exactly once per (source, external
 * id): repeats and racing deliveries answer "duplicate" with the first one and change nothing.
 * Runs in the caller's transaction; the event's own writes are in a savepoint, so a refused
 * event leaves the rest of a batch alone.
 */
/** What a batch looked up for all its events at once. */
/** The person an event is about, with what the acquisition rollup needs of them. */
type Found = {
  id: string;
  kind: PersonKind;
  created?: boolean;
  first_purchase_at: string | null;
  how_heard: string | null;
};
type Known = {
  isNew?: boolean;
  person?: Found;
  /** The batch's rollup changes, written once at its end (see recordBatch). */
  acquisition?: AcquisitionCounts;
};

export async function recordEvent(
  tx: Db,
  ctx: EventContext,
  input: EventInput,
  known: Known = {},
): Promise<Recorded> {
  const ws = ctx.workspace.id;
  if (!known.isNew) {
    const prior = await findEvent(tx, ws, input.source, input.externalId);
    if (prior) return { status: 'duplicate', event: toEvent(prior), effects: noEffects() };
  }
  try {
    // This event's rollup changes join the batch's only once it is recorded.
    const mine: AcquisitionCounts | undefined = known.acquisition && new Map();
    const recorded = await inSavepoint(tx, (sp) => apply(sp, ctx, input, known.person, mine));
    if (known.acquisition && mine) addAcquisition(known.acquisition, mine);
    return recorded;
  } catch (err) {
    if (!(err instanceof AlreadyRecorded)) throw err;
    const first = await findEvent(tx, ws, input.source, input.externalId);
    if (!first) throw err;
    return { status: 'duplicate', event: toEvent(first), effects: noEffects() };
  }
}

async function apply(
  tx: Db,
  ctx: EventContext,
  input: EventInput,
  knownPerson?: Known['person'],
  acquisition?: AcquisitionCounts,
): Promise<Recorded> {
  const ws = ctx.workspace;
  const effects: Recorded['effects'] = noEffects();
  const occurredAt = checkTime(input.occurredAt, ctx.now);
  const currency = input.amount === undefined ? null : checkCurrency(input.currency, ws.currency);
  let personId: string;
  let person: Found | undefined;
  let prospect = false;
  let referrals: Referrals = [];
  let purchase: EventRow | undefined;
  let amount = input.amount ?? null;
  if (input.type === 'refund') {
    purchase = await findEvent(tx, ws.id, input.source, input.refundOf as string);
    if (purchase?.type !== 'purchase')
      throw unprocessable('refundOf', `no purchase "${input.refundOf}" from source "${input.source}"`);
    const left = Number(purchase.amount) - (await refunded(tx, ws.id, purchase.id));
    if (left <= 0)
      throw unprocessable('refundOf', `purchase "${input.refundOf}" is already refunded in full`);
    amount ??= left;
    if (amount === 0) throw unprocessable('amount', 'a refund of nothing');
    if (amount > left)
      throw unprocessable(
        'amount',
        `${money(amount, ws)} is more than what is left to refund of purchase "${input.refundOf}" (${money(left, ws)})`,
      );
    personId = purchase.person_id;
  } else {
    person = knownPerson ?? (await resolvePerson(tx, ws, input.person as NonNullable<EventInput['person']>));
    personId = person.id;
    prospect = person.kind === 'prospect';
    referrals = await referralsOf(tx, ws.id, personId);
    effects.personCreated = person.created === true;
  }

  const row: EventRow = {
    workspace_id: ws.id,
    id: newId(),
    type: input.type,
    source: input.source,
    external_id: input.externalId,
    person_id: personId,
    occurred_at: occurredAt,
    amount,
    currency,
    refund_of_id: purchase?.id ?? null,
    referral_id: purchase ? purchase.referral_id : broughtBy(referrals),
    note: input.note ?? null,
    actor_label: ctx.by.label,
    created_at: nowIso(),
  };
  // The claim: the unique (source, external id) keeps one delivery; a racing one waits here
  // for the first to commit, finds it, and undoes its own work.
  const claimed = await tx
    .insertInto('business_events')
    .values(row)
    .onConflict((oc) => oc.columns(['workspace_id', 'source', 'external_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!claimed) throw new AlreadyRecorded();
  if (row.type === 'purchase' && person) await countPurchase(tx, ws.id, person, occurredAt, acquisition);

  if (input.type === 'refund') {
    const ref = await tx
      .selectFrom('referrals')
      .selectAll()
      .where('workspace_id', '=', ws.id)
      .where('won_event_id', '=', (purchase as EventRow).id)
      .executeTakeFirst();
    if (ref)
      effects.rewardsChanged = await refundRewards(tx, ws.id, ctx.by, ref, {
        eventId: row.id,
        purchaseExternalId: input.refundOf as string,
      });
  } else {
    if (prospect && input.type !== 'ticket_resolved')
      await tx
        .updateTable('people')
        .set({ kind: 'customer', updated_at: row.created_at })
        .where('workspace_id', '=', ws.id)
        .where('id', '=', personId)
        .where('kind', '=', 'prospect')
        .execute();
    await attribute(tx, ctx, row, referrals, effects);
    // The ask rules this event sets off (nothing to do, and no query, without active ones).
    await askOnEvent(tx, ws.id, row, ctx.by.userId, ctx.now);
  }
  // Revenue stays with the referral that brought the customer, on the dashboard too.
  if (row.referral_id && row.amount && (row.type === 'purchase' || row.type === 'refund')) {
    // A purchase's referral was read with the person's; a refund's is its purchase's.
    const bucket =
      referrals.find((r) => r.id === row.referral_id) ??
      (await tx
        .selectFrom('referrals')
        .select(['workspace_id', 'program_id', 'channel', 'source_kind', 'assigned_to', 'created_by'])
        .where('workspace_id', '=', ws.id)
        .where('id', '=', row.referral_id)
        .executeTakeFirstOrThrow());
    await countReferral(
      tx,
      bucket,
      'revenue',
      row.type === 'refund' ? -row.amount : row.amount,
      row.occurred_at,
    );
  }
  return { status: 'accepted', event: toEvent(row), effects };
}

/** A person's referrals that an event may win or that brought them, oldest first. */
async function referralsOf(tx: Db, workspaceId: string, personId: string) {
  const rows = await tx
    .selectFrom('referrals')
    .select([
      'id',
      'status',
      'terms_id',
      'created_at',
      'won_at',
      'won_event_id',
      // the dashboard bucket of the revenue this person brings
      'workspace_id',
      'program_id',
      'channel',
      'source_kind',
      'assigned_to',
      'created_by',
    ])
    .where('workspace_id', '=', workspaceId)
    .where('friend_id', '=', personId)
    .where('status', 'in', ['new', 'contacted', 'appointment', 'won'])
    .execute();
  // Sorted here: an ORDER BY tempts SQLite into walking the workspace's referrals by date.
  return rows.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
}
type Referrals = Awaited<ReturnType<typeof referralsOf>>;

/** Revenue stays with the won referral that brought this customer. */
const broughtBy = (referrals: Referrals) =>
  referrals
    .filter((r) => r.status === 'won')
    .sort((a, b) => (a.won_at ?? '').localeCompare(b.won_at ?? ''))[0]?.id ?? null;

/**
 * A referred friend's first qualifying event inside the program's window wins the referral
 * (the oldest open one, if several programs have them), and a purchase of a referral staff
 * already marked won supplies the amount its percent rewards wait for.
 */
async function attribute(
  tx: Db,
  ctx: EventContext,
  e: EventRow,
  referrals: Referrals,
  effects: Recorded['effects'],
) {
  const ws = ctx.workspace.id;
  for (const r of referrals) {
    if (r.status === 'won' && r.won_event_id) continue;
    const terms = await getTerms(tx, ws, r.terms_id);
    if (!qualifies(terms, e, r.created_at)) continue;
    if (r.status === 'won') {
      // Marked won by staff: this purchase is the one the rewards are computed on.
      const set = await tx
        .updateTable('referrals')
        .set({ won_event_id: e.id })
        .where('workspace_id', '=', ws)
        .where('id', '=', r.id)
        .where('won_event_id', 'is', null)
        .executeTakeFirst();
      if (Number(set.numUpdatedRows) === 1) effects.rewardsIssued = await issueRewards(tx, ws, ctx.by, r.id);
    } else {
      effects.rewardsIssued = await winReferral(tx, ws, ctx.by, r.id, {
        note: `${e.type === 'purchase' ? 'Purchase' : 'Event'} ${e.external_id} from ${e.source}`,
        data: { eventId: e.id },
        wonEventId: e.id,
      });
      effects.referralWon = r.id;
    }
    if (!e.referral_id) await setReferralOf(tx, e, r.id);
    return;
  }
}

async function setReferralOf(tx: Db, e: EventRow, referralId: string) {
  e.referral_id = referralId;
  await tx
    .updateTable('business_events')
    .set({ referral_id: referralId })
    .where('workspace_id', '=', e.workspace_id)
    .where('id', '=', e.id)
    .execute();
}

function qualifies(terms: ProgramTerms, e: EventRow, referredAt: string): boolean {
  const at = new Date(e.occurred_at).getTime();
  const from = new Date(referredAt).getTime();
  if (at < from - ATTRIBUTION_GRACE_MS || at > from + terms.attributionDays * DAY) return false;
  const q = terms.qualifyingEvent;
  if (q.type === 'kept_appointment') return e.type === 'appointment_kept';
  if (e.type !== 'purchase') return false;
  return q.type === 'first_purchase' || Number(e.amount) >= q.amount;
}

async function refunded(tx: Db, workspaceId: string, purchaseId: string): Promise<number> {
  const r = await tx
    .selectFrom('business_events')
    .select((eb) => eb.fn.sum<number>('amount').as('sum'))
    .where('workspace_id', '=', workspaceId)
    .where('refund_of_id', '=', purchaseId)
    .executeTakeFirst();
  return Number(r?.sum ?? 0);
}

function checkTime(raw: string | undefined, now: Date): string {
  if (raw === undefined) return now.toISOString();
  const at = new Date(raw);
  if (at.getTime() > now.getTime() + FUTURE_SLACK_MS)
    throw unprocessable('occurredAt', `${raw} is in the future`);
  if (at.getTime() < now.getTime() - MAX_AGE_DAYS * DAY)
    throw unprocessable('occurredAt', `${raw} is more than a year ago`);
  return at.toISOString();
}

function checkCurrency(raw: string | undefined, workspaceCurrency: string): string {
  if (raw === undefined) return workspaceCurrency;
  if (!currencies.has(raw)) throw unprocessable('currency', `"${raw}" is not an ISO 4217 currency`);
  if (raw !== workspaceCurrency)
    throw unprocessable('currency', `${raw} differs from the workspace's currency, ${workspaceCurrency}`);
  return raw;
}

const invalidPerson = (errors: ErrorDetail[]) =>
  new AppError('validation', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);

const money = (minor: number, ws: EventContext['workspace']) => formatMoney(minor, ws.currency, ws.country);

/**
 * The person an event is about: by Vouch id, then external id, email and phone. Someone unknown
 * becomes a customer; a match found by email or phone learns the external id it was sent with.
 */
async function resolvePerson(
  tx: Db,
  ws: EventContext['workspace'],
  ref: NonNullable<EventInput['person']>,
): Promise<Found> {
  if (ref.id) {
    const p = await livePerson(tx, ws.id, ref.id);
    if (!p) throw unprocessable('person.id', 'no such person in this workspace');
    return {
      id: p.id,
      created: false,
      kind: p.kind,
      first_purchase_at: p.first_purchase_at,
      how_heard: p.how_heard,
    };
  }
  const errors: ErrorDetail[] = [];
  const email = ref.email ? normalizeEmail(ref.email) : null;
  if (email && !email.ok) errors.push({ path: 'person.email', message: email.message });
  const phone = ref.phone ? normalizePhone(ref.phone, ws.country) : null;
  if (phone && !phone.ok) errors.push({ path: 'person.phone', message: phone.message });
  if (errors.length) throw invalidPerson(errors);
  const people = () =>
    tx
      .selectFrom('people')
      .select(['id', 'external_id', 'kind', 'first_purchase_at', 'how_heard'])
      .where('workspace_id', '=', ws.id)
      .where('merged_into_id', 'is', null);
  let found = ref.externalId
    ? await people().where('external_id', '=', ref.externalId).executeTakeFirst()
    : undefined;
  if (!found && email?.ok)
    found = await people().where('email_key', '=', emailKey(email.email)).executeTakeFirst();
  if (!found && phone?.ok) found = await people().where('phone', '=', phone.phone).executeTakeFirst();
  if (found) {
    if (ref.externalId && !found.external_id)
      await tx
        .updateTable('people')
        .set({ external_id: ref.externalId })
        .where('workspace_id', '=', ws.id)
        .where('id', '=', found.id)
        .execute();
    const { external_id: _, ...person } = found;
    return { ...person, created: false };
  }
  if (!ref.email && !ref.phone && !ref.firstName && !ref.lastName)
    throw invalidPerson([
      {
        path: 'person.externalId',
        message: 'no one has this externalId; a new customer needs a name, email or phone',
      },
    ]);
  const parsed = PersonInput.safeParse({
    kind: 'customer',
    firstName: ref.firstName,
    lastName: ref.lastName,
    email: ref.email ?? null,
    phone: ref.phone ?? null,
    externalId: ref.externalId ?? null,
  });
  if (!parsed.success)
    throw invalidPerson(
      parsed.error.issues.map((i) => ({ path: `person.${i.path.join('.')}`, message: i.message })),
    );
  const prepared = preparePerson(parsed.data, ws.country);
  if (!prepared.ok) throw invalidPerson(prepared.errors.map((e) => ({ ...e, path: `person.${e.path}` })));
  const now = nowIso();
  const id = newId();
  await tx
    .insertInto('people')
    .values({
      ...prepared.person.fields,
      workspace_id: ws.id,
      id,
      merged_into_id: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return {
    id,
    created: true,
    kind: 'customer',
    first_purchase_at: null,
    how_heard: prepared.person.fields.how_heard ?? null,
  };
}

/** A batch: every event checked and recorded on its own; the bad ones are reported by index. */
export async function recordBatch(tx: Db, ctx: EventContext, items: unknown[]): Promise<BatchResult> {
  const out: BatchResult = { accepted: 0, duplicates: 0, rejected: 0, results: [] };
  const parsed = items.map((item) => EventSchema.safeParse(item));
  const valid = parsed.flatMap((p) => (p.success ? [p.data] : []));
  const known = await lookAhead(tx, ctx.workspace.id, valid);
  const inBatch = new Set<string>();
  const acquisition: AcquisitionCounts = new Map();
  for (const [index, p] of parsed.entries()) {
    if (!p.success) {
      const details = p.error.issues.map((i) => ({
        path: i.path.join('.') || '(event)',
        message: i.message,
      }));
      out.rejected++;
      out.results.push({
        index,
        status: 'rejected',
        eventId: null,
        error: { message: details.map((d) => `${d.path}: ${d.message}`).join('; '), details },
      });
      continue;
    }
    const key = `${p.data.source}\u0000${p.data.externalId}`;
    // A repeat inside the batch is looked up again: its first copy may just have been written.
    const isNew = !known.existing.has(key) && !inBatch.has(key);
    inBatch.add(key);
    const ref = p.data.person;
    const person = ref && !ref.id && ref.externalId ? known.people.get(ref.externalId) : undefined;
    try {
      const r = await recordEvent(tx, ctx, p.data, { isNew, acquisition, ...(person ? { person } : {}) });
      if (r.status === 'accepted') out.accepted++;
      else out.duplicates++;
      out.results.push({ index, status: r.status, eventId: r.event.id, error: null });
    } catch (err) {
      if (!(err instanceof AppError) || err.code === 'internal') throw err;
      out.rejected++;
      out.results.push({
        index,
        status: 'rejected',
        eventId: null,
        error: {
          message: err.message,
          details: (err.details ?? []).map((d) => ({ path: d.path, message: d.message })),
        },
      });
    }
  }
  await writeAcquisition(tx, ctx.workspace.id, acquisition);
  return out;
}

/**
 * For a batch, two look-ups instead of two per event: which events were already recorded, and
 * the people named by external id.
 */
async function lookAhead(tx: Db, workspaceId: string, events: EventInput[]) {
  const existing = new Set<string>();
  const people = new Map<string, Found>();
  for (let i = 0; i < events.length; i += 500) {
    const part = events.slice(i, i + 500);
    // By source too: the unique index leads with it, so SQLite looks the ids up instead of
    // walking every event of the workspace.
    for (const source of new Set(part.map((e) => e.source)))
      for (const e of await tx
        .selectFrom('business_events')
        .select(['source', 'external_id'])
        .where('workspace_id', '=', workspaceId)
        .where('source', '=', source)
        .where(
          'external_id',
          'in',
          part.filter((e) => e.source === source).map((e) => e.externalId),
        )
        .execute())
        existing.add(`${e.source}\u0000${e.external_id}`);
    const ids = [
      ...new Set(part.flatMap((e) => (e.person?.externalId && !e.person.id ? [e.person.externalId] : []))),
    ];
    if (ids.length)
      for (const p of await tx
        .selectFrom('people')
        .select(['id', 'external_id', 'kind', 'first_purchase_at', 'how_heard'])
        .where('workspace_id', '=', workspaceId)
        .where('merged_into_id', 'is', null)
        .where('external_id', 'in', ids)
        .execute()) {
        const { external_id: ext, ...person } = p;
        people.set(ext as string, person);
      }
  }
  return { existing, people };
}

export async function getEvent(db: Db, workspaceId: string, id: string): Promise<Event> {
  const row = await db
    .selectFrom('business_events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', 'Event not found');
  return toEvent(row);
}

/** Events newest first, by person, type, source and time, paged by cursor. */
export async function listEvents(
  db: Db,
  workspaceId: string,
  q: {
    personId?: string;
    type?: EventRow['type'];
    source?: string;
    from?: string;
    to?: string;
    limit: number;
    before?: string;
  },
) {
  let query = db.selectFrom('business_events').selectAll().where('workspace_id', '=', workspaceId);
  if (q.personId) query = query.where('person_id', '=', q.personId);
  if (q.type) query = query.where('type', '=', q.type);
  if (q.source) query = query.where('source', '=', q.source);
  if (q.from) query = query.where('occurred_at', '>=', new Date(q.from).toISOString());
  if (q.to) query = query.where('occurred_at', '<', new Date(q.to).toISOString());
  if (q.before) {
    const cursor = await db
      .selectFrom('business_events')
      .select(['occurred_at', 'id'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', q.before)
      .executeTakeFirst();
    if (!cursor) throw unprocessable('before', 'unknown cursor');
    query = query.where((eb) =>
      eb.or([
        eb('occurred_at', '<', cursor.occurred_at),
        eb.and([eb('occurred_at', '=', cursor.occurred_at), eb('id', '<', cursor.id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
    .execute();
  const items = rows.slice(0, q.limit).map(toEvent);
  return { items, next: rows.length > q.limit ? (items.at(-1)?.id ?? null) : null };
}
