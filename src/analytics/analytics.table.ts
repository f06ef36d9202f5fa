/**
 * Referral flow per UTC day, program and breakdown, kept current with every change
 * (rollup.ts): dimension "all" (key ''), "channel", "source" (the referrer's kind) or "staff"
 * (user id, '' for none).
 */
export interface ReferralDailyTable {
  workspace_id: string;
  dim: 'all' | 'channel' | 'source' | 'staff';
  /** YYYY-MM-DD, UTC */
  day: string;
  program_id: string;
  key: string;
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

/** The owner's advertising spend per calendar month, in the workspace's minor units. */
export interface AdSpendTable {
  workspace_id: string;
  /** YYYY-MM */
  month: string;
  amount: number;
  note: string;
  updated_by: string | null;
  updated_at: string;
}

/** Customers whose first purchase fell on a UTC day, by "how did you hear" answer (acquisition.ts). */
export interface AcquisitionDailyTable {
  workspace_id: string;
  day: string;
  heard: string;
  customers: number;
}

/** Won referrals per referrer, program_id '' for all programs (rollup.ts). */
export interface ReferrerWinsTable {
  workspace_id: string;
  program_id: string;
  referrer_id: string;
  won: number;
}
