import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireRole } from '../auth/auth.service.ts';
import { AppError } from '../errors.ts';
import { importTransactions } from '../events/events.import.ts';
import { IdParams, PageQuery } from '../http/schemas.ts';
import type { App, Deps } from '../http/types.ts';
import type { ColumnMapping } from './csv-columns.ts';
import { previewPeopleCsv } from './import-preview.ts';
import {
  ColumnMappingSchema,
  ImportList,
  ImportPreview,
  ImportQuery,
  ImportResult,
  Import as ImportSchema,
  PeopleImportQuery,
} from './imports.schema.ts';
import { exportPeopleCsv } from './people.export.ts';
import {
  getImport,
  getRejectsCsv,
  type Import,
  ImportFileError,
  type ImportSummary,
  importPeople,
  listImports,
} from './people.import.ts';

/** The largest CSV accepted over HTTP (the CLI has no limit). */
export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;
const CSV_TYPES = ['text/csv', 'application/csv'];

const withUrl = <T extends Import>(i: T) => ({
  ...i,
  rejectsUrl: i.rowsRejected > 0 ? `/api/v1/imports/${i.id}/rejects.csv` : null,
});

/** A header-safe file name for Content-Disposition. */
const attachment = (name: string) =>
  `attachment; filename="${name.replace(/[^\w.-]+/g, '_').slice(0, 150) || 'download.csv'}"`;

/** Passes the upload through, refusing it once it is bigger than `max` bytes. */
async function* limited(body: AsyncIterable<Buffer>, max: number): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    if (bytes > max) {
      throw new ImportFileError(
        `The file is bigger than ${max / 1024 / 1024} MB; import it in parts or with the CLI (vouch import people FILE)`,
        null,
        'payload_too_large',
      );
    }
    yield chunk;
  }
}

/** The streamed CSV body, refused when it is not one or is too big. */
function upload(req: FastifyRequest): AsyncIterable<Buffer> {
  requireRole(req.actor, 'manager');
  const body = req.body as unknown;
  if (!(body instanceof Readable)) {
    throw new AppError(
      'unsupported_media_type',
      'Send the CSV file itself as the request body, with Content-Type: text/csv',
    );
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_UPLOAD_BYTES) {
    throw new AppError(
      'payload_too_large',
      `The file is bigger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB; import it in parts or with the CLI`,
    );
  }
  return limited(body, MAX_UPLOAD_BYTES);
}

/** The bytes of a file a preview reads at most (the web app sends the first 64 KB). */
export const MAX_PREVIEW_BYTES = 1024 * 1024;

/** The `mapping` query parameter (JSON) as a column mapping, or 422 naming what is wrong with it. */
function parseMapping(json: string | undefined): ColumnMapping | undefined {
  if (json === undefined || json.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new AppError('unprocessable', 'The column mapping is not JSON', [
      { path: 'mapping', message: 'expected a JSON object such as {"Client name":"fullName"}' },
    ]);
  }
  const parsed = ColumnMappingSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((i) => ({
    path: ['mapping', ...i.path.map(String)].join('.'),
    message: i.message,
    ...(i.path.length ? { header: String(i.path[0]) } : {}),
  }));
  throw new AppError(
    'unprocessable',
    `The column mapping is wrong: ${parsed.error.issues
      .map((i) => (i.path.length ? `"${String(i.path[0])}": ${i.message}` : i.message))
      .join('; ')}`,
    errors,
  );
}

/** 201 with the import, or the file's problem as an error naming the line and the import. */
function answer(reply: FastifyReply, summary: ImportSummary) {
  reply.header('location', `/api/v1/imports/${summary.id}`);
  if (summary.status === 'failed') {
    const imported = summary.rowsCreated + summary.rowsUpdated + summary.rowsUnchanged;
    throw new AppError(
      summary.failure?.code ?? 'unprocessable',
      `${summary.error} (import ${summary.id}: ${imported} row(s) before the problem were imported, ${summary.rowsRejected} rejected)`,
      [
        {
          path: 'file',
          message: summary.error ?? 'the file could not be imported',
          importId: summary.id,
          line: summary.failure?.line ?? null,
        },
      ],
    );
  }
  return reply.status(201).send(withUrl(summary));
}

export function importRoutes(app: App, { db }: Deps) {
  // The CSV body is streamed straight into the importer, in a scope of its own so no other
  // route receives a raw stream.
  app.register(async (scope: App) => {
    for (const type of CSV_TYPES)
      scope.addContentTypeParser(type, (_req, payload, done) => done(null, payload));

    scope.post(
      '/imports/people',
      {
        bodyLimit: MAX_UPLOAD_BYTES,
        schema: {
          tags: ['imports'],
          summary: 'Import people from a CSV file (Shopify or Square customer export, or the Vouch template)',
          description:
            'Send the file as the body with Content-Type: text/csv. Rows are matched to people already here ' +
            'by Vouch id, external id, email, then phone: importing the same file again changes nothing. Rows ' +
            'that cannot be imported are listed, with line and reason, in the reject file (`rejectsUrl`). ' +
            'A problem with the file itself (not UTF-8, a broken quote, no name/email/phone column) answers ' +
            '422 naming the line; rows before it are imported and the import id is in `errors[0].importId`. ' +
            'Columns can be mapped by hand with `mapping` (see POST /imports/people/preview for a first look).',
          consumes: CSV_TYPES,
          // Documents the body; the body itself is a stream, read by the importer.
          body: z.any().describe('The CSV file, UTF-8 (with or without BOM) or UTF-16 with BOM'),
          querystring: PeopleImportQuery,
          response: { 201: ImportResult },
        },
      },
      async (req, reply) => {
        const input = upload(req);
        const mapping = parseMapping(req.query.mapping);
        return answer(
          reply,
          await importPeople(db, req.actor, input, {
            filename: req.query.filename ?? 'upload.csv',
            ...(mapping ? { mapping } : {}),
          }),
        );
      },
    );

    scope.post(
      '/imports/people/preview',
      {
        bodyLimit: MAX_UPLOAD_BYTES,
        schema: {
          tags: ['imports'],
          summary:
            'A first look at a people CSV: its columns, the field each is recognised as, its first rows',
          description:
            'Send the start of the file (the first 64 KB is plenty) as the body with Content-Type: text/csv. ' +
            'Nothing is imported. Use the answer to build `mapping` for POST /imports/people.',
          consumes: CSV_TYPES,
          body: z.any().describe('The start of the CSV file'),
          response: { 200: ImportPreview },
        },
      },
      async (req) => {
        try {
          return await previewPeopleCsv(limited(upload(req), MAX_PREVIEW_BYTES));
        } catch (err) {
          if (err instanceof ImportFileError) {
            throw new AppError(err.code, err.message, [
              { path: 'file', message: err.message, line: err.line },
            ]);
          }
          throw err;
        }
      },
    );

    scope.post(
      '/imports/transactions',
      {
        bodyLimit: MAX_UPLOAD_BYTES,
        schema: {
          tags: ['imports'],
          summary:
            'Import purchases, visits and refunds from a CSV file (the Vouch template or a sales export)',
          description:
            'Columns: type (purchase, visit, refund, appointment_kept, ticket_resolved; purchase when absent), ' +
            'external_id (or id, order_id, transaction_id), occurred_at (or date), amount in major units ' +
            '(12.50), currency, refund_of, customer_external_id, email, phone, first_name, last_name, note. ' +
            'Every row goes through the same checks as POST /events and is recorded exactly once per ' +
            '(source, external_id): importing the same file again changes nothing. Refused rows are in the ' +
            'reject file with their line and reason.',
          consumes: CSV_TYPES,
          body: z.any().describe('The CSV file, UTF-8 (with or without BOM) or UTF-16 with BOM'),
          querystring: ImportQuery.extend({
            source: z
              .string()
              .regex(/^[\w.:-]{1,60}$/)
              .optional()
              .describe('the system the rows come from, when the file has no source column (default "csv")'),
          }),
          response: { 201: ImportResult },
        },
      },
      async (req, reply) =>
        answer(
          reply,
          await importTransactions(db, req.actor, upload(req), {
            filename: req.query.filename ?? 'transactions.csv',
            ...(req.query.source ? { source: req.query.source } : {}),
          }),
        ),
    );
  });

  app.get(
    '/imports',
    {
      schema: {
        tags: ['imports'],
        summary: 'Imports of this workspace, newest first',
        querystring: z.strictObject(PageQuery),
        response: { 200: ImportList },
      },
    },
    async (req) => {
      const list = await listImports(db, req.actor, req.query);
      return { ...list, items: list.items.map(withUrl) };
    },
  );

  app.get(
    '/imports/:id',
    {
      schema: {
        tags: ['imports'],
        summary: 'One import: its status and counts',
        params: IdParams,
        response: { 200: ImportSchema },
      },
    },
    async (req) => withUrl(await getImport(db, req.actor, req.params.id)),
  );

  app.get(
    '/imports/:id/rejects.csv',
    {
      schema: {
        tags: ['imports'],
        summary: 'The rows an import rejected, as they were, with line and reason (CSV)',
        params: IdParams,
        produces: ['text/csv'],
      },
    },
    async (req, reply) => {
      const { filename, csv } = await getRejectsCsv(db, req.actor, req.params.id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', attachment(`${filename.replace(/\.csv$/i, '')}.rejects.csv`))
        .send(`\uFEFF${csv}`);
    },
  );

  app.get(
    '/people/export.csv',
    {
      schema: {
        tags: ['people'],
        summary: 'Every person as CSV in the import template (imports back unchanged)',
        produces: ['text/csv'],
      },
    },
    (req, reply) => {
      const csv = exportPeopleCsv(db, req.actor);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', attachment(`people-${new Date().toISOString().slice(0, 10)}.csv`))
        .send(Readable.from(csv));
    },
  );
}
