import { z } from 'zod';

export const Channel = z.enum([
  'link',
  'coupon',
  'named_by_referrer',
  'how_heard',
  'staff',
  'campaign',
  'partner',
]);
export const ReferralStatus = z.enum(['new', 'contacted', 'appointment', 'won', 'lost', 'void']);

const personRef = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
});

export const Referral = z.object({
  id: z.string(),
  programId: z.string(),
  programName: z.string(),
  termsId: z.string(),
  referrer: personRef,
  friend: personRef,
  channel: Channel,
  status: ReferralStatus,
  /** named by a referrer, not yet told about us by them and not opted in: no contact from the business */
  waitingForIntroduction: z.boolean(),
  introducedAt: z.string().nullable(),
  friendOptInAt: z.string().nullable(),
  assignedTo: z.string().nullable(),
  followUpDueAt: z.string().nullable(),
  overdue: z.boolean(),
  appointmentAt: z.string().nullable(),
  lostReason: z.string().nullable(),
  voidReason: z.string().nullable(),
  flag: z.string().nullable(),
  wonAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Referral = z.infer<typeof Referral>;

/** A friend given by contact details (created as a prospect unless we know them) or by id. */
export const FriendInput = z.strictObject({
  personId: z.uuid().optional(),
  firstName: z.string().trim().max(100).default(''),
  lastName: z.string().trim().max(100).default(''),
  email: z.string().trim().max(254).nullable().default(null),
  phone: z.string().trim().max(40).nullable().default(null),
  organisation: z.string().trim().max(200).nullable().default(null),
  note: z.string().trim().max(2000).default('').describe('what the referrer said about them'),
});
export type FriendInput = z.input<typeof FriendInput>;
