/**
 * Builds the admin app (web/ → web/dist) only when it is missing or older than its sources,
 * so `npm start` and the end-to-end tests pay for a build once per change.
 *
 *   node scripts/build-web.ts           build if stale
 *   node scripts/build-web.ts --force   build anyway
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const web = join(root, 'web');
const dist = join(web, 'dist');
const lock = join(web, 'dist.lock');

/** What the build reads: the app's sources, its config and the installed packages. */
const inputs = [
  join(web, 'src'),
  join(web, 'public'),
  join(web, 'index.html'),
  join(web, 'vite.config.ts'),
  join(root, 'package-lock.json'),
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why the build is needed, or null when web/dist is up to date. */
export function staleReason(): string | null {
  const index = join(dist, 'index.html');
  if (!existsSync(index)) return 'web/dist is missing';
  const built = statSync(index).mtimeMs;
  for (const input of inputs) {
    if (newestMtime(input) > built) return `${input.slice(root.length + 1)} changed since the last build`;
  }
  return null;
}

/** Runs `vite build`; a quiet build keeps Vite's output to itself unless it fails. */
function runVite(quiet: boolean): Promise<void> {
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', join(web, 'vite.config.ts')], {
      cwd: root,
      // A build started from a test runner (NODE_ENV=test) must still be the production build.
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'],
    });
    let output = '';
    const collect = (d: Buffer) => {
      output += d.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`vite build exited with ${code}${output ? `:\n${output}` : ''}`)),
    );
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Builds web/dist when stale. Processes starting together (test files, a server) take turns
 * through a lock directory; whoever waited finds the build done.
 */
export async function buildWebIfStale(opts: { force?: boolean; quiet?: boolean } = {}) {
  const log = (line: string) => {
    if (!opts.quiet) console.log(line);
  };
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a build that died long ago is taken over.
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 5 * 60_000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(`waited too long for ${lock}; remove it if no build is running`);
      await sleep(250);
    }
  }
  try {
    const reason = opts.force ? 'forced' : staleReason();
    if (!reason) return { built: false };
    log(`Building the admin app (${reason})…`);
    await runVite(!!opts.quiet);
    return { built: true };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  buildWebIfStale({ force: process.argv.includes('--force') }).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
