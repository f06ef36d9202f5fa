import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Actor } from '../auth/auth.service.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/connect.ts';

/** What every route module receives. */
export type Deps = { db: Db; config: Config };

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every /api route that needs it. */
    actor: Actor;
  }
}
