/**
 * The line each key (email, external id …) was first seen on in one import, for a million rows
 * in a few tens of megabytes: an open-addressing table of 64-bit string hashes in typed arrays
 * instead of a Map of strings. Two different keys share a hash with a probability of about
 * n² / 2⁶⁵ (3·10⁻⁸ for a million keys).
 */
export class SeenKeys {
  private h1 = new Int32Array(1 << 12);
  private h2 = new Int32Array(1 << 12);
  private lines = new Uint32Array(1 << 12);
  private used = 0;

  get size(): number {
    return this.used;
  }

  /** The line `key` was recorded on, or 0. */
  get(key: string): number {
    const [a, b] = hash(key);
    const slot = this.find(a, b);
    const line = this.lines[slot]!;
    return line === FORGOTTEN ? 0 : line;
  }

  set(key: string, line: number): void {
    const [a, b] = hash(key);
    const slot = this.find(a, b);
    if (this.lines[slot] === 0) {
      this.h1[slot] = a;
      this.h2[slot] = b;
      this.used++;
    }
    this.lines[slot] = line;
    if (this.used > this.lines.length * 0.7) this.grow();
  }

  /** Forgets `key` (its row was rejected after all), keeping the probe chain intact. */
  forget(key: string): void {
    const [a, b] = hash(key);
    const slot = this.find(a, b);
    if (this.lines[slot] !== 0) this.lines[slot] = FORGOTTEN;
  }

  private find(a: number, b: number): number {
    const mask = this.lines.length - 1;
    let slot = (a ^ (b >>> 7)) & mask;
    while (this.lines[slot] !== 0 && (this.h1[slot] !== a || this.h2[slot] !== b)) slot = (slot + 1) & mask;
    return slot;
  }

  private grow() {
    const { h1, h2, lines } = this;
    this.h1 = new Int32Array(lines.length * 2);
    this.h2 = new Int32Array(lines.length * 2);
    this.lines = new Uint32Array(lines.length * 2);
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === 0) continue;
      const slot = this.find(h1[i]!, h2[i]!);
      this.h1[slot] = h1[i]!;
      this.h2[slot] = h2[i]!;
      this.lines[slot] = lines[i]!;
    }
  }
}

const FORGOTTEN = 0xffffffff;
const out: [number, number] = [0, 0];

/** cyrb53-style 64-bit hash as two 32-bit halves. */
function hash(s: string): [number, number] {
  let a = 0xdeadbeef;
  let b = 0x41c6ce57;
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
