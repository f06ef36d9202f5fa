export type RewardStatus = 'pending' | 'available' | 'redeemed' | 'paid' | 'voided';
export type RewardRule = 'referrer' | 'friend' | 'staff' | 'milestone' | 'thank_you';
export type RewardKind = 'credit' | 'cash' | 'service' | 'gift';
export type Account = 'expense' | 'held' | 'available' | 'redeemed' | 'paid';
export type PostingKind = 'issue' | 'release' | 'redeem' | 'pay' | 'void' | 'reverse' | 'adjust';

/**
 * What one beneficiary is owed because of a referral. Its amounts live in the ledger; the row
 * keeps the promise (kind, amount, declared value) and where it is in its life.
 */
export interface RewardsTable {
  workspace_id: string;
  id: string;
  program_id: string;
  terms_id: string;
  referral_id: string | null;
  rule: RewardRule;
  /** (rule, referral, beneficiary): unique, so a reward is never issued twice */
  issue_key: string;
  /** a person beneficiary (referrer, friend) … */
  person_id: string | null;
  /** … or a staff member */
  user_id: string | null;
  kind: RewardKind;
  /** an ISO currency for credit and cash, "unit" for a free service or gift */
  unit: string;
  /** as issued: minor units, or 1 unit */
  amount: number;
  /** declared value in minor units of the workspace currency, for reporting */
  value: number;
  description: string;
  status: RewardStatus;
  hold_until: string;
  needs_approval: number;
  approved_at: string | null;
  approved_by: string | null;
  void_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface LedgerPostingsTable {
  workspace_id: string;
  id: string;
  kind: PostingKind;
  memo: string;
  /** the business event that caused it (a refund), if any */
  event_id: string | null;
  actor_id: string | null;
  actor_label: string;
  at: string;
}

/** Append-only (database triggers refuse UPDATE and DELETE). Debits positive, credits negative. */
export interface LedgerEntriesTable {
  workspace_id: string;
  id: string;
  posting_id: string;
  reward_id: string;
  program_id: string;
  account: Account;
  unit: string;
  amount: number;
  at: string;
}

export interface TasksTable {
  workspace_id: string;
  id: string;
  /** thank_referrer: a won referral's thank-you; complaint: a low survey score to put right */
  kind: 'thank_referrer' | 'complaint';
  person_id: string;
  referral_id: string | null;
  title: string;
  due_at: string;
  assigned_to: string | null;
  done_at: string | null;
  done_by: string | null;
  /** how it was done: "note", "gift", "call" */
  outcome: string | null;
  note: string | null;
  /** the survey whose low score opened a complaint task */
  survey_id: string | null;
  created_at: string;
}
