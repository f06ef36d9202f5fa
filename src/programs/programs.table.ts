export interface ProgramsTable {
  workspace_id: string;
  id: string;
  name: string;
  audience: 'customers' | 'partners' | 'staff';
  status: 'draft' | 'active' | 'paused' | 'ended';
  /** YYYY-MM-DD in the workspace's time zone */
  starts_on: string | null;
  ends_on: string | null;
  /** the current version in program_terms */
  terms_id: string;
  /** JSON: Landing */
  landing: string;
  /** JSON: string[] */
  target_categories: string;
  /** JSON: string[] */
  leading_questions: string;
  /** JSON: EducationKit */
  education_kit: string;
  follow_up_hours: number;
  /** how a referrer is thanked when their friend is won: 'email' | 'task' | 'both' */
  thank_you: 'email' | 'task' | 'both';
  /** the gift the thank-you task names ('' for none) */
  thank_you_gift: string;
  created_at: string;
  updated_at: string;
}

export interface ProgramTermsTable {
  workspace_id: string;
  id: string;
  program_id: string;
  version: number;
  /** JSON: ProgramTerms */
  terms: string;
  created_at: string;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: string;
}
