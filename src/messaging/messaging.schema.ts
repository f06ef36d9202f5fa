import { z } from 'zod';
import { PageQuery } from '../http/schemas.ts';
import { MESSAGE_KINDS } from './templates.ts';

export const MessageKind = z.enum(MESSAGE_KINDS);
export const MessageStatus = z.enum(['queued', 'sending', 'sent', 'failed', 'suppressed', 'kept']);

export const MessageSummary = z.object({
  id: z.string(),
  personId: z.string().nullable(),
  to: z.string(),
  kind: MessageKind,
  subject: z.string(),
  status: MessageStatus,
  marketing: z.boolean(),
  attempts: z.number(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});

export const MessageDetail = MessageSummary.extend({
  html: z.string().describe('the whole email as it is (or would be) sent'),
  text: z.string(),
  headers: z.record(z.string(), z.string()),
  messageIdHeader: z.string(),
  providerMessageId: z.string().nullable(),
});

export const MessageQuery = z.strictObject({
  personId: z.uuid().optional(),
  status: MessageStatus.optional(),
  kind: MessageKind.optional(),
  ...PageQuery,
});

export const MessageList = z.object({ items: z.array(MessageSummary), total: z.number() });

export const KindParams = z.strictObject({ kind: MessageKind });

export const TemplateInput = z.strictObject({
  subject: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(20_000),
});

export const TemplateOut = z.object({
  kind: MessageKind,
  label: z.string(),
  marketing: z.boolean(),
  variables: z.array(z.string()),
  subject: z.string(),
  body: z.string(),
  customised: z.boolean().describe('false: the built-in template'),
  updatedAt: z.string().nullable(),
});

export const TemplatePreviewInput = z.strictObject({
  subject: z.string().max(200).optional(),
  body: z.string().max(20_000).optional(),
  vars: z.record(z.string(), z.string().max(2000)).optional().describe('values instead of the sample data'),
});

export const TemplatePreview = z.object({ subject: z.string(), html: z.string(), text: z.string() });

export const SuppressionReason = z.enum(['unsubscribe', 'hard_bounce', 'complaint', 'manual']);

export const SuppressionOut = z.object({
  emailKey: z.string(),
  reason: SuppressionReason,
  source: z.string(),
  createdAt: z.string(),
});

export const SuppressionInput = z.strictObject({
  email: z.string().trim().max(254),
  reason: z.enum(['manual', 'complaint']).default('manual'),
});

export const SuppressionList = z.object({ items: z.array(SuppressionOut), total: z.number() });
