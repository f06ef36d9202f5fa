import { z } from 'zod';
import { PageQuery } from '../http/schemas.ts';

export const RewardStatus = z.enum(['pending', 'available', 'redeemed', 'paid', 'voided']);
export const RewardKind = z.enum(['credit', 'cash', 'service', 'gift']);

export const Standing = z
  .object({
    held: z.number(),
    available: z.number().describe('negative when the beneficiary owes (reversed after payment)'),
    redeemed: z.number(),
    paid: z.number(),
    earned: z.number().describe('what the reward costs the business now'),
  })
  .describe('amounts from the ledger: minor units, or units for a service or gift');

export const RewardOut = z.object({
  id: z.string(),
  programId: z.string(),
  programName: z.string(),
  referralId: z.string().nullable(),
  rule: z.enum(['referrer', 'friend', 'staff', 'milestone', 'thank_you']),
  beneficiary: z.object({ type: z.enum(['person', 'user']), id: z.string(), name: z.string() }),
  kind: RewardKind,
  unit: z.string().describe('ISO currency, or "unit" for a service or gift'),
  amount: z.number().describe('as issued'),
  value: z.number().describe('declared value, minor units of the workspace currency'),
  description: z.string(),
  status: RewardStatus,
  holdUntil: z.string(),
  needsApproval: z.boolean(),
  approvedAt: z.string().nullable(),
  voidReason: z.string().nullable(),
  standing: Standing,
  createdAt: z.string(),
});
export type RewardOut = z.infer<typeof RewardOut>;

export const Balance = Standing.extend({
  kind: RewardKind,
  unit: z.string(),
});

export const Posting = z.object({
  id: z.string(),
  kind: z.enum(['issue', 'release', 'redeem', 'pay', 'void', 'reverse', 'adjust']),
  memo: z.string(),
  at: z.string(),
  actorLabel: z.string(),
  eventId: z.string().nullable(),
  lines: z.array(
    z.object({
      rewardId: z.string(),
      account: z.enum(['held', 'available', 'redeemed', 'paid']),
      unit: z.string(),
      amount: z.number().describe('for the beneficiary: positive adds to the account'),
    }),
  ),
});

export const Wallet = z.object({
  beneficiary: z.object({ type: z.enum(['person', 'user']), id: z.string(), name: z.string() }),
  currency: z.string(),
  balances: z.array(Balance).describe('one per kind and unit'),
  rewards: z.array(RewardOut),
  history: z.array(Posting).describe('newest first, up to 200 postings'),
});
export type Wallet = z.infer<typeof Wallet>;

export const RedeemInput = z
  .strictObject({
    amount: z.number().int().min(1).max(1_000_000_000_000).optional().describe('credit to use, minor units'),
    rewardId: z.uuid().optional().describe('a free service or gift to hand over (or one credit in full)'),
    note: z.string().trim().max(500).optional(),
  })
  .refine((r) => (r.amount === undefined) !== (r.rewardId === undefined), {
    message: 'give either an amount of credit or a rewardId',
    path: ['amount'],
  });

export const PayInput = z.strictObject({
  method: z.string().trim().min(1).max(60).describe('"bank transfer", "cheque", "cash"'),
  reference: z.string().trim().max(200).optional(),
});

export const VoidInput = z.strictObject({ reason: z.string().trim().min(1).max(500) });

export const RewardQuery = z.strictObject({
  status: RewardStatus.optional(),
  programId: z.uuid().optional(),
  personId: z.uuid().optional(),
  awaitingApproval: z.enum(['true', 'false']).optional().describe('the approval queue'),
  ...PageQuery,
});

export const RewardList = z.object({ items: z.array(RewardOut), total: z.number() });

export const Liability = z.object({
  currency: z.string(),
  programs: z.array(
    z.object({
      programId: z.string(),
      programName: z.string(),
      unit: z.string(),
      held: z.number().describe('on hold'),
      available: z.number().describe('owed now'),
      owed: z.number().describe('owed back by beneficiaries after reversals'),
      redeemed: z.number(),
      paid: z.number(),
    }),
  ),
  totals: z.array(
    z.object({
      unit: z.string(),
      held: z.number(),
      available: z.number(),
      owed: z.number(),
      redeemed: z.number(),
      paid: z.number(),
    }),
  ),
});

export const Task = z.object({
  id: z.string(),
  kind: z.literal('thank_referrer'),
  title: z.string(),
  person: z.object({ id: z.string(), name: z.string() }),
  referralId: z.string().nullable(),
  dueAt: z.string(),
  overdue: z.boolean(),
  assignedTo: z.string().nullable(),
  doneAt: z.string().nullable(),
  outcome: z.string().nullable(),
  note: z.string().nullable(),
  createdAt: z.string(),
});

export const TaskQuery = z.strictObject({
  open: z.enum(['true', 'false']).default('true'),
  ...PageQuery,
});

export const TaskList = z.object({ items: z.array(Task), total: z.number() });

export const TaskDone = z.strictObject({
  outcome: z.enum(['note', 'card', 'call', 'email', 'gift', 'in_person']),
  note: z.string().trim().max(1000).optional(),
  gift: z
    .strictObject({
      description: z.string().trim().min(1).max(200),
      value: z.number().int().min(0).max(100_000_000).describe('minor units'),
    })
    .optional()
    .describe('with outcome "gift": recorded in the ledger as a thank-you gift'),
});
