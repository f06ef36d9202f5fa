export type AskChannel = 'front_desk' | 'task' | 'email' | 'postcard';
/** 'missed': a staff ask nobody made on its day (set by the nightly pass). */
export type AskOutcome = 'got_names' | 'asked' | 'declined' | 'not_now' | 'missed';

/** One request for referrals made to one person at one moment. */
export interface AsksTable {
  workspace_id: string;
  id: string;
  /** the person asked */
  person_id: string;
  /** the program the names go into */
  program_id: string | null;
  /** who asked (a staff member at the front desk), or who a staff ask is for; null for mail */
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
  /** the ask rule that made it; null for one made at the front desk */
  rule_id: string | null;
  /** the day (YYYY-MM-DD, the workspace's time zone) the rule fired: one ask per rule, person, day */
  rule_day: string | null;
}

/** When to ask whom for referrals, through which channel. JSON columns hold the rule's parts. */
export interface AskRulesTable {
  workspace_id: string;
  id: string;
  name: string;
  program_id: string;
  active: number;
  trigger_type:
    | 'purchase'
    | 'first_purchase'
    | 'nth_visit'
    | 'days_after'
    | 'survey_score'
    | 'every_months'
    | 'ticket_resolved';
  /** JSON: AskTrigger */
  trigger: string;
  /** JSON: AskConditions */
  conditions: string;
  /** 'survey': the rule sends the feedback survey rather than asking */
  channel: 'task' | 'email' | 'postcard' | 'survey';
  /** JSON: AskTiming */
  timing: string;
  created_at: string;
  updated_at: string;
}
