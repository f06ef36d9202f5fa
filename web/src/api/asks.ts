import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type {
  AskInput as AskInputSchema,
  AskMoment as AskMomentSchema,
  RecordedAsk as RecordedAskSchema,
} from '../../../src/asks/asks.schema.ts';
import type {
  AskRuleInput as AskRuleInputSchema,
  AskRule as AskRuleSchema,
  RulePreview as RulePreviewSchema,
  TodayList as TodayListSchema,
} from '../../../src/asks/rules.schema.ts';
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
      void qc.invalidateQueries({ queryKey: ['asks', 'today'] });
      if (r.names.some((n) => n.status === 'added')) {
        void qc.invalidateQueries({ queryKey: ['referrals'] });
        void qc.invalidateQueries({ queryKey: ['people'] });
      }
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Who to ask today, and the ask rules

export type TodayList = z.infer<typeof TodayListSchema>;
export type TodayAsk = TodayList['items'][number];
export type AskRule = z.infer<typeof AskRuleSchema>;
export type AskRuleInput = z.input<typeof AskRuleInputSchema>;
export type RulePreview = z.infer<typeof RulePreviewSchema>;

export const ruleKeys = {
  today: ['asks', 'today'] as const,
  rules: ['asks', 'rules'] as const,
  preview: (id: string, days: number) => ['asks', 'rules', id, 'preview', days] as const,
};

/** Today's due staff asks and the postcards to print. */
export function useTodayAsks() {
  return useQuery({
    queryKey: ruleKeys.today,
    queryFn: ({ signal }) => api.get<TodayList>('/asks/today', undefined, signal),
  });
}

export function useAskRules() {
  return useQuery({
    queryKey: ruleKeys.rules,
    queryFn: async ({ signal }) =>
      (await api.get<{ items: AskRule[] }>('/ask-rules', undefined, signal)).items,
  });
}

export function useSaveAskRule() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id?: string; body: Partial<AskRuleInput> }) =>
      id ? api.patch<AskRule>(`/ask-rules/${id}`, body) : api.post<AskRule>('/ask-rules', body),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ruleKeys.rules }),
  });
}

export function useDeleteAskRule() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(`/ask-rules/${id}`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ruleKeys.rules }),
  });
}

/** "This rule would ask these N people this week"; null id: nothing to preview. */
export function useRulePreview(id: string | null, days = 7) {
  return useQuery({
    queryKey: ruleKeys.preview(id ?? '', days),
    enabled: !!id,
    queryFn: ({ signal }) => api.get<RulePreview>(`/ask-rules/${id}/preview`, { days }, signal),
  });
}
