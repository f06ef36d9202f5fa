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

/** What the server will say once a patch is applied: the card moves before it answers. */
export function applyPatch(r: Referral, patch: ReferralPatch, now = new Date().toISOString()): Referral {
  const next: Referral = { ...r };
  if (patch.status !== undefined) next.status = patch.status;
  if (patch.assignedTo !== undefined) next.assignedTo = patch.assignedTo;
  if (patch.followUpDueAt !== undefined)
    next.followUpDueAt = patch.followUpDueAt && new Date(patch.followUpDueAt).toISOString();
  if (patch.appointmentAt !== undefined)
    next.appointmentAt = patch.appointmentAt && new Date(patch.appointmentAt).toISOString();
  if (patch.lostReason !== undefined) next.lostReason = patch.lostReason;
  if (patch.voidReason !== undefined) next.voidReason = patch.voidReason;
  // As the server reads it: open, not waiting for an introduction, follow-up due in the past.
  next.overdue =
    (next.status === 'new' || next.status === 'contacted') &&
    !next.waitingForIntroduction &&
    !!next.followUpDueAt &&
    next.followUpDueAt < now;
  return next;
}

const patchKey = ['referrals', 'patch'] as const;
type Snapshot = Array<[readonly unknown[], unknown]>;

/**
 * A change to any referral, shown at once in every cached list and detail (the board moves the
 * card on drop) and rolled back if the server refuses it, e.g. a transition the pipeline forbids.
 */
export function usePatchReferral() {
  const qc = useQueryClient();
  return useMutation({
    mutationKey: patchKey,
    mutationFn: ({ id, patch }: { id: string; patch: ReferralPatch }) =>
      api.patch<Referral>(`/referrals/${encodeURIComponent(id)}`, patch),
    onMutate: async ({ id, patch }): Promise<Snapshot> => {
      await qc.cancelQueries({ queryKey: referralKeys.all });
      const lists = qc.getQueriesData<Page<Referral>>({ queryKey: ['referrals', 'list'] });
      const one = qc.getQueryData<ReferralDetail>(referralKeys.one(id));
      qc.setQueriesData<Page<Referral>>({ queryKey: ['referrals', 'list'] }, (page) =>
        page ? { ...page, items: page.items.map((r) => (r.id === id ? applyPatch(r, patch) : r)) } : page,
      );
      if (one) qc.setQueryData(referralKeys.one(id), { ...one, referral: applyPatch(one.referral, patch) });
      return [...lists, [referralKeys.one(id), one]];
    },
    onError: (_err, _vars, snapshot) => {
      for (const [key, data] of snapshot ?? []) qc.setQueryData(key, data);
    },
    // With several moves in flight, refetch once after the last: an earlier answer must not
    // overwrite a later card's optimistic column.
    onSettled: () =>
      qc.isMutating({ mutationKey: patchKey }) === 1
        ? qc.invalidateQueries({ queryKey: referralKeys.all })
        : undefined,
  });
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
