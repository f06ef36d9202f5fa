import { z } from 'zod';

/** What a beneficiary gets: cash or credit in minor units, a percent, a free service or a gift. */
export const Reward = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.enum(['credit', 'cash']),
      amount: z.number().int().min(1).max(100_000_000).describe('minor units of the workspace currency'),
      description: z.string().trim().max(200).default(''),
    }),
    z.strictObject({
      type: z.literal('percent'),
      percent: z.number().int().min(1).max(100),
      maxAmount: z.number().int().min(1).max(100_000_000).optional().describe('cap, minor units'),
      payAs: z.enum(['credit', 'cash']).optional().describe('how it is given; credit unless set'),
      description: z.string().trim().max(200).default(''),
    }),
    z.strictObject({
      type: z.enum(['service', 'gift']),
      description: z.string().trim().min(1).max(200).describe('e.g. "a complimentary adjustment"'),
      value: z.number().int().min(0).max(100_000_000).describe('declared value for reporting, minor units'),
    }),
  ])
  .describe('a reward');
export type Reward = z.infer<typeof Reward>;

export const QualifyingEvent = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('first_purchase') }),
  z.strictObject({ type: z.literal('first_purchase_over'), amount: z.number().int().min(1) }),
  z.strictObject({ type: z.literal('kept_appointment') }),
]);

/** The promise a referral is made under; kept with each referral, never edited in place. */
export const ProgramTerms = z.strictObject({
  referrerReward: Reward.nullable().default(null),
  friendIncentive: Reward.nullable().default(null),
  qualifyingEvent: QualifyingEvent.default({ type: 'first_purchase' }),
  attributionDays: z.number().int().min(1).max(3650).default(90),
  holdDays: z.number().int().min(0).max(365).default(14),
  monthlyCap: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .nullable()
    .default(null)
    .describe('rewards per referrer per month'),
  milestones: z
    .array(z.strictObject({ wonCount: z.number().int().min(2).max(10_000), reward: Reward }))
    .max(10)
    .default([]),
  rewardStaff: Reward.nullable()
    .default(null)
    .describe('for the staff member credited with the ask or follow-up'),
  couponDays: z.number().int().min(1).max(3650).default(60).describe('how long a friend coupon is valid'),
  rounding: z
    .enum(['up', 'half_up'])
    .default('up')
    .describe('percent rewards never round in the business favour'),
});
export type ProgramTerms = z.infer<typeof ProgramTerms>;

export const Testimonial = z.strictObject({
  quote: z.string().trim().min(1).max(1000),
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .describe('as the person chose to be named, e.g. "Sue P., Elm Street"'),
});

export const Landing = z.strictObject({
  headline: z.string().trim().max(200).default(''),
  story: z.string().trim().max(5000).default(''),
  imageUrl: z
    .url({ protocol: /^https?$/ })
    .nullable()
    .default(null),
  testimonials: z.array(Testimonial).max(6).default([]),
});

export const EducationKit = z.strictObject({
  idealCustomer: z.string().trim().max(2000).default(''),
  needPhrases: z.array(z.string().trim().min(1).max(200)).max(20).default([]),
  howToIntroduce: z.string().trim().max(2000).default(''),
});

export const ThankYouVia = z
  .enum(['email', 'task', 'both'])
  .describe(
    'how a referrer is thanked when their friend is won: the thank-you email, a task for staff (a handwritten note, a gift), or both',
  );

export const ProgramAudience = z.enum(['customers', 'partners', 'staff']);
export const ProgramStatus = z.enum(['draft', 'active', 'paused', 'ended']);

const date = z.iso.date('a date like 2026-12-31');

export const ProgramInput = z.strictObject({
  name: z.string().trim().min(1).max(120),
  audience: ProgramAudience.default('customers'),
  status: ProgramStatus.default('draft'),
  startsOn: date.nullable().default(null),
  endsOn: date.nullable().default(null),
  terms: ProgramTerms.default(ProgramTerms.parse({})),
  landing: Landing.default(Landing.parse({})),
  targetCategories: z
    .array(z.string().trim().min(1).max(200))
    .max(20)
    .default([])
    .describe('"brain tickler" prompts'),
  leadingQuestions: z.array(z.string().trim().min(1).max(300)).max(20).default([]),
  educationKit: EducationKit.default(EducationKit.parse({})),
  followUpHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24)
    .describe('due time of the first follow-up, in business hours'),
  thankYou: ThankYouVia.default('both'),
  thankYouGift: z
    .string()
    .trim()
    .max(200)
    .default('')
    .describe('a gift to give with the thank-you, e.g. "a box of chocolates"; named in the task'),
});
export type ProgramInput = z.input<typeof ProgramInput>;

export const ProgramPatch = z.strictObject({
  name: ProgramInput.shape.name.optional(),
  audience: ProgramAudience.optional(),
  status: ProgramStatus.optional(),
  startsOn: date.nullable().optional(),
  endsOn: date.nullable().optional(),
  terms: ProgramTerms.optional(),
  landing: Landing.optional(),
  targetCategories: z.array(z.string().trim().min(1).max(200)).max(20).optional(),
  leadingQuestions: z.array(z.string().trim().min(1).max(300)).max(20).optional(),
  educationKit: EducationKit.optional(),
  followUpHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .optional(),
  thankYou: ThankYouVia.optional(),
  thankYouGift: z.string().trim().max(200).optional(),
});

export const Program = z.object({
  id: z.string(),
  name: z.string(),
  audience: ProgramAudience,
  status: ProgramStatus,
  startsOn: z.string().nullable(),
  endsOn: z.string().nullable(),
  terms: ProgramTerms,
  termsVersion: z.number(),
  termsId: z.string(),
  landing: Landing,
  targetCategories: z.array(z.string()),
  leadingQuestions: z.array(z.string()),
  educationKit: EducationKit,
  followUpHours: z.number(),
  thankYou: ThankYouVia,
  thankYouGift: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Program = z.infer<typeof Program>;
