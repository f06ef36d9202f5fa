/**
 * Fails when the admin app's first load grows past its budget. The first load is what
 * web/dist/index.html pulls before anything renders: the entry script, the chunks it
 * preloads, and the stylesheets. Pages load later, on demand, and are not counted.
 *
 *   npm run build:web && node web/check-budget.ts
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** gzip kB; the front desk opens this on a phone over the clinic's Wi-Fi. */
export const BUDGET = { js: 250, css: 60 } as const;

const dist = join(import.meta.dirname, 'dist');

export type Asset = { file: string; kind: 'js' | 'css'; bytes: number; gzip: number };

/** The assets index.html loads up front, with their raw and gzip sizes. */
export function initialAssets(distDir = dist): Asset[] {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="\/app\/([^"]+\.(js|css))"/g)];
  return refs.map(([, file, ext]) => {
    const body = readFileSync(join(distDir, file!));
    return {
      file: file!,
      kind: ext as 'js' | 'css',
      bytes: body.length,
      gzip: gzipSync(body, { level: 9 }).length,
    };
  });
}

/** Inline scripts would be blocked by the server's CSP (script-src 'self'). */
export function inlineScripts(distDir = dist): number {
  const html = readFileSync(join(distDir, 'index.html'), 'utf8');
  return [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter(
    ([, attrs, body]) => !/\bsrc=/.test(attrs!) || body!.trim() !== '',
  ).length;
}

if (import.meta.main) {
  if (!existsSync(join(dist, 'index.html'))) {
    console.error('web/dist is missing: run `npm run build:web` first');
    process.exit(1);
  }
  const assets = initialAssets();
  const kB = (n: number) => (n / 1024).toFixed(1);
  const failures: string[] = [];
  for (const kind of ['js', 'css'] as const) {
    const list = assets.filter((a) => a.kind === kind);
    const total = list.reduce((s, a) => s + a.gzip, 0);
    for (const a of list)
      console.log(`  ${a.file.padEnd(44)} ${kB(a.bytes).padStart(8)} kB  ${kB(a.gzip).padStart(7)} kB gzip`);
    const line = `initial ${kind}: ${kB(total)} kB gzip (budget ${BUDGET[kind]} kB)`;
    console.log(`${line}\n`);
    if (total > BUDGET[kind] * 1024) failures.push(line);
  }
  if (!assets.some((a) => a.kind === 'js')) failures.push('no entry script found in index.html');
  if (inlineScripts() > 0)
    failures.push('index.html has an inline script; the CSP (script-src self) blocks it');
  if (failures.length) {
    console.error(`Over budget:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log('Within budget.');
}
