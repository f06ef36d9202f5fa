import { IdParams } from '../http/schemas.ts';
import type { App, Deps } from '../http/types.ts';
import { AskInput, AskList, AskMoment, AskQuery, RecordedAsk } from './asks.schema.ts';
import { askMoment, listAsks, recordAsk } from './asks.service.ts';

/** Asks for referrals: whether now is a good moment, and what came of asking. Every role. */
export async function askRoutes(app: App, { db }: Deps): Promise<void> {
  const tags = ['asks'];

  app.get(
    '/people/:id/ask-moment',
    {
      schema: {
        tags,
        summary:
          'Whether now is a good moment to ask this person for referrals, why, and the leading question',
        description:
          'Not a good moment while they do not want to be contacted, within the cooling-off period after an ask ' +
          '(60 days; "not_now" asks do not count) or when no program takes referrals. A good moment is a day they ' +
          'visit or buy: the 3rd, 5th and 10th visit and a first purchase are named.',
        params: IdParams,
        response: { 200: AskMoment },
      },
    },
    (req) => askMoment(db, req.actor.workspaceId, req.params.id),
  );

  app.post(
    '/asks',
    {
      schema: {
        tags,
        summary: 'Record an ask made at the front desk, with the names given (each becomes a referral)',
        description:
          'The signed-in staff member is the one who asked. Up to 4 names become referrals named by the person ' +
          'asked, waiting for their introduction before anyone contacts them; one already a customer is ' +
          'reported as not added. A bad email or phone refuses the whole ask with the field, e.g. names.1.email.',
        body: AskInput,
        response: { 201: RecordedAsk },
      },
    },
    async (req, reply) => reply.status(201).send(await recordAsk(db, req.actor, req.body)),
  );

  app.get(
    '/asks',
    {
      schema: {
        tags,
        summary: 'Asks, newest first: by person, staff member, outcome ("due" for open ones) and time',
        querystring: AskQuery,
        response: { 200: AskList },
      },
    },
    (req) => listAsks(db, req.actor.workspaceId, req.query),
  );
}
