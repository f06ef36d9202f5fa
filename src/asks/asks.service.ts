import type { Selectable } from 'kysely';
import type { Actor } from '../auth/auth.service.ts';
import { type Db, transaction } from '../db/connect.ts';
import { pageOf } from '../db/paging.ts';
import { AppError, type ErrorDetail, notFound } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { livePerson } from '../people/people.service.ts';
import type { Program } from '../programs/programs.schema.ts';
import { getProgram, isOpen, listPrograms, todayIn } from '../programs/programs.service.ts';
import { splitName } from '../public/format.ts';
import { byOf } from '../referrals/pipeline.service.ts';
import { createReferral, personName } from '../referrals/referrals.service.ts';
import type { Ask, AskInput, AskList, AskMoment, AskQuery, RecordedAsk } from './asks.schema.ts';
import type { AsksTable } from './asks.table.ts';
import { dayOf, defaultQuestion, dueAskOf, ordinal } from './engine.ts';
import { blockedBy, guardFor } from './guards.ts';

/** The default cooling-off period: nobody is asked again within this many days of an ask. */
export const COOLING_OFF_DAYS = 60;
/** Visits worth naming: "waiting until they have been to your place of business on several occasions". */
export const MILESTONE_VISITS = [3, 5, 10];

const DAY = 86_400_000;

export { defaultQuestion, ordinal };

/**
 * The open program a person's names would go into: one for their audience (partners for a
 * partner, customers for everyone else), else any open program for people; the newest first.
 */
async function programFor(db: Db, workspaceId: string, kind: string, today: string): Promise<Program | null> {
  const open = (await listPrograms(db, workspaceId, { status: 'active' })).filter(
    (p) => p.audience !== 'staff' && isOpen(p, today),
  );
  const audience = kind === 'partner' ? 'partners' : 'customers';
  return open.find((p) => p.audience === audience) ?? open[0] ?? null;
}

function agoText(days: number) {
  if (days <= 0) return 'asked today';
  if (days === 1) return 'asked yesterday';
  return `asked ${days} days ago`;
}

/**
 * Whether now is a good moment to ask a person for referrals, why, and the leading question
 * to use. Not while they do not want to be contacted, within the cooling-off period after an
 * ask (one they were not asked in, "not now", does not count), or without an open program.
 * Good on a day they visit or buy ("at the point of purchase"), naming the 3rd, 5th and 10th
 * visit and a first purchase.
 */
export async function askMoment(
  db: Db,
  workspaceId: string,
  personId: string,
  now: Date = new Date(nowIso()),
): Promise<AskMoment> {
  const person = await livePerson(db, workspaceId, personId);
  if (!person) throw notFound('Person');
  const ws = await db
    .selectFrom('workspaces')
    .select(['name', 'time_zone', 'ask_cooling_off_days'])
    .where('id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  const coolingDays = Number(ws.ask_cooling_off_days);
  const today = todayIn(ws.time_zone, now);
  const program = await programFor(db, workspaceId, person.kind, today);

  const asks = await db
    .selectFrom('asks')
    .select(['outcome', 'done_at'])
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', person.id)
    .where('outcome', 'is not', null)
    .orderBy('created_at', 'desc')
    .limit(200)
    .execute();
  const made = asks.filter((a) => a.outcome !== 'not_now' && a.outcome !== 'missed');
  const asked = made.find((a) => a.done_at);
  const lastAskedAt = asked?.done_at ? new Date(asked.done_at).toISOString() : null;
  const coolingOffUntil = lastAskedAt
    ? new Date(Date.parse(lastAskedAt) + coolingDays * DAY).toISOString()
    : null;

  // Questions take turns, so someone asked again hears a different one.
  const questions = program?.leadingQuestions ?? [];
  const question = questions.length ? questions[made.length % questions.length]! : defaultQuestion(ws.name);

  const events = await db
    .selectFrom('business_events')
    .select(['type', 'occurred_at'])
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', person.id)
    .where('type', 'in', ['visit', 'purchase', 'appointment_kept'])
    .where('occurred_at', '<=', now.toISOString())
    .execute();
  const dayOfEvent = (at: string) => todayIn(ws.time_zone, new Date(at));
  const days = new Set(events.map((e) => dayOfEvent(e.occurred_at)));
  const purchases = events.filter((e) => e.type === 'purchase');
  const todays = events.filter((e) => dayOfEvent(e.occurred_at) === today);

  const base = {
    question,
    programId: program?.id ?? null,
    askId: null,
    lastAskedAt,
    coolingOffUntil,
    visits: days.size,
    purchases: purchases.length,
  };
  const notNow = (reason: string): AskMoment => ({ ...base, good: false, reason });
  // The guards every ask passes (the ask rules' too); the cooling-off is told from the history.
  const guard = await guardFor(db, workspaceId, now.toISOString(), coolingDays);
  const blocked = await blockedBy(db, guard, person.id, 'front_desk');
  if (blocked.includes('do not contact')) return notNow('do not contact');
  if (blocked.includes('unsubscribed')) return notNow('unsubscribed');
  if (blocked.includes('complaint open')) return notNow('complaint open');
  // A staff ask due today, made by a rule: its reason and question, and recording completes it.
  const due = await dueAskOf(db, workspaceId, person.id, dayOf(ws.time_zone, today));
  if (due)
    return {
      ...base,
      good: true,
      reason: due.reason,
      question: due.question,
      programId: due.program_id ?? base.programId,
      askId: due.id,
    };
  if (!program) return notNow('no program is taking referrals');
  if (lastAskedAt && coolingOffUntil! > now.toISOString())
    return notNow(agoText(Math.floor((now.getTime() - Date.parse(lastAskedAt)) / DAY)));
  if (blocked.includes('asked recently')) return notNow('an ask is on its way');
  if (!todays.length) return notNow(days.size ? 'no visit or purchase today' : 'no visit or purchase yet');

  const boughtToday = todays.some((e) => e.type === 'purchase');
  let reason: string;
  if (MILESTONE_VISITS.includes(days.size)) reason = `${ordinal(days.size)} visit`;
  else if (boughtToday && purchases.every((e) => dayOfEvent(e.occurred_at) === today))
    reason = 'first purchase';
  else if (boughtToday) reason = 'purchase today';
  else reason = 'visit today';
  return { ...base, good: true, reason };
}

type AskRow = Selectable<AsksTable>;

const selectAsks = (db: Db, workspaceId: string) =>
  db
    .selectFrom('asks as a')
    .innerJoin('people as p', (j) =>
      j.onRef('p.workspace_id', '=', 'a.workspace_id').onRef('p.id', '=', 'a.person_id'),
    )
    .leftJoin('users as u', 'u.id', 'a.staff_user_id')
    .selectAll('a')
    .select(['p.first_name', 'p.last_name', 'p.organisation', 'p.email', 'u.name as staff_name'])
    .where('a.workspace_id', '=', workspaceId);

type JoinedAsk = AskRow & {
  first_name: string;
  last_name: string;
  organisation: string | null;
  email: string | null;
  staff_name: string | null;
};

const utc = (at: string | null) => (at === null ? null : new Date(at).toISOString());

function toAsk(r: JoinedAsk): Ask {
  return {
    id: r.id,
    personId: r.person_id,
    personName: personName(r),
    programId: r.program_id,
    staffUserId: r.staff_user_id,
    staffName: r.staff_name,
    reason: r.reason,
    question: r.question,
    channel: r.channel,
    ruleId: r.rule_id,
    outcome: r.outcome,
    namesCount: Number(r.names_count),
    dueAt: utc(r.due_at)!,
    doneAt: utc(r.done_at),
    createdAt: utc(r.created_at)!,
  };
}

export async function getAsk(db: Db, workspaceId: string, id: string): Promise<Ask> {
  const row = await selectAsks(db, workspaceId).where('a.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Ask');
  return toAsk(row as JoinedAsk);
}

/** A names error as the ask's field: "friend.email" of the 2nd name is "names.1.email". */
function asNameError(err: AppError, i: number): AppError {
  const details: ErrorDetail[] = (err.details ?? []).map((d) => ({
    ...d,
    path: `names.${i}.${d.path.replace(/^friend\.?/, '') || 'name'}`,
  }));
  const title = details.map((d) => `${d.path}: ${d.message}`).join('; ') || err.message;
  return new AppError('validation', `Invalid name ${i + 1}: ${title}`, details);
}

/**
 * Records an ask made at the front desk by the signed-in staff member. The names given become
 * referrals named by the person asked, through the same door as the "brain tickler" form, in
 * the same transaction: they wait for an introduction before anyone contacts them. A name that
 * is already a customer, or the person asked themselves, is reported and left out; a bad email
 * or phone refuses the whole ask, naming the field, so nothing is half saved.
 */
export async function recordAsk(db: Db, actor: Actor, input: AskInput): Promise<RecordedAsk> {
  const ws = actor.workspaceId;
  const by = await byOf(db, actor);
  return transaction(db, async (tx) => {
    const person = await livePerson(tx, ws, input.personId);
    if (!person) throw notFound('Person');
    const now = nowIso();
    const moment = await askMoment(tx, ws, person.id, new Date(now));
    let programId = moment.programId;
    if (input.programId) programId = (await getProgram(tx, ws, input.programId)).id;
    if (input.names.length && !programId) {
      throw new AppError('unprocessable', 'No program is taking referrals, so the names cannot be kept', [
        { path: 'programId', message: 'no open program' },
      ]);
    }
    // A due ask (from a rule) is completed by whoever made it; otherwise a new front-desk ask.
    const dueId = input.askId ?? moment.askId;
    let id = newId();
    const due = dueId
      ? await tx
          .selectFrom('asks')
          .select(['id', 'person_id', 'program_id', 'outcome'])
          .where('workspace_id', '=', ws)
          .where('id', '=', dueId)
          .executeTakeFirst()
      : undefined;
    if (input.askId && (!due || due.person_id !== person.id))
      throw new AppError('validation', 'askId: no such ask of this person', [
        { path: 'askId', message: 'no such ask of this person' },
      ]);
    if (input.askId && due?.outcome !== null)
      throw new AppError('conflict', 'This ask is recorded already', [
        { path: 'askId', message: 'already done' },
      ]);
    if (due && due.outcome === null) {
      id = due.id;
      if (!input.programId && due.program_id) programId = due.program_id;
      const done = await tx
        .updateTable('asks')
        .set({
          staff_user_id: actor.userId,
          outcome: input.outcome,
          names_count: input.names.length,
          done_at: now,
          program_id: programId,
          ...(input.question ? { question: input.question } : {}),
        })
        .where('workspace_id', '=', ws)
        .where('id', '=', id)
        .where('outcome', 'is', null)
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1)
        throw new AppError('conflict', 'This ask is recorded already', [
          { path: 'askId', message: 'already done' },
        ]);
    } else {
      await tx
        .insertInto('asks')
        .values({
          workspace_id: ws,
          id,
          person_id: person.id,
          program_id: programId,
          staff_user_id: actor.userId,
          reason: input.reason ?? (moment.good ? moment.reason : 'asked at the front desk'),
          question: input.question ?? moment.question,
          channel: 'front_desk',
          outcome: input.outcome,
          names_count: input.names.length,
          due_at: now,
          done_at: now,
          created_at: now,
          rule_id: null,
          rule_day: null,
        })
        .execute();
    }

    const names: RecordedAsk['names'] = [];
    const channel = person.kind === 'partner' ? 'partner' : 'named_by_referrer';
    for (const [i, n] of input.names.entries()) {
      const { firstName, lastName } = splitName(n.name);
      try {
        const { referral, created } = await createReferral(tx, ws, by, {
          programId: programId!,
          referrerId: person.id,
          channel,
          friend: { firstName, lastName, email: n.email || null, phone: n.phone || null },
          introduced: false,
        });
        names.push(
          created
            ? { name: n.name, status: 'added', referralId: referral.id, note: 'waiting for an introduction' }
            : {
                name: n.name,
                status: 'already_referred',
                referralId: referral.id,
                note:
                  referral.referrer.id === person.id
                    ? 'already named by them'
                    : `already referred by ${referral.referrer.name}`,
              },
        );
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (err.code === 'validation') throw asNameError(err, i);
        if (err.code === 'conflict') {
          names.push({ name: n.name, status: 'not_added', referralId: null, note: 'already a customer' });
        } else if (err.code === 'unprocessable' && err.details?.some((d) => d.path === 'friend')) {
          names.push({ name: n.name, status: 'not_added', referralId: null, note: 'the person asked' });
        } else if (err.code === 'unprocessable') {
          throw new AppError(err.code, err.message, [{ path: 'programId', message: 'not taking referrals' }]);
        } else throw err;
      }
    }
    return { ask: await getAsk(tx, ws, id), names };
  });
}

export async function listAsks(db: Db, workspaceId: string, q: AskQuery): Promise<AskList> {
  let query = selectAsks(db, workspaceId);
  if (q.personId) query = query.where('a.person_id', '=', q.personId);
  if (q.staffUserId) query = query.where('a.staff_user_id', '=', q.staffUserId);
  if (q.channel) query = query.where('a.channel', '=', q.channel);
  if (q.outcome === 'due') query = query.where('a.outcome', 'is', null);
  else if (q.outcome) query = query.where('a.outcome', '=', q.outcome);
  if (q.from) query = query.where('a.created_at', '>=', new Date(q.from).toISOString());
  if (q.to) query = query.where('a.created_at', '<', new Date(q.to).toISOString());
  const { rows, total } = await pageOf(
    query,
    query.orderBy('a.created_at', 'desc').orderBy('a.id', 'desc'),
    q,
  );
  return {
    items: rows.map((r) => toAsk(r as JoinedAsk)),
    total,
    page: q.page,
    pageSize: q.pageSize,
  };
}
