/**
 * `preparePerson`, apart from the people service: it needs no database, so an import's worker
 * thread loads it without Kysely, the drivers and the services (about 14 MB of its heap).
 */
import type { Insertable } from 'kysely';
import type { z } from 'zod';
import type { ErrorDetail } from '../errors.ts';
import { nowIso } from '../lib/ids.ts';
import { emailKey, normalizeEmail, normalizePhone } from './normalize.ts';
import type { PersonInput } from './people.schema.ts';
import type { PeopleTable } from './people.table.ts';

export type PreparedPerson = {
  fields: Omit<
    Insertable<PeopleTable>,
    'workspace_id' | 'id' | 'created_at' | 'updated_at' | 'merged_into_id'
  >;
  tags: string[];
};

/**
 * Validates and normalises one person (API body or CSV row): email lower-cased with its
 * duplicate key, phone in E.164 read in the workspace's country, tags deduplicated.
 * Returns every problem at once, each naming its field.
 */
export function preparePerson(
  input: z.output<typeof PersonInput>,
  country: string,
  now = nowIso(),
): { ok: true; person: PreparedPerson } | { ok: false; errors: ErrorDetail[] } {
  const errors: ErrorDetail[] = [];
  let email: string | null = null;
  let phone: string | null = null;
  if (input.email) {
    const e = normalizeEmail(input.email);
    if (e.ok) email = e.email;
    else errors.push({ path: 'email', message: e.message });
  }
  if (input.phone) {
    const p = normalizePhone(input.phone, input.address.country || country);
    if (p.ok) phone = p.phone;
    else errors.push({ path: 'phone', message: p.message });
  }
  if (!input.firstName && !input.lastName && !input.organisation && !email && !phone) {
    errors.push({
      path: 'firstName',
      message: 'a person needs a name, an organisation, an email or a phone',
    });
  }
  if (errors.length) return { ok: false, errors };
  const consent = input.marketingConsent?.given ? input.marketingConsent : null;
  return {
    ok: true,
    person: {
      fields: {
        kind: input.kind,
        first_name: input.firstName,
        last_name: input.lastName,
        organisation: input.organisation || null,
        email,
        email_key: email ? emailKey(email) : null,
        phone,
        external_id: input.externalId || null,
        address: JSON.stringify(input.address),
        how_heard: input.howHeard || null,
        notes: input.notes,
        marketing_consent_at: consent ? (consent.at ?? now) : null,
        marketing_consent_source: consent ? consent.source : null,
        do_not_contact_at: input.doNotContact ? now : null,
      },
      tags: [...new Set(input.tags.map((t) => t.toLowerCase()))].sort(),
    },
  };
}
