import { z } from 'zod';

export const PostalAddress = z.strictObject({
  line1: z.string().trim().max(200).default(''),
  line2: z.string().trim().max(200).default(''),
  city: z.string().trim().max(100).default(''),
  region: z.string().trim().max(100).default(''),
  postalCode: z.string().trim().max(20).default(''),
  country: z
    .string()
    .trim()
    .regex(/^([A-Z]{2})?$/, 'ISO 3166 alpha-2 code such as US or DE')
    .default(''),
});
export type PostalAddress = z.infer<typeof PostalAddress>;

export const ReviewLink = z.strictObject({
  label: z.string().trim().min(1).max(60),
  url: z.url({ protocol: /^https?$/ }),
});

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'unknown IANA time zone');

export const WorkspaceInput = z.strictObject({
  name: z.string().trim().min(1).max(120),
  slug: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'lower-case letters, digits and dashes')
    .optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'ISO 4217 code such as USD or EUR')
    .default('USD'),
  timeZone: timeZone.default('UTC'),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'ISO 3166 alpha-2 code such as US or DE')
    .default('US'),
  address: PostalAddress.default(PostalAddress.parse({})),
  brandColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #2f6f5e')
    .default('#2f6f5e'),
  logoUrl: z
    .url({ protocol: /^https?$/ })
    .nullable()
    .default(null),
  reviewLinks: z.array(ReviewLink).max(10).default([]),
  approveRewards: z
    .boolean()
    .default(false)
    .describe('rewards wait for an owner or manager to approve them after their hold'),
  askCoolingOffDays: z
    .number()
    .int('whole days')
    .min(0)
    .max(730)
    .default(60)
    .describe('nobody is asked for referrals again within this many days of an ask, across all ask rules'),
});
export type WorkspaceInput = z.input<typeof WorkspaceInput>;

export const WorkspacePatch = WorkspaceInput.partial().omit({ slug: true });

export const Workspace = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  currency: z.string(),
  timeZone: z.string(),
  country: z.string(),
  address: PostalAddress,
  brandColor: z.string(),
  logoUrl: z.string().nullable(),
  reviewLinks: z.array(ReviewLink),
  approveRewards: z.boolean(),
  askCoolingOffDays: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Workspace = z.infer<typeof Workspace>;
