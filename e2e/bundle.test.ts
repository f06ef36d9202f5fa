/** The admin app's first load stays within its budget, and nothing in it breaks the CSP. */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale } from '../scripts/build-web.ts';
import { BUDGET, initialAssets, inlineScripts } from '../web/check-budget.ts';

beforeAll(() => buildWebIfStale({ quiet: true }));

describe('admin app bundle', () => {
  it(`loads at most ${BUDGET.js} kB of JavaScript and ${BUDGET.css} kB of CSS (gzip) before the first screen`, () => {
    const assets = initialAssets();
    const total = (kind: 'js' | 'css') =>
      assets.filter((a) => a.kind === kind).reduce((sum, a) => sum + a.gzip, 0) / 1024;
    expect(assets.some((a) => a.kind === 'js')).toBe(true);
    expect(total('js')).toBeLessThanOrEqual(BUDGET.js);
    expect(total('css')).toBeLessThanOrEqual(BUDGET.css);
  });

  it('has no inline script (the CSP allows scripts from the server only)', () => {
    expect(inlineScripts()).toBe(0);
  });
});
