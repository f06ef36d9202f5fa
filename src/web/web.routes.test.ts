import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendProblem } from '../app.ts';
import { AppError } from '../errors.ts';
import type { App } from '../http/types.ts';
import { serveWeb } from './web.routes.ts';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/app/assets/index-abc123.js"></script></head></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});`;

/** The app's error handling around nothing but the admin app, served from `dist`. */
async function appServing(dist: string): Promise<App> {
  const app: App = Fastify({ logger: false }).withTypeProvider<ZodTypeProvider>();
  app.setErrorHandler((err, req, reply) => sendProblem(reply, req, err as Error));
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, req, new AppError('not_found', `No route ${req.url}`)),
  );
  await serveWeb(app, { dist });
  return app;
}

describe('admin app serving', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-web-'));
  let app: App;

  beforeAll(async () => {
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), SCRIPT);
    writeFileSync(join(dir, 'assets', 'index-abc123.js.gz'), gzipSync(SCRIPT));
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dir, '.secret'), 'nope');
    app = await appServing(dir);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends / and /app to /app/', async () => {
    for (const url of ['/', '/app']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe('/app/');
    }
  });

  it('serves index.html for the app and for every page address, revalidated each time', async () => {
    for (const url of ['/app/', '/app/people', '/app/people/0b7c/edit?x=1', '/app/settings/api-keys']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toBe(INDEX);
    }
  });

  it('caches hashed assets for a year and sends the pre-compressed file when accepted', async () => {
    const plain = await app.inject({ url: '/app/assets/index-abc123.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-type']).toMatch(/javascript/);
    expect(plain.body).toBe(SCRIPT);
    const gz = await app.inject({
      url: '/app/assets/index-abc123.js',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.rawPayload.length).toBeLessThan(SCRIPT.length / 10);
    const icon = await app.inject({ url: '/app/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('answers 404 problem+json for missing files, dotfiles and escapes, never the page', async () => {
    for (const url of [
      '/app/assets/gone-123.js',
      '/app/missing.png',
      '/app/.secret',
      '/app/..%2f..%2fetc%2fpasswd',
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/^application\/problem\+json/);
    }
  });

  it('says how to build the app when web/dist is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'vouch-web-empty-'));
    const bare = await appServing(join(empty, 'dist'));
    try {
      const res = await bare.inject({ url: '/app/people' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('npm run build:web');
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
