import { z } from 'zod';
import { PostalAddress } from '../workspaces/workspaces.schema.ts';

export const PersonKind = z.enum(['customer', 'prospect', 'partner']);

const text = (max: number) => z.string().trim().max(max);

const consent = z.strictObject({
  given: z.boolean(),
  source: text(200).min(1, 'say how consent was given, e.g. "intake form"'),
  at: z.iso.datetime().optional(),
});

/** The fields of a person, none required: a PATCH sends only what changes. */
export const PersonPatch = z.strictObject({
  kind: PersonKind.optional(),
  firstName: text(100).optional(),
  lastName: text(100).optional(),
  organisation: text(200).nullable().optional(),
  email: text(254).nullable().optional(),
  phone: text(40).nullable().optional(),
  externalId: text(100).nullable().optional(),
  address: PostalAddress.optional(),
  tags: z.array(text(50).min(1)).max(50).optional(),
  notes: text(10_000).optional(),
  howHeard: text(500).nullable().optional(),
  marketingConsent: consent.nullable().optional(),
  doNotContact: z.boolean().optional(),
});

/** What a person is made from, through the API or a CSV row. */
export const PersonInput = z.strictObject({
  ...PersonPatch.shape,
  kind: PersonKind.default('customer'),
  firstName: text(100).default(''),
  lastName: text(100).default(''),
  organisation: text(200).nullable().default(null),
  email: text(254).nullable().default(null),
  phone: text(40).nullable().default(null),
  externalId: text(100).nullable().default(null),
  address: PostalAddress.default(PostalAddress.parse({})),
  tags: z.array(text(50).min(1)).max(50).default([]),
  notes: text(10_000).default(''),
  howHeard: text(500).nullable().default(null),
  marketingConsent: consent.nullable().default(null),
  doNotContact: z.boolean().default(false),
});
export type PersonInput = z.input<typeof PersonInput>;

export const Person = z.object({
  id: z.string(),
  kind: PersonKind,
  firstName: z.string(),
  lastName: z.string(),
  organisation: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  externalId: z.string().nullable(),
  address: PostalAddress,
  tags: z.array(z.string()),
  notes: z.string(),
  howHeard: z.string().nullable(),
  marketingConsent: z.object({ at: z.string(), source: z.string() }).nullable(),
  doNotContact: z.boolean(),
  mergedIntoId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Person = z.infer<typeof Person>;

export const PeopleQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  tag: z.string().trim().max(50).optional(),
  kind: PersonKind.optional(),
  sort: z.enum(['name', '-name', 'created', '-created', 'updated', '-updated']).default('name'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});
