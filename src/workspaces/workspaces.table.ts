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
