import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildApp } from './app.ts';
import { authenticate } from './auth/auth.service.ts';
import type { Config } from './config.ts';
import { connect } from './db/connect.ts';
import { migrate } from './db/migrate.ts';
import { DEMO_OWNER, seedDemo } from './demo/demo.ts';
import { startWorker } from './jobs/worker.ts';

export type Role = 'web' | 'worker';

/** `vouch serve`: migrate, seed the demo on an empty database, run the roles, stop cleanly. */
export async function serve(config: Config, roles: Role[], opts: { demo: boolean }) {
  const { db, close } = connect(config.database);
  await migrate(db);
  const stops: Array<() => Promise<void>> = [];
  let login: string | undefined;
  if (opts.demo) login = await demoLogin(config, db);

  if (roles.includes('worker')) stops.push(startWorker(db, config));
  if (roles.includes('web')) {
    const app = await buildApp({ db, config });
    const address = await app.listen({ port: config.port, host: config.host });
    stops.unshift(() => app.close());
    // With PORT=0 the system picks the port; show the address actually bound.
    const where = config.port === 0 ? address : config.publicUrl;
    console.log(
      `\n  Vouch is running at ${where}  (API docs: ${where}/api/docs)\n${login ? `  ${login}\n` : ''}`,
    );
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing in-flight work, then stopping`);
    // The web server stops accepting and drains open requests first, then workers, then the database.
    for (const stop of stops) await stop();
    await close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** Seeds the demo when the database is empty and returns the line that tells how to sign in. */
async function demoLogin(config: Config, db: Parameters<typeof seedDemo>[0]): Promise<string | undefined> {
  const any = await db.selectFrom('workspaces').select('id').limit(1).executeTakeFirst();
  const file =
    config.database.kind === 'sqlite' && config.database.file !== ':memory:'
      ? join(dirname(config.database.file), 'demo-login.txt')
      : null;
  if (!any) {
    const demo = await seedDemo(db);
    if (demo.password && file) writeFileSync(file, `${DEMO_OWNER}\n${demo.password}\n`, { mode: 0o600 });
    return `Demo workspace created. Sign in as ${DEMO_OWNER} with password ${demo.password}`;
  }
  if (file && existsSync(file)) {
    const [email, password] = readFileSync(file, 'utf8').split('\n');
    // Only repeat the password while it still works; once changed it is nobody's business.
    const valid = await authenticate(db, email!, password!).then(
      () => true,
      () => false,
    );
    if (valid) return `Demo login: ${email} / ${password}`;
  }
  return undefined;
}
