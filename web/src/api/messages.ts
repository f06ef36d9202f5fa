import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { JobOut as JobOutSchema } from '../../../src/jobs/jobs.schema.ts';
import type {
  MessageDetail as MessageDetailSchema,
  MessageKind as MessageKindSchema,
  MessageStatus as MessageStatusSchema,
  MessageSummary as MessageSummarySchema,
  TemplateOut as TemplateOutSchema,
  TemplatePreview as TemplatePreviewSchema,
} from '../../../src/messaging/messaging.schema.ts';
import { api } from './client.ts';

export type MessageKind = z.infer<typeof MessageKindSchema>;
export type MessageStatus = z.infer<typeof MessageStatusSchema>;
export type MessageSummary = z.infer<typeof MessageSummarySchema>;
export type MessageDetail = z.infer<typeof MessageDetailSchema>;
export type Template = z.infer<typeof TemplateOutSchema>;
export type TemplatePreview = z.infer<typeof TemplatePreviewSchema>;
export type Job = z.infer<typeof JobOutSchema>;

export type MessageQuery = {
  personId?: string;
  status?: MessageStatus;
  kind?: MessageKind;
  page?: number;
  pageSize?: number;
};

export const messageKeys = {
  all: ['messages'] as const,
  list: (q: MessageQuery) => ['messages', 'list', q] as const,
  one: (id: string) => ['messages', 'one', id] as const,
  failedJobs: ['messages', 'jobs', 'failed'] as const,
  templates: ['templates'] as const,
};

export function useMessages(q: MessageQuery, enabled = true) {
  return useQuery({
    queryKey: messageKeys.list(q),
    queryFn: ({ signal }) =>
      api.get<{ items: MessageSummary[]; total: number }>('/messages', q as Record<string, string>, signal),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useMessage(id: string | null) {
  return useQuery({
    queryKey: messageKeys.one(id ?? ''),
    queryFn: ({ signal }) =>
      api.get<MessageDetail>(`/messages/${encodeURIComponent(id!)}`, undefined, signal),
    enabled: !!id,
  });
}

export function useFailedJobs() {
  return useQuery({
    queryKey: messageKeys.failedJobs,
    queryFn: ({ signal }) => api.get<{ items: Job[] }>('/jobs', { status: 'failed', limit: 100 }, signal),
  });
}

export function useRetryJob() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post<Job>(`/jobs/${encodeURIComponent(id)}/retry`, {}),
    onSuccess: () => qc.invalidateQueries({ queryKey: messageKeys.all }),
  });
}

export function useTemplates() {
  return useQuery({
    queryKey: messageKeys.templates,
    queryFn: ({ signal }) => api.get<{ items: Template[] }>('/templates', undefined, signal),
  });
}

export function useSaveTemplate() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ kind, subject, body }: { kind: MessageKind; subject: string; body: string }) =>
      api.put<Template>(`/templates/${kind}`, { subject, body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: messageKeys.templates }),
  });
}

export function useResetTemplate() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (kind: MessageKind) => api.delete(`/templates/${kind}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: messageKeys.templates }),
  });
}

export const previewTemplate = (kind: MessageKind, draft: { subject: string; body: string }) =>
  api.post<TemplatePreview>(`/templates/${kind}/preview`, draft);

export const messageStatusLabel: Record<MessageStatus, string> = {
  queued: 'Queued',
  sending: 'Sending',
  sent: 'Sent',
  failed: 'Failed',
  suppressed: 'Suppressed',
  kept: 'Kept (no SMTP)',
};

export const messageStatusColor: Record<MessageStatus, string> = {
  queued: 'blue',
  sending: 'blue',
  sent: 'green',
  failed: 'red',
  suppressed: 'gray',
  kept: 'yellow',
};

export const messageKindLabel: Record<MessageKind, string> = {
  ask: 'The ask',
  friend_coupon: 'Friend’s coupon',
  thank_you: 'Thank-you',
  reward_available: 'Reward available',
  survey_invite: 'Survey invitation',
  friend_intro: 'Introduction',
};
