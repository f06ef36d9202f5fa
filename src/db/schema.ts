import type {
  AcquisitionDailyTable,
  AdSpendTable,
  LedgerDailyTable,
  ProgramClicksDailyTable,
  ReferralDailyTable,
  ReferrerWinsTable,
} from '../analytics/analytics.table.ts';
import type { AskRulesTable, AsksTable } from '../asks/asks.table.ts';
import type { ApiKeysTable, MembershipsTable, SessionsTable, UsersTable } from '../auth/auth.table.ts';
import type { BusinessEventsTable, IdempotencyKeysTable } from '../events/events.table.ts';
import type { JobsTable } from '../jobs/jobs.table.ts';
import type {
  MessagesTable,
  MessageTemplatesTable,
  SuppressionsTable,
} from '../messaging/messaging.table.ts';
import type {
  ImportRejectsTable,
  ImportsTable,
  PeopleTable,
  PersonTagsTable,
} from '../people/people.table.ts';
import type { ProgramsTable, ProgramTermsTable, ServerSecretsTable } from '../programs/programs.table.ts';
import type {
  ClicksTable,
  CouponsTable,
  DomainEventsTable,
  IntakeMatchesTable,
  LinkClicksDailyTable,
  ReferralActivitiesTable,
  ReferralLinksTable,
  ReferralsTable,
} from '../referrals/referrals.table.ts';
import type {
  LedgerEntriesTable,
  LedgerPostingsTable,
  RewardsTable,
  TasksTable,
} from '../rewards/rewards.table.ts';
import type {
  SurveySettingsTable,
  SurveysTable,
  TestimonialProgramsTable,
  TestimonialsTable,
} from '../surveys/surveys.table.ts';
import type { WorkspaceAskSettings, WorkspacesTable } from '../workspaces/workspaces.table.ts';

/** Every table of Vouch, as Kysely sees them. Features add theirs here. */
export interface DB {
  workspaces: WorkspacesTable & Partial<WorkspaceAskSettings>;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  people: PeopleTable;
  person_tags: PersonTagsTable;
  imports: ImportsTable;
  import_rejects: ImportRejectsTable;
  server_secrets: ServerSecretsTable;
  programs: ProgramsTable;
  program_terms: ProgramTermsTable;
  referral_links: ReferralLinksTable;
  clicks: ClicksTable;
  link_clicks_daily: LinkClicksDailyTable;
  referrals: ReferralsTable;
  referral_activities: ReferralActivitiesTable;
  coupons: CouponsTable;
  intake_matches: IntakeMatchesTable;
  domain_events: DomainEventsTable;
  business_events: BusinessEventsTable;
  idempotency_keys: IdempotencyKeysTable;
  rewards: RewardsTable;
  ledger_postings: LedgerPostingsTable;
  ledger_entries: LedgerEntriesTable;
  tasks: TasksTable;
  referral_daily: ReferralDailyTable;
  ledger_daily: LedgerDailyTable;
  program_clicks_daily: ProgramClicksDailyTable;
  jobs: JobsTable;
  messages: MessagesTable;
  suppressions: SuppressionsTable;
  message_templates: MessageTemplatesTable;
  asks: AsksTable;
  ask_rules: AskRulesTable;
  ad_spend: AdSpendTable;
  acquisition_daily: AcquisitionDailyTable;
  referrer_wins: ReferrerWinsTable;
  surveys: SurveysTable;
  survey_settings: SurveySettingsTable;
  testimonials: TestimonialsTable;
  testimonial_programs: TestimonialProgramsTable;
}
