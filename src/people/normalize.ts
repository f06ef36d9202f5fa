import { createRequire } from 'node:module';
import type { CountryCode } from 'libphonenumber-js/max';

/**
 * libphonenumber and its metadata, loaded on the first number the fast paths below cannot
 * answer: about 20 MB per thread, which an import of a North American shop's file never needs.
 */
let phoneLib: typeof import('libphonenumber-js/max') | undefined;
const libphonenumber = () => (phoneLib ??= createRequire(import.meta.url)('libphonenumber-js/max'));

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]{2,}$/;
const GMAIL = new Set(['gmail.com', 'googlemail.com']);

/** Lower-cased, trimmed email, or an error message. */
export function normalizeEmail(raw: string): { ok: true; email: string } | { ok: false; message: string } {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email))
    return { ok: false, message: `"${raw.trim()}" is not a valid email address` };
  return { ok: true, email };
}

/**
 * The key two emails are the same person by: `+tags` dropped everywhere, dots dropped and
 * googlemail folded for Gmail, where the provider ignores them.
 */
export function emailKey(email: string): string {
  const at = email.lastIndexOf('@');
  let local = email.slice(0, at).toLowerCase();
  let domain = email.slice(at + 1).toLowerCase();
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  if (GMAIL.has(domain)) {
    local = local.replaceAll('.', '');
    domain = 'gmail.com';
  }
  return `${local}@${domain}`;
}

/**
 * A North American number written the usual ways: (217) 555-0100, 217-555-0100, 217.555.0100,
 * +1 217 555 0100, 1-217-555-0100. Area code and exchange start with 2-9.
 */
const NANP = /^\s*(?:\+?1[\s.-]?)?\(?([2-9]\d{2})\)?[\s.-]?([2-9]\d{2})[\s.-]?(\d{4})\s*$/;

/** E.164 phone number, read in the workspace's country unless it carries its own prefix. */
export function normalizePhone(
  raw: string,
  country: string,
): { ok: true; phone: string } | { ok: false; message: string } {
  // Fast path for the common case in US and Canadian workspaces, where libphonenumber spends
  // ~5 µs matching +1 against the 25 countries sharing it; the answer is the same (tested).
  if (country === 'US' || country === 'CA') {
    const m = NANP.exec(raw);
    if (m) return { ok: true, phone: `+1${m[1]}${m[2]}${m[3]}` };
  }
  const trimmed = raw.trim();
  // No country has a possible number of fewer than four digits (tested against libphonenumber).
  const parsed =
    (trimmed.match(DIGIT) ?? []).length < 4
      ? undefined
      : libphonenumber().parsePhoneNumberFromString(trimmed, country.toUpperCase() as CountryCode);
  if (!parsed?.isPossible()) return { ok: false, message: `"${trimmed}" is not a phone number we can read` };
  return { ok: true, phone: parsed.number };
}

const DIGIT = /\p{Nd}/gu;
