import type { Insertable } from 'kysely';
import { newId, nowIso } from '../src/lib/ids.ts';
import type { PeopleTable } from '../src/people/people.table.ts';

/** A people row for bulk seeding (tests and benchmarks), bypassing the API's checks. */
export function personRow(
  workspaceId: string,
  fields: Partial<Insertable<PeopleTable>> = {},
): Insertable<PeopleTable> & { id: string } {
  const now = nowIso();
  return {
    workspace_id: workspaceId,
    id: newId(),
    kind: 'customer',
    first_name: '',
    last_name: '',
    organisation: null,
    email: null,
    email_key: null,
    phone: null,
    external_id: null,
    address: '{}',
    how_heard: null,
    notes: '',
    marketing_consent_at: null,
    marketing_consent_source: null,
    do_not_contact_at: null,
    merged_into_id: null,
    created_at: now,
    updated_at: now,
    ...fields,
  } as Insertable<PeopleTable> & { id: string };
}
