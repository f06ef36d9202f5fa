import { Badge, Button, Group, Paper, Skeleton, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { errorMessage } from '../../api/client.ts';
import { useSendSurvey, useSurveys } from '../../api/surveys.ts';
import { QueryError } from '../../components/QueryError.tsx';
import { formatDateTime } from '../../format.ts';
import { ScoreBadge, SurveyText } from './Feedback.tsx';

/** A person's surveys and answers, and "Send a survey". */
export function PersonSurveys({ personId, hasEmail }: { personId: string; hasEmail: boolean }) {
  const surveys = useSurveys({ personId, pageSize: 20 });
  const send = useSendSurvey(personId);
  const onSend = () =>
    send.mutate(undefined, {
      onSuccess: (r) =>
        notifications.show({
          message:
            r.survey.messageStatus === 'suppressed'
              ? 'Survey made, but the email was not sent: this person does not receive email.'
              : 'Survey sent',
          color: r.survey.messageStatus === 'suppressed' ? 'yellow' : 'brand',
        }),
      onError: (err) =>
        notifications.show({ title: 'Could not send', message: errorMessage(err), color: 'red' }),
    });
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="person-surveys">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h5" id="person-surveys">
          Feedback
        </Title>
        <Button
          size="xs"
          variant="light"
          onClick={onSend}
          loading={send.isPending}
          disabled={!hasEmail}
          title={hasEmail ? undefined : 'Add an email address first'}
        >
          Send a survey
        </Button>
      </Group>
      {surveys.isError ? (
        <QueryError error={surveys.error} retry={() => surveys.refetch()} />
      ) : !surveys.data ? (
        <Skeleton h={60} />
      ) : !surveys.data.total ? (
        <Text size="sm" c="dimmed">
          No surveys yet.
        </Text>
      ) : (
        <Stack gap="sm">
          {surveys.data.items.map((s) => (
            <Group key={s.id} align="flex-start" wrap="nowrap" gap="sm">
              <ScoreBadge score={s.score} />
              <Stack gap={2} miw={0}>
                <Group gap={6}>
                  <Text size="xs" c="dimmed">
                    {s.answeredAt
                      ? `Answered ${formatDateTime(s.answeredAt)}`
                      : `Sent ${formatDateTime(s.sentAt)}, not answered yet`}
                  </Text>
                  {s.complaint && (
                    <Badge size="xs" variant="light" color={s.complaint.resolvedAt ? 'gray' : 'red'}>
                      {s.complaint.resolvedAt ? 'Complaint resolved' : 'Open complaint'}
                    </Badge>
                  )}
                </Group>
                {s.answeredAt && <SurveyText survey={s} />}
              </Stack>
            </Group>
          ))}
        </Stack>
      )}
    </Paper>
  );
}
