import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** What the test server does with one message's DATA. */
export type Verdict = 'accept' | 'stall' | { code: number; message: string };

export type TestSmtp = {
  port: number;
  url: string;
  /** Message-IDs (without brackets) of every message the server acknowledged, in order */
  accepted: string[];
  /** the acknowledged messages, parsed (when `parse` is on) */
  mails: ParsedMail[];
  /** DATA commands seen, accepted or not */
  dataCount: () => number;
  close: () => Promise<void>;
};

/**
 * A real SMTP server in this process (smtp-server), for tests and benchmarks: no TLS, no auth.
 * `onData` decides per message: accept, refuse with a code, or stall (never answer the DATA).
 */
export async function startTestSmtp(
  opts: {
    parse?: boolean;
    onData?: (raw: string, n: number, session: SMTPServerSession) => Verdict;
    onRcptTo?: (address: string) => { code: number; message: string } | undefined;
  } = {},
): Promise<TestSmtp> {
  const accepted: string[] = [];
  const mails: ParsedMail[] = [];
  let n = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    closeTimeout: 100,
    onRcptTo(address, _session, cb) {
      const refuse = opts.onRcptTo?.(address.address);
      if (!refuse) return cb();
      const err = Object.assign(new Error(refuse.message), { responseCode: refuse.code });
      cb(err);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const verdict = opts.onData?.(raw, ++n, session) ?? 'accept';
        if (verdict === 'stall') return;
        if (verdict !== 'accept') {
          cb(Object.assign(new Error(verdict.message), { responseCode: verdict.code }));
          return;
        }
        const id = /^message-id:\s*<([^>]+)>/im.exec(raw)?.[1] ?? '';
        if (opts.parse) mails.push(await simpleParser(raw));
        accepted.push(id);
        cb(null);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    mails,
    dataCount: () => n,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
