/** Referral flow per UTC day and bucket, kept current with every change (see rollup.ts). */
export interface ReferralDailyTable {
  workspace_id: string;
  /** YYYY-MM-DD, UTC */
  day: string;
  program_id: string;
  channel: string;
  /** the referrer's kind when the referral was made: customer, partner or prospect */
  source_kind: string;
  /** the staff member it was assigned to (or who entered it); '' for none */
  staff_id: string;
  referred: number;
  contacted: number;
  appointments: number;
  won: number;
  lost: number;
  /** purchases less refunds of the customers these referrals brought, minor units */
  revenue: number;
}

/** Sum of ledger entries per UTC day, program, account and unit. */
export interface LedgerDailyTable {
  workspace_id: string;
  day: string;
  program_id: string;
  account: string;
  unit: string;
  amount: number;
}

/** Clicks per UTC day and program; database triggers keep it equal to link_clicks_daily. */
export interface ProgramClicksDailyTable {
  workspace_id: string;
  day: string;
  program_id: string;
  clicks: number;
}
