import { randomInt } from 'node:crypto';

/** No 0/O, 1/I/L: a code read aloud or typed from a card cannot be mistaken. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const CODE_LENGTH = 8;

/** 31^8 ≈ 8.5 × 10^11 codes: a rate-limited guesser finds nothing in any useful time. */
export function newCode(length = CODE_LENGTH): string {
  let s = '';
  for (let i = 0; i < length; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

/**
 * What a person typed, as a code: case-insensitive, spaces and dashes ignored. Characters
 * outside the alphabet (0, O, 1, I, L) cannot be in a code, so such input is refused, not guessed.
 */
export function normalizeCode(raw: string): string | null {
  const s = raw
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '');
  if (s.length < 4 || s.length > 16) return null;
  for (const ch of s) if (!CODE_ALPHABET.includes(ch)) return null;
  return s;
}
