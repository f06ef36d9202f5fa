import { type Kysely, sql } from 'kysely';
import { types } from '../migrate.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const { ts } = types(db);
  const tenant = (name: string) =>
    db.schema
      .createTable(name)
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${name}_pk`, ['workspace_id', 'id']);
  // Links between tenant tables include workspace_id: the database refuses a link across workspaces.
  // biome-ignore lint/suspicious/noExplicitAny: column names are checked by the database
  const fk = (name: string, cols: string[], table: string): [string, any[], string, string[]] => [
    name,
    ['workspace_id', ...cols],
    table,
    ['workspace_id', 'id'],
  ];

  // Server-wide secrets (HMAC keys for visitor keys and form tokens), created once.
  await db.schema
    .createTable('server_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();

  await tenant('programs')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) =>
      c.notNull().check(sql`audience in ('customers', 'partners', 'staff')`),
    )
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('draft', 'active', 'paused', 'ended')`),
    )
    .addColumn('starts_on', 'text')
    .addColumn('ends_on', 'text')
    .addColumn('terms_id', 'text', (c) => c.notNull())
    .addColumn('landing', 'text', (c) => c.notNull())
    .addColumn('target_categories', 'text', (c) => c.notNull())
    .addColumn('leading_questions', 'text', (c) => c.notNull())
    .addColumn('education_kit', 'text', (c) => c.notNull())
    .addColumn('follow_up_hours', 'integer', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  // Every version of a program's terms, append-only: a referral keeps the version it was made under.
  await tenant('program_terms')
    .addColumn('program_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('terms', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addForeignKeyConstraint(...fk('program_terms_program', ['program_id'], 'programs'), (f) =>
      f.onDelete('cascade'),
    )
    .addUniqueConstraint('program_terms_version', ['workspace_id', 'program_id', 'version'])
    .execute();

  await tenant('referral_links')
    .addColumn('program_id', 'text', (c) => c.notNull())
    .addColumn('referrer_id', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('form_token', 'text', (c) => c.notNull().unique())
    .addColumn('disabled_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .addForeignKeyConstraint(...fk('referral_links_program', ['program_id'], 'programs'), (f) =>
      f.onDelete('cascade'),
    )
    .addForeignKeyConstraint(...fk('referral_links_referrer', ['referrer_id'], 'people'))
    .addUniqueConstraint('referral_links_one', ['workspace_id', 'program_id', 'referrer_id'])
    .execute();
  await db.schema
    .createIndex('referral_links_referrer_idx')
    .on('referral_links')
    .columns(['workspace_id', 'referrer_id'])
    .execute();

  // Clicks are counted per link, visitor and minute by the click recorder and written in groups;
  // no foreign keys on this hot path.
  await tenant('clicks')
    .addColumn('link_id', 'text', (c) => c.notNull())
    .addColumn('program_id', 'text', (c) => c.notNull())
    .addColumn('visitor_key', 'text', (c) => c.notNull())
    .addColumn('at', ts, (c) => c.notNull())
    .addColumn('clicks', 'integer', (c) => c.notNull())
    .addUniqueConstraint('clicks_visit', ['workspace_id', 'link_id', 'visitor_key', 'at'])
    .execute();
  await db.schema
    .createIndex('clicks_visitor')
    .on('clicks')
    .columns(['workspace_id', 'visitor_key', 'at'])
    .execute();

  await tenant('referrals')
    .addColumn('program_id', 'text', (c) => c.notNull())
    .addColumn('terms_id', 'text', (c) => c.notNull())
    .addColumn('referrer_id', 'text', (c) => c.notNull())
    .addColumn('friend_id', 'text', (c) => c.notNull())
    .addColumn('link_id', 'text')
    .addColumn('channel', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`channel in ('link', 'coupon', 'named_by_referrer', 'how_heard', 'staff', 'campaign', 'partner')`,
        ),
    )
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('new', 'contacted', 'appointment', 'won', 'lost', 'void')`),
    )
    .addColumn('introduced_at', ts)
    .addColumn('friend_opt_in_at', ts)
    .addColumn('assigned_to', 'text')
    .addColumn('follow_up_due_at', ts)
    .addColumn('appointment_at', ts)
    .addColumn('lost_reason', 'text')
    .addColumn('void_reason', 'text')
    .addColumn('flag', 'text')
    .addColumn('source_ip_key', 'text')
    .addColumn('created_by', 'text')
    .addColumn('won_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addForeignKeyConstraint(...fk('referrals_program', ['program_id'], 'programs'))
    .addForeignKeyConstraint(...fk('referrals_terms', ['terms_id'], 'program_terms'))
    .addForeignKeyConstraint(...fk('referrals_referrer', ['referrer_id'], 'people'))
    .addForeignKeyConstraint(...fk('referrals_friend', ['friend_id'], 'people'))
    .addUniqueConstraint('referrals_one_referrer', ['workspace_id', 'program_id', 'friend_id'])
    .execute();
  for (const [name, cols] of [
    ['referrals_status', ['workspace_id', 'status', 'follow_up_due_at']],
    ['referrals_referrer_idx', ['workspace_id', 'referrer_id']],
    ['referrals_friend_idx', ['workspace_id', 'friend_id']],
    ['referrals_created', ['workspace_id', 'created_at']],
    ['referrals_ip', ['workspace_id', 'source_ip_key', 'created_at']],
  ] as const) {
    await db.schema
      .createIndex(name)
      .on('referrals')
      .columns([...cols])
      .execute();
  }

  await tenant('referral_activities')
    .addColumn('referral_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text')
    .addColumn('note', 'text')
    .addColumn('data', 'text')
    .addColumn('actor_id', 'text')
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('at', ts, (c) => c.notNull())
    .addForeignKeyConstraint(...fk('referral_activities_referral', ['referral_id'], 'referrals'), (f) =>
      f.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('referral_activities_referral_idx')
    .on('referral_activities')
    .columns(['workspace_id', 'referral_id', 'at'])
    .execute();

  await tenant('coupons')
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('referral_id', 'text', (c) => c.notNull())
    .addColumn('friend_id', 'text', (c) => c.notNull())
    .addColumn('incentive', 'text')
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('redeemed_at', ts)
    .addColumn('redeemed_by', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addForeignKeyConstraint(...fk('coupons_referral', ['referral_id'], 'referrals'), (f) =>
      f.onDelete('cascade'),
    )
    .addUniqueConstraint('coupons_one_per_referral', ['workspace_id', 'referral_id'])
    .execute();

  // Intake answers whose "referred by" could not be matched to one person: staff confirm them.
  await tenant('intake_matches')
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('program_id', 'text', (c) => c.notNull())
    .addColumn('referred_by_text', 'text', (c) => c.notNull())
    .addColumn('candidates', 'text', (c) => c.notNull())
    .addColumn('resolved_at', ts)
    .addColumn('referral_id', 'text')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addForeignKeyConstraint(...fk('intake_matches_person', ['person_id'], 'people'))
    .execute();

  // Domain events for integrations (webhooks deliver them later); written in the same transaction.
  await tenant('domain_events')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('domain_events_created')
    .on('domain_events')
    .columns(['workspace_id', 'created_at'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Vouch migrations are forward-only; restore a backup to go back.');
}
