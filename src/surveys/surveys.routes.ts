import { z } from 'zod';
import { requireRole } from '../auth/auth.service.ts';
import { IdParams } from '../http/schemas.ts';
import type { App, Deps } from '../http/types.ts';
import {
  ResolveInput,
  SendSurvey,
  SentSurvey,
  SurveyList,
  SurveyOut,
  SurveyQuery,
  SurveySettings,
  TestimonialList,
  TestimonialOut,
  TestimonialPatch,
  TestimonialQuery,
} from './surveys.schema.ts';
import {
  decideTestimonial,
  getSurvey,
  getTestimonial,
  listSurveys,
  listTestimonials,
  lowScoreOf,
  resolveComplaint,
  sendSurveyByHand,
  setLowScore,
  updateTestimonial,
} from './surveys.service.ts';

/** Feedback surveys, complaints from low scores, and testimonials from permitted quotes. */
export function surveyRoutes(app: App, { db, config }: Deps): void {
  const tags = ['feedback'];

  app.post(
    '/people/:id/surveys',
    {
      schema: {
        tags,
        summary: 'Send a person a feedback survey now (the invitation goes through the outbox)',
        params: IdParams,
        body: SendSurvey.optional(),
        response: { 200: SentSurvey },
      },
    },
    (req) => sendSurveyByHand(db, req.actor, config.publicUrl, req.params.id, req.body?.eventId),
  );

  app.get(
    '/surveys',
    {
      schema: {
        tags,
        summary: 'Surveys: answered first (newest answer first), by person, answered or not, complaints',
        querystring: SurveyQuery,
        response: { 200: SurveyList },
      },
    },
    (req) => listSurveys(db, req.actor, req.query),
  );

  app.get(
    '/surveys/settings',
    {
      schema: {
        tags,
        summary: 'The score at or under which an answer opens a complaint',
        response: { 200: SurveySettings },
      },
    },
    async (req) => ({ lowScore: await lowScoreOf(db, req.actor.workspaceId) }),
  );

  app.put(
    '/surveys/settings',
    {
      schema: {
        tags,
        summary: 'Set the complaint threshold (0–8; default 6). Needs the manager role',
        body: SurveySettings,
        response: { 200: SurveySettings },
      },
    },
    (req) => setLowScore(db, req.actor, req.body.lowScore),
  );

  app.get(
    '/surveys/:id',
    { schema: { tags, summary: 'One survey', params: IdParams, response: { 200: SurveyOut } } },
    (req) => getSurvey(db, req.actor, req.params.id),
  );

  app.post(
    '/surveys/:id/resolve',
    {
      schema: {
        tags,
        summary: 'Resolve the complaint a low score opened (its task is done too). Needs the manager role',
        params: IdParams,
        body: ResolveInput.optional(),
        response: { 200: SurveyOut },
      },
    },
    (req) => resolveComplaint(db, req.actor, req.params.id, req.body ?? {}),
  );

  app.get(
    '/testimonials',
    {
      schema: {
        tags,
        summary: 'Testimonials from permitted quotes: pending first, then newest',
        querystring: TestimonialQuery,
        response: { 200: TestimonialList },
      },
    },
    (req) => {
      requireRole(req.actor, 'manager');
      return listTestimonials(db, req.actor, req.query);
    },
  );

  app.get(
    '/testimonials/:id',
    { schema: { tags, summary: 'One testimonial', params: IdParams, response: { 200: TestimonialOut } } },
    (req) => {
      requireRole(req.actor, 'manager');
      return getTestimonial(db, req.actor, req.params.id);
    },
  );

  app.patch(
    '/testimonials/:id',
    {
      schema: {
        tags,
        summary:
          'Edit the display name or the quote, or choose the programs whose landing page shows it (approved only). Needs the manager role',
        params: IdParams,
        body: TestimonialPatch,
        response: { 200: TestimonialOut },
      },
    },
    (req) => updateTestimonial(db, req.actor, req.params.id, req.body),
  );

  for (const [action, status] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const)
    app.post(
      `/testimonials/:id/${action}`,
      {
        schema: {
          tags,
          summary:
            action === 'approve'
              ? 'Approve a testimonial, so it can be attached to programs. Needs the manager role'
              : 'Reject a testimonial; it leaves every program. Needs the manager role',
          params: IdParams,
          body: z.strictObject({}).optional(),
          response: { 200: TestimonialOut },
        },
      },
      (req) => decideTestimonial(db, req.actor, req.params.id, status),
    );
}
