import { z } from 'zod';
import { IdParams, PageQuery } from '../http/schemas.ts';
import type { App, Deps } from '../http/types.ts';
import {
  KindParams,
  MessageDetail,
  MessageList,
  MessageQuery,
  SuppressionInput,
  SuppressionList,
  SuppressionOut,
  TemplateInput,
  TemplateOut,
  TemplatePreview,
  TemplatePreviewInput,
} from './messaging.schema.ts';
import {
  addSuppression,
  getMessage,
  getTemplate,
  listMessages,
  listSuppressions,
  listTemplates,
  previewTemplate,
  putTemplate,
  resetTemplate,
} from './messaging.service.ts';

/** The outbox viewer, editable templates with preview, and the suppression list. */
export function messagingRoutes(app: App, { db, config }: Deps): void {
  const tags = ['messaging'];

  app.get(
    '/messages',
    {
      schema: {
        tags,
        summary: 'The outbox: messages by person, status and kind, newest first',
        querystring: MessageQuery,
        response: { 200: MessageList },
      },
    },
    (req) => listMessages(db, req.actor, req.query),
  );

  app.get(
    '/messages/:id',
    {
      schema: {
        tags,
        summary: 'One message as sent (or as it would be): whole HTML and text, headers',
        params: IdParams,
        response: { 200: MessageDetail },
      },
    },
    (req) => getMessage(db, config, req.actor, req.params.id),
  );

  app.get(
    '/messages/:id/preview',
    {
      schema: {
        tags,
        summary: 'The HTML of one message, to show in a sandboxed frame',
        params: IdParams,
        produces: ['text/html'],
      },
    },
    async (req, reply) => {
      const m = await getMessage(db, config, req.actor, req.params.id);
      return reply
        .header(
          'content-security-policy',
          "sandbox; default-src 'none'; img-src https: data:; style-src 'unsafe-inline'",
        )
        .type('text/html; charset=utf-8')
        .send(m.html);
    },
  );

  app.get(
    '/templates',
    {
      schema: {
        tags,
        summary: 'Every email template with its variables, the workspace’s own or the built-in one',
        response: { 200: z.object({ items: z.array(TemplateOut) }) },
      },
    },
    (req) => listTemplates(db, req.actor),
  );

  app.get(
    '/templates/:kind',
    { schema: { tags, summary: 'One email template', params: KindParams, response: { 200: TemplateOut } } },
    (req) => getTemplate(db, req.actor, req.params.kind),
  );

  app.put(
    '/templates/:kind',
    {
      schema: {
        tags,
        summary: 'Save the workspace’s own template; an unknown {{variable}} is refused (422)',
        params: KindParams,
        body: TemplateInput,
        response: { 200: TemplateOut },
      },
    },
    (req) => putTemplate(db, req.actor, req.params.kind, req.body),
  );

  app.delete(
    '/templates/:kind',
    {
      schema: {
        tags,
        summary: 'Go back to the built-in template',
        params: KindParams,
        response: { 200: TemplateOut },
      },
    },
    (req) => resetTemplate(db, req.actor, req.params.kind),
  );

  app.post(
    '/templates/:kind/preview',
    {
      schema: {
        tags,
        summary: 'Render a template (saved, or a draft in the body) with sample data, footer included',
        params: KindParams,
        body: TemplatePreviewInput.optional(),
        response: { 200: TemplatePreview },
      },
    },
    (req) => previewTemplate(db, config, req.actor, req.params.kind, req.body ?? {}),
  );

  app.get(
    '/suppressions',
    {
      schema: {
        tags,
        summary: 'Addresses no email goes to: unsubscribed, hard bounces, complaints, added by hand',
        querystring: z.strictObject(PageQuery),
        response: { 200: SuppressionList },
      },
    },
    (req) => listSuppressions(db, req.actor, req.query.page, req.query.pageSize),
  );

  app.post(
    '/suppressions',
    {
      schema: {
        tags,
        summary: 'Add an address to the suppression list by hand',
        body: SuppressionInput,
        response: { 200: SuppressionOut },
      },
    },
    (req) => addSuppression(db, req.actor, req.body),
  );
}
