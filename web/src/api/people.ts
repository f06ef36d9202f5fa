import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './client.ts';
import type { Page, PeopleSort, Person, PersonKind, PersonPatch } from './types.ts';

export type PeopleFilter = {
  q?: string;
  tag?: string;
  kind?: PersonKind;
  sort?: PeopleSort;
  page?: number;
  pageSize?: number;
};

export const peopleKeys = {
  all: ['people'] as const,
  list: (f: PeopleFilter) => ['people', 'list', f] as const,
  one: (id: string) => ['people', 'one', id] as const,
};

export function usePeople(filter: PeopleFilter) {
  return useQuery({
    queryKey: peopleKeys.list(filter),
    queryFn: ({ signal }) => api.get<Page<Person>>('/people', filter, signal),
    placeholderData: keepPreviousData,
  });
}

export function usePerson(id: string) {
  return useQuery({
    queryKey: peopleKeys.one(id),
    queryFn: ({ signal }) => api.get<Person>(`/people/${encodeURIComponent(id)}`, undefined, signal),
  });
}

export function useCreatePerson() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ body, allowDuplicate }: { body: PersonPatch; allowDuplicate?: boolean }) =>
      api.post<Person>('/people', body, allowDuplicate ? { allowDuplicate: 'true' } : undefined),
    onSuccess: (p) => {
      qc.setQueryData(peopleKeys.one(p.id), p);
      void qc.invalidateQueries({ queryKey: ['people', 'list'] });
    },
  });
}

export function useUpdatePerson(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: PersonPatch) => api.patch<Person>(`/people/${encodeURIComponent(id)}`, patch),
    onSuccess: (p) => {
      qc.setQueryData(peopleKeys.one(p.id), p);
      void qc.invalidateQueries({ queryKey: ['people', 'list'] });
    },
  });
}
