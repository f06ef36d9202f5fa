import { z } from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time like 20:00');

export const AskTrigger = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('purchase') }).describe('at the point of purchase'),
  z.strictObject({ type: z.literal('first_purchase') }).describe('a first-timer’s first purchase'),
  z
    .strictObject({ type: z.literal('nth_visit'), n: z.number().int().min(1).max(1000) })
    .describe('the Nth day with a visit, purchase or kept appointment'),
  z
    .strictObject({
      type: z.literal('days_after'),
      days: z.number().int().min(1).max(365),
      of: z.enum(['purchase', 'visit', 'any']).default('purchase'),
    })
    .describe('N days after a purchase, a visit (or kept appointment) or any of them'),
  z
    .strictObject({ type: z.literal('survey_score'), min: z.number().int().min(0).max(10).default(9) })
    .describe('the day after a survey answer scoring at least min'),
  z
    .strictObject({ type: z.literal('every_months'), months: z.number().int().min(1).max(36) })
    .describe('every N months since the last ask (or since they became known, if never asked)'),
  z.strictObject({ type: z.literal('ticket_resolved') }).describe('right after a support ticket is resolved'),
]);
export type AskTrigger = z.output<typeof AskTrigger>;
export type TriggerType = AskTrigger['type'];

/** Triggers evaluated as the event is recorded; the others by the nightly pass. */
export const EVENT_TRIGGERS = ['purchase', 'first_purchase', 'nth_visit', 'ticket_resolved'] as const;

const tag = z.string().trim().min(1).max(50);

export const AskConditions = z.strictObject({
  minSpend: z
    .number()
    .int('minor units, e.g. cents')
    .min(0)
    .nullable()
    .default(null)
    .describe("the person's lifetime spend (purchases less refunds, in minor units) is at least this"),
  tagsAny: z.array(tag).max(20).default([]).describe('the person has at least one of these tags'),
  tagsNone: z.array(tag).max(20).default([]).describe('the person has none of these tags'),
  kinds: z
    .array(z.enum(['customer', 'partner']))
    .min(1, 'customers, partners or both')
    .default(['customer', 'partner'])
    .describe('who is asked'),
});
export type AskConditions = z.output<typeof AskConditions>;

export const AskTiming = z
  .strictObject({
    quietFrom: hhmm.default('20:00').describe('no ask emails from this time…'),
    quietTo: hhmm.default('08:00').describe('…until this time (the same time: no quiet hours)'),
    businessDaysOnly: z
      .boolean()
      .default(true)
      .describe('emails go out and staff asks fall due Monday to Friday only'),
    maxPerDay: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .nullable()
      .default(null)
      .describe(
        'at most this many asks a night from this rule; the rest come on the following nights (the first ' +
          'night of an "every N months" rule would otherwise put everyone on one day\'s list)',
      ),
  })
  .describe("in the workspace's time zone");
export type AskTiming = z.output<typeof AskTiming>;

export const RuleChannel = z
  .enum(['task', 'email', 'postcard', 'survey'])
  .describe(
    "task: a staff member asks, with the leading question (on today's ask list); email: the ask email with " +
      'the personal link and friends form; postcard: a due ask on the printable postcard list; survey: not an ' +
      'ask but the feedback survey, emailed at the next allowed hour (with a purchase, first purchase, Nth ' +
      'visit, N days after, or resolved ticket trigger only)',
  );
export type RuleChannel = z.output<typeof RuleChannel>;

/** The triggers a survey rule takes: a transaction (or a resolved ticket) the survey follows. */
export const SURVEY_TRIGGERS = [
  'purchase',
  'first_purchase',
  'nth_visit',
  'days_after',
  'ticket_resolved',
] as const;

/**
 * A person gets at most one feedback survey (by rule; one sent by hand counts) in this many days.
 * Surveys are not asks: the ask cooling-off period neither counts them nor holds them back.
 */
export const SURVEY_COOLING_OFF_DAYS = 30;

const AskRuleFields = z.strictObject({
  name: z.string().trim().min(1, 'a name').max(100),
  programId: z.uuid('must be a UUID').describe('the program the names go into'),
  active: z.boolean().default(true),
  trigger: AskTrigger,
  conditions: AskConditions.default(AskConditions.parse({})),
  channel: RuleChannel,
  timing: AskTiming.default(AskTiming.parse({})),
});

export const AskRuleInput = AskRuleFields.superRefine((r, ctx) => {
  if (r.channel === 'survey' && !(SURVEY_TRIGGERS as readonly string[]).includes(r.trigger.type))
    ctx.addIssue({
      code: 'custom',
      path: ['channel'],
      message:
        'a survey follows a transaction: a purchase, first purchase, Nth visit, N days after, or resolved ticket',
    });
});
export type AskRuleInput = z.output<typeof AskRuleInput>;

export const AskRulePatch = AskRuleFields.partial();
export type AskRulePatch = z.output<typeof AskRulePatch>;

export const AskRule = z.object({
  id: z.string(),
  name: z.string(),
  programId: z.string(),
  programName: z.string(),
  active: z.boolean(),
  trigger: AskTrigger,
  conditions: AskConditions,
  channel: RuleChannel,
  timing: AskTiming,
  summary: z.string().describe('the rule in words: "3rd visit → staff ask"'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AskRule = z.infer<typeof AskRule>;

export const AskRuleList = z.object({ items: z.array(AskRule) });

export const PreviewQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(31).default(7).describe('how many days ahead (or back) to look'),
});

export const PreviewPerson = z.object({
  personId: z.string(),
  name: z.string(),
  reason: z.string(),
  at: z.string().describe('when they would be asked (an email: when it would be sent)'),
});

export const RulePreview = z.object({
  count: z.number().describe('how many people the rule would ask (a survey rule: send the survey)'),
  people: z.array(PreviewPerson).describe('the first 50, soonest first'),
  basis: z
    .enum(['upcoming', 'recent'])
    .describe(
      'upcoming: the next days’ nightly passes as things stand; recent: who the past days’ events would have ' +
        'asked (event-driven rules cannot see the future)',
    ),
  from: z.string(),
  to: z.string(),
  note: z.string().nullable().describe('why nobody would be asked, e.g. the rule is paused'),
});
export type RulePreview = z.infer<typeof RulePreview>;

export const TodayAsk = z.object({
  id: z.string(),
  personId: z.string(),
  personName: z.string(),
  firstName: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  address: z
    .array(z.string())
    .describe('the postal address on lines (a postcard goes to it); empty when unknown'),
  reason: z.string(),
  question: z.string(),
  programId: z.string().nullable(),
  programName: z.string().nullable(),
  ruleName: z.string().nullable(),
  channel: z.enum(['task', 'postcard']),
  staffUserId: z.string().nullable(),
  staffName: z.string().nullable(),
  dueAt: z.string(),
});
export type TodayAsk = z.infer<typeof TodayAsk>;

export const TodayList = z.object({
  date: z.string().describe("today in the workspace's time zone"),
  items: z.array(TodayAsk).describe('due staff asks for today, oldest first'),
  postcards: z.array(TodayAsk).describe('due postcard asks, waiting to be printed and mailed'),
  done: z.number().describe('staff asks of today already recorded'),
});
export type TodayList = z.infer<typeof TodayList>;

export const PassResult = z.object({
  date: z.string(),
  created: z.number().describe('asks made'),
  surveys: z.number().describe('feedback surveys sent by survey rules'),
  missed: z.number(),
  byRule: z.record(z.string(), z.number()),
});
export type PassResult = z.infer<typeof PassResult>;

export const AskStaff = z.object({
  userId: z.string().nullable(),
  name: z.string(),
  due: z.number().describe('staff asks due in the range (from the ask rules)'),
  made: z.number().describe('asks made in the range: at the front desk or from the list'),
  missed: z.number().describe('staff asks due in the range that nobody made'),
  names: z.number().describe('names collected'),
  won: z.number().describe('referrals won in the range among the names this staff member typed in'),
});
export type AskStaff = z.infer<typeof AskStaff>;
