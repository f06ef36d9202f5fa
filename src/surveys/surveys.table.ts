export interface SurveysTable {
  workspace_id: string;
  id: string;
  person_id: string;
  /** sha256 of the token in the survey link */
  token_hash: string;
  /** the transaction the survey follows */
  event_id: string | null;
  /** the invitation in the outbox */
  message_id: string | null;
  sent_at: string;
  answered_at: string | null;
  /** 0–10 */
  score: number | null;
  /** "what would make us better" */
  better: string | null;
  feedback: string | null;
  may_quote: number;
  /** the name the person chose to be quoted under, e.g. "Sue P., Elm Street" */
  quote_name: string | null;
  /** set when a low score opened a complaint */
  complaint_at: string | null;
  complaint_resolved_at: string | null;
  complaint_resolved_by: string | null;
  resolution_note: string | null;
  /** the staff member who sent it by hand; null for a rule */
  created_by: string | null;
  created_at: string;
}

export interface SurveySettingsTable {
  workspace_id: string;
  low_score: number;
  updated_at: string;
}

export type TestimonialStatus = 'pending' | 'approved' | 'rejected';

export interface TestimonialsTable {
  workspace_id: string;
  id: string;
  survey_id: string | null;
  person_id: string;
  quote: string;
  display_name: string;
  score: number | null;
  status: TestimonialStatus;
  decided_at: string | null;
  decided_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface TestimonialProgramsTable {
  workspace_id: string;
  testimonial_id: string;
  program_id: string;
  created_at: string;
}
