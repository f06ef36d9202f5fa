import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from './client.ts';
import type { Dashboard, DashboardPeriod } from './types.ts';

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
