import { z } from 'zod';
import { AskStaff } from '../asks/rules.schema.ts';

const date = z.iso.date('a date like 2026-11-22');

export const DashboardQuery = z.strictObject({
  from: date.optional().describe('first day (UTC); default 89 days before `to`'),
  to: date.optional().describe('last day (UTC); default today'),
  programId: z.uuid().optional(),
  period: z
    .enum(['day', 'week', 'month'])
    .optional()
    .describe('trend buckets; default week up to 6 months, else month'),
});

const Flow = z.object({
  referred: z.number(),
  contacted: z.number(),
  appointments: z.number(),
  won: z.number(),
  lost: z.number(),
  revenue: z.number().describe('purchases less refunds of referred customers, minor units'),
});

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month like 2026-11');

export const AdSpendQuery = z.strictObject({ from: month, to: month });
export const AdSpendParams = z.strictObject({ month });
export const AdSpendInput = z.strictObject({
  amount: z
    .number()
    .int('whole minor units (cents, pence)')
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .describe("the month's advertising spend in minor units of the workspace currency; 0 clears it"),
  note: z.string().trim().max(200).optional().describe('what it was spent on'),
});
export const AdSpend = z.object({
  month: z.string(),
  amount: z.number(),
  note: z.string(),
  updatedAt: z.string(),
});
export type AdSpend = z.infer<typeof AdSpend>;

const Via = z.enum(['referral', 'advertising', 'walk_in', 'other', 'unknown']);

export const Dashboard = z.object({
  range: z.object({ from: z.string(), to: z.string(), period: z.enum(['day', 'week', 'month']) }),
  currency: z.string(),
  funnel: z
    .array(
      z.object({
        stage: z.enum(['views', 'referred', 'contacted', 'appointments', 'won']),
        count: z.number(),
        conversion: z
          .number()
          .nullable()
          .describe(
            'this stage over the one before, 0–1; for "referred", referrals through links over link views',
          ),
      }),
    )
    .describe('link views → referred leads → contacted → appointments → won, within the range'),
  totals: Flow,
  rewards: z
    .array(
      z.object({
        unit: z.string(),
        held: z.number(),
        available: z.number(),
        redeemed: z.number(),
        paid: z.number(),
        cost: z.number().describe('rewards issued less voided within the range'),
      }),
    )
    .describe('balances at the end of the range, and the cost within it'),
  trend: z.array(Flow.extend({ period: z.string().describe('first day of the bucket'), views: z.number() })),
  byProgram: z.array(Flow.extend({ programId: z.string(), name: z.string() })),
  byChannel: z.array(Flow.extend({ channel: z.string() })),
  bySource: z.array(Flow.extend({ source: z.string().describe('customer, partner or prospect') })),
  byStaff: z.array(Flow.extend({ userId: z.string().nullable(), name: z.string() })),
  asksByStaff: z
    .array(AskStaff)
    .describe('asks per staff member: due, made, missed, names collected, referrals won'),
  topReferrers: z.array(z.object({ personId: z.string(), name: z.string(), won: z.number() })),
  overdue: z
    .number()
    .describe('open referrals whose follow-up is past due (now, not in the range), up to 1,000'),
  overdueCapped: z.boolean().describe('there are more than 1,000'),
  referralsVsAds: z
    .object({
      referralCustomers: z.number().describe('referrals won within the range'),
      referralCost: z.number().describe('rewards issued less voided within the range, minor units'),
      costPerReferralCustomer: z.number().nullable(),
      adCustomers: z
        .number()
        .describe('first purchases within the range by people who heard of the business through advertising'),
      adSpend: z.number().describe("the entered monthly spend, prorated by the range's days in each month"),
      costPerAdCustomer: z.number().nullable(),
      monthsWithoutSpend: z.array(z.string()).describe('months of the range with no ad spend entered'),
      newCustomers: z.record(Via, z.number()).describe('first purchases within the range, by how they heard'),
      answers: z
        .array(z.object({ answer: z.string(), via: Via, customers: z.number() }))
        .describe('the "how did you hear" answers of those customers, most first, up to 20'),
    })
    .describe('the cost of a customer won by referral against one won by advertising'),
});
export type Dashboard = z.infer<typeof Dashboard>;
