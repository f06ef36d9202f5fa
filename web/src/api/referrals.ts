import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client.ts';
import type {
  CreatedReferral,
  Network,
  Page,
  Referral,
  ReferralDetail,
  ReferralLink,
  ReferralPatch,
  ReferralQuery,
  StaffMember,
  StaffReferralInput,
} from './types.ts';

export const referralKeys = {
  all: ['referrals'] as const,
  list: (q: ReferralQuery) => ['referrals', 'list', q] as const,
  one: (id: string) => ['referrals', 'one', id] as const,
  links: (personId: string) => ['referrals', 'links', personId] as const,
  network: (personId: string) => ['referrals', 'network', personId] as const,
};

export function useReferrals(q: ReferralQuery) {
  return useQuery({
    queryKey: referralKeys.list(q),
    queryFn: ({ signal }) =>
      api.get<Page<Referral>>('/referrals', q as Record<string, string | number | string[]>, signal),
    placeholderData: keepPreviousData,
  });
}

export function useReferral(id: string) {
  return useQuery({
    queryKey: referralKeys.one(id),
    queryFn: ({ signal }) =>
      api.get<ReferralDetail>(`/referrals/${encodeURIComponent(id)}`, undefined, signal),
  });
}

/** Any change to one referral: refetch it (its timeline grew) and every list. */
function useReferralChange<T>(fn: (body: T) => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => qc.invalidateQueries({ queryKey: referralKeys.all }),
  });
}

export function useUpdateReferral(id: string) {
  return useReferralChange((patch: ReferralPatch) =>
    api.patch<Referral>(`/referrals/${encodeURIComponent(id)}`, patch),
  );
}

export function useRecordIntroduced(id: string) {
  return useReferralChange((note?: string) =>
    api.post<Referral>(`/referrals/${encodeURIComponent(id)}/introduced`, note ? { note } : {}),
  );
}

export function useRecordOptIn(id: string) {
  return useReferralChange((source: string) =>
    api.post<Referral>(`/referrals/${encodeURIComponent(id)}/opted-in`, { source }),
  );
}

export function useAddNote(id: string) {
  return useReferralChange((note: string) =>
    api.post<ReferralDetail>(`/referrals/${encodeURIComponent(id)}/notes`, { note }),
  );
}

export function useClearFlag(id: string) {
  return useReferralChange((note?: string) =>
    api.post<Referral>(`/referrals/${encodeURIComponent(id)}/flag/clear`, note ? { note } : {}),
  );
}

export function useEnterReferral() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: StaffReferralInput) => api.post<CreatedReferral>('/referrals', body),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: referralKeys.all });
      void qc.invalidateQueries({ queryKey: ['people'] });
    },
  });
}

export function useStaff() {
  return useQuery({
    queryKey: ['staff'],
    queryFn: ({ signal }) => api.get<StaffMember[]>('/staff', undefined, signal),
    staleTime: 5 * 60_000,
  });
}

export function usePersonLinks(personId: string) {
  return useQuery({
    queryKey: referralKeys.links(personId),
    queryFn: ({ signal }) =>
      api.get<ReferralLink[]>(`/people/${encodeURIComponent(personId)}/links`, undefined, signal),
  });
}

export function useGetLink(personId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (programId: string) =>
      api.post<ReferralLink>(`/programs/${encodeURIComponent(programId)}/links`, { referrerId: personId }),
    onSuccess: () => qc.invalidateQueries({ queryKey: referralKeys.links(personId) }),
  });
}

export function useSetLinkDisabled(personId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, disabled }: { id: string; disabled: boolean }) =>
      api.patch<ReferralLink>(`/links/${encodeURIComponent(id)}`, { disabled }),
    onSuccess: () => qc.invalidateQueries({ queryKey: referralKeys.links(personId) }),
  });
}

export function useNetwork(personId: string) {
  return useQuery({
    queryKey: referralKeys.network(personId),
    queryFn: ({ signal }) =>
      api.get<Network>(`/people/${encodeURIComponent(personId)}/network`, { depth: 3 }, signal),
  });
}
