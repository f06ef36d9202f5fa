/**
 * `npm run bench`: runs every benchmark in this folder, one after another, each in a process of
 * its own (so one's memory and timers cannot disturb the next). BENCH_ONLY=redirect,landing to
 * pick some. Exits non-zero when a benchmark itself failed to run (not when it missed a target:
 * benchmarks are not tests; each prints its own PASS/FAIL against its targets).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== basename(fileURLToPath(import.meta.url)))
  .filter((f) => !only || only.includes(f.replace(/\.ts$/, '')))
  .sort();

let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const child = spawn(process.execPath, [join(here, f)], { stdio: 'inherit' });
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  if (code !== 0) {
    failed++;
    console.log(`${f} stopped with ${signal ?? `exit code ${code}`}`);
  }
}
process.exit(failed ? 1 : 0);
