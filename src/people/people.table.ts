export type PersonKind = 'customer' | 'prospect' | 'partner';

export interface PeopleTable {
  workspace_id: string;
  id: string;
  kind: PersonKind;
  first_name: string;
  last_name: string;
  organisation: string | null;
  email: string | null;
  /** Duplicate-detection key: lower case, Gmail dots and +tags folded. */
  email_key: string | null;
  /** E.164 */
  phone: string | null;
  external_id: string | null;
  /** JSON: PostalAddress */
  address: string;
  how_heard: string | null;
  notes: string;
  marketing_consent_at: string | null;
  marketing_consent_source: string | null;
  do_not_contact_at: string | null;
  merged_into_id: string | null;
  /** when their first purchase happened (the acquisition rollup's day) */
  first_purchase_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface PersonTagsTable {
  workspace_id: string;
  person_id: string;
  tag: string;
}

export interface ImportsTable {
  workspace_id: string;
  id: string;
  kind: 'people' | 'transactions';
  filename: string;
  status: 'running' | 'done' | 'failed';
  rows_total: number;
  rows_created: number;
  rows_updated: number;
  rows_unchanged: number;
  rows_rejected: number;
  error: string | null;
  created_by: string | null;
  created_at: string;
  finished_at: string | null;
}

/** Parts of an import's reject file (CSV text), one per batch that refused rows. */
export interface ImportRejectsTable {
  workspace_id: string;
  import_id: string;
  /** The line of the part's first refused row. */
  part: number;
  csv: string;
}
