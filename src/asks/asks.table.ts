export type AskChannel = 'front_desk' | 'task' | 'email' | 'postcard';
export type AskOutcome = 'got_names' | 'asked' | 'declined' | 'not_now';

/** One request for referrals made to one person at one moment. */
export interface AsksTable {
  workspace_id: string;
  id: string;
  /** the person asked */
  person_id: string;
  /** the program the names go into */
  program_id: string | null;
  /** who asked (a staff member at the front desk); null for an ask sent by mail */
  staff_user_id: string | null;
  /** why now: "3rd visit", "purchase today" */
  reason: string;
  /** the leading question shown to the staff member or printed */
  question: string;
  channel: AskChannel;
  /** null while the ask is due */
  outcome: AskOutcome | null;
  names_count: number;
  due_at: string;
  done_at: string | null;
  created_at: string;
}
