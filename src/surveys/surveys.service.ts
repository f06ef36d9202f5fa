import { type Selectable, sql } from 'kysely';
import type { z } from 'zod';
import { type Actor, requireRole } from '../auth/auth.service.ts';
import { type Db, transaction } from '../db/connect.ts';
import { pageOf } from '../db/paging.ts';
import { AppError, notFound } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { randomToken, sha256 } from '../lib/secrets.ts';
import { queueMessage } from '../messaging/outbox.ts';
import { livePerson } from '../people/people.service.ts';
import { invalidateLinkCache } from '../referrals/links.service.ts';
import { personName } from '../referrals/referrals.service.ts';
import type {
  ResolveInput,
  SurveyOut,
  SurveyQuery,
  TestimonialOut,
  TestimonialPatch,
  TestimonialQuery,
} from './surveys.schema.ts';
import type { SurveysTable, TestimonialStatus, TestimonialsTable } from './surveys.table.ts';

export type SurveyRow = Selectable<SurveysTable>;
type TestimonialRow = Selectable<TestimonialsTable>;

/** A score at or under this opens a complaint unless the workspace chose another. */
export const DEFAULT_LOW_SCORE = 6;
/** Promoters: they see their referral link, the friends form and the review-site links. */
export const PROMOTER_SCORE = 9;
/** Longest text kept from the survey's open fields. */
export const TEXT_MAX = 2000;
export const QUOTE_NAME_MAX = 100;

const DAY = 86_400_000;

export const surveyUrl = (publicUrl: string, token: string) => `${publicUrl.replace(/\/+$/, '')}/s/${token}`;

// --- Settings ----------------------------------------------------------------------------------

export async function lowScoreOf(db: Db, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('survey_settings')
    .select('low_score')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row ? Number(row.low_score) : DEFAULT_LOW_SCORE;
}

export async function setLowScore(db: Db, actor: Actor, lowScore: number): Promise<{ lowScore: number }> {
  requireRole(actor, 'manager');
  const now = nowIso();
  await db
    .insertInto('survey_settings')
    .values({ workspace_id: actor.workspaceId, low_score: lowScore, updated_at: now })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet({ low_score: lowScore, updated_at: now }))
    .execute();
  return { lowScore };
}

export type Outcome = 'promoter' | 'passive' | 'low';

export function outcomeOf(score: number, lowScore: number): Outcome {
  if (score <= lowScore) return 'low';
  return score >= PROMOTER_SCORE ? 'promoter' : 'passive';
}

// --- Sending -----------------------------------------------------------------------------------

export type SendOptions = {
  /** the transaction the survey follows: one survey per transaction */
  eventId?: string | null;
  /** this installation's public address, for the link in the email (config.publicUrl) */
  publicUrl: string;
  /** deliver the invitation no earlier than this (ISO) */
  sendAt?: string;
  /** the staff member sending it by hand */
  createdBy?: string | null;
};

/**
 * Creates a survey for a person and queues the invitation with its link, in the caller's
 * transaction (the ask engine calls this from its "N days after a transaction" rules). Returns
 * null when a survey for this transaction exists already. The invitation is not marketing: it
 * goes to anyone with an email who has not unsubscribed or asked not to be contacted.
 */
export async function sendSurvey(
  tx: Db,
  workspaceId: string,
  personId: string,
  opts: SendOptions,
): Promise<{ survey: SurveyRow; token: string; url: string } | null> {
  const person = await livePerson(tx, workspaceId, personId);
  if (!person) throw notFound('Person');
  if (opts.eventId) {
    const event = await tx
      .selectFrom('business_events')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', opts.eventId)
      .executeTakeFirst();
    if (!event) throw notFound('Event');
  }
  const { token, row } = newSurvey(workspaceId, person.id, opts, nowIso());
  const inserted = await tx
    .insertInto('surveys')
    .values(row)
    .onConflict((oc) => oc.columns(['workspace_id', 'event_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return null;
  const message = await queueInvite(tx, row, token, opts);
  if (message) {
    row.message_id = message.id;
    await tx
      .updateTable('surveys')
      .set({ message_id: message.id })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', row.id)
      .execute();
  }
  return { survey: row, token, url: surveyUrl(opts.publicUrl, token) };
}

/** A survey not yet written, and the token its link carries (only its hash is kept). */
function newSurvey(
  workspaceId: string,
  personId: string,
  opts: Pick<SendOptions, 'eventId' | 'sendAt' | 'createdBy'>,
  now: string,
): { token: string; row: SurveyRow } {
  const token = randomToken(24);
  const row: SurveyRow = {
    workspace_id: workspaceId,
    id: newId(),
    person_id: personId,
    token_hash: sha256(token),
    event_id: opts.eventId ?? null,
    message_id: null,
    sent_at: opts.sendAt && opts.sendAt > now ? opts.sendAt : now,
    answered_at: null,
    score: null,
    better: null,
    feedback: null,
    may_quote: 0,
    quote_name: null,
    complaint_at: null,
    complaint_resolved_at: null,
    complaint_resolved_by: null,
    resolution_note: null,
    created_by: opts.createdBy ?? null,
    created_at: now,
  };
  return { token, row };
}

/** Queues a survey's invitation with its link (null when the person cannot get email). */
function queueInvite(tx: Db, row: SurveyRow, token: string, opts: Pick<SendOptions, 'publicUrl' | 'sendAt'>) {
  return queueMessage(tx, {
    workspaceId: row.workspace_id,
    kind: 'survey_invite',
    personId: row.person_id,
    vars: { link: surveyUrl(opts.publicUrl, token) },
    dedupeKey: `survey:${row.id}`,
    ...(opts.sendAt ? { sendAt: opts.sendAt } : {}),
  });
}

/**
 * Sends many surveys at once, for the nightly pass of the survey rules: one per (person,
 * transaction), where the caller found both in the database (no checks again). The surveys are
 * written in batches, then each invitation is queued (suppressions and do-not-contact as ever)
 * and the messages' ids set on their surveys in one statement per batch. A transaction with a
 * survey already is skipped. Returns how many were sent.
 */
export async function sendSurveys(
  tx: Db,
  workspaceId: string,
  items: ReadonlyArray<{ personId: string; eventId: string }>,
  opts: { publicUrl: string; sendAt?: string },
): Promise<number> {
  const now = nowIso();
  let n = 0;
  for (let i = 0; i < items.length; i += 250) {
    const batch = items
      .slice(i, i + 250)
      .map((it) => newSurvey(workspaceId, it.personId, { eventId: it.eventId, ...opts }, now));
    const inserted = await tx
      .insertInto('surveys')
      .values(batch.map((b) => b.row))
      .onConflict((oc) => oc.columns(['workspace_id', 'event_id']).doNothing())
      .returning('id')
      .execute();
    if (!inserted.length) continue;
    const ids = new Set(inserted.map((r) => r.id));
    for (const b of batch) {
      if (!ids.has(b.row.id)) continue;
      await queueInvite(tx, b.row, b.token, opts);
      n++;
    }
    await sql`update surveys set message_id = (select m.id from messages m
        where m.workspace_id = surveys.workspace_id and m.dedupe_key = 'survey:' || surveys.id)
      where workspace_id = ${workspaceId} and id in (${sql.join([...ids])})`.execute(tx);
  }
  return n;
}

// --- The ask engine's questions --------------------------------------------------------------

/** Whether a complaint from a low score is open for this person (no asks while one is). */
export async function openComplaint(db: Db, workspaceId: string, personId: string): Promise<boolean> {
  const row = await db
    .selectFrom('surveys')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', personId)
    .where('complaint_at', 'is not', null)
    .where('complaint_resolved_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return Boolean(row);
}

/** The person's most recent answered score and when they gave it, or null. */
export async function latestScore(
  db: Db,
  workspaceId: string,
  personId: string,
): Promise<{ score: number; answeredAt: string; surveyId: string } | null> {
  const row = await db
    .selectFrom('surveys')
    .select(['id', 'score', 'answered_at'])
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', personId)
    .where('answered_at', 'is not', null)
    .orderBy('answered_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row || row.score === null || !row.answered_at) return null;
  return { score: Number(row.score), answeredAt: row.answered_at, surveyId: row.id };
}

// --- Answering (the public page) -------------------------------------------------------------

/** The survey behind a link's token, or null. */
export async function surveyByToken(db: Db, token: string): Promise<SurveyRow | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  return (
    (await db.selectFrom('surveys').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst()) ??
    null
  );
}

export type Answer = {
  score: number;
  better: string;
  feedback: string;
  mayQuote: boolean;
  quoteName: string;
};

/**
 * Records an answer, once: a second answer changes nothing (false). A low score opens a
 * complaint and gives owners and managers a task; a permitted quote (not from a complaint)
 * waits for staff as a pending testimonial.
 */
export async function answerSurvey(db: Db, survey: SurveyRow, a: Answer): Promise<boolean> {
  const ws = survey.workspace_id;
  const low = outcomeOf(a.score, await lowScoreOf(db, ws)) === 'low';
  const quote = a.mayQuote && a.feedback && !low;
  return transaction(db, async (tx) => {
    const now = nowIso();
    const res = await tx
      .updateTable('surveys')
      .set({
        answered_at: now,
        score: a.score,
        better: a.better || null,
        feedback: a.feedback || null,
        may_quote: a.mayQuote ? 1 : 0,
        quote_name: a.mayQuote ? a.quoteName || null : null,
        complaint_at: low ? now : null,
      })
      .where('workspace_id', '=', ws)
      .where('id', '=', survey.id)
      .where('answered_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    const person = await tx
      .selectFrom('people')
      .select(['first_name', 'last_name', 'organisation', 'email'])
      .where('workspace_id', '=', ws)
      .where('id', '=', survey.person_id)
      .executeTakeFirstOrThrow();
    if (low) {
      await tx
        .insertInto('tasks')
        .values({
          workspace_id: ws,
          id: newId(),
          kind: 'complaint',
          person_id: survey.person_id,
          referral_id: null,
          title: `${personName(person)} gave us ${a.score} out of 10: get in touch and put it right`,
          due_at: new Date(Date.now() + DAY).toISOString(),
          // For the owners and managers: nobody in particular.
          assigned_to: null,
          done_at: null,
          done_by: null,
          outcome: null,
          note: null,
          survey_id: survey.id,
          created_at: now,
        })
        .execute();
    }
    if (quote) {
      await tx
        .insertInto('testimonials')
        .values({
          workspace_id: ws,
          id: newId(),
          survey_id: survey.id,
          person_id: survey.person_id,
          quote: a.feedback.slice(0, 1000),
          display_name: a.quoteName || defaultQuoteName(person),
          score: a.score,
          status: 'pending',
          decided_at: null,
          decided_by: null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.columns(['workspace_id', 'survey_id']).doNothing())
        .execute();
    }
    return true;
  });
}

/** "Sue P.": a first name and an initial, what most people are happy to be quoted as. */
export const defaultQuoteName = (p: { first_name: string; last_name: string }) =>
  [p.first_name.trim(), p.last_name.trim() ? `${p.last_name.trim()[0]!.toUpperCase()}.` : '']
    .filter(Boolean)
    .join(' ');

// --- Staff: surveys and complaints ------------------------------------------------------------

type SurveyJoined = SurveyRow & {
  first_name: string;
  last_name: string;
  organisation: string | null;
  email: string | null;
  message_status: string | null;
};

const surveyOut = (s: SurveyJoined): z.output<typeof SurveyOut> => ({
  id: s.id,
  person: { id: s.person_id, name: personName(s) },
  eventId: s.event_id,
  messageId: s.message_id,
  messageStatus: s.message_status,
  sentAt: s.sent_at,
  answeredAt: s.answered_at,
  score: s.score === null ? null : Number(s.score),
  better: s.better,
  feedback: s.feedback,
  mayQuote: Boolean(s.may_quote),
  quoteName: s.quote_name,
  complaint: s.complaint_at
    ? {
        openedAt: s.complaint_at,
        resolvedAt: s.complaint_resolved_at,
        resolvedBy: s.complaint_resolved_by,
        note: s.resolution_note,
      }
    : null,
  createdAt: s.created_at,
});

const surveysOf = (db: Db, workspaceId: string) =>
  db
    .selectFrom('surveys as s')
    .innerJoin('people as p', (j) =>
      j.onRef('p.workspace_id', '=', 's.workspace_id').onRef('p.id', '=', 's.person_id'),
    )
    .leftJoin('messages as m', (j) =>
      j.onRef('m.workspace_id', '=', 's.workspace_id').onRef('m.id', '=', 's.message_id'),
    )
    .where('s.workspace_id', '=', workspaceId);

export async function listSurveys(db: Db, actor: Actor, q: z.output<typeof SurveyQuery>) {
  let base = surveysOf(db, actor.workspaceId);
  if (q.personId) base = base.where('s.person_id', '=', q.personId);
  if (q.answered) base = base.where('s.answered_at', q.answered === 'true' ? 'is not' : 'is', null);
  if (q.complaint) {
    base = base.where('s.complaint_at', 'is not', null);
    if (q.complaint !== 'any')
      base = base.where('s.complaint_resolved_at', q.complaint === 'open' ? 'is' : 'is not', null);
  }
  const { rows, total } = await pageOf(
    base,
    base
      .selectAll('s')
      .select(['p.first_name', 'p.last_name', 'p.organisation', 'p.email', 'm.status as message_status'])
      // Answered first (newest answer first), then the ones still waiting, newest sent first.
      .orderBy((eb) => eb.case().when('s.answered_at', 'is', null).then(1).else(0).end())
      .orderBy('s.answered_at', 'desc')
      .orderBy('s.created_at', 'desc'),
    q,
  );
  return { items: rows.map(surveyOut), total };
}

export async function getSurvey(db: Db, actor: Actor, id: string) {
  const row = await surveysOf(db, actor.workspaceId)
    .selectAll('s')
    .select(['p.first_name', 'p.last_name', 'p.organisation', 'p.email', 'm.status as message_status'])
    .where('s.id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Survey');
  return surveyOut(row);
}

/** Staff send a survey by hand (from the person's profile). */
export async function sendSurveyByHand(
  db: Db,
  actor: Actor,
  publicUrl: string,
  personId: string,
  eventId?: string,
) {
  const sent = await transaction(db, (tx) =>
    sendSurvey(tx, actor.workspaceId, personId, {
      eventId: eventId ?? null,
      publicUrl,
      createdBy: actor.userId,
    }),
  );
  if (!sent) throw new AppError('conflict', 'A survey for this transaction was sent already');
  return { survey: await getSurvey(db, actor, sent.survey.id), url: sent.url };
}

/** Marks a complaint resolved (and its task done). */
export async function resolveComplaint(
  db: Db,
  actor: Actor,
  id: string,
  input: z.output<typeof ResolveInput>,
) {
  requireRole(actor, 'manager');
  const ws = actor.workspaceId;
  await transaction(db, async (tx) => {
    const s = await tx
      .selectFrom('surveys')
      .select(['id', 'complaint_at', 'complaint_resolved_at', 'person_id'])
      .where('workspace_id', '=', ws)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!s) throw notFound('Survey');
    if (!s.complaint_at) throw new AppError('conflict', 'This survey opened no complaint');
    if (s.complaint_resolved_at)
      throw new AppError(
        'conflict',
        `This complaint was resolved on ${s.complaint_resolved_at.slice(0, 10)}`,
      );
    const now = nowIso();
    await tx
      .updateTable('surveys')
      .set({
        complaint_resolved_at: now,
        complaint_resolved_by: actor.userId,
        resolution_note: input.note ?? null,
      })
      .where('workspace_id', '=', ws)
      .where('id', '=', id)
      .execute();
    await tx
      .updateTable('tasks')
      .set({ done_at: now, done_by: actor.userId, outcome: 'resolved' })
      .where('workspace_id', '=', ws)
      .where('kind', '=', 'complaint')
      .where('survey_id', '=', id)
      .where('done_at', 'is', null)
      .execute();
  });
  return getSurvey(db, actor, id);
}

// --- Testimonials ----------------------------------------------------------------------------

type TestimonialJoined = TestimonialRow & {
  first_name: string;
  last_name: string;
  organisation: string | null;
  email: string | null;
};

const testimonialsOf = (db: Db, workspaceId: string) =>
  db
    .selectFrom('testimonials as t')
    .innerJoin('people as p', (j) =>
      j.onRef('p.workspace_id', '=', 't.workspace_id').onRef('p.id', '=', 't.person_id'),
    )
    .where('t.workspace_id', '=', workspaceId);

async function withPrograms(db: Db, workspaceId: string, rows: TestimonialJoined[]) {
  const links = rows.length
    ? await db
        .selectFrom('testimonial_programs')
        .select(['testimonial_id', 'program_id'])
        .where('workspace_id', '=', workspaceId)
        .where(
          'testimonial_id',
          'in',
          rows.map((r) => r.id),
        )
        .orderBy('created_at')
        .execute()
    : [];
  return rows.map(
    (t): z.output<typeof TestimonialOut> => ({
      id: t.id,
      surveyId: t.survey_id,
      person: { id: t.person_id, name: personName(t) },
      quote: t.quote,
      displayName: t.display_name,
      score: t.score === null ? null : Number(t.score),
      status: t.status,
      decidedAt: t.decided_at,
      programIds: links.filter((l) => l.testimonial_id === t.id).map((l) => l.program_id),
      createdAt: t.created_at,
      updatedAt: t.updated_at,
    }),
  );
}

export async function listTestimonials(db: Db, actor: Actor, q: z.output<typeof TestimonialQuery>) {
  let base = testimonialsOf(db, actor.workspaceId);
  if (q.status) base = base.where('t.status', '=', q.status);
  if (q.programId) {
    const programId = q.programId;
    base = base.where((eb) =>
      eb.exists(
        eb
          .selectFrom('testimonial_programs as tp')
          .select('tp.program_id')
          .whereRef('tp.workspace_id', '=', 't.workspace_id')
          .whereRef('tp.testimonial_id', '=', 't.id')
          .where('tp.program_id', '=', programId),
      ),
    );
  }
  const { rows, total } = await pageOf(
    base,
    base
      .selectAll('t')
      .select(['p.first_name', 'p.last_name', 'p.organisation', 'p.email'])
      // Pending first: they wait for someone.
      .orderBy((eb) => eb.case().when('t.status', '=', 'pending').then(0).else(1).end())
      .orderBy('t.created_at', 'desc'),
    q,
  );
  return { items: await withPrograms(db, actor.workspaceId, rows), total };
}

export async function getTestimonial(db: Db, actor: Actor, id: string) {
  const row = await testimonialsOf(db, actor.workspaceId)
    .selectAll('t')
    .select(['p.first_name', 'p.last_name', 'p.organisation', 'p.email'])
    .where('t.id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Testimonial');
  return (await withPrograms(db, actor.workspaceId, [row]))[0]!;
}

/** Edits the display name or the quote, and which programs show it (only once approved). */
export async function updateTestimonial(
  db: Db,
  actor: Actor,
  id: string,
  patch: z.output<typeof TestimonialPatch>,
) {
  requireRole(actor, 'manager');
  const ws = actor.workspaceId;
  await transaction(db, async (tx) => {
    const t = await tx
      .selectFrom('testimonials')
      .select(['id', 'status'])
      .where('workspace_id', '=', ws)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!t) throw notFound('Testimonial');
    const now = nowIso();
    if (patch.displayName !== undefined || patch.quote !== undefined)
      await tx
        .updateTable('testimonials')
        .set({
          ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
          ...(patch.quote !== undefined ? { quote: patch.quote } : {}),
          updated_at: now,
        })
        .where('workspace_id', '=', ws)
        .where('id', '=', id)
        .execute();
    if (patch.programIds !== undefined) {
      const wanted = [...new Set(patch.programIds)];
      if (wanted.length && t.status !== 'approved')
        throw new AppError('unprocessable', 'Approve the testimonial before showing it on a program', [
          { path: 'programIds', message: 'only an approved testimonial can be attached' },
        ]);
      if (wanted.length) {
        const found = await tx
          .selectFrom('programs')
          .select('id')
          .where('workspace_id', '=', ws)
          .where('id', 'in', wanted)
          .execute();
        const missing = wanted.filter((p) => !found.some((f) => f.id === p));
        if (missing.length)
          throw new AppError(
            'validation',
            'Unknown program',
            missing.map((p) => ({ path: `programIds.${wanted.indexOf(p)}`, message: 'no such program' })),
          );
      }
      await tx
        .deleteFrom('testimonial_programs')
        .where('workspace_id', '=', ws)
        .where('testimonial_id', '=', id)
        .$if(wanted.length > 0, (qb) => qb.where('program_id', 'not in', wanted))
        .execute();
      for (const programId of wanted)
        await tx
          .insertInto('testimonial_programs')
          .values({ workspace_id: ws, testimonial_id: id, program_id: programId, created_at: now })
          .onConflict((oc) => oc.columns(['workspace_id', 'testimonial_id', 'program_id']).doNothing())
          .execute();
    }
  });
  // Landing pages are cached with their code's look-up: show the change at once.
  invalidateLinkCache(db);
  return getTestimonial(db, actor, id);
}

/** Approves or rejects; a rejected one leaves every program it was on. */
export async function decideTestimonial(
  db: Db,
  actor: Actor,
  id: string,
  status: Exclude<TestimonialStatus, 'pending'>,
) {
  requireRole(actor, 'manager');
  const ws = actor.workspaceId;
  await transaction(db, async (tx) => {
    const now = nowIso();
    const res = await tx
      .updateTable('testimonials')
      .set({ status, decided_at: now, decided_by: actor.userId, updated_at: now })
      .where('workspace_id', '=', ws)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw notFound('Testimonial');
    if (status === 'rejected')
      await tx
        .deleteFrom('testimonial_programs')
        .where('workspace_id', '=', ws)
        .where('testimonial_id', '=', id)
        .execute();
  });
  invalidateLinkCache(db);
  return getTestimonial(db, actor, id);
}

/** What a program's landing page quotes: approved testimonials attached to it, newest first. */
export async function programTestimonials(
  db: Db,
  workspaceId: string,
  programId: string,
  limit = 6,
): Promise<Array<{ quote: string; name: string }>> {
  const rows = await db
    .selectFrom('testimonial_programs as tp')
    .innerJoin('testimonials as t', (j) =>
      j.onRef('t.workspace_id', '=', 'tp.workspace_id').onRef('t.id', '=', 'tp.testimonial_id'),
    )
    .select(['t.quote', 't.display_name'])
    .where('tp.workspace_id', '=', workspaceId)
    .where('tp.program_id', '=', programId)
    .where('t.status', '=', 'approved')
    .orderBy('tp.created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ quote: r.quote, name: r.display_name }));
}
