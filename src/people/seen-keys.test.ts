import { describe, expect, it } from 'vitest';
import { SeenKeys } from './seen-keys.ts';

describe('SeenKeys', () => {
  it('remembers the first line of every key through growth, and forgets without breaking chains', () => {
    const keys = new SeenKeys();
    const n = 200_000;
    for (let i = 1; i <= n; i++) {
      expect(keys.get(`e:user.${i}@example.com`)).toBe(0);
      keys.set(`e:user.${i}@example.com`, i + 1);
    }
    expect(keys.size).toBe(n);
    for (let i = 1; i <= n; i += 7) expect(keys.get(`e:user.${i}@example.com`)).toBe(i + 1);
    for (let i = 1; i <= n; i += 2) keys.forget(`e:user.${i}@example.com`);
    for (let i = 1; i <= 2_000; i++) expect(keys.get(`e:user.${i}@example.com`)).toBe(i % 2 ? 0 : i + 1);
    keys.set('e:user.1@example.com', 9);
    expect(keys.get('e:user.1@example.com')).toBe(9);
    expect(keys.get('x:user.2@example.com')).toBe(0);
  });

  it('claims a key once, and again after it is forgotten', () => {
    const keys = new SeenKeys();
    expect(keys.claim('a@example.com', 2, 3)).toBe(0);
    expect(keys.claim('a@example.com', 5, 3)).toBe(2);
    expect(keys.get('a@example.com', 3)).toBe(2);
    keys.forget('a@example.com', 3);
    expect(keys.claim('a@example.com', 7, 3)).toBe(0);
    expect(keys.get('a@example.com', 3)).toBe(7);
    expect(keys.size).toBe(1);
  });

  it('keeps keys of different kinds apart', () => {
    const keys = new SeenKeys();
    keys.set('7000', 2, 1);
    expect(keys.get('7000', 1)).toBe(2);
    expect(keys.get('7000', 2)).toBe(0);
    keys.set('7000', 3, 2);
    keys.forget('7000', 1);
    expect(keys.get('7000', 1)).toBe(0);
    expect(keys.get('7000', 2)).toBe(3);
  });

  it('hashes packed characters as it hashes the same key as a string, Latin-1 or UTF-16', () => {
    const keys = new SeenKeys();
    const latin1 = Buffer.from('xxjosé@example.comyy', 'latin1');
    expect(keys.claimChars(latin1, 2, 18, false, 4, 3)).toBe(0);
    expect(keys.claim('josé@example.com', 9, 3)).toBe(4);
    const wide = Buffer.from('xxjosé@example.comyy', 'utf16le');
    expect(keys.claimChars(wide, 2, 18, true, 11, 3)).toBe(4);
    expect(keys.claimChars(Buffer.from('名前@example.com', 'utf16le'), 0, 14, true, 12, 3)).toBe(0);
    expect(keys.get('名前@example.com', 3)).toBe(12);
  });
});
