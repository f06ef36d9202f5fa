import { z } from 'zod';

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
