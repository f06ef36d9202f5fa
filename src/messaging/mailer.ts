import nodemailer from 'nodemailer';

export type OutgoingMail = {
  /** display name shown with MAIL_FROM's address (the workspace's name) */
  fromName: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  /** without angle brackets; stable across attempts */
  messageId: string;
  /** inline images, shown by `cid:` in the HTML */
  attachments?: Array<{ cid: string; filename: string; content: Buffer; contentType: string }>;
};

export type Mailer = {
  fromAddress: string;
  /** Resolves once the SMTP server accepted the message (250 after DATA), with its answer. */
  send: (mail: OutgoingMail) => Promise<{ response: string }>;
  close: () => void;
};

/** "Name <a@b.c>" or "a@b.c" → its parts. */
export function parseFrom(from: string): { name: string; address: string } {
  const m = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(from);
  if (m) return { name: m[1]!.replace(/^"|"$/g, ''), address: m[2]!.trim() };
  return { name: '', address: from.trim() };
}

/**
 * An SMTP mailer over a pooled nodemailer transport. `SMTP_URL` is smtp://user:pass@host:port
 * (STARTTLS when offered) or smtps:// (TLS from the start); ?maxConnections=N sizes the pool
 * (5 by default), and true/false parameters such as ?ignoreTLS=true or ?requireTLS=true pass
 * through to nodemailer.
 */
export function createMailer(
  smtp: { url: string; from: string },
  opts: { maxConnections?: number; timeoutMs?: number } = {},
): Mailer {
  const u = new URL(smtp.url);
  const flags: Record<string, boolean> = {};
  for (const [k, v] of u.searchParams) if (v === 'true' || v === 'false') flags[k] = v === 'true';
  const fromUrl = Number(u.searchParams.get('maxConnections'));
  const secure = u.protocol === 'smtps:';
  const transport = nodemailer.createTransport({
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port) || (secure ? 465 : 587),
    secure,
    ...(u.username
      ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } }
      : {}),
    pool: true,
    maxConnections: opts.maxConnections ?? (fromUrl > 0 ? fromUrl : 5),
    maxMessages: 1000,
    connectionTimeout: opts.timeoutMs ?? 30_000,
    greetingTimeout: opts.timeoutMs ?? 30_000,
    socketTimeout: opts.timeoutMs ?? 60_000,
    ...flags,
  });
  const from = parseFrom(smtp.from);
  return {
    fromAddress: from.address,
    send: async (mail) => {
      const info = await transport.sendMail({
        from: { name: mail.fromName || from.name, address: from.address },
        to: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        headers: mail.headers,
        messageId: `<${mail.messageId}>`,
        ...(mail.attachments?.length ? { attachments: mail.attachments } : {}),
      });
      return { response: String(info.response ?? '') };
    },
    close: () => transport.close(),
  };
}
