import type { ApiKeysTable, MembershipsTable, SessionsTable, UsersTable } from '../auth/auth.table.ts';
import type { ImportsTable, PeopleTable, PersonTagsTable } from '../people/people.table.ts';
import type { WorkspacesTable } from '../workspaces/workspaces.table.ts';

/** Every table of Vouch, as Kysely sees them. Features add theirs here. */
export interface DB {
  workspaces: WorkspacesTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  people: PeopleTable;
  person_tags: PersonTagsTable;
  imports: ImportsTable;
}
