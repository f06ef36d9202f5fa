import type { z } from 'zod';
import { type Actor, requireRole } from '../auth/auth.service.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/connect.ts';
import { pageOf } from '../db/paging.ts';
import { AppError, notFound } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { emailKey, normalizeEmail } from '../people/normalize.ts';
import { theme } from '../public/layout.ts';
import { parseFrom } from './mailer.ts';
import type {
  MessageDetail,
  MessageQuery,
  MessageSummary,
  SuppressionInput,
  TemplateOut,
  TemplatePreview,
  TemplatePreviewInput,
} from './messaging.schema.ts';
import type { MessageKind } from './messaging.table.ts';
import { compose, inlineImages, type MessageRow, QR_HEADER, suppress } from './outbox.ts';
import {
  allowedVariables,
  KINDS,
  MESSAGE_KINDS,
  render,
  type Template,
  validateTemplate,
} from './templates.ts';

const summary = (m: MessageRow): z.output<typeof MessageSummary> => ({
  id: m.id,
  personId: m.person_id,
  to: m.to_address,
  kind: m.kind,
  subject: m.subject,
  status: m.status,
  marketing: Boolean(m.marketing),
  attempts: Number(m.attempts),
  lastError: m.last_error,
  createdAt: m.created_at,
  sentAt: m.sent_at,
});

const fromAddress = (config: Config) => (config.smtp ? parseFrom(config.smtp.from).address : undefined);

export async function listMessages(db: Db, actor: Actor, q: z.output<typeof MessageQuery>) {
  let query = db.selectFrom('messages').where('workspace_id', '=', actor.workspaceId);
  if (q.personId) query = query.where('person_id', '=', q.personId);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.kind) query = query.where('kind', '=', q.kind);
  const { rows, total } = await pageOf(
    query,
    query.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'),
    q,
  );
  return { items: rows.map(summary), total };
}

/** One message as the recipient sees (or would see) it: the whole email, footer and headers. */
export async function getMessage(
  db: Db,
  config: Config,
  actor: Actor,
  id: string,
): Promise<z.output<typeof MessageDetail>> {
  const m = await db
    .selectFrom('messages')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!m) throw notFound('Message');
  const c = await compose(db, m, { publicUrl: config.publicUrl, fromAddress: fromAddress(config) });
  return {
    ...summary(m),
    html: inlineImages(c),
    text: c.text,
    headers: c.headers,
    messageIdHeader: `<${c.messageId}>`,
    providerMessageId: m.provider_message_id,
  };
}

async function templateRow(db: Db, workspaceId: string, kind: MessageKind) {
  return db
    .selectFrom('message_templates')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', kind)
    .executeTakeFirst();
}

const templateOut = (
  kind: MessageKind,
  own: { subject: string; body: string; updated_at: string } | undefined,
): z.output<typeof TemplateOut> => ({
  kind,
  label: KINDS[kind].label,
  marketing: KINDS[kind].marketing,
  variables: allowedVariables(kind),
  subject: own?.subject ?? KINDS[kind].template.subject,
  body: own?.body ?? KINDS[kind].template.body,
  customised: Boolean(own),
  updatedAt: own?.updated_at ?? null,
});

export async function listTemplates(db: Db, actor: Actor) {
  const own = await db
    .selectFrom('message_templates')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .execute();
  return {
    items: MESSAGE_KINDS.map((k) =>
      templateOut(
        k,
        own.find((t) => t.kind === k),
      ),
    ),
  };
}

export async function getTemplate(db: Db, actor: Actor, kind: MessageKind) {
  return templateOut(kind, await templateRow(db, actor.workspaceId, kind));
}

/** Saves a workspace's own template; unknown variables are refused (422, naming them). */
export async function putTemplate(db: Db, actor: Actor, kind: MessageKind, t: Template) {
  requireRole(actor, 'manager');
  validateTemplate(kind, t);
  const now = nowIso();
  await db
    .insertInto('message_templates')
    .values({
      workspace_id: actor.workspaceId,
      kind,
      subject: t.subject,
      body: t.body,
      updated_by: actor.userId,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc
        .columns(['workspace_id', 'kind'])
        .doUpdateSet({ subject: t.subject, body: t.body, updated_by: actor.userId, updated_at: now }),
    )
    .execute();
  return getTemplate(db, actor, kind);
}

/** Back to the built-in template. */
export async function resetTemplate(db: Db, actor: Actor, kind: MessageKind) {
  requireRole(actor, 'manager');
  await db
    .deleteFrom('message_templates')
    .where('workspace_id', '=', actor.workspaceId)
    .where('kind', '=', kind)
    .execute();
  return getTemplate(db, actor, kind);
}

/** A template (saved, or the draft sent) rendered with sample data in the whole email. */
export async function previewTemplate(
  db: Db,
  config: Config,
  actor: Actor,
  kind: MessageKind,
  input: z.output<typeof TemplatePreviewInput>,
): Promise<z.output<typeof TemplatePreview>> {
  const saved = await getTemplate(db, actor, kind);
  const t = { subject: input.subject ?? saved.subject, body: input.body ?? saved.body };
  validateTemplate(kind, t);
  const ws = await db
    .selectFrom('workspaces')
    .select(['name', 'brand_color', 'logo_url'])
    .where('id', '=', actor.workspaceId)
    .executeTakeFirstOrThrow();
  const vars = {
    firstName: 'Sam',
    lastName: 'Sample',
    workspaceName: ws.name,
    ...KINDS[kind].sample,
    ...input.vars,
  };
  const content = render(t, vars, theme({ name: ws.name, brandColor: ws.brand_color, logoUrl: ws.logo_url }));
  const now = nowIso();
  // Composed like a real message (footer, unsubscribe link) but never stored.
  const fake: MessageRow = {
    workspace_id: actor.workspaceId,
    id: newId(),
    person_id: null,
    to_address: 'sam.sample@example.com',
    email_key: 'sam.sample@example.com',
    kind,
    subject: content.subject,
    html: content.html,
    text: content.text,
    headers: JSON.stringify(content.qr ? { [QR_HEADER]: content.qr } : {}),
    marketing: KINDS[kind].marketing ? 1 : 0,
    status: 'queued',
    attempts: 0,
    last_error: null,
    provider_message_id: null,
    dedupe_key: null,
    created_at: now,
    updated_at: now,
    sent_at: null,
  };
  const c = await compose(db, fake, { publicUrl: config.publicUrl, fromAddress: fromAddress(config) });
  return { subject: c.subject, html: inlineImages(c), text: c.text };
}

export async function listSuppressions(db: Db, actor: Actor, page: number, pageSize: number) {
  requireRole(actor, 'manager');
  const q = db.selectFrom('suppressions').where('workspace_id', '=', actor.workspaceId);
  const { rows, total } = await pageOf(q, q.selectAll().orderBy('created_at', 'desc'), { page, pageSize });
  return {
    items: rows.map((r) => ({
      emailKey: r.email_key,
      reason: r.reason,
      source: r.source,
      createdAt: r.created_at,
    })),
    total,
  };
}

/** Adds an address by hand (a complaint by phone, an unsubscribe that came by email). */
export async function addSuppression(db: Db, actor: Actor, input: z.output<typeof SuppressionInput>) {
  requireRole(actor, 'manager');
  const norm = normalizeEmail(input.email);
  if (!norm.ok) throw new AppError('validation', norm.message, [{ path: 'email', message: norm.message }]);
  const key = emailKey(norm.email);
  await suppress(db, actor.workspaceId, key, input.reason, `by user ${actor.userId ?? 'api key'}`);
  const row = await db
    .selectFrom('suppressions')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('email_key', '=', key)
    .executeTakeFirstOrThrow();
  return { emailKey: row.email_key, reason: row.reason, source: row.source, createdAt: row.created_at };
}
