import type { Kysely } from 'kysely';

/**
 * The dashboard's asks by staff member count the wins among the friends each staff member typed
 * in: named friends won in a range, by who entered them, read from this index alone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('referrals_named_won')
    .on('referrals')
    .columns(['workspace_id', 'channel', 'status', 'created_by', 'won_at'])
    .execute();
}
