import { stringify } from 'csv-stringify/sync';
import type { Selectable } from 'kysely';
import { type Actor, requireRole } from '../auth/auth.service.ts';
import type { Db } from '../db/connect.ts';
import { guardCell, TEMPLATE_COLUMNS } from './csv-columns.ts';
import type { PeopleTable } from './people.table.ts';

type PersonRow = Selectable<PeopleTable>;

const PAGE = 1000;
/** Excel reads a CSV as UTF-8 only when it starts with a byte-order mark; the importer skips it. */
const BOM = '\uFEFF';

function toCells(p: PersonRow, tags: string[]): string[] {
  const a = JSON.parse(p.address) as Record<string, string | undefined>;
  const cells = [
    p.id,
    p.external_id ?? '',
    p.kind,
    p.first_name,
    p.last_name,
    p.organisation ?? '',
    p.email ?? '',
    p.phone ?? '',
    a.line1 ?? '',
    a.line2 ?? '',
    a.city ?? '',
    a.region ?? '',
    a.postalCode ?? '',
    a.country ?? '',
    tags.join(', '),
    p.notes,
    p.how_heard ?? '',
    p.marketing_consent_at ?? '',
    p.marketing_consent_source ?? '',
    p.do_not_contact_at ?? '',
  ];
  return cells.map(guardCell);
}

/**
 * Every person of the workspace who was not merged away, as CSV in the template's columns (so
 * the file imports again unchanged), a page at a time by id (keyset paging: constant time per
 * page however deep). Cells a spreadsheet would run as formulas (starting with = + - @, tab or
 * CR, which includes every phone number) get a leading `'`; the importer takes it off again.
 */
export function exportPeopleCsv(db: Db, actor: Actor): AsyncGenerator<string> {
  requireRole(actor, 'manager');
  return pages(db, actor.workspaceId);
}

async function* pages(db: Db, workspaceId: string): AsyncGenerator<string> {
  yield BOM + stringify([[...TEMPLATE_COLUMNS]]);
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('people')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('merged_into_id', 'is', null)
      .where('id', '>', after)
      .orderBy('id')
      .limit(PAGE)
      .execute();
    if (!rows.length) return;
    const ids = rows.map((r) => r.id);
    const tags = new Map<string, string[]>();
    const tagRows = await db
      .selectFrom('person_tags')
      .select(['person_id', 'tag'])
      .where('workspace_id', '=', workspaceId)
      .where('person_id', 'in', ids)
      .orderBy('person_id')
      .orderBy('tag')
      .execute();
    for (const t of tagRows) {
      const list = tags.get(t.person_id);
      if (list) list.push(t.tag);
      else tags.set(t.person_id, [t.tag]);
    }
    yield stringify(rows.map((r) => toCells(r, tags.get(r.id) ?? [])));
    if (rows.length < PAGE) return;
    after = rows.at(-1)!.id;
  }
}
