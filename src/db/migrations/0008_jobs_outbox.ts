import { type Kysely, sql } from 'kysely';
import { types } from '../migrate.ts';

/**
 * Durable jobs (the worker role's queue) and the outbox: messages, the suppression list and
 * per-workspace template overrides.
 *
 * `jobs` is the one table whose `workspace_id` may be null: hold releases, session and key purges
 * are jobs of the installation, not of a tenant. It is a queue, not tenant data: its primary key
 * is the job id alone, so on a sharded PostgreSQL it stays a plain table beside the distributed
 * ones (see docs/architecture.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { ts } = types(db);
  const index = (name: string, table: string, cols: string[]) =>
    db.schema.createIndex(name).on(table).columns(cols).execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.references('workspaces.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    // Scheduling is idempotent: a second enqueue with the same key is a no-op.
    .addColumn('key', 'text', (c) => c.unique())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('queued', 'running', 'done', 'failed')`),
    )
    .addColumn('run_at', ts, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull().check(sql`max_attempts >= 1`))
    .addColumn('locked_by', 'text')
    // The lease: a running job whose lease ended (its worker died) is claimed again.
    .addColumn('locked_until', ts)
    .addColumn('last_error', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('started_at', ts)
    .addColumn('finished_at', ts)
    .execute();
  await index('jobs_due', 'jobs', ['status', 'run_at']);
  await index('jobs_lease', 'jobs', ['status', 'locked_until']);
  await index('jobs_workspace', 'jobs', ['workspace_id', 'status', 'created_at']);

  const tenant = (name: string) =>
    db.schema
      .createTable(name)
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'));

  await tenant('messages')
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text')
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('email_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('html', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('marketing', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('queued', 'sending', 'sent', 'failed', 'suppressed', 'kept')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('provider_message_id', 'text')
    // One message per cause (a reward, a won referral): queueing it twice is a no-op.
    .addColumn('dedupe_key', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('sent_at', ts)
    .addPrimaryKeyConstraint('messages_pk', ['workspace_id', 'id'])
    .addForeignKeyConstraint('messages_person', ['workspace_id', 'person_id'], 'people', [
      'workspace_id',
      'id',
    ])
    .addUniqueConstraint('messages_once', ['workspace_id', 'dedupe_key'])
    .execute();
  await index('messages_person', 'messages', ['workspace_id', 'person_id', 'created_at']);
  await index('messages_status', 'messages', ['workspace_id', 'status', 'created_at']);

  await tenant('suppressions')
    .addColumn('email_key', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) =>
      c.notNull().check(sql`reason in ('unsubscribe', 'hard_bounce', 'complaint', 'manual')`),
    )
    // how it came: "one-click" (RFC 8058 POST), "link" (the confirm page), "smtp 550 …", a user
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('suppressions_pk', ['workspace_id', 'email_key'])
    .execute();

  await tenant('message_templates')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('message_templates_pk', ['workspace_id', 'kind'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Vouch migrations are forward-only; restore a backup to go back.');
}
