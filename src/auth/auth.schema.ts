import { z } from 'zod';

export const Role = z.enum(['owner', 'manager', 'staff']);

export const SignIn = z.strictObject({
  email: z.string().trim().min(3).max(254),
  password: z.string().min(1).max(1000),
  workspace: z.string().max(60).optional().describe('workspace slug or id; default: the first one'),
});

export const SessionInfo = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string() }),
  workspace: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  role: Role,
  csrfToken: z.string().describe('send as X-CSRF-Token on every POST, PATCH, PUT and DELETE'),
  workspaces: z.array(z.object({ id: z.string(), slug: z.string(), name: z.string(), role: Role })),
});

export const SwitchWorkspace = z.strictObject({ workspace: z.string().min(1).max(60) });

export const StaffMember = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: Role,
  disabled: z.boolean(),
  joinedAt: z.string(),
});

export const AddStaff = z.strictObject({
  email: z.email(),
  name: z.string().trim().min(1).max(120),
  role: Role,
  password: z
    .string()
    .min(10)
    .max(1000)
    .optional()
    .describe('required when the person has no Vouch account yet'),
});

export const ChangeRole = z.strictObject({ role: Role });

export const ApiKey = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const NewApiKey = ApiKey.extend({ key: z.string().describe('shown once; store it now') });
export const CreateApiKey = z.strictObject({ name: z.string().trim().min(1).max(80) });
