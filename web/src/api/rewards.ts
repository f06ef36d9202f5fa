import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client.ts';
import type {
  EventInput,
  EventList,
  Liability,
  Recorded,
  RewardOut,
  RewardQuery,
  Task,
  TaskDone,
  Wallet,
} from './types.ts';

export const rewardKeys = {
  all: ['rewards'] as const,
  list: (q: RewardQuery) => ['rewards', 'list', q] as const,
  liability: ['rewards', 'liability'] as const,
  wallet: (personId: string) => ['rewards', 'wallet', personId] as const,
  tasks: (open: boolean) => ['rewards', 'tasks', open] as const,
  events: (personId: string) => ['rewards', 'events', personId] as const,
};

export function useRewards(q: RewardQuery) {
  return useQuery({
    queryKey: rewardKeys.list(q),
    queryFn: ({ signal }) =>
      api.get<{ items: RewardOut[]; total: number }>(
        '/rewards',
        q as Record<string, string | number | undefined>,
        signal,
      ),
    placeholderData: keepPreviousData,
  });
}

export function useLiability(enabled = true) {
  return useQuery({
    queryKey: rewardKeys.liability,
    queryFn: ({ signal }) => api.get<Liability>('/rewards/liability', undefined, signal),
    enabled,
  });
}

export function useWallet(personId: string) {
  return useQuery({
    queryKey: rewardKeys.wallet(personId),
    queryFn: ({ signal }) =>
      api.get<Wallet>(`/people/${encodeURIComponent(personId)}/wallet`, undefined, signal),
  });
}

/** Any change to a reward moves balances, lists and the liability: refetch everything rewards. */
function useRewardChange<T, R>(fn: (body: T) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => qc.invalidateQueries({ queryKey: rewardKeys.all }),
  });
}

export function useApproveReward() {
  return useRewardChange((id: string) =>
    api.post<RewardOut>(`/rewards/${encodeURIComponent(id)}/approve`, {}),
  );
}

export function usePayReward() {
  return useRewardChange(({ id, method, reference }: { id: string; method: string; reference?: string }) =>
    api.post<RewardOut>(`/rewards/${encodeURIComponent(id)}/pay`, {
      method,
      ...(reference ? { reference } : {}),
    }),
  );
}

export function useVoidReward() {
  return useRewardChange(({ id, reason }: { id: string; reason: string }) =>
    api.post<RewardOut>(`/rewards/${encodeURIComponent(id)}/void`, { reason }),
  );
}

export type Redemption = { amount: number; note?: string } | { rewardId: string; note?: string };

export function useRedeem(personId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Redemption) =>
      api.post<Wallet>(`/people/${encodeURIComponent(personId)}/redemptions`, body),
    onSuccess: (w) => {
      qc.setQueryData(rewardKeys.wallet(personId), w);
      void qc.invalidateQueries({ queryKey: rewardKeys.all });
    },
  });
}

export function useTasks(open: boolean) {
  return useQuery({
    queryKey: rewardKeys.tasks(open),
    queryFn: ({ signal }) =>
      api.get<{ items: Task[]; total: number }>(
        '/tasks',
        { open: String(open), pageSize: open ? 200 : 50 },
        signal,
      ),
  });
}

export function useCompleteTask() {
  return useRewardChange(({ id, body }: { id: string; body: TaskDone }) =>
    api.post<Task>(`/tasks/${encodeURIComponent(id)}/done`, body),
  );
}

export function usePersonEvents(personId: string) {
  return useQuery({
    queryKey: rewardKeys.events(personId),
    queryFn: ({ signal }) => api.get<EventList>('/events', { personId, limit: 50 }, signal),
  });
}

export function useRecordEvent() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: EventInput) => api.post<Recorded>('/events', body),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: rewardKeys.all });
      // A first purchase can win a referral.
      if (r.effects.referralWon) void qc.invalidateQueries({ queryKey: ['referrals'] });
    },
  });
}
