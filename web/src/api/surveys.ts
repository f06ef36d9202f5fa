import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type {
  SentSurvey as SentSurveySchema,
  SurveyOut as SurveyOutSchema,
  TestimonialOut as TestimonialOutSchema,
  TestimonialPatch as TestimonialPatchSchema,
} from '../../../src/surveys/surveys.schema.ts';
import { api } from './client.ts';
import { messageKeys } from './messages.ts';

export type Survey = z.infer<typeof SurveyOutSchema>;
export type SentSurvey = z.infer<typeof SentSurveySchema>;
export type Testimonial = z.infer<typeof TestimonialOutSchema>;
export type TestimonialPatch = z.input<typeof TestimonialPatchSchema>;
export type TestimonialStatus = Testimonial['status'];

export type SurveyQuery = {
  personId?: string;
  answered?: 'true' | 'false';
  complaint?: 'open' | 'resolved' | 'any';
  page?: number;
  pageSize?: number;
};

export const surveyKeys = {
  all: ['surveys'] as const,
  list: (q: SurveyQuery) => ['surveys', 'list', q] as const,
  testimonials: (status?: TestimonialStatus) => ['surveys', 'testimonials', status ?? 'all'] as const,
};

export function useSurveys(q: SurveyQuery) {
  return useQuery({
    queryKey: surveyKeys.list(q),
    queryFn: ({ signal }) =>
      api.get<{ items: Survey[]; total: number }>('/surveys', q as Record<string, string>, signal),
    placeholderData: keepPreviousData,
  });
}

export function useTestimonials(status?: TestimonialStatus) {
  return useQuery({
    queryKey: surveyKeys.testimonials(status),
    queryFn: ({ signal }) =>
      api.get<{ items: Testimonial[]; total: number }>('/testimonials', { status, pageSize: 100 }, signal),
  });
}

export function useSendSurvey(personId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<SentSurvey>(`/people/${encodeURIComponent(personId)}/surveys`, {}),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: surveyKeys.all });
      qc.invalidateQueries({ queryKey: messageKeys.all });
    },
  });
}

export function useResolveComplaint() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, note }: { id: string; note?: string }) =>
      api.post<Survey>(`/surveys/${encodeURIComponent(id)}/resolve`, note ? { note } : {}),
    onSuccess: () => qc.invalidateQueries({ queryKey: surveyKeys.all }),
  });
}

export function useDecideTestimonial() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: 'approve' | 'reject' }) =>
      api.post<Testimonial>(`/testimonials/${encodeURIComponent(id)}/${action}`, {}),
    onSuccess: () => qc.invalidateQueries({ queryKey: surveyKeys.all }),
  });
}

export function useUpdateTestimonial() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...patch }: TestimonialPatch & { id: string }) =>
      api.patch<Testimonial>(`/testimonials/${encodeURIComponent(id)}`, patch),
    onSuccess: () => qc.invalidateQueries({ queryKey: surveyKeys.all }),
  });
}

/** A 0–10 score's colour: promoters green, passives yellow, detractors red. */
export const scoreColor = (score: number | null) =>
  score === null ? 'gray' : score >= 9 ? 'green' : score >= 7 ? 'yellow' : 'red';
