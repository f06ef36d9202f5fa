import type { Selectable } from 'kysely';
import type { z } from 'zod';
import type { Actor } from '../auth/auth.service.ts';
import { type Db, transaction } from '../db/connect.ts';
import { AppError, notFound } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { type Program, ProgramInput, type ProgramPatch, type ProgramTerms } from './programs.schema.ts';
import type { ProgramsTable } from './programs.table.ts';

type Row = Selectable<ProgramsTable> & { terms: string; version: number };

function toProgram(row: Row): Program {
  return {
    id: row.id,
    name: row.name,
    audience: row.audience,
    status: row.status,
    startsOn: row.starts_on,
    endsOn: row.ends_on,
    terms: JSON.parse(row.terms),
    termsVersion: row.version,
    termsId: row.terms_id,
    landing: JSON.parse(row.landing),
    targetCategories: JSON.parse(row.target_categories),
    leadingQuestions: JSON.parse(row.leading_questions),
    educationKit: JSON.parse(row.education_kit),
    followUpHours: row.follow_up_hours,
    thankYou: row.thank_you,
    thankYouGift: row.thank_you_gift,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const selectPrograms = (db: Db, workspaceId: string) =>
  db
    .selectFrom('programs as p')
    .innerJoin('program_terms as t', (j) =>
      j.onRef('t.workspace_id', '=', 'p.workspace_id').onRef('t.id', '=', 'p.terms_id'),
    )
    .selectAll('p')
    .select(['t.terms', 't.version'])
    .where('p.workspace_id', '=', workspaceId);

function checkDates(startsOn: string | null, endsOn: string | null) {
  if (startsOn && endsOn && endsOn < startsOn) {
    throw new AppError('validation', 'The program ends before it starts', [
      { path: 'endsOn', message: 'before startsOn' },
    ]);
  }
}

async function addTerms(
  db: Db,
  workspaceId: string,
  programId: string,
  version: number,
  terms: ProgramTerms,
) {
  const id = newId();
  await db
    .insertInto('program_terms')
    .values({
      workspace_id: workspaceId,
      id,
      program_id: programId,
      version,
      terms: JSON.stringify(terms),
      created_at: nowIso(),
    })
    .execute();
  return id;
}

export async function createProgram(db: Db, actor: Actor, raw: ProgramInput): Promise<Program> {
  const input = ProgramInput.parse(raw);
  checkDates(input.startsOn, input.endsOn);
  const id = newId();
  const now = nowIso();
  await transaction(db, async (tx) => {
    // The program points at its current terms and the terms at their program: insert both together.
    const termsId = newId();
    await tx
      .insertInto('programs')
      .values({
        workspace_id: actor.workspaceId,
        id,
        name: input.name,
        audience: input.audience,
        status: input.status,
        starts_on: input.startsOn,
        ends_on: input.endsOn,
        terms_id: termsId,
        landing: JSON.stringify(input.landing),
        target_categories: JSON.stringify(input.targetCategories),
        leading_questions: JSON.stringify(input.leadingQuestions),
        education_kit: JSON.stringify(input.educationKit),
        follow_up_hours: input.followUpHours,
        thank_you: input.thankYou,
        thank_you_gift: input.thankYouGift,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await tx
      .insertInto('program_terms')
      .values({
        workspace_id: actor.workspaceId,
        id: termsId,
        program_id: id,
        version: 1,
        terms: JSON.stringify(input.terms),
        created_at: now,
      })
      .execute();
  });
  return getProgram(db, actor.workspaceId, id);
}

export async function getProgram(db: Db, workspaceId: string, id: string): Promise<Program> {
  const row = await selectPrograms(db, workspaceId).where('p.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Program');
  return toProgram(row);
}

export async function listPrograms(db: Db, workspaceId: string, filter: { status?: Program['status'] } = {}) {
  let q = selectPrograms(db, workspaceId);
  if (filter.status) q = q.where('p.status', '=', filter.status);
  return (await q.orderBy('p.created_at', 'desc').execute()).map(toProgram);
}

/** Terms as promised under one version (what a referral was made under). */
export async function getTerms(db: Db, workspaceId: string, termsId: string): Promise<ProgramTerms> {
  // A terms version never changes once written, so it may be kept (events read it per purchase).
  const key = `${workspaceId}/${termsId}`;
  const hit = termsCache.get(key);
  if (hit) return hit;
  const row = await db
    .selectFrom('program_terms')
    .select('terms')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', termsId)
    .executeTakeFirstOrThrow();
  const terms: ProgramTerms = JSON.parse(row.terms);
  if (termsCache.size >= 1000) termsCache.delete(termsCache.keys().next().value as string);
  termsCache.set(key, terms);
  return terms;
}
const termsCache = new Map<string, ProgramTerms>();

/**
 * Edits a program. New terms become a new version; referrals already made keep theirs.
 */
export async function updateProgram(
  db: Db,
  actor: Actor,
  id: string,
  patch: z.output<typeof ProgramPatch>,
): Promise<Program> {
  return transaction(db, async (tx) => {
    const current = await getProgram(tx, actor.workspaceId, id);
    const startsOn = patch.startsOn !== undefined ? patch.startsOn : current.startsOn;
    const endsOn = patch.endsOn !== undefined ? patch.endsOn : current.endsOn;
    checkDates(startsOn, endsOn);
    let termsId = current.termsId;
    if (patch.terms && JSON.stringify(patch.terms) !== JSON.stringify(current.terms)) {
      termsId = await addTerms(tx, actor.workspaceId, id, current.termsVersion + 1, patch.terms);
    }
    await tx
      .updateTable('programs')
      .set({
        name: patch.name ?? current.name,
        audience: patch.audience ?? current.audience,
        status: patch.status ?? current.status,
        starts_on: startsOn,
        ends_on: endsOn,
        terms_id: termsId,
        landing: JSON.stringify(patch.landing ?? current.landing),
        target_categories: JSON.stringify(patch.targetCategories ?? current.targetCategories),
        leading_questions: JSON.stringify(patch.leadingQuestions ?? current.leadingQuestions),
        education_kit: JSON.stringify(patch.educationKit ?? current.educationKit),
        follow_up_hours: patch.followUpHours ?? current.followUpHours,
        thank_you: patch.thankYou ?? current.thankYou,
        thank_you_gift: patch.thankYouGift ?? current.thankYouGift,
        updated_at: nowIso(),
      })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .execute();
    return getProgram(tx, actor.workspaceId, id);
  });
}

/** Whether a program takes new referrals today (status and dates in the workspace's time zone). */
export function isOpen(program: Pick<Program, 'status' | 'startsOn' | 'endsOn'>, today: string): boolean {
  if (program.status !== 'active') return false;
  if (program.startsOn && today < program.startsOn) return false;
  if (program.endsOn && today > program.endsOn) return false;
  return true;
}

/** Today's date (YYYY-MM-DD) in a time zone. */
export const todayIn = (timeZone: string, at = new Date()) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    at,
  );

/** Every version of a program's terms, newest first; `current` marks the one new referrals get. */
export async function listTermsVersions(db: Db, workspaceId: string, programId: string) {
  const program = await getProgram(db, workspaceId, programId);
  const rows = await db
    .selectFrom('program_terms')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('program_id', '=', programId)
    .orderBy('version', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    version: r.version,
    terms: JSON.parse(r.terms) as ProgramTerms,
    current: r.id === program.termsId,
    createdAt: r.created_at,
  }));
}
