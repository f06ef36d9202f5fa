import { z } from 'zod';
import { PersonKind } from '../people/people.schema.ts';
import { ProgramTerms, Reward } from '../programs/programs.schema.ts';
import { Channel, FriendInput, Referral, ReferralStatus } from './referrals.schema.ts';

const text = (max: number) => z.string().trim().max(max);
const reason = (what: string) => text(500).min(1, `say why the referral was ${what}`);
const bool = z.enum(['true', 'false']);

/** Who referred: a person picked from the list, or a code typed from a card or coupon. */
export const ReferrerInput = z.union([
  z.strictObject({ personId: z.uuid('must be a UUID') }),
  z.strictObject({
    code: text(40).min(1).describe('as typed: case, spaces and dashes do not matter (e.g. "k7q4 mxp2")'),
  }),
]);

/** A referral entered by staff ("who sent you?"), a partner's lead, or "how did you hear". */
export const StaffReferralInput = z.strictObject({
  programId: z
    .uuid('must be a UUID')
    .optional()
    .describe('required when the referrer is picked by id; with a code, the code’s program is used'),
  referrer: ReferrerInput,
  friend: FriendInput,
  channel: z
    .enum(['staff', 'partner', 'how_heard'])
    .optional()
    .describe('default "staff", or "partner" when the referrer is a partner'),
  introduced: z.boolean().default(false).describe('the referrer told the friend about us'),
  friendOptIn: z.boolean().default(false).describe('the friend agreed to be contacted (e.g. they are here)'),
  note: text(2000).optional().describe('added to the timeline'),
});
export type StaffReferralInput = z.output<typeof StaffReferralInput>;

export const CreatedReferral = z.object({
  referral: Referral,
  created: z.boolean(),
  message: z
    .string()
    .optional()
    .describe('why nothing new was created (the first referrer keeps the friend)'),
});

const uuidOrWord = (...words: string[]) =>
  z.union([z.uuid('must be a UUID'), ...words.map((w) => z.literal(w))]);

export const ReferralQuery = z.strictObject({
  status: z
    .union([ReferralStatus, z.array(ReferralStatus)])
    .optional()
    .describe('repeat for several: status=new&status=contacted'),
  programId: z.uuid().optional(),
  referrerId: z.uuid().optional(),
  friendId: z.uuid().optional(),
  assignedTo: uuidOrWord('me', 'none').optional().describe('a user id, "me" or "none"'),
  overdue: bool
    .optional()
    .describe('open (new or contacted), not waiting for an introduction, follow-up due in the past'),
  waiting: bool.optional().describe('named by a referrer, not introduced and not opted in yet'),
  flagged: bool.optional().describe('flagged for review'),
  channel: Channel.optional(),
  q: text(200).optional().describe('friend or referrer name or email'),
  sort: z.enum(['-created', 'created', 'due']).default('-created'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});
export type ReferralQuery = z.output<typeof ReferralQuery>;

export const ReferralList = z.object({
  items: z.array(Referral),
  total: z.number(),
  page: z.number(),
  pageSize: z.number(),
});

export const Activity = z.object({
  id: z.string(),
  kind: z.enum([
    'created',
    'status',
    'assigned',
    'note',
    'follow_up',
    'appointment',
    'flagged',
    'introduced',
    'opted_in',
    'coupon_redeemed',
  ]),
  fromStatus: z.string().nullable(),
  toStatus: z.string().nullable(),
  note: z.string().nullable(),
  data: z.record(z.string(), z.unknown()).nullable(),
  actor: z.object({ id: z.string().nullable(), label: z.string() }),
  at: z.string(),
});
export type Activity = z.infer<typeof Activity>;

export const Coupon = z.object({
  id: z.string(),
  code: z.string(),
  referralId: z.string(),
  friendId: z.string(),
  incentive: Reward.nullable(),
  expiresAt: z.string(),
  expired: z.boolean(),
  redeemedAt: z.string().nullable(),
  redeemedBy: z.string().nullable(),
  createdAt: z.string(),
});
export type Coupon = z.infer<typeof Coupon>;

export const ReferralDetail = z.object({
  referral: Referral,
  activities: z.array(Activity).describe('the timeline, oldest first'),
  coupon: Coupon.nullable(),
  terms: ProgramTerms.describe('the program terms this referral was made under'),
});

export const ReferralPatch = z.strictObject({
  status: ReferralStatus.optional(),
  assignedTo: z.uuid('must be a UUID').nullable().optional().describe('a staff member, or null'),
  followUpDueAt: z.iso.datetime({ offset: true }).nullable().optional(),
  appointmentAt: z.iso.datetime({ offset: true }).nullable().optional(),
  lostReason: reason('lost').optional().describe('required with status "lost"'),
  voidReason: reason('voided').optional().describe('required with status "void"'),
});
export type ReferralPatch = z.output<typeof ReferralPatch>;

export const NoteInput = z.strictObject({ note: text(5000).min(1, 'write a note') });
export const OptedInInput = z.strictObject({
  source: text(200).min(1, 'say how they agreed, e.g. "phoned us", "intake form"'),
});
export const OptionalNote = z.strictObject({ note: text(2000).optional() });

const PersonNode = z.object({ id: z.string(), name: z.string(), kind: PersonKind });
const ReferralEdge = z.object({
  id: z.string(),
  status: ReferralStatus,
  programId: z.string(),
  programName: z.string(),
  channel: Channel,
  createdAt: z.string(),
  wonAt: z.string().nullable(),
});
const Counts = z.object({
  referred: z.number().describe('people this person referred (void referrals not counted)'),
  won: z.number().describe('of which became customers'),
});

export const NetworkNode = z.object({
  generation: z.number().describe('1: referred by the person asked about; 2: by one of those; …'),
  referrerId: z.string().describe('who referred this person: the person asked about or an earlier node'),
  person: PersonNode,
  referral: ReferralEdge,
  counts: Counts,
  revenue: z.number().describe('net revenue from this person since this referral, minor units'),
  branchRevenue: z.number().describe('their revenue plus that of everyone below them shown here'),
  repeated: z.boolean().describe('already shown higher up (a cycle): not followed again'),
});
export type NetworkNode = z.infer<typeof NetworkNode>;

export const NetworkQuery = z.strictObject({
  depth: z.coerce.number().int().min(1).max(6).default(3).describe('generations downwards'),
});

export const Network = z.object({
  person: PersonNode,
  counts: Counts,
  referredBy: z
    .array(z.object({ person: PersonNode, referral: ReferralEdge }))
    .describe('who referred them, who referred that person … up to the source of influence'),
  referred: z
    .array(NetworkNode)
    .describe('whom they referred, and whom those referred: generation by generation, oldest first'),
  truncated: z.boolean().describe('the network is larger than what is shown'),
  revenue: z
    .object({ direct: z.number(), total: z.number() })
    .describe(
      'lifetime value this person brought as a source of influence: purchases less refunds of the people ' +
        'they referred (direct) and of every generation shown (total), minor units',
    ),
});
export type Network = z.infer<typeof Network>;

export const CouponAtCounter = Coupon.extend({
  friend: z.object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
  }),
  referral: z.object({
    id: z.string(),
    status: ReferralStatus,
    programName: z.string(),
    referrerName: z.string(),
    voidReason: z.string().nullable(),
  }),
});
export type CouponAtCounter = z.infer<typeof CouponAtCounter>;

export const CodeParams = z.strictObject({ code: z.string().max(100) });

export const IntakeMatch = z.object({
  id: z.string(),
  person: z.object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
  }),
  programId: z.string(),
  programName: z.string(),
  referredByText: z.string().describe('what they wrote under "who referred you?"'),
  candidates: z.array(z.object({ personId: z.string(), name: z.string(), score: z.number() })),
  state: z.enum(['open', 'confirmed', 'dismissed']),
  resolvedAt: z.string().nullable(),
  referralId: z.string().nullable(),
  createdAt: z.string(),
});
export type IntakeMatch = z.infer<typeof IntakeMatch>;

export const IntakeMatchQuery = z.strictObject({
  open: bool.optional().describe('true: still to confirm; false: confirmed or dismissed'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});

export const IntakeMatchList = z.object({
  items: z.array(IntakeMatch),
  total: z.number(),
  page: z.number(),
  pageSize: z.number(),
});

export const ConfirmMatchInput = z.strictObject({
  referrerId: z.uuid('must be a UUID').describe('one of the candidates, or anyone else staff picked'),
});

export const ConfirmedMatch = z.object({
  match: IntakeMatch,
  referral: Referral,
  created: z.boolean(),
  message: z.string().optional(),
});
