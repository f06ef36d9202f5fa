import { z } from 'zod';
import { AppError } from './errors.ts';

const schema = z.object({
  DATABASE_URL: z
    .string()
    .default('sqlite:./data/vouch.db')
    .refine((v) => /^(sqlite:|postgres(ql)?:\/\/)/.test(v), 'must start with sqlite: or postgres://'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PG_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  TRUST_PROXY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  SESSION_DAYS: z.coerce.number().int().min(1).max(365).default(14),
  SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: 'must be smtp://[user:pass@]host[:port] or smtps://…' })
    .optional(),
  MAIL_FROM: z
    .string()
    .trim()
    .regex(/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/, 'must be an address, optionally "Name <address>"')
    .optional(),
});

export type Config = Readonly<{
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; poolSize: number };
  port: number;
  host: string;
  publicUrl: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  trustProxy: boolean;
  sessionDays: number;
  /** outgoing email; null: messages are kept in the outbox viewer, never sent */
  smtp: { url: string; from: string } | null;
}>;

/** Parses the environment once; every problem is reported together. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ path: String(i.path[0]), message: i.message }));
    throw new AppError(
      'invalid_config',
      `Invalid configuration: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
      details,
    );
  }
  const e = parsed.data;
  if (e.SMTP_URL && !e.MAIL_FROM) {
    const details = [{ path: 'MAIL_FROM', message: 'is required with SMTP_URL (the sender address)' }];
    throw new AppError(
      'invalid_config',
      'Invalid configuration: MAIL_FROM is required with SMTP_URL',
      details,
    );
  }
  const database = e.DATABASE_URL.startsWith('sqlite:')
    ? { kind: 'sqlite' as const, file: e.DATABASE_URL.slice('sqlite:'.length) || ':memory:' }
    : { kind: 'postgres' as const, url: e.DATABASE_URL, poolSize: e.PG_POOL_SIZE };
  const host = e.HOST;
  const publicUrl = (e.PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${e.PORT}`).replace(
    /\/+$/,
    '',
  );
  return Object.freeze({
    database,
    port: e.PORT,
    host,
    publicUrl,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    sessionDays: e.SESSION_DAYS,
    smtp: e.SMTP_URL && e.MAIL_FROM ? { url: e.SMTP_URL, from: e.MAIL_FROM } : null,
  });
}
