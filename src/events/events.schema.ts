import { z } from 'zod';

export const EventType = z.enum(['purchase', 'visit', 'refund', 'appointment_kept', 'ticket_resolved']);

export const PersonRef = z
  .strictObject({
    id: z.string().max(100).optional().describe('Vouch person id'),
    externalId: z.string().trim().min(1).max(100).optional().describe('the id in your system'),
    email: z.string().trim().max(320).optional(),
    phone: z.string().trim().max(40).optional(),
    firstName: z.string().trim().max(100).default(''),
    lastName: z.string().trim().max(100).default(''),
  })
  .refine((p) => p.id || p.externalId || p.email || p.phone, {
    message: 'needs an id, externalId, email or phone',
  })
  .describe('matched by id, externalId, email, then phone; someone unknown becomes a customer');

const MAX_AMOUNT = 1_000_000_000_000;

export const EventInput = z
  .strictObject({
    type: EventType,
    source: z
      .string()
      .trim()
      .regex(/^[\w.:-]{1,60}$/, 'letters, digits, "_", ".", ":" or "-", at most 60')
      .default('api')
      .describe('the sending system, e.g. "square"'),
    externalId: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .describe("the event's id in the sending system: with source, processed exactly once"),
    occurredAt: z.iso
      .datetime({ offset: true, message: 'an ISO 8601 date-time such as 2026-11-22T14:30:00Z' })
      .optional()
      .describe('defaults to now; not in the future, not more than a year ago'),
    person: PersonRef.optional().describe('required except for refunds (their purchase names the person)'),
    amount: z
      .number()
      .int('whole minor units (cents), not a fraction')
      .min(0, 'not negative: a refund is its own event')
      .max(MAX_AMOUNT)
      .optional()
      .describe('minor units; purchases need it, a refund without it refunds what is left'),
    currency: z.string().trim().toUpperCase().optional().describe("ISO 4217; defaults to the workspace's"),
    refundOf: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe('externalId of the purchase (same source)'),
    note: z.string().trim().max(1000).optional(),
  })
  .superRefine((e, ctx) => {
    const need = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (e.type === 'purchase' && e.amount === undefined) need('amount', 'a purchase needs an amount');
    if (e.type === 'refund' && !e.refundOf) need('refundOf', 'a refund names its purchase');
    if (e.type !== 'refund' && !e.person) need('person', 'required');
    if (e.type !== 'refund' && e.refundOf) need('refundOf', 'only refunds name a purchase');
    if (e.type !== 'purchase' && e.type !== 'refund' && e.amount !== undefined)
      need('amount', `a ${e.type} carries no amount`);
  });
export type EventInput = z.output<typeof EventInput>;

export const BatchInput = z.strictObject({
  events: z
    .array(z.unknown())
    .min(1)
    .max(1000)
    .describe('1 to 1,000 events; each is checked and processed on its own'),
});

export const Event = z.object({
  id: z.string(),
  type: EventType,
  source: z.string(),
  externalId: z.string(),
  personId: z.string(),
  occurredAt: z.string(),
  amount: z.number().nullable(),
  currency: z.string().nullable(),
  refundOfId: z.string().nullable(),
  referralId: z.string().nullable().describe('the won referral that brought this customer'),
  note: z.string().nullable(),
  createdAt: z.string(),
});
export type Event = z.infer<typeof Event>;

export const Effects = z.object({
  personCreated: z.boolean(),
  referralWon: z.string().nullable().describe('the referral this event won'),
  rewardsIssued: z.array(z.string()),
  rewardsChanged: z.array(z.string()).describe('voided or lowered by a refund'),
});

export const Recorded = z.object({
  status: z.enum(['accepted', 'duplicate']),
  event: Event,
  effects: Effects,
});
export type Recorded = z.infer<typeof Recorded>;

export const BatchResult = z.object({
  accepted: z.number(),
  duplicates: z.number(),
  rejected: z.number(),
  results: z.array(
    z.object({
      index: z.number(),
      status: z.enum(['accepted', 'duplicate', 'rejected']),
      eventId: z.string().nullable(),
      error: z
        .object({
          message: z.string(),
          details: z.array(z.object({ path: z.string(), message: z.string() })),
        })
        .nullable(),
    }),
  ),
});
export type BatchResult = z.infer<typeof BatchResult>;

export const EventQuery = z.strictObject({
  personId: z.string().max(100).optional(),
  type: EventType.optional(),
  source: z.string().max(60).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.string().max(100).optional().describe('cursor: the id of the last event of the previous page'),
});

export const EventList = z.object({
  items: z.array(Event),
  next: z.string().nullable().describe('pass as `before` for the next page'),
});
