import type { Selectable } from 'kysely';
import type { z } from 'zod';
import { addMember } from '../auth/auth.service.ts';
import { type Db, transaction } from '../db/connect.ts';
import { AppError, notFound } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { type Workspace, WorkspaceInput, type WorkspacePatch } from './workspaces.schema.ts';
import type { WorkspaceAskSettings, WorkspacesTable } from './workspaces.table.ts';

type WorkspaceRow = Selectable<WorkspacesTable> & { ask_cooling_off_days?: number | undefined };

export function toWorkspace(row: WorkspaceRow): Workspace {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    currency: row.currency,
    timeZone: row.time_zone,
    country: row.country,
    address: JSON.parse(row.address),
    brandColor: row.brand_color,
    logoUrl: row.logo_url,
    reviewLinks: JSON.parse(row.review_links),
    approveRewards: row.approve_rewards === 1,
    askCoolingOffDays: Number(row.ask_cooling_off_days ?? 60),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const slugify = (name: string) =>
  name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '') || 'workspace';

/** Creates a workspace; `ownerId`, when given, becomes its owner. */
export async function createWorkspace(db: Db, raw: WorkspaceInput, ownerId?: string): Promise<Workspace> {
  const input = WorkspaceInput.parse(raw);
  let slug = input.slug ?? slugify(input.name);
  if (await db.selectFrom('workspaces').select('id').where('slug', '=', slug).executeTakeFirst()) {
    if (input.slug)
      throw new AppError('conflict', `The slug "${slug}" is taken`, [{ path: 'slug', message: 'taken' }]);
    slug = `${slug.slice(0, 33)}-${newId().slice(-6)}`;
  }
  const now = nowIso();
  const row = {
    id: newId(),
    slug,
    name: input.name,
    currency: input.currency,
    time_zone: input.timeZone,
    country: input.country,
    address: JSON.stringify(input.address),
    brand_color: input.brandColor,
    logo_url: input.logoUrl,
    review_links: JSON.stringify(input.reviewLinks),
    approve_rewards: input.approveRewards ? 1 : 0,
    ask_cooling_off_days: input.askCoolingOffDays,
    created_at: now,
    updated_at: now,
  };
  await transaction(db, async (tx) => {
    await tx.insertInto('workspaces').values(row).execute();
    if (ownerId) await addMember(tx, row.id, ownerId, 'owner');
  });
  return toWorkspace(row);
}

export async function getWorkspace(db: Db, id: string): Promise<Workspace> {
  const row = await db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Workspace');
  return toWorkspace(row);
}

export async function updateWorkspace(
  db: Db,
  id: string,
  patch: z.infer<typeof WorkspacePatch>,
): Promise<Workspace> {
  const set: Partial<WorkspacesTable & WorkspaceAskSettings> = { updated_at: nowIso() };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.currency !== undefined) {
    const money = await db
      .selectFrom('business_events')
      .select('id')
      .where('workspace_id', '=', id)
      .where('currency', 'is not', null)
      .union(db.selectFrom('rewards').select('id').where('workspace_id', '=', id))
      .limit(1)
      .executeTakeFirst();
    const current = await getWorkspace(db, id);
    if (money && patch.currency !== current.currency)
      throw new AppError(
        'conflict',
        `The currency stays ${current.currency}: purchases or rewards are already recorded in it`,
        [{ path: 'currency', message: 'cannot change once money is recorded' }],
      );
    set.currency = patch.currency;
  }
  if (patch.approveRewards !== undefined) set.approve_rewards = patch.approveRewards ? 1 : 0;
  if (patch.askCoolingOffDays !== undefined) set.ask_cooling_off_days = patch.askCoolingOffDays;
  if (patch.timeZone !== undefined) set.time_zone = patch.timeZone;
  if (patch.country !== undefined) set.country = patch.country;
  if (patch.address !== undefined) set.address = JSON.stringify(patch.address);
  if (patch.brandColor !== undefined) set.brand_color = patch.brandColor;
  if (patch.logoUrl !== undefined) set.logo_url = patch.logoUrl;
  if (patch.reviewLinks !== undefined) set.review_links = JSON.stringify(patch.reviewLinks);
  await db.updateTable('workspaces').set(set).where('id', '=', id).execute();
  return getWorkspace(db, id);
}
