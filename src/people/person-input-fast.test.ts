import { describe, expect, it } from 'vitest';
import { PersonInput } from './people.schema.ts';
import { fastPersonInput } from './person-input-fast.ts';

/** A small seeded generator, so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

const SPACES = ['', ' ', '  ', '\t', '\u00a0', '\u2028', '\ufeff', '\u3000'];
const WORDS = ['Ann', 'Lee', 'García', 'Müller', '😀', 'a,b', '"q"', "O'Brien", '名前', 'x'];

describe('fastPersonInput', () => {
  it('accepts only what PersonInput accepts, with exactly its output, on varied rows', () => {
    const r = rng(20261122);
    // Each row has a fault rate: some are clean, some break a rule here and there.
    let fault = 0;
    const bad = () => r.next() < fault;
    const str = (max: number): unknown => {
      const k = r.int(12);
      if (k === 0) return undefined;
      if (k === 1) return r.pick(SPACES) + r.pick(SPACES);
      if (k === 2 && bad()) return r.pick([null, 42, true, ['a'], {}]);
      // Lengths around the limit, padded with whitespace that trimming removes (or not).
      const n = bad()
        ? r.pick([max - 1, max, max + 1, max + 2])
        : r.pick([1, 2, 5, max - 1, max, r.int(max + 1)]);
      let body = '';
      while (body.length < n) body += r.pick(WORDS);
      body = body.slice(0, Math.max(0, n));
      return r.pick(SPACES) + body + r.pick(SPACES);
    };
    const maybe = (v: () => unknown) => (r.int(3) === 0 ? undefined : v());
    let accepted = 0;
    let valid = 0;
    const N = 30_000;
    for (let i = 0; i < N; i++) {
      fault = r.pick([0, 0, 0.02, 0.1, 0.3]);
      const input: Record<string, unknown> = {
        kind: maybe(() =>
          bad() ? r.pick(['Customer', 'lead', '', 7]) : r.pick(['customer', 'prospect', 'partner']),
        ),
        firstName: str(100),
        lastName: str(100),
        organisation: maybe(() => str(200)),
        email: str(254),
        phone: str(40),
        externalId: maybe(() => str(100)),
        notes: maybe(() => str(10_000)),
        howHeard: maybe(() => str(500)),
        address: maybe(() => {
          const a: Record<string, unknown> = {};
          for (const [k, max] of [
            ['line1', 200],
            ['line2', 200],
            ['city', 100],
            ['region', 100],
            ['postalCode', 20],
          ] as const) {
            const v = str(max);
            if (v !== undefined) a[k] = v;
          }
          const country = maybe(() =>
            bad() ? r.pick(['us', 'USA', 'U1', 'É', null]) : r.pick(['US', 'DE', ' GB ', '', '\tFR']),
          );
          if (country !== undefined) a.country = country;
          if (bad()) a.street = 'Main St';
          return bad() ? r.pick([null, 'x', []]) : a;
        }),
        tags: maybe(() =>
          bad()
            ? r.pick(['vip', Array.from({ length: 51 }, () => 'x'), [''], [' '], [7]])
            : Array.from({ length: r.pick([0, 1, 2, 3, 49, 50]) }, () => str(50) ?? 'x'),
        ),
        marketingConsent: maybe(() => {
          if (bad()) return r.pick([null, true, 'yes']);
          const c: Record<string, unknown> = { given: bad() ? 'yes' : r.pick([true, true, false]) };
          const source = str(200);
          if (source !== undefined || !bad()) c.source = source ?? 'Shopify import';
          if (r.int(6) === 0)
            c.at = r.pick([
              '2024-05-01T10:00:00.000Z',
              '2024-02-30T10:00:00Z',
              'yesterday',
              '+010000-01-01T00:00:00.000Z',
            ]);
          if (bad()) c.by = 'me';
          return c;
        }),
        doNotContact: maybe(() => (bad() ? r.pick(['yes', 1]) : r.pick([true, false]))),
      };
      for (const k of Object.keys(input)) if (input[k] === undefined) delete input[k];
      if (bad()) input.nickname = 'Al';

      const zod = PersonInput.safeParse(input);
      const fast = fastPersonInput(input);
      if (zod.success) valid++;
      if (fast) {
        accepted++;
        expect(zod.success, JSON.stringify(input).slice(0, 2000)).toBe(true);
        // Same values and the same key order (the address is stored as JSON).
        expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
        expect(fast).toStrictEqual(zod.data);
      }
    }
    // The fast check is only worth having if it takes the usual row.
    expect(valid).toBeGreaterThan(N / 4);
    expect(accepted).toBeGreaterThan(valid * 0.8);
  });

  it('takes the rows a customer export usually has', () => {
    const rows: Array<Record<string, unknown>> = [
      { firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com', phone: '+12175550100' },
      {
        firstName: 'Chloé',
        lastName: 'García',
        email: 'chloe.1@example.com',
        externalId: '7000000000001',
        address: {
          line1: '100 Main St',
          city: 'Springfield',
          region: 'IL',
          postalCode: '62701',
          country: 'US',
        },
        tags: ['vip', 'newsletter'],
        notes: 'Prefers mornings, asks for Sam',
        marketingConsent: { given: true, source: 'Shopify import' },
      },
      { organisation: 'Acme', kind: 'partner', doNotContact: true, howHeard: 'a friend' },
    ];
    for (const input of rows) {
      const zod = PersonInput.parse(input);
      expect(fastPersonInput(input)).toStrictEqual(zod);
      expect(JSON.stringify(fastPersonInput(input))).toBe(JSON.stringify(zod));
    }
  });
});
