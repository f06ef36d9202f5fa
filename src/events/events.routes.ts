import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import { groupCommit } from '../db/group-commit.ts';
import { idempotencyOf, idempotent, KeyTaken } from '../http/idempotency.ts';
import { IdParams } from '../http/schemas.ts';
import type { App, Deps } from '../http/types.ts';
import { byOf } from '../referrals/pipeline.service.ts';
import {
  BatchInput,
  BatchResult,
  Event,
  EventInput,
  EventList,
  EventQuery,
  Recorded,
} from './events.schema.ts';
import { eventContext, getEvent, listEvents, recordBatch, recordEvent } from './events.service.ts';

const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .describe('optional; the same key and body replays the first response for 24 hours'),
});

/** Purchases, visits, refunds, kept appointments and resolved tickets from other systems and staff. */
export async function eventRoutes(app: App, { db }: Deps): Promise<void> {
  const tags = ['events'];
  // Concurrent requests share one durable commit on SQLite (see group-commit.ts).
  const commit = groupCommit(db);
  /** Runs the work once, or twice when a racing request with the same key committed first. */
  const once = async <T>(run: (tx: Db) => Promise<T>): Promise<T> => {
    try {
      return await commit(run);
    } catch (err) {
      if (err instanceof KeyTaken) return commit(run);
      throw err;
    }
  };

  app.post(
    '/events',
    {
      schema: {
        tags,
        summary: 'Record one event; 201 when new, 200 with the first one when (source, externalId) was seen',
        description:
          'The person is matched by id, externalId, email or phone; someone unknown becomes a customer. ' +
          "A referred friend's first qualifying event inside the program's window wins the referral and " +
          'issues its rewards. A refund names its purchase by externalId and voids or lowers the rewards ' +
          'that purchase earned. Amounts are integer minor units in the workspace currency.',
        headers: idempotencyHeader,
        body: EventInput,
        response: { 200: Recorded, 201: Recorded },
      },
    },
    async (req, reply) => {
      const idem = idempotencyOf(req);
      const ctx = await eventContext(db, req.actor, await byOf(db, req.actor));
      const result = await once((tx) =>
        idempotent(tx, req.actor.workspaceId, idem, async () => {
          const body = await recordEvent(tx, ctx, req.body);
          return { status: body.status === 'accepted' ? 201 : 200, body };
        }),
      );
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(result.status as 200).send(result.body);
    },
  );

  app.post(
    '/events/batch',
    {
      schema: {
        tags,
        summary:
          'Record up to 1,000 events; each is accepted, a duplicate, or rejected with its index and reason',
        headers: idempotencyHeader,
        body: BatchInput,
        response: { 200: BatchResult },
      },
    },
    async (req, reply) => {
      const idem = idempotencyOf(req);
      const ctx = await eventContext(db, req.actor, await byOf(db, req.actor));
      const result = await once((tx) =>
        idempotent(tx, req.actor.workspaceId, idem, async () => ({
          status: 200,
          body: await recordBatch(tx, ctx, req.body.events),
        })),
      );
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(result.status as 200).send(result.body);
    },
  );

  app.get(
    '/events',
    {
      schema: {
        tags,
        summary: 'Events, newest first',
        querystring: EventQuery,
        response: { 200: EventList },
      },
    },
    (req) => listEvents(db, req.actor.workspaceId, req.query),
  );

  app.get(
    '/events/:id',
    { schema: { tags, summary: 'One event', params: IdParams, response: { 200: Event } } },
    (req) => getEvent(db, req.actor.workspaceId, req.params.id),
  );
}
