import { type Selectable, sql } from 'kysely';
import type { z } from 'zod';
import { moveAcquisition } from '../analytics/acquisition.ts';
import type { Actor } from '../auth/auth.service.ts';
import { type Db, transaction } from '../db/connect.ts';
import { pageOf } from '../db/paging.ts';
import type { DB } from '../db/schema.ts';
import { AppError, type ErrorDetail, notFound } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { type PeopleQuery, type Person, PersonInput, type PersonPatch } from './people.schema.ts';
import type { PeopleTable } from './people.table.ts';
import { preparePerson } from './person-prepare.ts';

export { type PreparedPerson, preparePerson } from './person-prepare.ts';

type PersonRow = Selectable<PeopleTable>;

export function toPerson(row: PersonRow, tags: string[]): Person {
  return {
    id: row.id,
    kind: row.kind,
    firstName: row.first_name,
    lastName: row.last_name,
    organisation: row.organisation,
    email: row.email,
    phone: row.phone,
    externalId: row.external_id,
    address: JSON.parse(row.address),
    tags,
    notes: row.notes,
    howHeard: row.how_heard,
    marketingConsent:
      row.marketing_consent_at && row.marketing_consent_source
        ? { at: row.marketing_consent_at, source: row.marketing_consent_source }
        : null,
    doNotContact: row.do_not_contact_at !== null,
    mergedIntoId: row.merged_into_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

async function workspaceCountry(db: Db, workspaceId: string) {
  const w = await db
    .selectFrom('workspaces')
    .select('country')
    .where('id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return w.country;
}

async function tagsOf(db: Db, workspaceId: string, ids: string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>(ids.map((id) => [id, []]));
  if (!ids.length) return map;
  const rows = await db
    .selectFrom('person_tags')
    .select(['person_id', 'tag'])
    .where('workspace_id', '=', workspaceId)
    .where('person_id', 'in', ids)
    .orderBy('tag')
    .execute();
  for (const r of rows) map.get(r.person_id)?.push(r.tag);
  return map;
}

/** People who look like the same person: same external id, email key or phone. */
export async function findDuplicates(
  db: Db,
  workspaceId: string,
  p: { email_key?: string | null; phone?: string | null; external_id?: string | null },
  exceptId?: string,
) {
  // One indexed lookup per key: an OR of the three lets SQLite's planner scan the workspace.
  const keys = (['email_key', 'phone', 'external_id'] as const).filter((k) => p[k]);
  const found = await Promise.all(
    keys.map((k) =>
      db
        .selectFrom('people')
        .select(['id', 'first_name', 'last_name', 'email', 'phone', 'external_id'])
        .where('workspace_id', '=', workspaceId)
        .where(k, '=', p[k] as string)
        .where('merged_into_id', 'is', null)
        .$if(Boolean(exceptId), (q) => q.where('id', '!=', exceptId as string))
        .limit(10)
        .execute(),
    ),
  );
  return [...new Map(found.flat().map((r) => [r.id, r])).values()].slice(0, 10);
}

/** The validation error for a person who failed `preparePerson`; `what` names them ("friend"). */
export function invalidPerson(errors: ErrorDetail[], what = 'person'): AppError {
  const prefix = what === 'person' ? '' : `${what}.`;
  return new AppError(
    'validation',
    `Invalid ${what}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    errors.map((e) => ({ ...e, path: `${prefix}${e.path}` })),
  );
}

/** A person by id; one who was merged resolves to the person they were merged into. */
export async function livePerson(db: Db, workspaceId: string, id: string): Promise<PersonRow | undefined> {
  const byId = (pid: string) =>
    db
      .selectFrom('people')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', pid)
      .executeTakeFirst();
  const row = await byId(id);
  // Merges flatten chains, so one hop is enough.
  return row?.merged_into_id ? byId(row.merged_into_id) : row;
}

export async function createPerson(
  db: Db,
  actor: Actor,
  raw: PersonInput,
  opts: { allowDuplicate?: boolean } = {},
): Promise<Person> {
  const input = PersonInput.parse(raw);
  const prepared = preparePerson(input, await workspaceCountry(db, actor.workspaceId));
  if (!prepared.ok) throw invalidPerson(prepared.errors);
  const { fields, tags } = prepared.person;
  return transaction(db, async (tx) => {
    const dupes = await findDuplicates(tx, actor.workspaceId, fields);
    const sameExternal = dupes.find((d) => fields.external_id && d.external_id === fields.external_id);
    if (sameExternal || (dupes.length && !opts.allowDuplicate)) {
      throw new AppError(
        'duplicate',
        'This looks like a person you already have; open them, merge, or create anyway with allowDuplicate=true',
        dupes.map((d) => ({
          path:
            fields.external_id && d.external_id === fields.external_id
              ? 'externalId'
              : fields.phone && d.phone === fields.phone
                ? 'phone'
                : 'email',
          message: `matches ${[d.first_name, d.last_name].filter(Boolean).join(' ') || d.email || d.phone}`,
          personId: d.id,
        })),
      );
    }
    const now = nowIso();
    const row = {
      ...fields,
      workspace_id: actor.workspaceId,
      id: newId(),
      merged_into_id: null,
      created_at: now,
      updated_at: now,
    };
    await tx.insertInto('people').values(row).execute();
    await setTags(tx, actor.workspaceId, row.id, tags);
    return toPerson(row as PersonRow, tags);
  });
}

async function setTags(db: Db, workspaceId: string, personId: string, tags: string[]) {
  await db
    .deleteFrom('person_tags')
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', personId)
    .execute();
  if (tags.length) {
    await db
      .insertInto('person_tags')
      .values(tags.map((tag) => ({ workspace_id: workspaceId, person_id: personId, tag })))
      .execute();
  }
}

async function getRow(db: Db, workspaceId: string, id: string): Promise<PersonRow> {
  const row = await db
    .selectFrom('people')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Person');
  return row;
}

export async function getPerson(db: Db, actor: Actor, id: string): Promise<Person> {
  const row = await getRow(db, actor.workspaceId, id);
  return toPerson(row, (await tagsOf(db, actor.workspaceId, [id])).get(id)!);
}

export async function updatePerson(
  db: Db,
  actor: Actor,
  id: string,
  patch: z.output<typeof PersonPatch>,
): Promise<Person> {
  return transaction(db, async (tx) => {
    const current = await getPerson(tx, actor, id);
    if (current.mergedIntoId)
      throw new AppError('conflict', `This person was merged into ${current.mergedIntoId}; edit that person`);
    const merged = PersonInput.parse({
      kind: current.kind,
      firstName: current.firstName,
      lastName: current.lastName,
      organisation: current.organisation,
      email: current.email,
      phone: current.phone,
      externalId: current.externalId,
      address: current.address,
      tags: current.tags,
      notes: current.notes,
      howHeard: current.howHeard,
      marketingConsent: current.marketingConsent ? { given: true, ...current.marketingConsent } : null,
      doNotContact: current.doNotContact,
      ...patch,
    });
    const prepared = preparePerson(merged, await workspaceCountry(tx, actor.workspaceId));
    if (!prepared.ok) throw invalidPerson(prepared.errors);
    const { fields, tags } = prepared.person;
    if (fields.external_id && fields.external_id !== current.externalId) {
      const taken = await findDuplicates(tx, actor.workspaceId, { external_id: fields.external_id }, id);
      if (taken.some((d) => d.external_id === fields.external_id)) {
        throw new AppError('duplicate', `External id ${fields.external_id} belongs to another person`, [
          { path: 'externalId', message: 'taken', personId: taken[0]!.id },
        ]);
      }
    }
    // Keep the original consent and do-not-contact times when they did not change.
    if (
      current.marketingConsent &&
      fields.marketing_consent_source === current.marketingConsent.source &&
      !patch.marketingConsent?.at
    ) {
      fields.marketing_consent_at = current.marketingConsent.at;
    }
    if (current.doNotContact && fields.do_not_contact_at) {
      const row = await getRow(tx, actor.workspaceId, id);
      fields.do_not_contact_at = row.do_not_contact_at;
    }
    if ((fields.how_heard ?? null) !== current.howHeard) {
      const { first_purchase_at: at } = await getRow(tx, actor.workspaceId, id);
      await moveAcquisition(
        tx,
        actor.workspaceId,
        { at, howHeard: current.howHeard },
        { at, howHeard: fields.how_heard ?? null },
      );
    }
    await tx
      .updateTable('people')
      .set({ ...fields, updated_at: nowIso() })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .execute();
    if (patch.tags) await setTags(tx, actor.workspaceId, id, tags);
    return getPerson(tx, actor, id);
  });
}

export async function listPeople(db: Db, actor: Actor, query: z.output<typeof PeopleQuery>) {
  let q = db
    .selectFrom('people as p')
    .where('p.workspace_id', '=', actor.workspaceId)
    .where('p.merged_into_id', 'is', null);
  if (query.kind) q = q.where('p.kind', '=', query.kind);
  if (query.tag) {
    const tag = query.tag.toLowerCase();
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('person_tags as t')
          .select(sql.lit(1).as('one'))
          .whereRef('t.workspace_id', '=', 'p.workspace_id')
          .whereRef('t.person_id', '=', 'p.id')
          .where('t.tag', '=', tag),
      ),
    );
  }
  if (query.q) {
    const words = query.q.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5);
    const digits = query.q.replace(/\D/g, '');
    for (const w of words) {
      const like = `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) =>
        eb.or([
          eb(sql`lower(p.first_name)`, 'like', sql`${like} escape '\\'`),
          eb(sql`lower(p.last_name)`, 'like', sql`${like} escape '\\'`),
          eb(sql`lower(coalesce(p.organisation, ''))`, 'like', sql`${like} escape '\\'`),
          eb(sql`coalesce(p.email, '')`, 'like', sql`${like} escape '\\'`),
          ...(digits.length >= 4 && w.replace(/\D/g, '').length >= 4
            ? [eb('p.phone', 'like', `%${w.replace(/\D/g, '')}%`)]
            : []),
        ]),
      );
    }
  }
  const sorts = {
    name: [
      ['p.last_name', 'asc'],
      ['p.first_name', 'asc'],
    ],
    '-name': [
      ['p.last_name', 'desc'],
      ['p.first_name', 'desc'],
    ],
    created: [['p.created_at', 'asc']],
    '-created': [['p.created_at', 'desc']],
    updated: [['p.updated_at', 'asc']],
    '-updated': [['p.updated_at', 'desc']],
  } as const;
  const { rows, total } = await pageOf(
    q,
    sorts[query.sort].reduce((acc, [col, dir]) => acc.orderBy(col, dir), q.selectAll('p')).orderBy('p.id'),
    query,
  );
  const tags = await tagsOf(
    db,
    actor.workspaceId,
    rows.map((r) => r.id),
  );
  return {
    items: rows.map((r) => toPerson(r, tags.get(r.id)!)),
    total,
    page: query.page,
    pageSize: query.pageSize,
  };
}

/**
 * Every column elsewhere that points at a person, so a merge moves them all. Later features
 * add their tables here (referrals, rewards, asks …).
 */
export const personLinks: Array<{ table: keyof DB; column: string; uniqueWith?: string[] }> = [
  { table: 'referrals', column: 'referrer_id' },
  { table: 'referrals', column: 'friend_id', uniqueWith: ['program_id'] },
  { table: 'referral_links', column: 'referrer_id', uniqueWith: ['program_id'] },
  { table: 'coupons', column: 'friend_id' },
  { table: 'intake_matches', column: 'person_id' },
  { table: 'business_events', column: 'person_id' },
  { table: 'rewards', column: 'person_id' },
  { table: 'tasks', column: 'person_id' },
  { table: 'asks', column: 'person_id' },
  { table: 'messages', column: 'person_id' },
  // A survey belongs to its person alone (its unique keys are its token and its transaction),
  // and so does a testimonial (one per survey): both simply move.
  { table: 'surveys', column: 'person_id' },
  { table: 'testimonials', column: 'person_id' },
];

/** Merges `otherId` into `keepId`: links move, blanks are filled, the other becomes a tombstone. */
export async function mergePeople(db: Db, actor: Actor, keepId: string, otherId: string): Promise<Person> {
  if (keepId === otherId)
    throw new AppError('validation', 'A person cannot be merged into themselves', [
      { path: 'otherId', message: 'same as the kept person' },
    ]);
  const ws = actor.workspaceId;
  return transaction(db, async (tx) => {
    const keep = await getRow(tx, ws, keepId);
    const other = await getRow(tx, ws, otherId);
    if (keep.merged_into_id || other.merged_into_id)
      throw new AppError('conflict', 'One of these people was already merged');
    const fill = <K extends keyof PersonRow>(k: K) =>
      keep[k] === null || keep[k] === '' ? other[k] : keep[k];
    const kind =
      keep.kind === 'customer' || other.kind === 'customer'
        ? 'customer'
        : keep.kind === 'partner' || other.kind === 'partner'
          ? 'partner'
          : 'prospect';
    // One customer now, won on the earlier of their two first purchases.
    const firsts = [keep.first_purchase_at, other.first_purchase_at].filter((at): at is string => !!at);
    const first = firsts.sort((a, b) => Date.parse(a) - Date.parse(b))[0] ?? null;
    const now = nowIso();
    // Free the other's external id first: it is unique per workspace.
    await tx
      .updateTable('people')
      .set({ merged_into_id: keepId, external_id: null, updated_at: now })
      .where('workspace_id', '=', ws)
      .where('id', '=', otherId)
      .execute();
    await tx
      .updateTable('people')
      .set({
        kind,
        first_name: fill('first_name'),
        last_name: fill('last_name'),
        organisation: fill('organisation'),
        email: fill('email'),
        email_key: keep.email ? keep.email_key : other.email_key,
        phone: fill('phone'),
        external_id: keep.external_id ?? other.external_id,
        address:
          keep.address === '{}' || !Object.values(JSON.parse(keep.address)).some(Boolean)
            ? other.address
            : keep.address,
        how_heard: fill('how_heard'),
        first_purchase_at: first,
        notes: [keep.notes, other.notes].filter(Boolean).join('\n\n'),
        marketing_consent_at: fill('marketing_consent_at'),
        marketing_consent_source: fill('marketing_consent_source'),
        // Do-not-contact from either wins: it protects the person.
        do_not_contact_at: keep.do_not_contact_at ?? other.do_not_contact_at,
        updated_at: now,
      })
      .where('workspace_id', '=', ws)
      .where('id', '=', keepId)
      .execute();
    await moveAcquisition(
      tx,
      ws,
      { at: other.first_purchase_at, howHeard: other.how_heard },
      { at: null, howHeard: null },
    );
    await moveAcquisition(
      tx,
      ws,
      { at: keep.first_purchase_at, howHeard: keep.how_heard },
      { at: first, howHeard: fill('how_heard') },
    );
    const tags = await tagsOf(tx, ws, [keepId, otherId]);
    await setTags(tx, ws, keepId, [...new Set([...tags.get(keepId)!, ...tags.get(otherId)!])].sort());
    await tx
      .deleteFrom('person_tags')
      .where('workspace_id', '=', ws)
      .where('person_id', '=', otherId)
      .execute();
    for (const { table, column, uniqueWith } of personLinks) {
      // Where the survivor already has such a row (one link per program, one referral per
      // friend and program), the other's row stays with the tombstone, which resolves to the
      // survivor: a printed code keeps working and nothing is lost.
      const clash = uniqueWith
        ? sql`and not exists (select 1 from ${sql.table(table)} as k where k.workspace_id = ${ws} and k.${sql.ref(column)} = ${keepId} ${sql.join(
            uniqueWith.map((c) => sql`and k.${sql.ref(c)} = ${sql.table(table)}.${sql.ref(c)}`),
            sql` `,
          )})`
        : sql``;
      await sql`update ${sql.table(table)} set ${sql.ref(column)} = ${keepId} where workspace_id = ${ws} and ${sql.ref(column)} = ${otherId} ${clash}`.execute(
        tx,
      );
    }
    // People merged earlier into the other now point at the survivor.
    await tx
      .updateTable('people')
      .set({ merged_into_id: keepId })
      .where('workspace_id', '=', ws)
      .where('merged_into_id', '=', otherId)
      .execute();
    return getPerson(tx, actor, keepId);
  });
}
