import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { ColumnField } from '../../../src/people/csv-columns.ts';
import type { ImportPreview as ImportPreviewSchema } from '../../../src/people/imports.schema.ts';
import { request } from './client.ts';
import type { Import, ImportResult, Page } from './types.ts';

export type ImportPreview = z.infer<typeof ImportPreviewSchema>;
export type { ColumnField };
/** What a column is imported as: a field, or not at all. */
export type ColumnChoice = ColumnField | 'ignore';

export const importsKey = ['imports'] as const;

/** The start of a file is enough to see its columns and first rows. */
const PREVIEW_BYTES = 64 * 1024;

export function useImports(page: number, pageSize: number) {
  return useQuery({
    queryKey: [...importsKey, page],
    queryFn: ({ signal }) => request<Page<Import>>('GET', '/imports', { query: { page, pageSize }, signal }),
    placeholderData: keepPreviousData,
  });
}

/** The columns of a people CSV, the field each is recognised as, and its first rows. */
export function usePreviewPeople() {
  return useMutation({
    mutationFn: (file: File) =>
      request<ImportPreview>('POST', '/imports/people/preview', {
        raw: { body: file.slice(0, PREVIEW_BYTES), contentType: 'text/csv' },
      }),
  });
}

/** Imports a people CSV, with the columns mapped by hand where they differ from the recognition. */
export function useImportPeople() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ file, mapping }: { file: File; mapping?: Record<string, ColumnChoice> }) =>
      request<ImportResult>('POST', '/imports/people', {
        query: {
          filename: file.name,
          mapping: mapping && Object.keys(mapping).length ? JSON.stringify(mapping) : undefined,
        },
        raw: { body: file, contentType: 'text/csv' },
      }),
    // A file that fails part-way still imported the rows before the problem.
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: importsKey });
      void qc.invalidateQueries({ queryKey: ['people'] });
    },
  });
}
