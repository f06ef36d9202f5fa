/**
 * The line each key (email, external id …) was first seen on in one import, for a million rows
 * in a few tens of megabytes: open-addressing tables of 64-bit string hashes in typed arrays
 * instead of a Map of strings. Of each hash, 12 bits choose one of PARTS tables and 48 are kept
 * (10 bytes a slot with the line), so two different keys are taken for one with a probability
 * of about n² / 2⁶¹ (2·10⁻⁶ for two million keys).
 *
 * The tables fill to 80 % and grow one at a time by a quarter, so growing never holds two
 * copies of everything and about 72 % of the slots are in use (two million keys: about 28 MB,
 * against 40 MB with 12-byte slots filled to 62 %).
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
    const [a, b] = hash(key, kind);
    const part = this.parts[b >>> PART_SHIFT]!;
    const line = part.lines[part.find(a, b)]!;
    return line === FORGOTTEN ? 0 : line;
  }

  set(key: string, line: number, kind = 0): void {
    this.record(key, line, kind, true);
  }

  /**
   * Records `line` for `key` unless it is there already: returns the line it was recorded on
   * before, or 0 when this call recorded it (one lookup where `get` then `set` take two).
   */
  claim(key: string, line: number, kind = 0): number {
    return this.record(key, line, kind, false);
  }

  private record(key: string, line: number, kind: number, overwrite: boolean): number {
    const [a, b] = hash(key, kind);
    const part = this.parts[b >>> PART_SHIFT]!;
    const slot = part.find(a, b);
    const earlier = part.lines[slot]!;
    if (!overwrite && earlier !== 0 && earlier !== FORGOTTEN) return earlier;
    if (earlier === 0) {
      part.h1[slot] = a;
      part.h2[slot] = b & 0xffff;
      part.used++;
      this.used++;
    }
    part.lines[slot] = line;
    if (part.used > part.lines.length * 0.8) part.grow();
    return 0;
  }

  /** Forgets `key` (its row was rejected after all), keeping the probe chain intact. */
  forget(key: string, kind = 0): void {
    const [a, b] = hash(key, kind);
    const part = this.parts[b >>> PART_SHIFT]!;
    const slot = part.find(a, b);
    if (part.lines[slot] !== 0) part.lines[slot] = FORGOTTEN;
  }
}

const PART_SHIFT = 20;
const PARTS = 1 << (32 - PART_SHIFT);
const FORGOTTEN = 0xffffffff;

/** One table: linear probing, slot 0 of `lines` meaning empty. */
class Part {
  h1: Int32Array;
  /** The low 16 bits of the hash's second half. */
  h2: Uint16Array;
  lines: Uint32Array;
  used = 0;

  constructor(size: number) {
    this.h1 = new Int32Array(size);
    this.h2 = new Uint16Array(size);
    this.lines = new Uint32Array(size);
  }

  find(a: number, b: number): number {
    const size = this.lines.length;
    const low = b & 0xffff;
    let slot = (a & 0x7fffffff) % size;
    while (this.lines[slot] !== 0 && (this.h1[slot] !== a || this.h2[slot] !== low)) {
      slot = slot + 1 === size ? 0 : slot + 1;
    }
    return slot;
  }

  grow() {
    const { h1, h2, lines } = this;
    const size = Math.ceil(lines.length * 1.25);
    this.h1 = new Int32Array(size);
    this.h2 = new Uint16Array(size);
    this.lines = new Uint32Array(size);
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === 0) continue;
      const slot = this.find(h1[i]!, h2[i]!);
      this.h1[slot] = h1[i]!;
      this.h2[slot] = h2[i]!;
      this.lines[slot] = lines[i]!;
    }
  }
}

const out: [number, number] = [0, 0];

/** cyrb53-style 64-bit hash as two 32-bit halves, seeded. */
function hash(s: string, seed: number): [number, number] {
  let a = 0xdeadbeef ^ seed;
  let b = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  a = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  out[0] = a | 0;
  out[1] = b | 0;
  return out;
}
