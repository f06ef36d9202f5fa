import type { Kysely } from 'kysely';

/** Reserved: filled in by the feature that owns it. */
export async function up(_db: Kysely<unknown>): Promise<void> {}
