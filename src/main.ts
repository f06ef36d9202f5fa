import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Config, loadConfig } from './config.ts';
import type { Db } from './db/connect.ts';
import { AppError } from './errors.ts';
import { IMPORT_PROCESS_ENV, IMPORT_V8_FLAGS, importProcessEnv } from './people/import-launch.ts';
import type { Role } from './server.ts';

// Each command loads only the modules it needs (`await import` in its case): an import or
// export from the command line does not load the web server, its plugins or the PDF code.

const HELP = `vouch: self-hosted referral system

  vouch serve [--roles web,worker] [--no-demo]   run the server (default roles: both)
  vouch migrate                                   apply database migrations
  vouch demo                                      create the demo workspace if missing
  vouch user add --email E --name N --password P [--workspace SLUG] [--role owner|manager|staff]
  vouch user disable EMAIL                        disable a user and end their sessions
  vouch user password EMAIL --password P          set a new password (ends sessions)
  vouch import people FILE --workspace SLUG       import people from CSV (Shopify, Square, template)
  vouch import transactions FILE --workspace SLUG [--source NAME]
                                                  import purchases, visits and refunds from CSV
  vouch export people --workspace SLUG [--out F]  export people as CSV (stdout by default)
  vouch backup FILE                               online backup of the SQLite database
  vouch jobs [--failed]                           the latest background jobs, failed ones with their error
  vouch jobs retry ID                             run a failed job again

Configuration comes from the environment: see README.md.`;

async function withDb<T>(config: Config, fn: (db: Db) => Promise<T>): Promise<T> {
  const { connect } = await import('./db/connect.ts');
  const { migrate } = await import('./db/migrate.ts');
  const { db, close } = connect(config.database);
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await close();
  }
}

async function workspaceId(db: Db, slug: string | undefined): Promise<string> {
  if (!slug) throw new AppError('validation', '--workspace SLUG is required');
  const ws = await db.selectFrom('workspaces').select('id').where('slug', '=', slug).executeTakeFirst();
  if (!ws) throw new AppError('not_found', `No workspace with slug "${slug}"`);
  return ws.id;
}

/**
 * Runs `vouch import …` again in a process started with the import's V8 flags and compile cache
 * (see `src/people/import-launch.ts`): heap sizes can only be chosen at launch.
 */
async function relaunchImport(argv: string[]): Promise<void> {
  const self = fileURLToPath(new URL('./main.ts', import.meta.url));
  const child = spawn(process.execPath, [...IMPORT_V8_FLAGS, ...process.execArgv, self, ...argv], {
    stdio: 'inherit',
    env: importProcessEnv(),
  });
  // Ctrl-C reaches both processes; the import ends as it would have in this one.
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  process.exitCode = code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1);
}

export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      roles: { type: 'string', default: 'web,worker' },
      'no-demo': { type: 'boolean', default: false },
      email: { type: 'string' },
      name: { type: 'string' },
      password: { type: 'string' },
      workspace: { type: 'string' },
      role: { type: 'string', default: 'owner' },
      out: { type: 'string' },
      source: { type: 'string' },
      failed: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, sub, arg] = positionals;
  if (!command || values.help) {
    console.log(HELP);
    return;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve': {
      const roles = values.roles.split(',').map((r) => r.trim()) as Role[];
      const bad = roles.filter((r) => r !== 'web' && r !== 'worker');
      if (bad.length || !roles.length)
        throw new AppError('validation', `--roles takes web and/or worker, not "${bad.join(',')}"`);
      const { serve } = await import('./server.ts');
      return serve(config, roles, { demo: !values['no-demo'] });
    }
    case 'migrate':
      return withDb(config, async (db) => {
        // withDb already migrated; report the state.
        const rows = await db
          .selectFrom('kysely_migration' as never)
          .select('name' as never)
          .execute();
        console.log(`Database is at the latest of ${rows.length} migration(s).`);
      });
    case 'demo':
      return withDb(config, async (db) => {
        const { DEMO_OWNER, DEMO_SLUG, seedDemo } = await import('./demo/demo.ts');
        const demo = await seedDemo(db);
        console.log(
          demo.created
            ? `Demo workspace ${DEMO_SLUG} created. Sign in as ${DEMO_OWNER} / ${demo.password}`
            : `Demo workspace ${DEMO_SLUG} already exists.`,
        );
      });
    case 'user':
      return withDb(config, async (db) => {
        const { addMember, createUser, disableUser, setPassword } = await import('./auth/auth.service.ts');
        if (sub === 'add') {
          const { email, name, password } = values;
          if (!email || !name || !password)
            throw new AppError('validation', 'user add needs --email, --name and --password');
          const user = await createUser(db, { email, name, password });
          if (values.workspace) {
            const role = values.role as 'owner' | 'manager' | 'staff';
            if (!['owner', 'manager', 'staff'].includes(role))
              throw new AppError('validation', '--role is owner, manager or staff');
            await addMember(db, await workspaceId(db, values.workspace), user.id, role);
          }
          console.log(
            `User ${user.email} created${values.workspace ? ` as ${values.role} of ${values.workspace}` : ''}.`,
          );
        } else if (sub === 'disable' && arg) {
          await disableUser(db, arg);
          console.log(`User ${arg} disabled; their sessions have ended.`);
        } else if (sub === 'password' && arg && values.password) {
          const user = await db
            .selectFrom('users')
            .select('id')
            .where('email', '=', arg.toLowerCase())
            .executeTakeFirst();
          if (!user) throw new AppError('not_found', `No user ${arg}`);
          await setPassword(db, user.id, values.password);
          console.log(`Password of ${arg} changed; their sessions have ended.`);
        } else
          throw new AppError(
            'validation',
            'user add | user disable EMAIL | user password EMAIL --password P',
          );
      });
    case 'import':
      if ((sub !== 'people' && sub !== 'transactions') || !arg)
        throw new AppError('validation', 'import people|transactions FILE --workspace SLUG [--source NAME]');
      if (!process.env[IMPORT_PROCESS_ENV]) return relaunchImport(argv);
      return withDb(config, async (db) => {
        const { runPeopleImport, runTransactionsImport } = await import('./cli/import-people.ts');
        const ws = await workspaceId(db, values.workspace);
        const summary =
          sub === 'people'
            ? await runPeopleImport(db, ws, arg)
            : await runTransactionsImport(db, ws, arg, values.source ? { source: values.source } : {});
        if (summary.status === 'failed') process.exitCode = 1;
      });
    case 'export':
      if (sub !== 'people') throw new AppError('validation', 'export people --workspace SLUG [--out FILE]');
      return withDb(config, async (db) => {
        const { runPeopleExport } = await import('./cli/import-people.ts');
        const out = values.out ? createWriteStream(values.out) : process.stdout;
        await runPeopleExport(db, await workspaceId(db, values.workspace), out);
        if (values.out) {
          out.end();
          await finished(out);
        }
      });
    case 'jobs':
      return withDb(config, async (db) => {
        const { printJobs, retryFromCli } = await import('./jobs/cli.ts');
        if (sub === 'retry') {
          if (!arg) throw new AppError('validation', 'jobs retry ID');
          return retryFromCli(db, arg);
        }
        if (sub) throw new AppError('validation', 'jobs [--failed] | jobs retry ID');
        return printJobs(db, { failed: values.failed });
      });
    case 'backup': {
      if (!sub) throw new AppError('validation', 'backup FILE');
      if (config.database.kind !== 'sqlite') {
        throw new AppError(
          'validation',
          'backup copies the embedded SQLite database; for PostgreSQL use pg_dump',
        );
      }
      const { connect } = await import('./db/connect.ts');
      const { sqlite, close } = connect(config.database);
      try {
        // VACUUM INTO writes a consistent, compacted copy while the server keeps running.
        sqlite!.prepare('VACUUM INTO ?').run(sub);
      } finally {
        await close();
      }
      console.log(`Backup written to ${sub}`);
      return;
    }
    default:
      throw new AppError('validation', `Unknown command "${command}"\n\n${HELP}`);
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err instanceof AppError ? `vouch: ${err.message}` : err);
    process.exit(1);
  });
}
