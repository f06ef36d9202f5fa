import type { Reward } from '../programs/programs.schema.ts';

const moneyFormats = new Map<string, Intl.NumberFormat>();
const digitsOf = new Map<string, number>();

/** Digits after the decimal point of a currency's minor unit (USD 2, JPY 0, KWD 3). */
export function fractionDigits(currency: string): number {
  let d = digitsOf.get(currency);
  if (d === undefined) {
    d =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2;
    digitsOf.set(currency, d);
  }
  return d;
}

/** Minor units as money in a currency ("$20", "$19.50", "¥2,000", "20 €" for de). */
export function formatMoney(minor: number, currency: string, country = 'US'): string {
  const key = `${currency}|${country}`;
  let f = moneyFormats.get(key);
  if (!f) {
    let locale = `en-${country}`;
    try {
      new Intl.NumberFormat(locale);
    } catch {
      locale = 'en';
    }
    f = new Intl.NumberFormat(locale, { style: 'currency', currency });
    moneyFormats.set(key, f);
  }
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  const value = minor / 10 ** digits;
  if (Number.isInteger(value)) {
    return new Intl.NumberFormat(f.resolvedOptions().locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: 0,
      maximumFractionDigits: 0,
    }).format(value);
  }
  return f.format(value);
}

/** The friend's incentive in words: a headline and, when the program says more, a line under it. */
export function incentiveText(
  r: Reward | null,
  currency: string,
  country: string,
): { headline: string; detail: string } | null {
  if (!r) return null;
  switch (r.type) {
    case 'credit':
      return { headline: `${formatMoney(r.amount, currency, country)} credit`, detail: r.description };
    case 'cash':
      return { headline: `${formatMoney(r.amount, currency, country)} cash`, detail: r.description };
    case 'percent':
      return {
        headline: `${r.percent}% off${r.maxAmount ? ` (up to ${formatMoney(r.maxAmount, currency, country)})` : ''}`,
        detail: r.description,
      };
    case 'service':
    case 'gift':
      return { headline: capitalise(r.description), detail: '' };
  }
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "22 January 2027" in the workspace's time zone. */
export function formatDate(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(new Date(iso));
}

/** The first word of a name, for "on behalf of Sue". */
export const firstWord = (s: string) => s.trim().split(/\s+/)[0] ?? '';

/** "Jane van Dyke" → first "Jane", last "van Dyke". */
export function splitName(full: string): { firstName: string; lastName: string } {
  const parts = full.trim().split(/\s+/).filter(Boolean);
  return { firstName: parts[0] ?? '', lastName: parts.slice(1).join(' ') };
}

/** A postal address on lines, without the blanks. */
export function addressLines(a: {
  line1?: string;
  line2?: string;
  city?: string;
  region?: string;
  postalCode?: string;
}): string[] {
  const cityLine = [a.city, [a.region, a.postalCode].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  return [a.line1, a.line2, cityLine].filter((l): l is string => Boolean(l?.trim()));
}
