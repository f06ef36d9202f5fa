import { z } from 'zod';
import { COLUMN_FIELDS, type ColumnField } from './csv-columns.ts';

export const Import = z.object({
  id: z.string(),
  kind: z.enum(['people', 'transactions']),
  filename: z.string(),
  status: z.enum(['running', 'done', 'failed']),
  rowsTotal: z.number().int(),
  rowsCreated: z.number().int(),
  rowsUpdated: z.number().int(),
  rowsUnchanged: z.number().int(),
  rowsRejected: z.number().int(),
  error: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Where the reject file is, when rows were rejected. */
  rejectsUrl: z.string().nullable(),
});
export type Import = z.infer<typeof Import>;

export const ImportResult = Import.extend({
  source: z.enum(['Shopify', 'Square', 'CSV']).nullable(),
  columns: z.array(z.object({ header: z.string(), field: z.string().nullable() })),
});

export const ImportQuery = z.strictObject({
  filename: z.string().trim().min(1).max(200).optional(),
});

export const ImportList = z.object({
  items: z.array(Import),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});

/** A field a CSV column can feed (see `csv-columns.ts`). */
export const ColumnFieldName = z.enum(COLUMN_FIELDS as [ColumnField, ...ColumnField[]]);

/**
 * Columns mapped by hand: `{ "Client name": "fullName", "Mobile": "phone", "Loyalty": "ignore" }`.
 * A field is given one column at most; `ignore` leaves a column out.
 */
export const ColumnMappingSchema = z
  .record(
    z.string().trim().min(1, 'a header cannot be empty').max(500),
    z.union([ColumnFieldName, z.literal('ignore')], {
      error: (iss) =>
        `${JSON.stringify(iss.input)} is not a field; use one of ${COLUMN_FIELDS.join(', ')} or ignore`,
    }),
  )
  .superRefine((mapping, ctx) => {
    const headerOf = new Map<string, string>();
    for (const [header, field] of Object.entries(mapping)) {
      if (field === 'ignore') continue;
      const first = headerOf.get(field);
      if (first === undefined) headerOf.set(field, header);
      else
        ctx.addIssue({
          code: 'custom',
          path: [header],
          message: `${field} is mapped twice, from "${first}" and "${header}"; map one column to it`,
        });
    }
  });

export const PeopleImportQuery = ImportQuery.extend({
  mapping: z
    .string()
    .max(20_000)
    .optional()
    .describe(
      'Columns mapped by hand, as JSON: `{"Client name":"fullName","Mobile":"phone","Notes 2":"ignore"}`. ' +
        'Headers it does not name are recognised as usual. An unknown field, a field given twice or a ' +
        'header the file does not have answers 422 naming it.',
    ),
});

export const ImportPreview = z.object({
  source: z.enum(['Shopify', 'Square', 'CSV']),
  delimiter: z.string(),
  columns: z.array(
    z.object({
      header: z.string(),
      guess: ColumnFieldName.nullable().describe('the field this column feeds unless mapped otherwise'),
    }),
  ),
  rows: z.array(z.array(z.string())).describe('the first rows of the file, one value per column'),
  missing: z
    .string()
    .nullable()
    .describe('why the file cannot be imported as recognised (no name, organisation, email or phone column)'),
  fields: z.array(ColumnFieldName).describe('every field a column can feed'),
});
export type ImportPreview = z.infer<typeof ImportPreview>;
