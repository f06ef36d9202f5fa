import { z } from 'zod';
import { PageQuery } from '../http/schemas.ts';

/** The most names one ask takes at the front desk: the seeds' "3 to 4 referrals". */
export const MAX_NAMES = 4;

export const AskChannel = z.enum(['front_desk', 'task', 'email', 'postcard']);
export const AskOutcome = z.enum(['got_names', 'asked', 'declined', 'not_now']);
/** What became of an ask: the outcomes staff record, and "missed" (a staff ask nobody made on its day). */
export const AskResult = z.enum(['got_names', 'asked', 'declined', 'not_now', 'missed']);

const text = (max: number) => z.string().trim().max(max);

export const AskMoment = z.object({
  good: z.boolean().describe('whether now is a good moment to ask this person for referrals'),
  reason: z.string().describe('why, or why not: "3rd visit", "asked 12 days ago", "do not contact"'),
  question: z.string().describe('the leading question to use'),
  programId: z.string().nullable().describe('the program the names would go into'),
  askId: z
    .string()
    .nullable()
    .describe('a staff ask due today made by an ask rule: recording the ask completes it'),
  lastAskedAt: z.string().nullable().describe('when they were last asked (an outcome other than not_now)'),
  coolingOffUntil: z.string().nullable().describe('no new ask before this time'),
  visits: z.number().describe('days with a visit or purchase on record'),
  purchases: z.number(),
});
export type AskMoment = z.infer<typeof AskMoment>;

export const NameInput = z.strictObject({
  name: text(100).min(1, 'a name'),
  email: text(254).optional(),
  phone: text(40).optional(),
});

export const AskInput = z
  .strictObject({
    personId: z.uuid('must be a UUID').describe('the person asked'),
    askId: z
      .uuid('must be a UUID')
      .optional()
      .describe("the due ask this completes (from today's ask list); defaults to the person's ask due today"),
    programId: z
      .uuid('must be a UUID')
      .optional()
      .describe("the program the names go into; defaults to the ask moment's program"),
    outcome: AskOutcome.describe(
      'got_names: they named people; asked: asked, no names yet; declined: said no; not_now: not asked after all',
    ),
    names: z
      .array(NameInput)
      .max(MAX_NAMES, `at most ${MAX_NAMES} names`)
      .default([])
      .describe('the people they named (got_names): each becomes a referral waiting for an introduction'),
    reason: text(200).min(1).optional().describe("why now; defaults to the ask moment's reason"),
    question: text(300).min(1).optional().describe("the question used; defaults to the program's"),
  })
  .superRefine((a, ctx) => {
    if (a.outcome === 'got_names' && a.names.length === 0)
      ctx.addIssue({ code: 'custom', path: ['names'], message: 'name at least one person for got_names' });
    if (a.outcome !== 'got_names' && a.names.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['names'],
        message: 'names come only with the outcome got_names',
      });
  });
export type AskInput = z.output<typeof AskInput>;

export const Ask = z.object({
  id: z.string(),
  personId: z.string(),
  personName: z.string(),
  programId: z.string().nullable(),
  staffUserId: z.string().nullable(),
  staffName: z.string().nullable(),
  reason: z.string(),
  question: z.string(),
  channel: AskChannel,
  ruleId: z.string().nullable().describe('the ask rule that made it; null for one made at the front desk'),
  outcome: AskResult.nullable(),
  namesCount: z.number(),
  dueAt: z.string(),
  doneAt: z.string().nullable(),
  createdAt: z.string(),
});
export type Ask = z.infer<typeof Ask>;

export const NameResult = z.object({
  name: z.string(),
  status: z
    .enum(['added', 'already_referred', 'not_added'])
    .describe(
      'added: a new referral; already_referred: they have a referrer in this program; not_added: see note',
    ),
  referralId: z.string().nullable(),
  note: z.string(),
});

export const RecordedAsk = z.object({
  ask: Ask,
  names: z.array(NameResult),
});
export type RecordedAsk = z.infer<typeof RecordedAsk>;

export const AskQuery = z.strictObject({
  personId: z.uuid().optional(),
  staffUserId: z.uuid().optional(),
  outcome: z
    .union([AskResult, z.literal('due')])
    .optional()
    .describe('"due": not done yet'),
  channel: AskChannel.optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('created at or after'),
  to: z.iso.datetime({ offset: true }).optional().describe('created before'),
  ...PageQuery,
});
export type AskQuery = z.output<typeof AskQuery>;

export const AskList = z.object({
  items: z.array(Ask),
  total: z.number(),
  page: z.number(),
  pageSize: z.number(),
});
export type AskList = z.infer<typeof AskList>;
