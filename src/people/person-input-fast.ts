/**
 * A hand-written `PersonInput.parse` for the inputs a CSV row makes (`readRow`), about ten times
 * cheaper than zod. It only ever accepts: it returns exactly what zod would (same values, same
 * key order, so the same address JSON), or null when anything is off or unusual, and the caller
 * asks zod, which then gives the messages. `person-input-fast.test.ts` holds it to zod on many
 * varied rows; a change to `PersonInput` or `PostalAddress` must be made here too.
 */
import type { z } from 'zod';
import type { PersonInput } from './people.schema.ts';

type Output = z.output<typeof PersonInput>;
type Address = Output['address'];

const KINDS = new Set(['customer', 'prospect', 'partner']);
const ADDRESS_MAX = { line1: 200, line2: 200, city: 100, region: 100, postalCode: 20 } as const;
const COUNTRY = /^([A-Z]{2})?$/;
const TOP_KEYS = new Set([
  'kind',
  'firstName',
  'lastName',
  'organisation',
  'email',
  'phone',
  'externalId',
  'address',
  'tags',
  'notes',
  'howHeard',
  'marketingConsent',
  'doNotContact',
]);

/** `z.string().trim().max(max)` (and `.min(1)` when `nonEmpty`): the trimmed string, or null. */
function text(v: unknown, max: number, nonEmpty = false): string | null {
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t.length > max || (nonEmpty && t.length === 0) ? null : t;
}

/** What `PersonInput.safeParse(input)` would return as data, or null: ask zod. */
export function fastPersonInput(input: Record<string, unknown>): Output | null {
  for (const k in input) if (!TOP_KEYS.has(k)) return null;
  const kind = input.kind ?? 'customer';
  if (typeof kind !== 'string' || !KINDS.has(kind)) return null;
  const firstName = input.firstName === undefined ? '' : text(input.firstName, 100);
  const lastName = input.lastName === undefined ? '' : text(input.lastName, 100);
  const organisation = optional(input.organisation, 200);
  const email = optional(input.email, 254);
  const phone = optional(input.phone, 40);
  const externalId = optional(input.externalId, 100);
  const notes = input.notes === undefined ? '' : text(input.notes, 10_000);
  const howHeard = optional(input.howHeard, 500);
  if (
    firstName === null ||
    lastName === null ||
    organisation === undefined ||
    email === undefined ||
    phone === undefined ||
    externalId === undefined ||
    notes === null ||
    howHeard === undefined
  )
    return null;
  const address = addressOf(input.address);
  if (!address) return null;
  let tags: string[] = [];
  if (input.tags !== undefined) {
    if (!Array.isArray(input.tags) || input.tags.length > 50) return null;
    tags = [];
    for (const t of input.tags) {
      const tag = text(t, 50, true);
      if (tag === null) return null;
      tags.push(tag);
    }
  }
  let marketingConsent: Output['marketingConsent'] = null;
  if (input.marketingConsent !== undefined && input.marketingConsent !== null) {
    const c = input.marketingConsent as Record<string, unknown>;
    // A timestamp is rare in a CSV (the export writes one): zod checks it.
    if (typeof c !== 'object' || c.at !== undefined || typeof c.given !== 'boolean') return null;
    for (const k in c) if (k !== 'given' && k !== 'source') return null;
    const source = text(c.source, 200, true);
    if (source === null) return null;
    marketingConsent = { given: c.given, source };
  }
  const doNotContact = input.doNotContact ?? false;
  if (typeof doNotContact !== 'boolean') return null;
  return {
    kind: kind as Output['kind'],
    firstName,
    lastName,
    organisation,
    email,
    phone,
    externalId,
    address,
    tags,
    notes,
    howHeard,
    marketingConsent,
    doNotContact,
  };
}

/** `text(max).nullable().default(null)`: the value, or undefined when zod would refuse it. */
function optional(v: unknown, max: number): string | null | undefined {
  if (v === undefined || v === null) return null;
  return text(v, max) ?? undefined;
}

/** `PostalAddress` with its defaults, keys in the schema's order; null: ask zod. */
function addressOf(v: unknown): Address | null {
  const a = (v === undefined ? {} : v) as Record<string, unknown>;
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return null;
  for (const k in a) if (!(k in ADDRESS_MAX) && k !== 'country') return null;
  const field = (k: keyof typeof ADDRESS_MAX) => (a[k] === undefined ? '' : text(a[k], ADDRESS_MAX[k]));
  const line1 = field('line1');
  const line2 = field('line2');
  const city = field('city');
  const region = field('region');
  const postalCode = field('postalCode');
  const country = a.country === undefined ? '' : text(a.country, Number.POSITIVE_INFINITY);
  if (
    line1 === null ||
    line2 === null ||
    city === null ||
    region === null ||
    postalCode === null ||
    country === null ||
    !COUNTRY.test(country)
  )
    return null;
  return { line1, line2, city, region, postalCode, country };
}
