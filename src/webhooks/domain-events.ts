import type { Db } from '../db/connect.ts';
import { newId, nowIso } from '../lib/ids.ts';

export type DomainEventType = 'referral.created' | 'referral.status_changed';

/**
 * Records an outgoing event in the caller's transaction, so an event exists exactly when the
 * change does. The webhooks feature delivers them; nothing is sent from here.
 */
export async function emit(
  db: Db,
  workspaceId: string,
  type: DomainEventType,
  payload: Record<string, unknown>,
) {
  await db
    .insertInto('domain_events')
    .values({
      workspace_id: workspaceId,
      id: newId(),
      type,
      payload: JSON.stringify(payload),
      created_at: nowIso(),
    })
    .execute();
}
