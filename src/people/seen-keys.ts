/**
 * The line each key (email, external id …) was first seen on in one import, for a million rows
 * in a few tens of megabytes: open-addressing tables of 64-bit string hashes in typed arrays
 * instead of a Map of strings. Of each hash, 12 bits choose one of PARTS tables and 48 are kept
 * with the line in one 10-byte slot (one cache miss a probe, where three arrays took three), so
 * two different keys are taken for one with a probability of about n² / 2⁶¹ (2·10⁻⁶ for two
 * million keys).
 *
 * The tables fill to 80 % and grow one at a time by a quarter, so growing never holds two
 * copies of everything and about 72 % of the slots are in use (two million keys: about 28 MB,
 * against 40 MB with 12-byte slots filled to 62 %).
 *
 * A key is hashed by its UTF-16 code units, from a string or straight from a parsed piece's
 * packed characters (`claimChars`), which then needs no string at all.
 */
export class SeenKeys {
  private readonly parts = Array.from({ length: PARTS }, () => new Part(16));
  private used = 0;

  get size(): number {
    return this.used;
  }

  /**
   * The line `key` was recorded on, or 0. Keys of different `kind`s (a small number: email,
   * external id …) never meet, without building a prefixed string for each.
   */
  get(key: string, kind = 0): number {
    hashString(key, kind);
    const part = this.parts[out[1] >>> PART_SHIFT]!;
    const line = part.line(part.find(out[0], out[1]));
    return line === FORGOTTEN ? 0 : line;
  }

  set(key: string, line: number, kind = 0): void {
    hashString(key, kind);
    this.record(line, true);
  }

  /**
   * Records `line` for `key` unless it is there already: returns the line it was recorded on
   * before, or 0 when this call recorded it (one lookup where `get` then `set` take two).
   */
  claim(key: string, line: number, kind = 0): number {
    hashString(key, kind);
    return this.record(line, false);
  }

  /**
   * `claim` for the key in `chars` from `start` to `end` (characters): Latin-1 bytes, or UTF-16
   * when `wide` (see `PieceResult.chars`).
   */
  claimChars(chars: Uint8Array, start: number, end: number, wide: boolean, line: number, kind = 0): number {
    hashChars(chars, start, end, wide, kind);
    return this.record(line, false);
  }

  /** Records the line of the hash in `out`. */
  private record(line: number, overwrite: boolean): number {
    const [a, b] = out;
    const part = this.parts[b >>> PART_SHIFT]!;
    const slot = part.find(a, b);
    const earlier = part.line(slot);
    if (!overwrite && earlier !== 0 && earlier !== FORGOTTEN) return earlier;
    if (earlier === 0) {
      part.slots[slot * 5] = a;
      part.slots[slot * 5 + 1] = a >>> 16;
      part.slots[slot * 5 + 2] = b;
      part.used++;
      this.used++;
    }
    part.setLine(slot, line);
    if (part.used > part.size * 0.8) part.grow();
    return 0;
  }

  /** Forgets `key` (its row was rejected after all), keeping the probe chain intact. */
  forget(key: string, kind = 0): void {
    hashString(key, kind);
    const part = this.parts[out[1] >>> PART_SHIFT]!;
    const slot = part.find(out[0], out[1]);
    if (part.line(slot) !== 0) part.setLine(slot, FORGOTTEN);
  }
}

const PART_SHIFT = 20;
const PARTS = 1 << (32 - PART_SHIFT);
const FORGOTTEN = 0xffffffff;

/**
 * One table, linear probing. A slot is five 16-bit words: the hash's first half (two words),
 * the low 16 bits of its second half, and the line (two words; 0 means empty).
 */
class Part {
  slots: Uint16Array;
  size: number;
  used = 0;

  constructor(size: number) {
    this.size = size;
    this.slots = new Uint16Array(size * 5);
  }

  line(slot: number): number {
    const s = this.slots;
    return (s[slot * 5 + 3]! | (s[slot * 5 + 4]! << 16)) >>> 0;
  }

  setLine(slot: number, line: number) {
    this.slots[slot * 5 + 3] = line;
    this.slots[slot * 5 + 4] = line >>> 16;
  }

  find(a: number, b: number): number {
    const { slots, size } = this;
    const a0 = a & 0xffff;
    const a1 = a >>> 16;
    const b0 = b & 0xffff;
    let slot = (a & 0x7fffffff) % size;
    for (;;) {
      const at = slot * 5;
      if ((slots[at + 3]! | slots[at + 4]!) === 0) return slot;
      if (slots[at] === a0 && slots[at + 1] === a1 && slots[at + 2] === b0) return slot;
      slot = slot + 1 === size ? 0 : slot + 1;
    }
  }

  grow() {
    const { slots, size } = this;
    this.size = Math.ceil(size * 1.25);
    this.slots = new Uint16Array(this.size * 5);
    for (let i = 0; i < size; i++) {
      const at = i * 5;
      if ((slots[at + 3]! | slots[at + 4]!) === 0) continue;
      // The probe start needs only the first half of the hash, which the slot keeps whole.
      const a = slots[at]! | (slots[at + 1]! << 16);
      const to = this.find(a, slots[at + 2]!) * 5;
      for (let w = 0; w < 5; w++) this.slots[to + w] = slots[at + w]!;
    }
  }
}

/** The last hash made: cyrb53-style 64 bits as two 32-bit halves, seeded by the key's kind. */
const out: [number, number] = [0, 0];

function hashString(s: string, seed: number) {
  let a = 0xdeadbeef ^ seed;
  let b = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  finish(a, b);
}

function hashChars(chars: Uint8Array, start: number, end: number, wide: boolean, seed: number) {
  let a = 0xdeadbeef ^ seed;
  let b = 0x41c6ce57 ^ seed;
  for (let i = start; i < end; i++) {
    const c = wide ? chars[2 * i]! | (chars[2 * i + 1]! << 8) : chars[i]!;
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  finish(a, b);
}

function finish(a: number, b: number) {
  a = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  out[0] = a | 0;
  out[1] = b | 0;
}
