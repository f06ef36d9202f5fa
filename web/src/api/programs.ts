import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client.ts';
import type { Program, ProgramInput } from './types.ts';

export const programKeys = {
  all: ['programs'] as const,
  list: () => ['programs', 'list'] as const,
  one: (id: string) => ['programs', 'one', id] as const,
};

export function usePrograms() {
  return useQuery({
    queryKey: programKeys.list(),
    queryFn: ({ signal }) => api.get<Program[]>('/programs', undefined, signal),
  });
}

export function useProgram(id: string) {
  return useQuery({
    queryKey: programKeys.one(id),
    queryFn: ({ signal }) => api.get<Program>(`/programs/${encodeURIComponent(id)}`, undefined, signal),
    enabled: !!id,
  });
}

/** Creates (no id) or edits a program; edits send every field of the form. */
export function useSaveProgram(id?: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: ProgramInput) =>
      id
        ? api.patch<Program>(`/programs/${encodeURIComponent(id)}`, body)
        : api.post<Program>('/programs', body),
    onSuccess: (p) => {
      qc.setQueryData(programKeys.one(p.id), p);
      void qc.invalidateQueries({ queryKey: programKeys.list() });
    },
  });
}

/** The landing page these (unsaved) settings would give, as HTML for a sandboxed frame. */
export function usePreviewLanding() {
  return useMutation({
    mutationFn: (body: ProgramInput) => api.post<{ html: string }>('/programs/preview', body),
  });
}
