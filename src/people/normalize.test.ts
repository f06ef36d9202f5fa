import { type CountryCode, getCountries, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { normalizePhone } from './normalize.ts';

const viaLibrary = (raw: string, country: string) => {
  const parsed = parsePhoneNumberFromString(raw.trim(), country as CountryCode);
  return parsed?.isPossible() ? parsed.number : null;
};

describe('normalizePhone', () => {
  it('reads North American numbers exactly as libphonenumber does, in every usual format', () => {
    const formats = [
      (a: string, b: string, c: string) => `(${a}) ${b}-${c}`,
      (a: string, b: string, c: string) => `${a}-${b}-${c}`,
      (a: string, b: string, c: string) => `${a}.${b}.${c}`,
      (a: string, b: string, c: string) => `+1 ${a} ${b} ${c}`,
      (a: string, b: string, c: string) => `1-${a}-${b}-${c}`,
      (a: string, b: string, c: string) => `${a}${b}${c}`,
      (a: string, b: string, c: string) => ` +1 (${a}) ${b}.${c} `,
    ];
    let compared = 0;
    for (let i = 0; i < 3000; i++) {
      // Deterministic spread over area codes, exchanges and lines (200-999, 200-999, 0000-9999).
      const a = String(200 + ((i * 37) % 800));
      const b = String(200 + ((i * 53) % 800));
      const c = String((i * 7919) % 10000).padStart(4, '0');
      for (const f of formats) {
        for (const country of ['US', 'CA']) {
          const raw = f(a, b, c);
          const got = normalizePhone(raw, country);
          expect(got.ok ? got.phone : null, `${raw} in ${country}`).toBe(viaLibrary(raw, country));
          compared++;
        }
      }
    }
    expect(compared).toBe(42_000);
  });

  it('leaves other numbers and other countries to libphonenumber', () => {
    expect(normalizePhone('+44 20 7946 0958', 'US')).toEqual({ ok: true, phone: '+442079460958' });
    expect(normalizePhone('030 901820', 'DE')).toEqual({ ok: true, phone: '+4930901820' });
    expect(normalizePhone('(217) 555-0100', 'GB').ok).toBe(viaLibrary('(217) 555-0100', 'GB') !== null);
    expect(normalizePhone('(117) 555-0100', 'US').ok).toBe(viaLibrary('(117) 555-0100', 'US') !== null);
    expect(normalizePhone('12', 'US').ok).toBe(false);
    expect(normalizePhone('call me', 'US').ok).toBe(false);
  });

  it('refuses fewer than four digits without asking libphonenumber, which never reads them either', () => {
    const short: string[] = [];
    for (let len = 0; len <= 3; len++)
      for (let n = 0; n < 10 ** len; n++) short.push(len ? String(n).padStart(len, '0') : '');
    let asked = 0;
    for (const country of getCountries())
      for (const digits of short)
        for (const raw of [digits, `+${digits}`]) {
          if (viaLibrary(raw, country) !== null) throw new Error(`libphonenumber reads ${raw} in ${country}`);
          asked++;
        }
    expect(asked).toBeGreaterThan(500_000);
    expect(normalizePhone('12', 'US')).toEqual({
      ok: false,
      message: '"12" is not a phone number we can read',
    });
    expect(normalizePhone('+٤٤ ٢٠', 'GB').ok).toBe(false);
    expect(normalizePhone('+1 800-FLOWERS', 'US').ok).toBe(viaLibrary('+1 800-FLOWERS', 'US') !== null);
  });
});
