import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomFillSync } from 'node:crypto';

const buf = Buffer.alloc(16);
let lastMs = 0;
let seq = 0;
// Random bytes are drawn 4 KB at a time: one system call per 512 ids instead of one per id.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;

/** UUIDv7 (RFC 9562): time-ordered, so ids sort by creation and index well. */
export function newId(): string {
  let ms = Date.now();
  if (ms <= lastMs) {
    // Same millisecond: bump a 12-bit counter so ids stay monotonic within a process.
    seq = (seq + 1) & 0xfff;
    if (seq === 0) lastMs++;
    ms = lastMs;
  } else {
    lastMs = ms;
    seq = randomBytes(2).readUInt16BE(0) & 0x7ff;
  }
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  pool.copy(buf, 8, poolAt, poolAt + 8);
  poolAt += 8;
  buf.writeUIntBE(ms, 0, 6);
  buf[6] = 0x70 | (seq >> 8);
  buf[7] = seq & 0xff;
  buf[8] = (buf[8]! & 0x3f) | 0x80;
  const h = buf.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const clocks = new AsyncLocalStorage<() => number>();

/** The time as ISO 8601 UTC: the system clock, or the clock `withClock` runs its work under. */
export const nowIso = () => new Date((clocks.getStore() ?? Date.now)()).toISOString();

/**
 * Runs `fn` with `nowIso()` answering from `clock` in it and everything it awaits, and nowhere
 * else (concurrent requests keep the real time): the demo seeds its past with it.
 */
export const withClock = <T>(clock: () => number, fn: () => Promise<T>): Promise<T> => clocks.run(clock, fn);
