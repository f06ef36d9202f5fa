import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type {
  AskInput as AskInputSchema,
  AskMoment as AskMomentSchema,
  RecordedAsk as RecordedAskSchema,
} from '../../../src/asks/asks.schema.ts';
import { api } from './client.ts';

export type AskMoment = z.infer<typeof AskMomentSchema>;
export type AskInput = z.input<typeof AskInputSchema>;
export type AskOutcome = AskInput['outcome'];
export type RecordedAsk = z.infer<typeof RecordedAskSchema>;

export const askKeys = {
  all: ['asks'] as const,
  moment: (personId: string) => ['asks', 'moment', personId] as const,
};

/** Whether now is a good moment to ask this person, why, and the leading question. */
export function useAskMoment(personId: string) {
  return useQuery({
    queryKey: askKeys.moment(personId),
    queryFn: ({ signal }) =>
      api.get<AskMoment>(`/people/${encodeURIComponent(personId)}/ask-moment`, undefined, signal),
  });
}

/** Records an ask; the names given become referrals. */
export function useRecordAsk() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: AskInput) => api.post<RecordedAsk>('/asks', body),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: askKeys.moment(r.ask.personId) });
      if (r.names.some((n) => n.status === 'added')) {
        void qc.invalidateQueries({ queryKey: ['referrals'] });
        void qc.invalidateQueries({ queryKey: ['people'] });
      }
    },
  });
}
