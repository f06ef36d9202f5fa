import type { z } from 'zod';
import { IdParams } from '../http/schemas.ts';
import type { App, Deps } from '../http/types.ts';
import {
  Liability,
  PayInput,
  RedeemInput,
  RewardList,
  RewardOut,
  RewardQuery,
  Task,
  TaskDone,
  TaskList,
  TaskQuery,
  VoidInput,
  Wallet,
} from './rewards.schema.ts';
import {
  approveReward,
  completeTask,
  getWallet,
  liability,
  listRewards,
  listTasks,
  payReward,
  redeem,
  voidByStaff,
} from './wallet.service.ts';

/** Rewards and the ledger: balances, the counter, payouts, approvals, liability, thank-you tasks. */
export async function rewardRoutes(app: App, { db }: Deps): Promise<void> {
  const tags = ['rewards'];

  app.get(
    '/people/:id/wallet',
    {
      schema: {
        tags,
        summary:
          "A person's reward balances (on hold, available, redeemed, paid), rewards and full ledger history",
        params: IdParams,
        response: { 200: Wallet },
      },
    },
    (req) => getWallet(db, req.actor.workspaceId, 'person', req.params.id),
  );

  app.get(
    '/staff/:id/wallet',
    {
      schema: {
        tags,
        summary: "A staff member's rewards for asks and follow-ups, with balances and history",
        params: IdParams,
        response: { 200: Wallet },
      },
    },
    (req) => getWallet(db, req.actor.workspaceId, 'user', req.params.id),
  );

  app.post(
    '/people/:id/redemptions',
    {
      schema: {
        tags,
        summary: 'Redeem at the counter: part or all of the available credit, or one free service or gift',
        params: IdParams,
        body: RedeemInput,
        response: { 200: Wallet },
      },
    },
    (req) => redeem(db, req.actor, req.params.id, req.body),
  );

  app.get(
    '/rewards',
    {
      schema: {
        tags,
        summary: 'Rewards by status, program or person; awaitingApproval=true is the approval queue',
        querystring: RewardQuery,
        response: { 200: RewardList },
      },
    },
    (req) => listRewards(db, req.actor, req.query),
  );

  app.get(
    '/rewards/liability',
    {
      schema: {
        tags,
        summary: 'What the business owes, by program: on hold, available, owed back, redeemed, paid',
        response: { 200: Liability },
      },
    },
    (req) => liability(db, req.actor),
  );

  app.post(
    '/rewards/:id/approve',
    {
      schema: {
        tags,
        summary: 'Approve a reward (when approval is on); it becomes available once its hold ends',
        params: IdParams,
        response: { 200: RewardOut },
      },
    },
    (req) => approveReward(db, req.actor, req.params.id),
  );

  app.post(
    '/rewards/:id/pay',
    {
      schema: {
        tags,
        summary: 'Mark a cash reward paid',
        params: IdParams,
        body: PayInput,
        response: { 200: RewardOut },
      },
    },
    (req) => payReward(db, req.actor, req.params.id, req.body),
  );

  app.post(
    '/rewards/:id/void',
    {
      schema: {
        tags,
        summary: 'Void a reward: what is held or available goes back; what was redeemed or paid becomes owed',
        params: IdParams,
        body: VoidInput,
        response: { 200: RewardOut },
      },
    },
    (req) => voidByStaff(db, req.actor, req.params.id, req.body.reason),
  );

  app.get(
    '/tasks',
    {
      schema: {
        tags,
        summary: '"Thank the referrer" tasks: open ones by due date, or done ones',
        querystring: TaskQuery,
        response: { 200: TaskList },
      },
    },
    (req) => listTasks(db, req.actor, req.query),
  );

  app.post(
    '/tasks/:id/done',
    {
      schema: {
        tags,
        summary: 'Mark a thank-you done: how (note, card, call, gift…); a gift is recorded in the ledger',
        params: IdParams,
        body: TaskDone,
        response: { 200: Task },
      },
    },
    async (req) => (await completeTask(db, req.actor, req.params.id, req.body)) as z.output<typeof Task>,
  );
}
