/**
 * Shapes of the API, taken from the server's zod schemas as types only: nothing of zod reaches
 * the bundle, and a change on the server shows up here at `tsc` time.
 */
import type { z } from 'zod';
import type {
  AdSpend as AdSpendSchema,
  Dashboard as DashboardSchema,
} from '../../../src/analytics/dashboard.schema.ts';
import type {
  ApiKey as ApiKeySchema,
  NewApiKey as NewApiKeySchema,
  Role as RoleSchema,
  SessionInfo as SessionInfoSchema,
  StaffMember as StaffMemberSchema,
} from '../../../src/auth/auth.schema.ts';
import type {
  EventInput as EventInputSchema,
  EventList as EventListSchema,
  Event as EventSchema,
  Recorded as RecordedSchema,
} from '../../../src/events/events.schema.ts';
import type {
  ImportResult as ImportResultSchema,
  Import as ImportSchema,
} from '../../../src/people/imports.schema.ts';
import type {
  PeopleQuery as PeopleQuerySchema,
  PersonKind as PersonKindSchema,
  PersonPatch as PersonPatchSchema,
  Person as PersonSchema,
} from '../../../src/people/people.schema.ts';
import type {
  ProgramInput as ProgramInputSchema,
  Program as ProgramSchema,
  ProgramTerms as ProgramTermsSchema,
  Reward as RewardSchema,
} from '../../../src/programs/programs.schema.ts';
import type {
  Activity as ActivitySchema,
  CreatedReferral as CreatedReferralSchema,
  Network as NetworkSchema,
  ReferralDetail as ReferralDetailSchema,
  ReferralPatch as ReferralPatchSchema,
  ReferralQuery as ReferralQuerySchema,
  StaffReferralInput as StaffReferralInputSchema,
} from '../../../src/referrals/pipeline.schema.ts';
import type { Referral as ReferralSchema } from '../../../src/referrals/referrals.schema.ts';
import type {
  Balance as BalanceSchema,
  Liability as LiabilitySchema,
  Posting as PostingSchema,
  RewardOut as RewardOutSchema,
  RewardQuery as RewardQuerySchema,
  TaskDone as TaskDoneSchema,
  Task as TaskSchema,
  Wallet as WalletSchema,
} from '../../../src/rewards/rewards.schema.ts';
import type {
  PostalAddress as PostalAddressSchema,
  WorkspacePatch as WorkspacePatchSchema,
  Workspace as WorkspaceSchema,
} from '../../../src/workspaces/workspaces.schema.ts';

export type Role = z.infer<typeof RoleSchema>;
export type Session = z.infer<typeof SessionInfoSchema>;
export type StaffMember = z.infer<typeof StaffMemberSchema>;
export type ApiKey = z.infer<typeof ApiKeySchema>;
export type NewApiKey = z.infer<typeof NewApiKeySchema>;

export type Person = z.infer<typeof PersonSchema>;
export type PersonKind = z.infer<typeof PersonKindSchema>;
export type PersonPatch = z.input<typeof PersonPatchSchema>;
export type PeopleSort = z.output<typeof PeopleQuerySchema>['sort'];
export type Page<T> = { items: T[]; total: number; page: number; pageSize: number };

export type Import = z.infer<typeof ImportSchema>;
export type ImportResult = z.infer<typeof ImportResultSchema>;

export type PostalAddress = z.infer<typeof PostalAddressSchema>;
export type Workspace = z.infer<typeof WorkspaceSchema>;
export type WorkspacePatch = z.input<typeof WorkspacePatchSchema>;

export const roleRank: Record<Role, number> = { staff: 1, manager: 2, owner: 3 };
export const atLeast = (role: Role | undefined, min: Role) => !!role && roleRank[role] >= roleRank[min];

export type Program = z.infer<typeof ProgramSchema>;
export type ProgramInput = z.input<typeof ProgramInputSchema>;
export type ProgramTerms = z.infer<typeof ProgramTermsSchema>;
export type Reward = z.infer<typeof RewardSchema>;
export type ProgramStatus = Program['status'];
export type ProgramAudience = Program['audience'];

export type Referral = z.infer<typeof ReferralSchema>;
export type ReferralStatus = Referral['status'];
export type Channel = Referral['channel'];
export type ReferralDetail = z.infer<typeof ReferralDetailSchema>;
export type Activity = z.infer<typeof ActivitySchema>;
export type ReferralPatch = z.input<typeof ReferralPatchSchema>;
export type StaffReferralInput = z.input<typeof StaffReferralInputSchema>;
export type CreatedReferral = z.infer<typeof CreatedReferralSchema>;
export type ReferralQuery = Partial<z.input<typeof ReferralQuerySchema>>;
export type Network = z.infer<typeof NetworkSchema>;

/** A referrer's link in one program (GET /people/:id/links, POST /programs/:id/links). */
export type ReferralLink = {
  id: string;
  code: string;
  shareUrl: string;
  formUrl: string;
  programId: string;
  referrerId: string;
  disabled: boolean;
  disabledAt: string | null;
  clicks: number;
  createdAt: string;
};

export type RewardOut = z.infer<typeof RewardOutSchema>;
export type RewardStatus = RewardOut['status'];
export type RewardKind = RewardOut['kind'];
export type Balance = z.infer<typeof BalanceSchema>;
export type Posting = z.infer<typeof PostingSchema>;
export type Wallet = z.infer<typeof WalletSchema>;
export type Liability = z.infer<typeof LiabilitySchema>;
export type RewardQuery = Partial<z.input<typeof RewardQuerySchema>>;
export type Task = z.infer<typeof TaskSchema>;
export type TaskDone = z.input<typeof TaskDoneSchema>;
export type TaskOutcome = TaskDone['outcome'];

export type BusinessEvent = z.infer<typeof EventSchema>;
export type EventType = BusinessEvent['type'];
export type EventInput = z.input<typeof EventInputSchema>;
export type EventList = z.infer<typeof EventListSchema>;
export type Recorded = z.infer<typeof RecordedSchema>;

export type Dashboard = z.infer<typeof DashboardSchema>;
export type DashboardPeriod = Dashboard['range']['period'];
export type AdSpend = z.infer<typeof AdSpendSchema>;
