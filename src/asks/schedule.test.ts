import { describe, expect, it } from 'vitest';
import { addDays, dayRange, localOf, monthsBefore, nextAllowed, zonedToUtc } from './schedule.ts';

const NY = 'America/New_York';
const timing = { quietFrom: '20:00', quietTo: '08:00', businessDaysOnly: true };
const at = (iso: string) => new Date(iso);
const next = (iso: string, t = timing) => nextAllowed(NY, t, at(iso)).toISOString();

describe('wall-clock time in a time zone', () => {
  it('local date and hour on both sides of the fall-back change (2026-11-01 02:00 New York)', () => {
    expect(localOf(NY, at('2026-11-01T05:30:00Z'))).toMatchObject({
      date: '2026-11-01',
      hour: 1,
      minute: 30,
    });
    expect(localOf(NY, at('2026-11-01T06:30:00Z'))).toMatchObject({
      date: '2026-11-01',
      hour: 1,
      minute: 30,
    });
    expect(localOf(NY, at('2026-11-01T07:30:00Z'))).toMatchObject({ date: '2026-11-01', hour: 2 });
    expect(localOf(NY, at('2026-10-30T12:00:00Z')).weekday).toBe(5);
  });

  it('local times to UTC: EDT before, EST after, the repeated hour first, the skipped hour moved on', () => {
    expect(zonedToUtc(NY, '2026-10-30', 8).toISOString()).toBe('2026-10-30T12:00:00.000Z');
    expect(zonedToUtc(NY, '2026-11-02', 8).toISOString()).toBe('2026-11-02T13:00:00.000Z');
    expect(zonedToUtc(NY, '2026-11-01', 1, 30).toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(zonedToUtc(NY, '2026-11-01', 0).toISOString()).toBe('2026-11-01T04:00:00.000Z');
    // 2026-03-08 02:30 does not exist in New York: an hour on, 03:30 EDT.
    expect(zonedToUtc(NY, '2026-03-08', 2, 30).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(zonedToUtc('Asia/Kolkata', '2026-11-01', 9).toISOString()).toBe('2026-11-01T03:30:00.000Z');
    // The fall-back day is 25 hours long.
    const d = dayRange(NY, '2026-11-01');
    expect(Date.parse(d.end) - Date.parse(d.start)).toBe(25 * 3_600_000);
  });

  it('calendar arithmetic', () => {
    expect(addDays('2026-10-30', 3)).toBe('2026-11-02');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(monthsBefore('2026-03-31', 1)).toBe('2026-02-28');
    expect(monthsBefore('2026-01-15', 6)).toBe('2025-07-15');
  });
});

describe('the next moment an ask email may go out', () => {
  it('now, in the allowed hours of a business day', () => {
    expect(next('2026-10-29T15:00:00Z')).toBe('2026-10-29T15:00:00.000Z');
  });

  it('late on a Thursday evening (EDT): Friday 08:00 EDT', () => {
    expect(next('2026-10-30T02:30:00Z')).toBe('2026-10-30T12:00:00.000Z');
  });

  it('late on the Friday evening before the change: Monday 08:00 EST, after it', () => {
    // Friday 2026-10-30 22:30 EDT; Saturday and Sunday are not business days; the clocks go
    // back on Sunday, so Monday 08:00 is 13:00 UTC, not 12:00.
    expect(next('2026-10-31T02:30:00Z')).toBe('2026-11-02T13:00:00.000Z');
  });

  it('on the night of the change itself, without business days: Sunday 08:00 EST', () => {
    const everyDay = { ...timing, businessDaysOnly: false };
    expect(next('2026-11-01T01:30:00Z', everyDay)).toBe('2026-11-01T13:00:00.000Z');
    // 01:30 the second time (EST), still quiet.
    expect(next('2026-11-01T06:30:00Z', everyDay)).toBe('2026-11-01T13:00:00.000Z');
  });

  it('early in the morning: the same day at 08:00', () => {
    expect(next('2026-11-02T10:00:00Z')).toBe('2026-11-02T13:00:00.000Z');
  });

  it('quiet hours inside a day, and none at all', () => {
    const lunch = { quietFrom: '12:00', quietTo: '14:00', businessDaysOnly: false };
    expect(next('2026-11-02T17:30:00Z', lunch)).toBe('2026-11-02T19:00:00.000Z');
    const never = { quietFrom: '00:00', quietTo: '00:00', businessDaysOnly: false };
    expect(next('2026-11-01T06:30:00Z', never)).toBe('2026-11-01T06:30:00.000Z');
  });
});
