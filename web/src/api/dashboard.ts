import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client.ts';
import type { AdSpend, Dashboard, DashboardPeriod } from './types.ts';

export type DashboardQuery = {
  from?: string;
  to?: string;
  programId?: string;
  period?: DashboardPeriod;
};

export const dashboardKeys = {
  all: ['dashboard'] as const,
  one: (q: DashboardQuery) => ['dashboard', q] as const,
};

/**
 * The owner's dashboard for a range and program. Always fetched again when the page opens:
 * a sale or a referral recorded elsewhere (another screen, the API, an import) moves it.
 */
export function useDashboard(q: DashboardQuery) {
  return useQuery({
    queryKey: dashboardKeys.one(q),
    queryFn: ({ signal }) => api.get<Dashboard>('/dashboard', q, signal),
    placeholderData: keepPreviousData,
    staleTime: 0,
    refetchOnMount: 'always',
  });
}

/** The ad spend entered for the months from `from` to `to` (YYYY-MM). */
export function useAdSpend(from: string, to: string, enabled = true) {
  return useQuery({
    queryKey: ['ad-spend', from, to],
    queryFn: ({ signal }) => api.get<AdSpend[]>('/ad-spend', { from, to }, signal),
    enabled,
  });
}

/** Sets a month's ad spend; the dashboard and the list follow. */
export function useSetAdSpend() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ month, amount }: { month: string; amount: number }) =>
      api.put<AdSpend>(`/ad-spend/${month}`, { amount }),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['ad-spend'] });
      qc.invalidateQueries({ queryKey: dashboardKeys.all });
    },
  });
}
