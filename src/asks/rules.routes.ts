import { z } from 'zod';
import { requireRole } from '../auth/auth.service.ts';
import { IdParams } from '../http/schemas.ts';
import type { App, Deps } from '../http/types.ts';
import { askList } from './engine.ts';
import {
  AskRule,
  AskRuleInput,
  AskRuleList,
  AskRulePatch,
  PreviewQuery,
  RulePreview,
  TodayList,
} from './rules.schema.ts';
import { createRule, deleteRule, getRule, listRules, previewRule, updateRule } from './rules.service.ts';

/** Ask rules (managers) and "who to ask today" (every role). */
export async function askRuleRoutes(app: App, { db }: Deps): Promise<void> {
  const tags = ['asks'];

  app.get(
    '/asks/today',
    {
      schema: {
        tags,
        summary:
          'Who to ask today: the due staff asks of today with the person, why and the leading question',
        description:
          "Staff asks made by the ask rules for today (the workspace's time zone), oldest first, and the postcard " +
          'asks waiting to be printed. Record one with POST /asks and its askId; the nightly pass marks the ones ' +
          'nobody made as missed.',
        response: { 200: TodayList },
      },
    },
    (req) => askList(db, req.actor.workspaceId),
  );

  app.get(
    '/ask-rules',
    {
      schema: {
        tags,
        summary: 'The ask rules, oldest first; needs the manager role',
        response: { 200: AskRuleList },
      },
    },
    async (req) => {
      requireRole(req.actor, 'manager');
      return { items: await listRules(db, req.actor.workspaceId) };
    },
  );

  app.post(
    '/ask-rules',
    {
      schema: {
        tags,
        summary: 'Create an ask rule: trigger, conditions, channel and timing; needs the manager role',
        description:
          'Event-driven triggers (purchase, first_purchase, nth_visit, ticket_resolved) ask as the event is ' +
          'recorded; the others (days_after, every_months, survey_score) in the nightly pass. Every ask passes ' +
          "the workspace's cooling-off period across all rules, do-not-contact, unsubscribes and open complaints; " +
          'an email also needs marketing consent. conditions.minSpend is the lifetime spend (purchases less ' +
          'refunds, minor units).',
        body: AskRuleInput,
        response: { 201: AskRule },
      },
    },
    async (req, reply) => {
      requireRole(req.actor, 'manager');
      return reply.status(201).send(await createRule(db, req.actor, req.body));
    },
  );

  app.get(
    '/ask-rules/:id',
    { schema: { tags, summary: 'One ask rule', params: IdParams, response: { 200: AskRule } } },
    async (req) => {
      requireRole(req.actor, 'manager');
      return getRule(db, req.actor.workspaceId, req.params.id);
    },
  );

  app.patch(
    '/ask-rules/:id',
    {
      schema: {
        tags,
        summary: 'Edit an ask rule (the fields sent replace the rule’s), e.g. {"active": false} to pause it',
        params: IdParams,
        body: AskRulePatch,
        response: { 200: AskRule },
      },
    },
    async (req) => {
      requireRole(req.actor, 'manager');
      return updateRule(db, req.actor, req.params.id, req.body);
    },
  );

  app.delete(
    '/ask-rules/:id',
    {
      schema: {
        tags,
        summary: 'Delete an ask rule; the asks it made stay',
        params: IdParams,
        response: { 200: z.object({ deleted: z.literal(true) }) },
      },
    },
    async (req) => {
      requireRole(req.actor, 'manager');
      await deleteRule(db, req.actor, req.params.id);
      return { deleted: true as const };
    },
  );

  app.get(
    '/ask-rules/:id/preview',
    {
      schema: {
        tags,
        summary: '"This rule would ask these 37 people this week": a count and the first 50, written nowhere',
        params: IdParams,
        querystring: PreviewQuery,
        response: { 200: RulePreview },
      },
    },
    async (req) => {
      requireRole(req.actor, 'manager');
      return previewRule(db, req.actor.workspaceId, req.params.id, req.query.days);
    },
  );
}
