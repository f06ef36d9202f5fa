import { existsSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import { AppError } from '../errors.ts';
import type { App, Deps } from '../http/types.ts';

/** Where `npm run build:web` writes the admin app. */
export const WEB_DIST = resolve(import.meta.dirname, '..', '..', 'web', 'dist');

const YEAR = 365 * 24 * 3600;

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vouch: admin app not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1>The admin app is not built yet</h1>
<p>Run <code>npm run build:web</code> (or start the server with <code>npm start</code>, which builds it), then reload this page.</p>
<p>The API works meanwhile: see <a href="/api/docs">/api/docs</a>.</p>
</body></html>`;

/**
 * Serves the admin app: GET / and /app redirect to /app/; files of web/dist under /app/
 * (hashed assets cached for a year, everything else revalidated); any other /app/... path
 * that looks like a page gets index.html, so the browser router takes over after a reload.
 */
export async function webRoutes(app: App, _deps: Deps): Promise<void> {
  await serveWeb(app, { dist: WEB_DIST });
}

export async function serveWeb(app: App, opts: { dist: string }): Promise<void> {
  const dist = resolve(opts.dist);
  const built = () => existsSync(join(dist, 'index.html'));

  app.get('/', { schema: { hide: true } }, (_req, reply) => reply.redirect('/app/'));
  app.get('/app', { schema: { hide: true } }, (_req, reply) => reply.redirect('/app/'));

  await app.register(async (scope) => {
    // Only the reply.sendFile decorator: this scope chooses what to send.
    await scope.register(fastifyStatic, {
      root: dist,
      serve: false,
      preCompressed: true,
      dotfiles: 'ignore',
      cacheControl: false,
      suppressWarning: true,
    });

    const sendIndex = (reply: FastifyReply) => {
      if (!built()) {
        return reply
          .status(503)
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(NOT_BUILT);
      }
      // Revalidated on every load, so a new build reaches everyone at once.
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    };

    scope.get('/app/*', { schema: { hide: true } }, (req, reply) => {
      const rel = (req.params as { '*': string })['*'];
      if (rel === '' || rel === 'index.html') return sendIndex(reply);
      const file = resolve(dist, rel);
      const inside = file.startsWith(dist + sep) && !rel.split('/').some((part) => part.startsWith('.'));
      if (!inside) throw new AppError('not_found', `No file /app/${rel}`);
      const stat = statSync(file, { throwIfNoEntry: false });
      if (stat?.isFile()) {
        const hashed = rel.startsWith('assets/');
        reply.header('cache-control', hashed ? `public, max-age=${YEAR}, immutable` : 'public, max-age=3600');
        return reply.sendFile(rel);
      }
      // A missing script or image (any name with a dot) must fail as such, not turn into a page.
      if (rel.startsWith('assets/') || /\.[^/]*$/.test(rel)) {
        throw new AppError('not_found', `No file /app/${rel}`);
      }
      return sendIndex(reply);
    });
  });
}
