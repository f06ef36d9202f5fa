import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import { AppError, notFound } from '../errors.ts';
import { actorHook, assertSameOrigin, SESSION_COOKIE, sessionCookieOptions } from '../http/auth.ts';
import { IdParams } from '../http/schemas.ts';
import type { App, Deps } from '../http/types.ts';
import { sha256 } from '../lib/secrets.ts';
import {
  AddStaff,
  ApiKey,
  ChangeRole,
  CreateApiKey,
  NewApiKey,
  SessionInfo,
  SignIn,
  StaffMember,
  SwitchWorkspace,
} from './auth.schema.ts';
import {
  type Actor,
  addMember,
  authenticate,
  createApiKey,
  createSession,
  createUser,
  endSession,
  listApiKeys,
  listMemberships,
  requireRole,
  requireSession,
  revokeApiKey,
  roleRank,
} from './auth.service.ts';

async function sessionInfo(db: Db, actor: Actor, csrfToken: string): Promise<z.infer<typeof SessionInfo>> {
  const user = await db
    .selectFrom('users')
    .select(['id', 'email', 'name'])
    .where('id', '=', actor.userId!)
    .executeTakeFirstOrThrow();
  const workspaces = await listMemberships(db, user.id);
  const current = workspaces.find((w) => w.id === actor.workspaceId)!;
  return {
    user,
    workspace: { id: current.id, slug: current.slug, name: current.name },
    role: actor.role,
    csrfToken,
    workspaces,
  };
}

/** Sign-in, sign-out, the current session and switching workspace. */
export function authRoutes(app: App, deps: Deps) {
  const { db, config } = deps;
  const cookie = sessionCookieOptions(deps, config.sessionDays * 86_400);

  app.post(
    '/auth/sign-in',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets the session cookie',
        body: SignIn,
        response: { 200: SessionInfo },
        security: [],
      },
      // Per address and account: guessing one account's password is slow, other people's sign-ins unaffected.
      config: {
        rateLimit: {
          max: 10,
          timeWindow: '1 minute',
          hook: 'preHandler',
          keyGenerator: (req) =>
            `${req.ip}|${String((req.body as { email?: unknown })?.email ?? '')
              .trim()
              .toLowerCase()}`,
        },
      },
    },
    async (req, reply) => {
      assertSameOrigin(req);
      const user = await authenticate(db, req.body.email, req.body.password);
      const memberships = await listMemberships(db, user.id);
      const wanted = req.body.workspace;
      const membership = wanted
        ? memberships.find((m) => m.slug === wanted || m.id === wanted)
        : memberships[0];
      if (!membership) {
        throw new AppError(
          'forbidden',
          wanted ? `You are not a member of workspace "${wanted}"` : 'You are not a member of any workspace',
        );
      }
      // A new token at every sign-in; a cookie planted before sign-in is worthless afterwards.
      const old = req.cookies[SESSION_COOKIE];
      if (old) await db.deleteFrom('sessions').where('token_hash', '=', sha256(old)).execute();
      const { token, session } = await createSession(db, user.id, membership.id, config.sessionDays);
      reply.setCookie(SESSION_COOKIE, token, cookie);
      const actor: Actor = {
        workspaceId: membership.id,
        role: membership.role,
        userId: user.id,
        via: 'session',
        sessionId: session.id,
      };
      return sessionInfo(db, actor, session.csrf_token);
    },
  );

  const onRequest = actorHook(deps);

  app.get(
    '/auth/session',
    {
      schema: {
        tags: ['auth'],
        summary: 'Who is signed in, where, and the CSRF token',
        response: { 200: SessionInfo },
      },
      onRequest,
    },
    (req) => {
      requireSession(req.actor);
      return sessionInfo(db, req.actor, req.actor.csrfToken!);
    },
  );

  app.post(
    '/auth/sign-out',
    { schema: { tags: ['auth'], summary: 'End this session', response: { 204: z.null() } }, onRequest },
    async (req, reply) => {
      await endSession(db, req.actor);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/switch',
    {
      schema: {
        tags: ['auth'],
        summary: 'Switch to another of your workspaces (rotates the session)',
        body: SwitchWorkspace,
        response: { 200: SessionInfo },
      },
      onRequest,
    },
    async (req, reply) => {
      requireSession(req.actor);
      const memberships = await listMemberships(db, req.actor.userId!);
      const m = memberships.find((w) => w.slug === req.body.workspace || w.id === req.body.workspace);
      if (!m) throw new AppError('forbidden', `You are not a member of workspace "${req.body.workspace}"`);
      await endSession(db, req.actor);
      const { token, session } = await createSession(db, req.actor.userId!, m.id, config.sessionDays);
      reply.setCookie(SESSION_COOKIE, token, cookie);
      return sessionInfo(
        db,
        { workspaceId: m.id, role: m.role, userId: req.actor.userId, via: 'session' },
        session.csrf_token,
      );
    },
  );
}

const UserParams = z.strictObject({ userId: z.uuid('must be a UUID') });

/** Staff of the current workspace and its API keys. */
export function staffRoutes(app: App, { db }: Deps) {
  const listStaff = async (workspaceId: string) => {
    const rows = await db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.id', 'u.email', 'u.name', 'u.disabled_at', 'm.role', 'm.created_at'])
      .where('m.workspace_id', '=', workspaceId)
      .orderBy('u.name')
      .execute();
    return rows.map((r) => ({
      userId: r.id,
      email: r.email,
      name: r.name,
      role: r.role,
      disabled: r.disabled_at !== null,
      joinedAt: r.created_at,
    }));
  };

  app.get(
    '/staff',
    {
      schema: {
        tags: ['staff'],
        summary: 'Staff of this workspace',
        response: { 200: z.array(StaffMember) },
      },
    },
    (req) => listStaff(req.actor.workspaceId),
  );

  app.post(
    '/staff',
    {
      schema: {
        tags: ['staff'],
        summary: 'Add a staff member (creates their account if needed)',
        body: AddStaff,
        response: { 201: StaffMember },
      },
    },
    async (req, reply) => {
      requireSession(req.actor);
      requireRole(req.actor, 'manager');
      if (roleRank[req.body.role] > roleRank[req.actor.role])
        throw new AppError('forbidden', `A ${req.actor.role} cannot make someone ${req.body.role}`);
      const email = req.body.email.trim().toLowerCase();
      let user = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
      if (!user) {
        if (!req.body.password)
          throw new AppError('validation', 'This person has no account yet: give an initial password', [
            { path: 'body.password', message: 'required for a new account' },
          ]);
        user = await createUser(db, { email, name: req.body.name, password: req.body.password });
      }
      await addMember(db, req.actor.workspaceId, user.id, req.body.role);
      const member = (await listStaff(req.actor.workspaceId)).find((s) => s.userId === user.id)!;
      return reply.status(201).send(member);
    },
  );

  app.patch(
    '/staff/:userId',
    {
      schema: {
        tags: ['staff'],
        summary: "Change a staff member's role",
        params: UserParams,
        body: ChangeRole,
        response: { 200: StaffMember },
      },
    },
    async (req) => {
      requireSession(req.actor);
      requireRole(req.actor, 'owner');
      const member = (await listStaff(req.actor.workspaceId)).find((s) => s.userId === req.params.userId);
      if (!member) throw notFound('Staff member');
      await assertNotLastOwner(db, req.actor.workspaceId, member.userId, req.body.role);
      await db
        .updateTable('memberships')
        .set({ role: req.body.role })
        .where('workspace_id', '=', req.actor.workspaceId)
        .where('user_id', '=', member.userId)
        .execute();
      return { ...member, role: req.body.role };
    },
  );

  app.delete(
    '/staff/:userId',
    {
      schema: {
        tags: ['staff'],
        summary: 'Remove a staff member from this workspace; their sessions here end',
        params: UserParams,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      requireSession(req.actor);
      requireRole(req.actor, 'owner');
      const ws = req.actor.workspaceId;
      const member = (await listStaff(ws)).find((s) => s.userId === req.params.userId);
      if (!member) throw notFound('Staff member');
      await assertNotLastOwner(db, ws, member.userId, null);
      await db
        .deleteFrom('sessions')
        .where('workspace_id', '=', ws)
        .where('user_id', '=', member.userId)
        .execute();
      await db
        .deleteFrom('memberships')
        .where('workspace_id', '=', ws)
        .where('user_id', '=', member.userId)
        .execute();
      return reply.status(204).send(null);
    },
  );

  const toKey = (k: Awaited<ReturnType<typeof listApiKeys>>[number]) => ({
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    createdAt: k.created_at,
    lastUsedAt: k.last_used_at,
    revokedAt: k.revoked_at,
  });

  app.get(
    '/api-keys',
    {
      schema: {
        tags: ['api keys'],
        summary: 'API keys of this workspace',
        response: { 200: z.array(ApiKey) },
      },
    },
    async (req) => {
      requireRole(req.actor, 'manager');
      return (await listApiKeys(db, req.actor)).map(toKey);
    },
  );

  app.post(
    '/api-keys',
    {
      schema: {
        tags: ['api keys'],
        summary: 'Create an API key; the key is shown only in this response',
        body: CreateApiKey,
        response: { 201: NewApiKey },
      },
    },
    async (req, reply) => {
      requireSession(req.actor);
      requireRole(req.actor, 'manager');
      const k = await createApiKey(db, req.actor, req.body.name);
      return reply.status(201).send({ ...toKey(k), key: k.key });
    },
  );

  app.delete(
    '/api-keys/:id',
    {
      schema: {
        tags: ['api keys'],
        summary: 'Revoke an API key',
        params: IdParams,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      requireSession(req.actor);
      requireRole(req.actor, 'manager');
      await revokeApiKey(db, req.actor, req.params.id);
      return reply.status(204).send(null);
    },
  );
}

async function assertNotLastOwner(db: Db, workspaceId: string, userId: string, newRole: string | null) {
  if (newRole === 'owner') return;
  const owners = await db
    .selectFrom('memberships')
    .select('user_id')
    .where('workspace_id', '=', workspaceId)
    .where('role', '=', 'owner')
    .execute();
  if (owners.length === 1 && owners[0]!.user_id === userId)
    throw new AppError('conflict', 'A workspace needs at least one owner');
}
