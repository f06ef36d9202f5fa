/**
 * Wall-clock time in a workspace's time zone, with the built-in Intl only: which local day and
 * hour an instant falls on, the UTC instant of a local time (daylight-saving gaps and overlaps
 * included), and the next moment an ask email may go out (quiet hours, business days).
 */

const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export type Local = {
  /** YYYY-MM-DD */
  date: string;
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
};

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The local date, time and weekday of an instant in a time zone. */
export function localOf(timeZone: string, at: Date): Local {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(at)) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: WEEKDAYS.indexOf(parts.weekday ?? ''),
  };
}

/** The zone's offset from UTC (ms, east positive) at an instant. */
function offsetAt(timeZone: string, at: number): number {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(at))) parts[p.type] = p.value;
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return wall - Math.floor(at / 1000) * 1000;
}

/**
 * The UTC instant of a local wall-clock time. A time skipped by a daylight-saving change
 * (02:30 on the spring-forward night) becomes the same distance after the gap; a time that
 * happens twice (01:30 on the fall-back night) is its first occurrence.
 */
export function zonedToUtc(timeZone: string, date: string, hour = 0, minute = 0): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, hour, minute);
  // The offsets in force a day either side: the wall time minus one of them is the instant.
  const before = offsetAt(timeZone, wall - DAY);
  const after = offsetAt(timeZone, wall + DAY);
  const first = wall - before;
  if (offsetAt(timeZone, first) === before) return new Date(first);
  const second = wall - after;
  if (offsetAt(timeZone, second) === after) return new Date(second);
  // In the gap: neither offset reads back; the clock jumped over it.
  return new Date(wall - before);
}

/** The local date `days` after `date` (calendar arithmetic, no time zone involved). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The local date `months` before `date`, clamped to the month's last day. */
export function monthsBefore(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 - months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return first.toISOString().slice(0, 10);
}

/** [start, end) of a local day as UTC ISO instants. */
export function dayRange(timeZone: string, date: string): { start: string; end: string } {
  return {
    start: zonedToUtc(timeZone, date).toISOString(),
    end: zonedToUtc(timeZone, addDays(date, 1)).toISOString(),
  };
}

const weekdayOf = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();
export const isBusinessDay = (date: string) => weekdayOf(date) !== 0 && weekdayOf(date) !== 6;

export type Timing = { quietFrom: string; quietTo: string; businessDaysOnly: boolean };

const minutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
};

/**
 * The first moment at or after `at` an ask email may go out: outside the quiet hours (which
 * may span midnight, e.g. 20:00–08:00) and, with businessDaysOnly, on Monday to Friday, all in
 * the workspace's time zone. Without quiet hours (quietFrom = quietTo) any time of day is fine.
 */
export function nextAllowed(timeZone: string, timing: Timing, at: Date): Date {
  const from = minutes(timing.quietFrom);
  const to = minutes(timing.quietTo);
  const quiet = (m: number) => (from === to ? false : from < to ? m >= from && m < to : m >= from || m < to);
  const local = localOf(timeZone, at);
  const now = local.hour * 60 + local.minute;
  const okDay = (date: string) => !timing.businessDaysOnly || isBusinessDay(date);
  if (okDay(local.date) && !quiet(now)) return at;
  // Otherwise the end of the quiet hours (or the start of the day) on the first allowed day:
  // today if the quiet hours end later today, else a following day.
  const open = from === to ? 0 : to;
  let date = local.date;
  if (!(now < open && okDay(date))) date = addDays(date, 1);
  while (!okDay(date)) date = addDays(date, 1);
  return zonedToUtc(timeZone, date, Math.floor(open / 60), open % 60);
}
