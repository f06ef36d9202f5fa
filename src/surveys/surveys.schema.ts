import { z } from 'zod';
import { PageQuery } from '../http/schemas.ts';

export const SurveyOut = z.object({
  id: z.string(),
  person: z.object({ id: z.string(), name: z.string() }),
  eventId: z.string().nullable().describe('the transaction the survey follows'),
  messageId: z.string().nullable().describe('the invitation in the outbox'),
  messageStatus: z.string().nullable(),
  sentAt: z.string(),
  answeredAt: z.string().nullable(),
  score: z.number().nullable().describe('0–10'),
  better: z.string().nullable().describe('"what would make us better"'),
  feedback: z.string().nullable(),
  mayQuote: z.boolean(),
  quoteName: z.string().nullable().describe('the name the person chose to be quoted under'),
  complaint: z
    .object({
      openedAt: z.string(),
      resolvedAt: z.string().nullable(),
      resolvedBy: z.string().nullable().describe('user id'),
      note: z.string().nullable(),
    })
    .nullable()
    .describe('opened by a low score'),
  createdAt: z.string(),
});

export const SurveyQuery = z.strictObject({
  personId: z.uuid().optional(),
  answered: z.enum(['true', 'false']).optional(),
  complaint: z.enum(['open', 'resolved', 'any']).optional().describe('only surveys with a complaint'),
  ...PageQuery,
});

export const SurveyList = z.object({ items: z.array(SurveyOut), total: z.number() });

export const SendSurvey = z.strictObject({
  eventId: z.uuid().optional().describe('the transaction it follows; one survey per transaction'),
});

export const SentSurvey = z.object({
  survey: SurveyOut,
  url: z.string().describe('the survey page (also in the invitation)'),
});

export const ResolveInput = z.strictObject({
  note: z.string().trim().max(2000).optional().describe('what was done'),
});

export const SurveySettings = z.strictObject({
  lowScore: z
    .number()
    .int()
    .min(0)
    .max(8)
    .describe('a score at or under this opens a complaint and alerts the owner (default 6)'),
});

export const TestimonialStatus = z.enum(['pending', 'approved', 'rejected']);

export const TestimonialOut = z.object({
  id: z.string(),
  surveyId: z.string().nullable(),
  person: z.object({ id: z.string(), name: z.string() }),
  quote: z.string(),
  displayName: z.string(),
  score: z.number().nullable(),
  status: TestimonialStatus,
  decidedAt: z.string().nullable(),
  programIds: z.array(z.string()).describe('programs whose landing page shows it (when approved)'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const TestimonialQuery = z.strictObject({
  status: TestimonialStatus.optional(),
  programId: z.uuid().optional(),
  ...PageQuery,
});

export const TestimonialList = z.object({ items: z.array(TestimonialOut), total: z.number() });

export const TestimonialPatch = z.strictObject({
  displayName: z.string().trim().min(1).max(100).optional(),
  quote: z
    .string()
    .trim()
    .min(1)
    .max(1000)
    .optional()
    .describe('shorten or fix a typo, never change the meaning'),
  programIds: z.array(z.uuid()).max(50).optional().describe('the programs to show it on (replaces the list)'),
});
