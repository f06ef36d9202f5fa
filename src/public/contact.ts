import { normalizeEmail, normalizePhone } from '../people/normalize.ts';

// Mail providers people mistype most; a domain one slip away from one of these is probably wrong.
const KNOWN_DOMAINS = [
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.co.uk',
  'yahoo.fr',
  'ymail.com',
  'hotmail.com',
  'hotmail.co.uk',
  'hotmail.fr',
  'outlook.com',
  'live.com',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  't-online.de',
  'comcast.net',
  'verizon.net',
  'att.net',
  'sbcglobal.net',
  'btinternet.com',
  'mail.com',
  'fastmail.com',
];
const KNOWN = new Set(KNOWN_DOMAINS);
const BAD_TLDS: Record<string, string> = {
  con: 'com',
  cmo: 'com',
  ocm: 'com',
  cim: 'com',
  vom: 'com',
  xom: 'com',
  comm: 'com',
  coom: 'com',
  nte: 'net',
  ent: 'net',
  nett: 'net',
  ogr: 'org',
  rog: 'org',
};

/** Optimal string alignment distance (Levenshtein plus swapped neighbours), capped for speed. */
export function editDistance(a: string, b: string, cap = 3): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The address the person probably meant, when the domain looks like a slip ("gmial.com"). */
export function emailSuggestion(email: string): string | null {
  const at = email.lastIndexOf('@');
  if (at < 1) return null;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1).toLowerCase();
  if (KNOWN.has(domain)) return null;
  const dot = domain.lastIndexOf('.');
  const tld = domain.slice(dot + 1);
  const fixed = BAD_TLDS[tld] ? `${domain.slice(0, dot)}.${BAD_TLDS[tld]}` : domain;
  if (KNOWN.has(fixed)) return `${local}@${fixed}`;
  let best: string | null = null;
  let bestD = 99;
  for (const k of KNOWN_DOMAINS) {
    const dist = editDistance(fixed, k, 2);
    if (dist < bestD) {
      bestD = dist;
      best = k;
    }
  }
  // One slip, or two in a long domain ("gmaill.con" → "gmail.com").
  if (best && (bestD === 1 || (bestD === 2 && fixed.length >= 9))) return `${local}@${best}`;
  return fixed === domain ? null : `${local}@${fixed}`;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * An email typed into a public form: valid, and not an obvious slip. A person who really has
 * such an address confirms it by sending the form again unchanged (`confirmed`).
 */
export function checkEmail(raw: string, confirmed: string): Checked<string> & { suggestion?: string } {
  if (!raw) return { ok: true, value: '' };
  const e = normalizeEmail(raw);
  if (!e.ok) {
    if (/@[^.@\s]+$/.test(raw.trim()))
      return {
        ok: false,
        message: `"${raw.trim()}" is missing the end of the address, such as ".com"`,
      };
    return { ok: false, message: `"${raw.trim()}" is not an email address we can use` };
  }
  const suggestion = emailSuggestion(e.email);
  if (suggestion && e.email !== confirmed.trim().toLowerCase()) {
    return {
      ok: false,
      message: `Did you mean ${suggestion}? If "${e.email}" is right, send the form again as it is.`,
      suggestion,
    };
  }
  return { ok: true, value: e.email };
}

/** A phone in the business's country or any other with its + prefix, as E.164. */
export function checkPhone(raw: string, country: string): Checked<string> {
  if (!raw) return { ok: true, value: '' };
  const p = normalizePhone(raw, country);
  if (!p.ok) {
    return {
      ok: false,
      message: `"${raw}" is not a phone number we can read; a number from abroad needs its + and country code`,
    };
  }
  return { ok: true, value: p.phone };
}
