/**
 * How `vouch import` runs: in a Node process of its own, started with a small V8 heap and
 * Node's compile cache. V8 sizes a heap when it creates it (`v8.setFlagsFromString` later does
 * nothing), so only flags given at launch keep an import's memory down; `src/main.ts` starts
 * the import command again with these, and the benchmark starts its import processes the same way.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A young generation of 2 × 2 MB instead of up to 2 × 64 MB: the thread that matches and writes
 * keeps its rows outside the V8 heap (packed bytes), so its garbage is a batch's statements,
 * short-lived; 2 × 2 MB ran faster than 2 × 4 MB here and 6–17 MB lower at the peak. The old
 * generation may still grow to 512 MB for an unusual file (long cells); `--max-old-space-size`
 * only caps it, the live set decides where it stays.
 *
 * No allocation-site pretenuring: V8 watches which allocations survive a young collection and,
 * past a threshold, makes that site allocate straight into the old generation. The parser
 * thread's rows live across a young collection often enough (a piece is being read) that V8
 * flipped the sites making their strings and objects: all their garbage went to the old
 * generation, and the thread spent about 2 s collecting per 300,000 rows instead of 0.7
 * (57 full collections instead of 2). Without it: 16–24 % faster, 59 → 45 µs of CPU a row.
 */
export const IMPORT_V8_FLAGS = [
  '--max-semi-space-size=2',
  '--max-old-space-size=512',
  '--no-allocation-site-pretenuring',
];

/**
 * Bytes `vouch import` reads from its file at a time: under glibc's mmap threshold as the import
 * process sets it (below), so each read's buffer comes from the heap, reused, instead of fresh
 * pages from the kernel. Reads of 1 MB caused half of the import's page faults (75,000 → 39,000
 * in 10 s), and each costs much on a virtual machine: 56,085 → 59,048 rows/s, 176 → 171 MB.
 */
export const IMPORT_READ_BYTES = 60 * 1024;

/** Set in the environment of the started process, so it does not start another. */
export const IMPORT_PROCESS_ENV = 'VOUCH_IMPORT_PROCESS';

/**
 * The environment of an import process: Node's compile cache keeps the sources with their types
 * already stripped, so neither thread loads the TypeScript stripper again (about 18 MB each).
 */
export function importProcessEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...env,
    NODE_COMPILE_CACHE: env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'node-compile-cache'),
    // glibc gives each thread that allocates its own malloc arena, each with its own free space
    // (10–20 MB of the peak here); two are plenty for two busy threads.
    MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? '2',
    // Blocks from 64 KB up (the key table's parts, SQLite's page buffers) get pages of their own,
    // returned when freed, and free space over 64 KB at the top of the heap is given back: glibc
    // otherwise raises both limits as the import frees big blocks and keeps them (10–15 MB).
    MALLOC_MMAP_THRESHOLD_: env.MALLOC_MMAP_THRESHOLD_ ?? '65536',
    MALLOC_TRIM_THRESHOLD_: env.MALLOC_TRIM_THRESHOLD_ ?? '65536',
    [IMPORT_PROCESS_ENV]: '1',
  };
}
