import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { ApiError, api, onUnauthenticated, request, setCsrfToken } from './api/client.ts';
import type { Session } from './api/types.ts';

export const sessionKey = ['session'] as const;

/** The signed-in session, or null when nobody is. */
export async function fetchSession(): Promise<Session | null> {
  try {
    const s = await request<Session>('GET', '/auth/session', { quiet401: true });
    setCsrfToken(s.csrfToken);
    return s;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export function useSessionQuery() {
  const qc = useQueryClient();
  // Any 401 from any request means the session ended (expired, signed out elsewhere).
  useEffect(
    () =>
      onUnauthenticated(() => {
        qc.setQueryData(sessionKey, null);
      }),
    [qc],
  );
  return useQuery({ queryKey: sessionKey, queryFn: fetchSession, staleTime: 5 * 60_000, retry: 1 });
}

/** The session inside the signed-in part of the app, where it is always present. */
export function useSession(): Session {
  const { data } = useQuery({ queryKey: sessionKey, queryFn: fetchSession, staleTime: 5 * 60_000 });
  if (!data) throw new Error('useSession used outside a signed-in route');
  return data;
}

function useAdopt() {
  const qc = useQueryClient();
  return (s: Session | null) => {
    if (s) setCsrfToken(s.csrfToken);
    // Data of the previous user or workspace must not show for an instant.
    qc.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKey[0] });
    qc.setQueryData(sessionKey, s);
  };
}

export function useSignIn() {
  const adopt = useAdopt();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) =>
      request<Session>('POST', '/auth/sign-in', { body, quiet401: true }),
    onSuccess: adopt,
  });
}

export function useSignOut() {
  const adopt = useAdopt();
  return useMutation({
    mutationFn: () => request<void>('POST', '/auth/sign-out', { quiet401: true }).catch(() => undefined),
    onSettled: () => adopt(null),
  });
}

export function useSwitchWorkspace() {
  const adopt = useAdopt();
  return useMutation({
    mutationFn: (workspace: string) => api.post<Session>('/auth/switch', { workspace }),
    onSuccess: adopt,
  });
}
