import { type Db, transaction } from '../db/connect.ts';
import { AppError, notFound } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { hashPassword, randomToken, sha256, verifyPassword } from '../lib/secrets.ts';
import type { Role } from './auth.table.ts';

export const roleRank: Record<Role, number> = { staff: 1, manager: 2, owner: 3 };

/** Who is acting, in which workspace: resolved once per request, passed to every service. */
export type Actor = {
  workspaceId: string;
  role: Role;
  userId: string | null;
  via: 'session' | 'api_key';
  sessionId?: string;
  csrfToken?: string;
};

export function requireRole(actor: Actor, role: Role) {
  if (roleRank[actor.role] < roleRank[role])
    throw new AppError('forbidden', `This needs the ${role} role or higher`);
}

export function requireSession(actor: Actor) {
  if (actor.via !== 'session')
    throw new AppError('forbidden', 'Sign in as a person to do this; API keys cannot');
}

const normalizeLogin = (email: string) => email.trim().toLowerCase();

// Verifying against a fixed hash when the email is unknown keeps sign-in time constant.
let dummyHash: Promise<string> | undefined;

export async function createUser(db: Db, input: { email: string; name: string; password: string }) {
  if (input.password.length < 10) {
    throw new AppError('validation', 'Password must have at least 10 characters', [
      { path: 'password', message: 'at least 10 characters' },
    ]);
  }
  const email = normalizeLogin(input.email);
  const existing = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
  if (existing)
    throw new AppError('conflict', `A user with email ${email} already exists`, [
      { path: 'email', message: 'taken' },
    ]);
  const now = nowIso();
  const user = {
    id: newId(),
    email,
    name: input.name.trim(),
    password_hash: await hashPassword(input.password),
    disabled_at: null,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('users').values(user).execute();
  return user;
}

export async function setPassword(db: Db, userId: string, password: string) {
  await db
    .updateTable('users')
    .set({ password_hash: await hashPassword(password), updated_at: nowIso() })
    .where('id', '=', userId)
    .execute();
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export async function addMember(db: Db, workspaceId: string, userId: string, role: Role) {
  await db
    .insertInto('memberships')
    .values({ workspace_id: workspaceId, user_id: userId, role, created_at: nowIso() })
    .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doUpdateSet({ role }))
    .execute();
}

export function listMemberships(db: Db, userId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
    .select(['w.id', 'w.slug', 'w.name', 'm.role'])
    .where('m.user_id', '=', userId)
    .orderBy('w.name')
    .execute();
}

export async function authenticate(db: Db, emailRaw: string, password: string) {
  const user = await db
    .selectFrom('users')
    .selectAll()
    .where('email', '=', normalizeLogin(emailRaw))
    .executeTakeFirst();
  dummyHash ??= hashPassword(randomToken());
  const ok = await verifyPassword(password, user?.password_hash ?? (await dummyHash));
  if (!user || !ok) throw new AppError('unauthenticated', 'Email or password is wrong');
  if (user.disabled_at) throw new AppError('unauthenticated', 'This account is disabled');
  return user;
}

/** A new session (a new token: sessions rotate at sign-in and workspace switch). */
export async function createSession(db: Db, userId: string, workspaceId: string, days: number) {
  const token = randomToken();
  const now = new Date();
  const session = {
    workspace_id: workspaceId,
    id: newId(),
    token_hash: sha256(token),
    user_id: userId,
    csrf_token: randomToken(24),
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + days * 86_400_000).toISOString(),
  };
  await db.insertInto('sessions').values(session).execute();
  return { token, session };
}

/** The actor behind a session token, or null if the session, user or membership is gone. */
export async function resolveSession(db: Db, token: string): Promise<Actor | null> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .innerJoin('memberships as m', (j) =>
      j.onRef('m.workspace_id', '=', 's.workspace_id').onRef('m.user_id', '=', 's.user_id'),
    )
    .select([
      's.id',
      's.workspace_id',
      's.user_id',
      's.csrf_token',
      's.expires_at',
      'u.disabled_at',
      'm.role',
    ])
    .where('s.token_hash', '=', sha256(token))
    .executeTakeFirst();
  if (!row || row.disabled_at || row.expires_at <= nowIso()) return null;
  return {
    workspaceId: row.workspace_id,
    userId: row.user_id,
    role: row.role,
    via: 'session',
    sessionId: row.id,
    csrfToken: row.csrf_token,
  };
}

export async function endSession(db: Db, actor: Actor) {
  if (!actor.sessionId) return;
  await db
    .deleteFrom('sessions')
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', actor.sessionId)
    .execute();
}

export async function disableUser(db: Db, email: string) {
  const user = await db
    .selectFrom('users')
    .select('id')
    .where('email', '=', normalizeLogin(email))
    .executeTakeFirst();
  if (!user) throw notFound('User');
  await transaction(db, async (tx) => {
    await tx
      .updateTable('users')
      .set({ disabled_at: nowIso(), updated_at: nowIso() })
      .where('id', '=', user.id)
      .execute();
    await tx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
  });
}

// --- API keys -------------------------------------------------------------------------------

const KEY_PREFIX = 'vk_';

export async function createApiKey(db: Db, actor: Actor, name: string) {
  const key = `${KEY_PREFIX}${randomToken(30)}`;
  const row = {
    workspace_id: actor.workspaceId,
    id: newId(),
    name: name.trim(),
    prefix: key.slice(0, 10),
    key_hash: sha256(key),
    created_by: actor.userId,
    created_at: nowIso(),
    last_used_at: null,
    revoked_at: null,
  };
  await db.insertInto('api_keys').values(row).execute();
  return { ...row, key };
}

export function listApiKeys(db: Db, actor: Actor) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'])
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('created_at', 'desc')
    .execute();
}

export async function revokeApiKey(db: Db, actor: Actor, id: string) {
  const res = await db
    .updateTable('api_keys')
    .set({ revoked_at: nowIso() })
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (res.numUpdatedRows === 0n) throw notFound('API key');
}

export async function resolveApiKey(db: Db, key: string): Promise<Actor> {
  const row = await db
    .selectFrom('api_keys')
    .select(['workspace_id', 'id', 'revoked_at', 'last_used_at'])
    .where('key_hash', '=', sha256(key))
    .executeTakeFirst();
  if (!row) throw new AppError('unauthenticated', 'Unknown API key');
  if (row.revoked_at) throw new AppError('unauthenticated', 'This API key was revoked');
  // Touch at most once a minute so a busy integration does not write on every request.
  const now = nowIso();
  if (!row.last_used_at || Date.parse(now) - Date.parse(row.last_used_at) > 60_000) {
    await db
      .updateTable('api_keys')
      .set({ last_used_at: now })
      .where('workspace_id', '=', row.workspace_id)
      .where('id', '=', row.id)
      .execute();
  }
  return { workspaceId: row.workspace_id, role: 'manager', userId: null, via: 'api_key' };
}
