import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentOf } from './rewards.service.ts';

describe('percent rewards in integers', () => {
  it('never round in the business favour, and are exact when nothing is left over', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000_000_000 }),
        fc.integer({ min: 1, max: 100 }),
        (amount, percent) => {
          const exact = amount * percent; // hundredths of a minor unit, a safe integer
          const up = percentOf(amount, percent, 'up');
          expect(up * 100).toBeGreaterThanOrEqual(exact);
          expect(up * 100 - exact).toBeLessThan(100);
          const half = percentOf(amount, percent, 'half_up');
          expect(Math.abs(half * 100 - exact)).toBeLessThanOrEqual(50);
          if (exact % 100 === 50) expect(half * 100).toBeGreaterThan(exact);
          if (exact % 100 === 0) expect([up, half]).toEqual([exact / 100, exact / 100]);
        },
      ),
      { numRuns: 5000 },
    );
    expect(percentOf(3333, 15, 'up')).toBe(500);
    expect(percentOf(3333, 15, 'half_up')).toBe(500);
    expect(percentOf(3310, 15, 'half_up')).toBe(497);
  });
});
