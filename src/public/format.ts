import type { Reward } from '../programs/programs.schema.ts';

/** A currency's formats for a country: with its minor unit, and without for whole amounts. */
type MoneyFormat = { digits: number; exact: Intl.NumberFormat; whole: Intl.NumberFormat };
// Made once per currency and country: building an Intl.NumberFormat costs a few hundred µs.
const moneyFormats = new Map<string, MoneyFormat>();
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

function moneyFormat(currency: string, country: string): MoneyFormat {
  const key = `${currency}|${country}`;
  let m = moneyFormats.get(key);
  if (!m) {
    let locale = `en-${country}`;
    try {
      new Intl.NumberFormat(locale);
    } catch {
      locale = 'en';
    }
    const exact = new Intl.NumberFormat(locale, { style: 'currency', currency });
    const { locale: resolved, maximumFractionDigits } = exact.resolvedOptions();
    const whole = new Intl.NumberFormat(resolved, {
      style: 'currency',
      currency,
      minimumFractionDigits: 0,
      maximumFractionDigits: 0,
    });
    m = { digits: maximumFractionDigits ?? 2, exact, whole };
    moneyFormats.set(key, m);
  }
  return m;
}

/** Minor units as money in a currency ("$20", "$19.50", "¥2,000", "20 €" for de). */
export function formatMoney(minor: number, currency: string, country = 'US'): string {
  const { digits, exact, whole } = moneyFormat(currency, country);
  const value = minor / 10 ** digits;
  return (Number.isInteger(value) ? whole : exact).format(value);
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
