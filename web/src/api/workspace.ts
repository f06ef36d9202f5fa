import { useQuery } from '@tanstack/react-query';
import { api } from './client.ts';
import type { Workspace } from './types.ts';

export const workspaceKey = ['workspace'] as const;

/** The current workspace (its country, currency, time zone…), fetched once per session. */
export function useWorkspace() {
  return useQuery({
    queryKey: workspaceKey,
    queryFn: ({ signal }) => api.get<Workspace>('/workspace', undefined, signal),
    staleTime: 10 * 60_000,
  });
}
