import type { Selectable } from 'kysely';
import type { Actor } from '../auth/auth.service.ts';
import type { Db } from '../db/connect.ts';
import { AppError, notFound } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { randomToken } from '../lib/secrets.ts';
import { livePerson } from '../people/people.service.ts';
import type { PeopleTable } from '../people/people.table.ts';
import type { Program } from '../programs/programs.schema.ts';
import { getProgram, isOpen } from '../programs/programs.service.ts';
import type { WorkspacesTable } from '../workspaces/workspaces.table.ts';
import { newCode, normalizeCode } from './codes.ts';
import type { ReferralLinksTable } from './referrals.table.ts';

export type LinkRow = Selectable<ReferralLinksTable>;

export type Link = {
  id: string;
  workspaceId: string;
  programId: string;
  referrerId: string;
  code: string;
  /** secret: opens the referrer's private "name your friends" form at /f/:formToken */
  formToken: string;
  disabledAt: string | null;
  createdAt: string;
};

/** The referrer as a public page may show them ("on behalf of Sue P."). */
export type LinkReferrer = {
  id: string;
  firstName: string;
  lastName: string;
  organisation: string | null;
};

/** A workspace as its public pages show it: the friend's landing page, the friends form, the survey. */
export type PublicWorkspace = {
  id: string;
  slug: string;
  name: string;
  brandColor: string;
  logoUrl: string | null;
  timeZone: string;
  currency: string;
  country: string;
};

export type ResolvedLink = {
  link: Link;
  program: Program;
  referrer: LinkReferrer;
  workspace: PublicWorkspace;
};

export const toLink = (r: LinkRow): Link => ({
  id: r.id,
  workspaceId: r.workspace_id,
  programId: r.program_id,
  referrerId: r.referrer_id,
  code: r.code,
  formToken: r.form_token,
  disabledAt: r.disabled_at,
  createdAt: r.created_at,
});

/** Where a link is shared (`/r/:code`) and where the referrer names friends (`/f/:token`). */
export function linkUrls(publicUrl: string, link: Pick<Link, 'code' | 'formToken'>) {
  const base = publicUrl.replace(/\/+$/, '');
  return { shareUrl: `${base}/r/${link.code}`, formUrl: `${base}/f/${link.formToken}` };
}

const getLinkRow = (db: Db, workspaceId: string, programId: string, referrerId: string) =>
  db
    .selectFrom('referral_links')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('program_id', '=', programId)
    .where('referrer_id', '=', referrerId)
    .executeTakeFirst();

/**
 * The referrer's link in a program, created on first use: one per (program, referrer). Asking
 * again returns the same link (`created: false`). A merged referrer gets the survivor's link.
 */
export async function getOrCreateLink(
  db: Db,
  workspaceId: string,
  programId: string,
  referrerId: string,
): Promise<{ link: Link; created: boolean }> {
  await getProgram(db, workspaceId, programId);
  const person = await livePerson(db, workspaceId, referrerId);
  if (!person) throw notFound('Referrer');
  const existing = await getLinkRow(db, workspaceId, programId, person.id);
  if (existing) return { link: toLink(existing), created: false };
  for (let attempt = 0; attempt < 8; attempt++) {
    const row: LinkRow = {
      workspace_id: workspaceId,
      id: newId(),
      program_id: programId,
      referrer_id: person.id,
      code: newCode(),
      form_token: randomToken(),
      disabled_at: null,
      created_at: nowIso(),
    };
    // Any unique clash (this referrer's link made at the same moment, or a taken code) inserts
    // nothing instead of failing, so this also works inside a caller's transaction.
    const res = await db
      .insertInto('referral_links')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0) === 1) return { link: toLink(row), created: true };
    const raced = await getLinkRow(db, workspaceId, programId, person.id);
    if (raced) return { link: toLink(raced), created: false };
    // Otherwise the random code was taken (vanishingly rare): draw another.
  }
  throw new AppError('internal', 'Could not find a free referral code');
}

export async function getLink(db: Db, workspaceId: string, id: string): Promise<Link> {
  const row = await db
    .selectFrom('referral_links')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Link');
  return toLink(row);
}

/** A person's links in every program (a merged person's links included), oldest first. */
export async function listPersonLinks(db: Db, workspaceId: string, personId: string): Promise<Link[]> {
  const person = await livePerson(db, workspaceId, personId);
  if (!person) throw notFound('Person');
  const merged = await db
    .selectFrom('people')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('merged_into_id', '=', person.id)
    .execute();
  const rows = await db
    .selectFrom('referral_links')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('referrer_id', 'in', [person.id, ...merged.map((m) => m.id)])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toLink);
}

/** Clicks recorded per link (what the recorder has written so far). */
export async function clickCounts(
  db: Db,
  workspaceId: string,
  linkIds: string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>(linkIds.map((id) => [id, 0]));
  if (!linkIds.length) return counts;
  const rows = await db
    .selectFrom('link_clicks_daily')
    .select(['link_id', (eb) => eb.fn.sum<number>('clicks').as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('link_id', 'in', linkIds)
    .groupBy('link_id')
    .execute();
  for (const r of rows) counts.set(r.link_id, Number(r.n));
  return counts;
}

/** Disables or re-enables a link. A disabled code lands on the workspace's general page. */
export async function setLinkDisabled(db: Db, actor: Actor, id: string, disabled: boolean): Promise<Link> {
  const link = await getLink(db, actor.workspaceId, id);
  if (Boolean(link.disabledAt) !== disabled) {
    await db
      .updateTable('referral_links')
      .set({ disabled_at: disabled ? nowIso() : null })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .execute();
  }
  invalidateLinkCache(db, link.code);
  return getLink(db, actor.workspaceId, id);
}

// ---------------------------------------------------------------------------------------------
// Resolving a typed or scanned code: the hot path of GET /r/:code.

/** How long a resolved code is trusted in this process (other processes see a disable within it). */
export const LINK_CACHE_TTL_MS = 30_000;
export const LINK_CACHE_SIZE = 10_000;

/** What a code leads to, before the "is it open today" check (which depends on the date). */
type Lookup =
  | { kind: 'found'; resolved: ResolvedLink }
  | { kind: 'closed'; workspace: PublicWorkspace }
  | { kind: 'unknown' };
type CacheEntry = { at: number; value: Lookup };

const caches = new WeakMap<object, Map<string, CacheEntry>>();

function cacheOf(db: Db) {
  let c = caches.get(db);
  if (!c) {
    c = new Map();
    caches.set(db, c);
  }
  return c;
}

/**
 * Forgets cached codes in this process: one code, or all of them (after a program changes).
 * Other processes see the change within LINK_CACHE_TTL_MS.
 */
export function invalidateLinkCache(db: Db, code?: string) {
  const c = caches.get(db);
  if (!c) return;
  if (code === undefined) c.clear();
  else c.delete(code);
}

const toWorkspace = (w: Selectable<WorkspacesTable>): PublicWorkspace => ({
  id: w.id,
  slug: w.slug,
  name: w.name,
  brandColor: w.brand_color,
  logoUrl: w.logo_url,
  timeZone: w.time_zone,
  currency: w.currency,
  country: w.country,
});

const toReferrer = (p: Selectable<PeopleTable>): LinkReferrer => ({
  id: p.id,
  firstName: p.first_name,
  lastName: p.last_name,
  organisation: p.organisation,
});

async function lookup(db: Db, code: string): Promise<Lookup> {
  const row = await db
    .selectFrom('referral_links as l')
    .innerJoin('workspaces as w', 'w.id', 'l.workspace_id')
    .selectAll('l')
    .select([
      'w.slug',
      'w.name',
      'w.brand_color',
      'w.logo_url',
      'w.time_zone',
      'w.currency',
      'w.country',
      'w.address',
      'w.review_links',
      'w.approve_rewards',
      'w.created_at as w_created_at',
      'w.updated_at as w_updated_at',
    ])
    .where('l.code', '=', code)
    .executeTakeFirst();
  if (!row) return { kind: 'unknown' };
  const workspace = toWorkspace({
    id: row.workspace_id,
    slug: row.slug,
    name: row.name,
    currency: row.currency,
    time_zone: row.time_zone,
    country: row.country,
    address: row.address,
    brand_color: row.brand_color,
    logo_url: row.logo_url,
    review_links: row.review_links,
    approve_rewards: row.approve_rewards,
    created_at: row.w_created_at,
    updated_at: row.w_updated_at,
  });
  if (row.disabled_at) return { kind: 'closed', workspace };
  const referrer = await livePerson(db, row.workspace_id, row.referrer_id);
  if (!referrer) return { kind: 'closed', workspace };
  const program = await getProgram(db, row.workspace_id, row.program_id);
  return {
    kind: 'found',
    resolved: { link: toLink(row), program, referrer: toReferrer(referrer), workspace },
  };
}

const dayFormats = new Map<string, { format: Intl.DateTimeFormat; second: number; day: string }>();
/**
 * Today (YYYY-MM-DD) in a time zone. This runs on every click, so the formatter is kept and its
 * answer reused within the same second.
 */
function today(timeZone: string, at: Date): string {
  const second = Math.floor(at.getTime() / 1000);
  let f = dayFormats.get(timeZone);
  if (!f) {
    const format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    f = { format, second: -1, day: '' };
    dayFormats.set(timeZone, f);
  }
  if (f.second !== second) {
    f.day = f.format.format(at);
    f.second = second;
  }
  return f.day;
}

export type CodeResolution =
  | ({ status: 'open' } & ResolvedLink)
  /** disabled link, program not open, or the referrer is gone: send to the workspace's page */
  | { status: 'closed'; workspace: PublicWorkspace }
  /** malformed or unknown code: no workspace known */
  | { status: 'unknown' };

/**
 * What a typed or scanned code leads to, with the workspace even when the link is closed, so
 * `/r/:code` can land a disabled code on the workspace's general page. Cached in-process
 * (LRU of LINK_CACHE_SIZE codes, LINK_CACHE_TTL_MS); unknown codes are not cached, so a
 * guesser cannot evict real links.
 */
export async function resolveCode(db: Db, rawCode: string, now = new Date()): Promise<CodeResolution> {
  const code = normalizeCode(rawCode);
  if (!code) return { status: 'unknown' };
  const cache = cacheOf(db);
  const t = now.getTime();
  let entry = cache.get(code);
  if (entry && t - entry.at > LINK_CACHE_TTL_MS) {
    cache.delete(code);
    entry = undefined;
  }
  if (entry) {
    // Most recently used last: Map keeps insertion order, so the first key is the eviction victim.
    cache.delete(code);
    cache.set(code, entry);
  } else {
    const value = await lookup(db, code);
    if (value.kind === 'unknown') return { status: 'unknown' };
    entry = { at: t, value };
    cache.set(code, entry);
    if (cache.size > LINK_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  const v = entry.value;
  if (v.kind === 'closed') return { status: 'closed', workspace: v.workspace };
  if (v.kind === 'unknown') return { status: 'unknown' };
  const { program, workspace } = v.resolved;
  if (!isOpen(program, today(workspace.timeZone, now))) return { status: 'closed', workspace };
  return { status: 'open', ...v.resolved };
}

/**
 * The link, program, referrer (a merged referrer resolves to the survivor) and workspace of a
 * code; null for unknown, malformed or disabled codes, or a program not open today.
 */
export async function resolveLinkByCode(
  db: Db,
  rawCode: string,
  now = new Date(),
): Promise<ResolvedLink | null> {
  const r = await resolveCode(db, rawCode, now);
  if (r.status !== 'open') return null;
  const { status: _s, ...resolved } = r;
  return resolved;
}
