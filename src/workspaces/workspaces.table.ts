export interface WorkspacesTable {
  id: string;
  slug: string;
  name: string;
  currency: string;
  time_zone: string;
  country: string;
  /** JSON: PostalAddress */
  address: string;
  brand_color: string;
  logo_url: string | null;
  /** JSON: { label, url }[] */
  review_links: string;
  /** 1: rewards wait for an owner's approval after their hold */
  approve_rewards: number;
  created_at: string;
  updated_at: string;
}

/**
 * The workspace's ask settings (migration 0010), kept apart so code reading a whole workspace row
 * of the earlier columns stays as it is; src/db/schema.ts joins them into `workspaces`.
 */
export interface WorkspaceAskSettings {
  /** nobody is asked for referrals again within this many days of an ask (default 60) */
  ask_cooling_off_days: number;
}
