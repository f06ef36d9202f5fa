import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { dashboardRoutes } from './analytics/dashboard.routes.ts';
import { askRoutes } from './asks/asks.routes.ts';
import { askRuleRoutes } from './asks/rules.routes.ts';
import { authRoutes, staffRoutes } from './auth/auth.routes.ts';
import type { Actor } from './auth/auth.service.ts';
import type { Config } from './config.ts';
import type { Db } from './db/connect.ts';
import { AppError, type ErrorCode, type ErrorDetail, statusOf } from './errors.ts';
import { eventRoutes } from './events/events.routes.ts';
import { requireActor } from './http/auth.ts';
import type { App, Deps } from './http/types.ts';
import { jobRoutes } from './jobs/jobs.routes.ts';
import { maskEmail } from './lib/secrets.ts';
import { messagingRoutes } from './messaging/messaging.routes.ts';
import { unsubscribeRoutes } from './messaging/unsubscribe.routes.ts';
import { importRoutes } from './people/imports.routes.ts';
import { peopleRoutes } from './people/people.routes.ts';
import { programsRoutes } from './programs/programs.routes.ts';
import { publicRoutes } from './public/public.routes.ts';
import { linkRoutes } from './referrals/links.routes.ts';
import { referralRoutes } from './referrals/referrals.routes.ts';
import { rewardRoutes } from './rewards/rewards.routes.ts';
import { surveyRoutes } from './surveys/surveys.routes.ts';
import { webRoutes } from './web/web.routes.ts';
import { workspaceRoutes } from './workspaces/workspaces.routes.ts';

export type BuildOptions = { db: Db; config: Config; logger?: boolean; logStream?: NodeJS.WritableStream };

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_request',
};

/** Every error leaves as application/problem+json (RFC 9457). */
export function toProblem(err: FastifyError | AppError | Error): {
  status: number;
  code: ErrorCode;
  title: string;
  errors?: ErrorDetail[];
} {
  if (err instanceof AppError) {
    return { status: statusOf[err.code], code: err.code, title: err.message, errors: err.details };
  }
  const fe = err as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fe)) {
    const where = fe.validationContext ?? 'body';
    const errors = fe.validation.map((v) => {
      const path = [where, ...v.instancePath.split('/').filter(Boolean)].join('.');
      const keys = (v.params as { keys?: string[] }).keys;
      if (v.keyword === 'unrecognized_keys' && keys) {
        return { path, message: `unknown field(s): ${keys.join(', ')}` };
      }
      return { path, message: v.message ?? 'invalid' };
    });
    return {
      status: 400,
      code: 'validation',
      title: `Invalid request: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      errors,
    };
  }
  if (fe.code && fastifyCodes[fe.code]) {
    const code = fastifyCodes[fe.code]!;
    const title =
      fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe instanceof SyntaxError
        ? `Malformed JSON body: ${fe.message}`
        : fe.message;
    return { status: statusOf[code], code, title };
  }
  if (fe instanceof SyntaxError && fe.statusCode === 400) {
    return { status: 400, code: 'bad_request', title: `Malformed JSON body: ${fe.message}` };
  }
  if (fe.statusCode === 429) return { status: 429, code: 'rate_limited', title: fe.message };
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return {
      status: fe.statusCode,
      code: fe.statusCode === 404 ? 'not_found' : 'bad_request',
      title: fe.message,
    };
  }
  return { status: 500, code: 'internal', title: 'Internal error; it has been logged' };
}

export function sendProblem(reply: FastifyReply, req: FastifyRequest, err: Error) {
  const p = toProblem(err);
  if (p.status >= 500) req.log.error({ err }, 'request failed');
  else req.log.info({ code: p.code, status: p.status }, 'request refused');
  return reply
    .status(p.status)
    .type('application/problem+json')
    .send({
      type: `urn:vouch:problem:${p.code}`,
      title: p.title,
      status: p.status,
      code: p.code,
      errors: p.errors,
      instance: req.url,
    });
}

/** Strips emails and tokens from what reaches the logs. */
const scrubUrl = (url: string) =>
  maskEmail(url.replace(/%40/gi, '@')).replace(/([?&](?:token|key|code|password)=)[^&]*/gi, '$1***');

export async function buildApp(opts: BuildOptions): Promise<App> {
  const { db, config } = opts;
  const deps: Deps = { db, config };
  const app = Fastify({
    logger:
      opts.logger === false
        ? false
        : {
            level: config.logLevel,
            ...(opts.logStream ? { stream: opts.logStream } : {}),
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers.cookie',
                'req.headers["x-csrf-token"]',
                'res.headers["set-cookie"]',
              ],
              censor: '***',
            },
            serializers: {
              req: (req) => ({ method: req.method, url: scrubUrl(req.url), remoteAddress: req.ip }),
            },
          },
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    // Request ids come from us, never from a client header that could forge log lines.
    requestIdHeader: false,
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();

  app.decorateRequest('actor', null as unknown as Actor);
  // While shutting down, answers to in-flight requests close their connection, so keep-alive
  // sockets do not hold the process open after the last response.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err, req, reply) => sendProblem(reply, req, err as Error));
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, req, new AppError('not_found', `No route ${req.method} ${req.url.split('?')[0]}`)),
  );

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'https:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Vouch API',
        version: '1',
        description: 'Self-hosted referral system for small businesses.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key created in Settings → API keys',
          },
          session: { type: 'apiKey', in: 'cookie', name: 'vouch_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());

  app.get('/healthz', { schema: { hide: true } }, () => ({ ok: true }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    await sql`select 1`.execute(db);
    return reply.send({ ok: true });
  });

  // Sign-in and friends manage their own authentication.
  await app.register(async (scope) => authRoutes(scope, deps), { prefix: '/api/v1' });
  // Everything else under /api/v1 needs a signed-in actor.
  await app.register(
    async (scope) => {
      requireActor(scope, deps);
      workspaceRoutes(scope, deps);
      staffRoutes(scope, deps);
      peopleRoutes(scope, deps);
      importRoutes(scope, deps);
      await programsRoutes(scope, deps);
      await linkRoutes(scope, deps);
      await referralRoutes(scope, deps);
      await eventRoutes(scope, deps);
      await rewardRoutes(scope, deps);
      await dashboardRoutes(scope, deps);
      await askRuleRoutes(scope, deps);
      await askRoutes(scope, deps);
      jobRoutes(scope, deps);
      messagingRoutes(scope, deps);
      surveyRoutes(scope, deps);
    },
    { prefix: '/api/v1' },
  );
  // Public pages for referrers and friends: no staff session, their own CSRF defence and limits.
  await app.register(async (scope) => publicRoutes(scope, deps));
  // One-click unsubscribe (RFC 8058) and its confirm page.
  await app.register(async (scope) => unsubscribeRoutes(scope, deps));
  // The admin app (built by Vite) under /app/.
  await webRoutes(app, deps);
  return app;
}
