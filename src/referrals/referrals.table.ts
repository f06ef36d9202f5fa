export type ReferralStatus = 'new' | 'contacted' | 'appointment' | 'won' | 'lost' | 'void';
export type Channel =
  | 'link'
  | 'coupon'
  | 'named_by_referrer'
  | 'how_heard'
  | 'staff'
  | 'campaign'
  | 'partner';

export interface ReferralLinksTable {
  workspace_id: string;
  id: string;
  program_id: string;
  referrer_id: string;
  /** public, short, unambiguous; upper case */
  code: string;
  /** secret: opens the referrer's "brain tickler" form */
  form_token: string;
  disabled_at: string | null;
  created_at: string;
}

export interface ClicksTable {
  workspace_id: string;
  id: string;
  link_id: string;
  program_id: string;
  /** keyed hash of address and browser, rotating daily: counts bursts, identifies nobody */
  visitor_key: string;
  /** the minute (UTC) the clicks fell in */
  at: string;
  /** clicks by this visitor on this link in that minute */
  clicks: number;
}

/** Clicks per link and UTC day, kept current by the click recorder in each group's transaction. */
export interface LinkClicksDailyTable {
  workspace_id: string;
  link_id: string;
  /** YYYY-MM-DD, UTC */
  day: string;
  program_id: string;
  clicks: number;
}

export interface ReferralsTable {
  workspace_id: string;
  id: string;
  program_id: string;
  /** the program terms version this referral was made under */
  terms_id: string;
  referrer_id: string;
  friend_id: string;
  link_id: string | null;
  channel: Channel;
  status: ReferralStatus;
  /** when the referrer said they told the friend about us */
  introduced_at: string | null;
  /** when the friend agreed to be contacted */
  friend_opt_in_at: string | null;
  assigned_to: string | null;
  follow_up_due_at: string | null;
  appointment_at: string | null;
  lost_reason: string | null;
  void_reason: string | null;
  /** why this needs a human look (fraud patterns); null when clean */
  flag: string | null;
  source_ip_key: string | null;
  created_by: string | null;
  won_at: string | null;
  /** the referrer's kind when it was made (customer, partner, prospect): the dashboard's "source" */
  source_kind: string | null;
  /** the business event that won it (a purchase, a kept appointment); null when staff marked it */
  won_event_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ReferralActivitiesTable {
  workspace_id: string;
  id: string;
  referral_id: string;
  kind:
    | 'created'
    | 'status'
    | 'assigned'
    | 'note'
    | 'follow_up'
    | 'appointment'
    | 'flagged'
    | 'introduced'
    | 'opted_in'
    | 'coupon_redeemed';
  from_status: string | null;
  to_status: string | null;
  note: string | null;
  /** JSON with details of the change */
  data: string | null;
  actor_id: string | null;
  /** "Jamie Ortiz", "the referrer", "the friend", "API key POS" */
  actor_label: string;
  at: string;
}

export interface CouponsTable {
  workspace_id: string;
  id: string;
  code: string;
  referral_id: string;
  friend_id: string;
  /** JSON: Reward snapshot, the friend incentive promised */
  incentive: string | null;
  expires_at: string;
  redeemed_at: string | null;
  redeemed_by: string | null;
  created_at: string;
}

export interface IntakeMatchesTable {
  workspace_id: string;
  id: string;
  person_id: string;
  program_id: string;
  referred_by_text: string;
  /** JSON: { personId, name, score }[] */
  candidates: string;
  resolved_at: string | null;
  referral_id: string | null;
  created_at: string;
}

export interface DomainEventsTable {
  workspace_id: string;
  id: string;
  type: string;
  /** JSON */
  payload: string;
  created_at: string;
}
