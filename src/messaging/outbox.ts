import type { Selectable } from 'kysely';
import QRCode from 'qrcode';
import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { enqueue } from '../jobs/queue.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { safeEqual } from '../lib/secrets.ts';
import { hmac, serverSecret } from '../lib/server-secrets.ts';
import { emailKey, normalizeEmail } from '../people/normalize.ts';
import { addressLines } from '../public/format.ts';
import { escapeHtml } from '../public/html.ts';
import { type Theme, theme } from '../public/layout.ts';
import type { MessageKind, MessageStatus, MessagesTable, SuppressionReason } from './messaging.table.ts';
import { KINDS, QR_CID, render, type Template } from './templates.ts';

export type MessageRow = Selectable<MessagesTable>;

/** Stored with a message's headers: the address its QR image encodes (never sent as a header). */
export const QR_HEADER = 'x-vouch-qr';

/** The job kind that delivers one message. */
export const DELIVER = 'deliver-message';
export type DeliverPayload = { workspaceId: string; messageId: string };

export type QueueInput = {
  workspaceId: string;
  kind: MessageKind;
  personId?: string | null;
  /** the person's email when omitted */
  to?: string;
  /**
   * template variables; firstName, lastName and workspaceName are filled in when missing. A
   * function gets the workspace's country and currency (for amounts) without another query.
   */
  vars?: Record<string, string> | ((ws: { country: string; currency: string }) => Record<string, string>);
  /** one message per cause: a second queueMessage with the same key does nothing */
  dedupeKey?: string;
  /** deliver no earlier than this (ISO) */
  sendAt?: string;
};

type WorkspaceLook = {
  id: string;
  name: string;
  brand_color: string;
  logo_url: string | null;
  address: string;
};

const workspaceLook = (db: Db, id: string) =>
  db
    .selectFrom('workspaces')
    .select(['id', 'name', 'brand_color', 'logo_url', 'address'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

const themeOf = (w: WorkspaceLook): Theme =>
  theme({ name: w.name, brandColor: w.brand_color, logoUrl: w.logo_url });

/** A workspace's own version of a template, or the built-in one. */
export async function templateFor(db: Db, workspaceId: string, kind: MessageKind): Promise<Template> {
  const own = await db
    .selectFrom('message_templates')
    .select(['subject', 'body'])
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', kind)
    .executeTakeFirst();
  return own ?? KINDS[kind].template;
}

/** Why mail to this address must not go out, or null. */
export async function suppressionOf(
  db: Db,
  workspaceId: string,
  key: string,
): Promise<{ reason: SuppressionReason } | null> {
  return (
    (await db
      .selectFrom('suppressions')
      .select('reason')
      .where('workspace_id', '=', workspaceId)
      .where('email_key', '=', key)
      .executeTakeFirst()) ?? null
  );
}

/** Puts an address on the suppression list (once; the first reason stays). */
export async function suppress(
  db: Db,
  workspaceId: string,
  key: string,
  reason: SuppressionReason,
  source: string,
  messageId: string | null = null,
): Promise<void> {
  await db
    .insertInto('suppressions')
    .values({
      workspace_id: workspaceId,
      email_key: key,
      reason,
      source,
      message_id: messageId,
      created_at: nowIso(),
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'email_key']).doNothing())
    .execute();
}

/**
 * Writes a message in the caller's transaction and, unless the address is suppressed, the job
 * that delivers it: the message exists exactly when the change that causes it commits. Returns
 * null when there is nobody to write to (no email) or the dedupe key was used already.
 */
export async function queueMessage(
  tx: Db,
  input: QueueInput,
): Promise<{ id: string; status: MessageStatus } | null> {
  // Few round trips: this runs inside other features' transactions (a won referral, a release).
  const ws = await tx
    .selectFrom('workspaces as w')
    .leftJoin('message_templates as t', (j) =>
      j.onRef('t.workspace_id', '=', 'w.id').on('t.kind', '=', input.kind),
    )
    .select([
      'w.id',
      'w.name',
      'w.brand_color',
      'w.logo_url',
      'w.address',
      'w.country',
      'w.currency',
      't.subject',
      't.body',
    ])
    .where('w.id', '=', input.workspaceId)
    .executeTakeFirstOrThrow();
  const person = input.personId
    ? await tx
        .selectFrom('people as p')
        .leftJoin('suppressions as s', (j) =>
          j.onRef('s.workspace_id', '=', 'p.workspace_id').onRef('s.email_key', '=', 'p.email_key'),
        )
        .select([
          'p.id',
          'p.first_name',
          'p.last_name',
          'p.email',
          'p.email_key',
          'p.do_not_contact_at',
          'p.marketing_consent_at',
          's.reason as suppressed',
        ])
        .where('p.workspace_id', '=', input.workspaceId)
        .where('p.id', '=', input.personId)
        .executeTakeFirst()
    : undefined;
  if (input.personId && !person) throw new AppError('not_found', 'Person not found');
  const raw = input.to ?? person?.email;
  if (!raw) return null;
  const norm = normalizeEmail(raw);
  if (!norm.ok) {
    // A stored address that no longer parses is skipped, never the change that sends the mail.
    if (!input.to) return null;
    throw new AppError('validation', norm.message, [{ path: 'to', message: norm.message }]);
  }
  const to = norm.email;
  const key = input.to || !person?.email_key ? emailKey(to) : person.email_key;

  const vars = {
    firstName: person?.first_name ?? '',
    lastName: person?.last_name ?? '',
    workspaceName: ws.name,
    ...(typeof input.vars === 'function' ? input.vars(ws) : input.vars),
  };
  const template =
    ws.subject !== null && ws.body !== null
      ? { subject: ws.subject, body: ws.body }
      : KINDS[input.kind].template;
  const content = render(template, vars, themeOf(ws));
  const blocked =
    person?.email_key === key
      ? person.suppressed
        ? { reason: person.suppressed }
        : null
      : await suppressionOf(tx, ws.id, key);
  // Marketing only with consent on record (docs/privacy.md); without a person, none is.
  const noConsent = KINDS[input.kind].marketing && !person?.marketing_consent_at;
  const why = blocked
    ? `suppressed: ${blocked.reason}`
    : person?.do_not_contact_at
      ? 'suppressed: do not contact'
      : noConsent
        ? 'suppressed: no marketing consent'
        : null;
  const status: MessageStatus = why ? 'suppressed' : 'queued';
  const now = nowIso();
  const id = newId();
  const inserted = await tx
    .insertInto('messages')
    .values({
      workspace_id: ws.id,
      id,
      person_id: person?.id ?? null,
      to_address: to,
      email_key: key,
      kind: input.kind,
      subject: content.subject,
      html: content.html,
      text: content.text,
      // Private instructions ride along with the extra headers, and are taken out on sending.
      headers: JSON.stringify(content.qr ? { [QR_HEADER]: content.qr } : {}),
      marketing: KINDS[input.kind].marketing ? 1 : 0,
      status,
      attempts: 0,
      last_error: why,
      provider_message_id: null,
      dedupe_key: input.dedupeKey ?? null,
      created_at: now,
      updated_at: now,
      sent_at: null,
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'dedupe_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return null;
  if (status === 'queued')
    await enqueue(tx, DELIVER, { workspaceId: ws.id, messageId: id } satisfies DeliverPayload, {
      workspaceId: ws.id,
      key: `deliver:${id}`,
      ...(input.sendAt ? { runAt: input.sendAt } : {}),
    });
  return { id, status };
}

// Unsubscribe tokens: the workspace and message ids (16 bytes each) and an HMAC over both, each
// base64url. No email address in the URL, and a token opens nothing but its own unsubscribe.
const uuidBytes = (id: string) => Buffer.from(id.replaceAll('-', ''), 'hex').toString('base64url');
const uuidOf = (b64: string) => {
  const h = Buffer.from(b64, 'base64url').toString('hex');
  return h.length === 32
    ? `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
    : null;
};

export async function unsubscribeToken(db: Db, workspaceId: string, messageId: string): Promise<string> {
  const sig = hmac(await serverSecret(db, 'unsubscribe'), 'unsubscribe', workspaceId, messageId).slice(0, 22);
  return `${uuidBytes(workspaceId)}${uuidBytes(messageId)}${sig}`;
}

/** The message an unsubscribe token was made for, or null when it is not one of ours. */
export async function readUnsubscribeToken(db: Db, token: string): Promise<MessageRow | null> {
  if (!/^[A-Za-z0-9_-]{66}$/.test(token)) return null;
  const workspaceId = uuidOf(token.slice(0, 22));
  const messageId = uuidOf(token.slice(22, 44));
  if (!workspaceId || !messageId) return null;
  const expected = hmac(await serverSecret(db, 'unsubscribe'), 'unsubscribe', workspaceId, messageId).slice(
    0,
    22,
  );
  if (!safeEqual(token.slice(44), expected)) return null;
  return (
    (await db
      .selectFrom('messages')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', messageId)
      .executeTakeFirst()) ?? null
  );
}

export type Composed = {
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  /** without angle brackets */
  messageId: string;
  unsubscribeUrl: string;
  /** the workspace's name, shown as the sender's */
  fromName: string;
  /** inline images (the QR code) */
  attachments: Array<{ cid: string; filename: string; content: Buffer; contentType: string }>;
};

/** The HTML with its inline images as data: URLs, for showing in a browser (the outbox viewer). */
export function inlineImages(c: Pick<Composed, 'html' | 'attachments'>): string {
  let out = c.html;
  for (const a of c.attachments)
    out = out.replaceAll(`cid:${a.cid}`, `data:${a.contentType};base64,${a.content.toString('base64')}`);
  return out;
}

/**
 * The domain of Message-IDs: this installation's public host, the same for every attempt and in
 * the outbox viewer.
 */
export function messageIdDomain(publicUrl: string): string {
  try {
    return new URL(publicUrl).hostname.replace(/^\[|\]$/g, '') || 'vouch.invalid';
  } catch {
    return 'vouch.invalid';
  }
}

/**
 * The whole email as it goes out: the stored body in the workspace's layout, the footer with its
 * name and postal address, why the email came, the unsubscribe link, and the RFC 8058 one-click
 * headers. The Message-ID comes from the message id, so every attempt carries the same one.
 */
export async function compose(
  db: Db,
  m: MessageRow,
  opts: { publicUrl: string; fromAddress?: string },
): Promise<Composed> {
  const ws = await workspaceLook(db, m.workspace_id);
  const t = themeOf(ws);
  const token = await unsubscribeToken(db, m.workspace_id, m.id);
  const unsubscribeUrl = `${opts.publicUrl.replace(/\/+$/, '')}/u/${token}`;
  let address: string[] = [];
  try {
    address = addressLines(JSON.parse(ws.address));
  } catch {}
  const why =
    m.kind === 'friend_intro'
      ? `You receive this email because a friend introduced you to ${ws.name} and you agreed to hear from us.`
      : m.kind === 'friend_coupon'
        ? `You receive this email because you claimed an offer from ${ws.name}.`
        : `You receive this email because you are a client of ${ws.name}.`;
  const e = escapeHtml;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(m.subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f3;color:#1b1f23;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif">
<div style="max-width:36rem;margin:0 auto;padding:24px 16px">
<div style="background:${t.brand};color:${t.onBrand};padding:14px 20px;border-radius:12px 12px 0 0;font-weight:650">${e(ws.name)}</div>
<div style="background:#ffffff;padding:24px 20px 8px;border-radius:0 0 12px 12px">
${m.html}
</div>
<div style="font-size:13px;line-height:1.5;color:#555d66;padding:16px 4px">
<p style="margin:0 0 8px">${[ws.name, ...address].map(e).join('<br>\n')}</p>
<p style="margin:0 0 8px">${e(why)}</p>
<p style="margin:0"><a href="${e(unsubscribeUrl)}" style="color:${t.accent}">Unsubscribe</a> from all email from ${e(ws.name)}.</p>
</div></div></body></html>`;
  const text = `${m.text}

--
${[ws.name, ...address].join('\n')}
${why}
Unsubscribe from all email from ${ws.name}: ${unsubscribeUrl}
`;
  const { [QR_HEADER]: qr, ...extra } = JSON.parse(m.headers) as Record<string, string>;
  const attachments: Composed['attachments'] = qr
    ? [
        {
          cid: QR_CID,
          filename: 'qr.png',
          contentType: 'image/png',
          content: await QRCode.toBuffer(qr, {
            type: 'png',
            width: 320,
            margin: 2,
            errorCorrectionLevel: 'M',
          }),
        },
      ]
    : [];
  const unsubscribe = [`<${unsubscribeUrl}>`];
  if (opts.fromAddress) unsubscribe.push(`<mailto:${opts.fromAddress}?subject=unsubscribe%20${token}>`);
  return {
    subject: m.subject,
    html,
    text,
    headers: {
      ...extra,
      'List-Unsubscribe': unsubscribe.join(', '),
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    messageId: `${m.id}@${messageIdDomain(opts.publicUrl)}`,
    unsubscribeUrl,
    fromName: ws.name,
    attachments,
  };
}
