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
