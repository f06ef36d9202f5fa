import type { Selectable } from 'kysely';
import type { Actor } from '../auth/auth.service.ts';
import { type Db, transaction } from '../db/connect.ts';
import { pageOf } from '../db/paging.ts';
import { AppError, notFound } from '../errors.ts';
import { nowIso } from '../lib/ids.ts';
import type { IntakeMatch } from './pipeline.schema.ts';
import { byOf } from './pipeline.service.ts';
import { createReferral } from './referrals.service.ts';
import type { IntakeMatchesTable } from './referrals.table.ts';

/**
 * The staff side of intake answers whose "who referred you?" matched nobody for sure: the
 * public intake form writes the row with its candidates; staff confirm a referrer or dismiss it.
 */

const selectMatches = (db: Db, workspaceId: string) =>
  db
    .selectFrom('intake_matches as m')
    .innerJoin('people as f', (j) =>
      j.onRef('f.workspace_id', '=', 'm.workspace_id').onRef('f.id', '=', 'm.person_id'),
    )
    .innerJoin('programs as p', (j) =>
      j.onRef('p.workspace_id', '=', 'm.workspace_id').onRef('p.id', '=', 'm.program_id'),
    )
    .selectAll('m')
    .select(['p.name as program_name', 'f.first_name', 'f.last_name', 'f.organisation', 'f.email', 'f.phone'])
    .where('m.workspace_id', '=', workspaceId);

type Row = Selectable<IntakeMatchesTable> & {
  program_name: string;
  first_name: string;
  last_name: string;
  organisation: string | null;
  email: string | null;
  phone: string | null;
};

function candidatesOf(json: string): IntakeMatch['candidates'] {
  try {
    const list = JSON.parse(json);
    if (!Array.isArray(list)) return [];
    return list
      .filter((c) => c && typeof c.personId === 'string')
      .map((c) => ({ personId: c.personId, name: String(c.name ?? ''), score: Number(c.score ?? 0) }));
  } catch {
    return [];
  }
}

function toMatch(r: Row): IntakeMatch {
  return {
    id: r.id,
    person: {
      id: r.person_id,
      name: [r.first_name, r.last_name].filter(Boolean).join(' ') || r.organisation || r.email || 'someone',
      email: r.email,
      phone: r.phone,
    },
    programId: r.program_id,
    programName: r.program_name,
    referredByText: r.referred_by_text,
    candidates: candidatesOf(r.candidates),
    state: !r.resolved_at ? 'open' : r.referral_id ? 'confirmed' : 'dismissed',
    resolvedAt: r.resolved_at,
    referralId: r.referral_id,
    createdAt: r.created_at,
  };
}

export async function listIntakeMatches(
  db: Db,
  actor: Actor,
  query: { open?: 'true' | 'false'; page: number; pageSize: number },
) {
  let q = selectMatches(db, actor.workspaceId);
  if (query.open === 'true') q = q.where('m.resolved_at', 'is', null);
  if (query.open === 'false') q = q.where('m.resolved_at', 'is not', null);
  const { rows, total } = await pageOf(q, q.orderBy('m.created_at', 'desc').orderBy('m.id', 'desc'), query);
  return { items: rows.map(toMatch), total, page: query.page, pageSize: query.pageSize };
}

export async function getIntakeMatch(db: Db, workspaceId: string, id: string): Promise<IntakeMatch> {
  const row = await selectMatches(db, workspaceId).where('m.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Intake match');
  return toMatch(row);
}

async function openMatch(tx: Db, workspaceId: string, id: string) {
  let q = tx
    .selectFrom('intake_matches')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id);
  if (tx.dialect === 'postgres') q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound('Intake match');
  if (row.resolved_at) {
    throw new AppError(
      'conflict',
      row.referral_id
        ? `This intake answer was already confirmed on ${row.resolved_at.slice(0, 10)}`
        : `This intake answer was already dismissed on ${row.resolved_at.slice(0, 10)}`,
      [{ path: 'id', message: 'already resolved', referralId: row.referral_id }],
    );
  }
  return row;
}

/**
 * Staff picked who referred the person who filled in the intake form: the referral is made
 * through the one door (channel "how_heard"; they filled in the form themselves, so they opted in).
 */
export async function confirmIntakeMatch(db: Db, actor: Actor, id: string, referrerId: string) {
  return transaction(db, async (tx) => {
    const ws = actor.workspaceId;
    const row = await openMatch(tx, ws, id);
    const { referral, created } = await createReferral(tx, ws, await byOf(tx, actor), {
      programId: row.program_id,
      referrerId,
      friend: { personId: row.person_id },
      channel: 'how_heard',
      friendOptIn: { source: 'intake form' },
    });
    await tx
      .updateTable('intake_matches')
      .set({ resolved_at: nowIso(), referral_id: referral.id })
      .where('workspace_id', '=', ws)
      .where('id', '=', id)
      .execute();
    return {
      match: await getIntakeMatch(tx, ws, id),
      referral,
      created,
      ...(created
        ? {}
        : {
            message: `${referral.friend.name} was already referred in this program by ${referral.referrer.name}; the first referrer keeps the referral`,
          }),
    };
  });
}

/** Nobody in the list referred them (or the answer was "a sign on the street"). */
export async function dismissIntakeMatch(db: Db, actor: Actor, id: string) {
  return transaction(db, async (tx) => {
    await openMatch(tx, actor.workspaceId, id);
    await tx
      .updateTable('intake_matches')
      .set({ resolved_at: nowIso() })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .execute();
    return getIntakeMatch(tx, actor.workspaceId, id);
  });
}
