/** The dashboard's date ranges: presets counted back from today, or two chosen days. */

export type Preset = '30d' | '90d' | 'year' | 'custom';

export const PRESETS: Array<{ value: Preset; label: string }> = [
  { value: '30d', label: 'Last 30 days' },
  { value: '90d', label: 'Last 90 days' },
  { value: 'year', label: 'This year' },
  { value: 'custom', label: 'Custom range' },
];

const DAY = 86_400_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** A local calendar day as YYYY-MM-DD. */
export function isoDay(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function daysBefore(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - n * DAY).toISOString().slice(0, 10);
}

export const isDay = (s: string | null | undefined): s is string =>
  !!s && DAY_RE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));

/** The first and last day of a preset, both included. */
export function presetRange(preset: Exclude<Preset, 'custom'>, today = isoDay(new Date())) {
  if (preset === 'year') return { from: `${today.slice(0, 4)}-01-01`, to: today };
  return { from: daysBefore(today, preset === '30d' ? 29 : 89), to: today };
}
