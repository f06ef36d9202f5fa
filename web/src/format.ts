import type { Person } from './api/types.ts';

/** How a person is named in lists and titles. */
export function displayName(p: Pick<Person, 'firstName' | 'lastName' | 'organisation' | 'email' | 'phone'>) {
  const name = [p.firstName, p.lastName].filter(Boolean).join(' ');
  return name || p.organisation || p.email || p.phone || 'Unnamed person';
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const formatDate = (iso: string | null | undefined) => (iso ? dateFmt.format(new Date(iso)) : '—');
export const formatDateTime = (iso: string | null | undefined) =>
  iso ? dateTimeFmt.format(new Date(iso)) : '—';

export const kindLabel: Record<Person['kind'], string> = {
  customer: 'Customer',
  prospect: 'Prospect',
  partner: 'Partner',
};

export const kindColor: Record<Person['kind'], string> = {
  customer: 'brand',
  prospect: 'yellow',
  partner: 'grape',
};

export const roleLabel = { owner: 'Owner', manager: 'Manager', staff: 'Staff' } as const;

/** Digits after the decimal point of a currency (2 for USD, 0 for JPY). */
export function currencyDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
}

/** An amount in minor units, as money: 2500 USD → "$25.00". */
export function formatMoney(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 10 ** digits);
  } catch {
    return `${(minor / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}

type RewardLike =
  | { type: 'credit' | 'cash'; amount: number; description?: string }
  | { type: 'percent'; percent: number; maxAmount?: number; description?: string }
  | { type: 'service' | 'gift'; description: string; value: number };

/** A reward in a few words: "$25.00 credit", "10% off (up to $50.00)", "a free massage". */
export function describeReward(r: RewardLike | null | undefined, currency: string): string {
  if (!r) return 'None';
  switch (r.type) {
    case 'credit':
    case 'cash':
      return `${formatMoney(r.amount, currency)} ${r.type}${r.description ? ` (${r.description})` : ''}`;
    case 'percent':
      return `${r.percent}% off${r.maxAmount ? ` (up to ${formatMoney(r.maxAmount, currency)})` : ''}`;
    default:
      return r.description;
  }
}

export const programStatusColor = {
  draft: 'gray',
  active: 'green',
  paused: 'yellow',
  ended: 'dark',
} as const;
export const programStatusLabel = {
  draft: 'Draft',
  active: 'Active',
  paused: 'Paused',
  ended: 'Ended',
} as const;
export const audienceLabel = { customers: 'Customers', partners: 'Partners', staff: 'Staff' } as const;

export const referralStatusLabel = {
  new: 'New',
  contacted: 'Contacted',
  appointment: 'Appointment',
  won: 'Won',
  lost: 'Lost',
  void: 'Void',
} as const;
export const referralStatusColor = {
  new: 'blue',
  contacted: 'cyan',
  appointment: 'violet',
  won: 'green',
  lost: 'gray',
  void: 'dark',
} as const;
export const channelLabel = {
  link: 'Link',
  coupon: 'Coupon',
  named_by_referrer: 'Named by referrer',
  how_heard: 'How did you hear',
  staff: 'Staff entry',
  campaign: 'Campaign',
  partner: 'Partner',
} as const;

/** A calendar date ("2026-12-31") in local form, without a time zone shift. */
export const formatDay = (day: string | null | undefined) =>
  day ? dateFmt.format(new Date(`${day}T00:00:00`)) : '—';

/** "2026-05-04T09:30" (local, from a datetime-local input) ⇄ ISO with offset. */
export const toLocalInput = (iso: string | null) => {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
export const fromLocalInput = (v: string) => (v ? new Date(v).toISOString() : null);
