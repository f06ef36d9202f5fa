import {
  Anchor,
  Badge,
  Box,
  Button,
  Group,
  Modal,
  MultiSelect,
  Pagination,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api, errorMessage, fieldErrors } from '../../api/client.ts';
import { usePrograms } from '../../api/programs.ts';
import {
  type Survey,
  scoreColor,
  type Testimonial,
  type TestimonialStatus,
  useDecideTestimonial,
  useResolveComplaint,
  useSurveys,
  useTestimonials,
  useUpdateTestimonial,
} from '../../api/surveys.ts';
import { ListEmpty, ListLoading } from '../../components/ListStates.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { formatDateTime } from '../../format.ts';

const PAGE_SIZE = 25;

export function ScoreBadge({ score }: { score: number | null }) {
  return (
    <Badge
      variant="light"
      color={scoreColor(score)}
      size="lg"
      radius="sm"
      aria-label={score === null ? 'No answer yet' : `Score ${score} out of 10`}
    >
      {score ?? '–'}
    </Badge>
  );
}

function Answers() {
  const [page, setPage] = useState(1);
  const surveys = useSurveys({ answered: 'true', page, pageSize: PAGE_SIZE });
  if (surveys.isError) return <QueryError error={surveys.error} retry={() => surveys.refetch()} />;
  if (!surveys.data) return <ListLoading rows={4} height={56} />;
  if (!surveys.data.total)
    return (
      <ListEmpty>
        No answers yet. Send a survey from a person’s profile, or let an ask rule send them.
      </ListEmpty>
    );
  const pages = Math.ceil(surveys.data.total / PAGE_SIZE);
  return (
    <>
      <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="sm" aria-label="Survey answers">
            <Table.Thead bg="gray.0">
              <Table.Tr>
                <Table.Th w={70}>Score</Table.Th>
                <Table.Th>Client</Table.Th>
                <Table.Th>What would make us better · feedback</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {surveys.data.items.map((s) => (
                <Table.Tr key={s.id}>
                  <Table.Td>
                    <ScoreBadge score={s.score} />
                  </Table.Td>
                  <Table.Td>
                    <Anchor component={Link} to={`/people/${s.person.id}`} size="sm" fw={500} c="dark">
                      {s.person.name}
                    </Anchor>
                    <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                      {formatDateTime(s.answeredAt)}
                    </Text>
                    {s.complaint && (
                      <Badge size="xs" variant="light" color={s.complaint.resolvedAt ? 'gray' : 'red'} mt={4}>
                        {s.complaint.resolvedAt ? 'Complaint resolved' : 'Open complaint'}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <SurveyText survey={s} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
      <Group justify="space-between" mt="md">
        <Text size="sm" c="dimmed" aria-live="polite">
          {surveys.data.total} {surveys.data.total === 1 ? 'answer' : 'answers'}
        </Text>
        {pages > 1 && (
          <Pagination
            total={pages}
            value={page}
            onChange={setPage}
            size="sm"
            getControlProps={(control) => ({ 'aria-label': `${control} page` })}
          />
        )}
      </Group>
    </>
  );
}

export function SurveyText({ survey: s }: { survey: Survey }) {
  if (!s.better && !s.feedback)
    return (
      <Text size="sm" c="dimmed">
        No comments
      </Text>
    );
  return (
    <Stack gap={4}>
      {s.better && (
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          <Text span fw={600}>
            Better:{' '}
          </Text>
          {s.better}
        </Text>
      )}
      {s.feedback && (
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {s.feedback}
        </Text>
      )}
      {s.mayQuote && (
        <Text size="xs" c="dimmed">
          May be quoted as “{s.quoteName}”
        </Text>
      )}
    </Stack>
  );
}

function Threshold() {
  const qc = useQueryClient();
  const settings = useQuery({
    queryKey: ['surveys', 'settings'],
    queryFn: ({ signal }) => api.get<{ lowScore: number }>('/surveys/settings', undefined, signal),
  });
  const save = useMutation({
    mutationFn: (lowScore: number) => api.put<{ lowScore: number }>('/surveys/settings', { lowScore }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['surveys', 'settings'] }),
  });
  return (
    <Select
      label="A complaint opens at a score of"
      data={Array.from({ length: 9 }, (_, i) => ({ value: String(i), label: `${i} or lower` }))}
      value={settings.data ? String(settings.data.lowScore) : null}
      onChange={(v) =>
        v !== null &&
        save.mutate(Number(v), {
          onSuccess: () => notifications.show({ message: 'Saved', color: 'brand' }),
          onError: (err) =>
            notifications.show({ title: 'Could not save', message: errorMessage(err), color: 'red' }),
        })
      }
      allowDeselect={false}
      w={220}
      disabled={!settings.data}
    />
  );
}

function Complaints() {
  const [show, setShow] = useState<'open' | 'resolved'>('open');
  const surveys = useSurveys({ complaint: show, pageSize: 100 });
  const resolve = useResolveComplaint();
  const [resolving, setResolving] = useState<Survey | null>(null);
  const [note, setNote] = useState('');
  const done = () => {
    if (!resolving) return;
    resolve.mutate(
      { id: resolving.id, note: note.trim() || undefined },
      {
        onSuccess: () => {
          notifications.show({ message: `Complaint of ${resolving.person.name} resolved`, color: 'brand' });
          setResolving(null);
          setNote('');
        },
        onError: (err) =>
          notifications.show({ title: 'Could not resolve', message: errorMessage(err), color: 'red' }),
      },
    );
  };
  return (
    <>
      <Group justify="space-between" align="flex-end" mb="md" gap="sm">
        <Text size="sm" c="dimmed" maw={520}>
          A low score opens a complaint: the owner gets in touch and puts it right. Nobody is asked for
          referrals while their complaint is open.
        </Text>
        <Group gap="sm" align="flex-end">
          <Threshold />
          <Select
            label="Show"
            data={[
              { value: 'open', label: 'Open' },
              { value: 'resolved', label: 'Resolved' },
            ]}
            value={show}
            onChange={(v) => v && setShow(v as 'open' | 'resolved')}
            allowDeselect={false}
            w={140}
          />
        </Group>
      </Group>
      {surveys.isError ? (
        <QueryError error={surveys.error} retry={() => surveys.refetch()} />
      ) : !surveys.data ? (
        <ListLoading rows={4} height={56} />
      ) : !surveys.data.total ? (
        <ListEmpty>{show === 'open' ? 'No open complaints.' : 'No complaints resolved yet.'}</ListEmpty>
      ) : (
        <Stack gap="sm">
          {surveys.data.items.map((s) => (
            <Paper key={s.id} withBorder radius="md" p="md">
              <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
                <Group align="flex-start" wrap="nowrap" gap="sm" miw={0}>
                  <ScoreBadge score={s.score} />
                  <Stack gap={4} miw={0}>
                    <Group gap={6}>
                      <Anchor component={Link} to={`/people/${s.person.id}`} fw={600} c="dark" size="sm">
                        {s.person.name}
                      </Anchor>
                      <Text size="xs" c="dimmed">
                        {formatDateTime(s.answeredAt)}
                      </Text>
                    </Group>
                    <SurveyText survey={s} />
                    {s.complaint?.resolvedAt && (
                      <Text size="xs" c="dimmed">
                        Resolved {formatDateTime(s.complaint.resolvedAt)}
                        {s.complaint.note ? `: ${s.complaint.note}` : ''}
                      </Text>
                    )}
                  </Stack>
                </Group>
                {!s.complaint?.resolvedAt && (
                  <Button
                    size="xs"
                    variant="light"
                    onClick={() => setResolving(s)}
                    aria-label={`Resolve the complaint of ${s.person.name}`}
                  >
                    Resolve
                  </Button>
                )}
              </Group>
            </Paper>
          ))}
        </Stack>
      )}
      <Modal
        opened={!!resolving}
        onClose={() => setResolving(null)}
        title={`Resolve the complaint of ${resolving?.person.name ?? ''}`}
      >
        <Stack>
          <Textarea
            label="What was done"
            description="For example: called, apologised, next visit free."
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            maxLength={2000}
            autosize
            minRows={3}
            data-autofocus
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setResolving(null)}>
              Cancel
            </Button>
            <Button onClick={done} loading={resolve.isPending}>
              Mark resolved
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

const testimonialStatusColor: Record<TestimonialStatus, string> = {
  pending: 'yellow',
  approved: 'green',
  rejected: 'gray',
};
const testimonialStatusLabel: Record<TestimonialStatus, string> = {
  pending: 'Waiting for you',
  approved: 'Approved',
  rejected: 'Rejected',
};

function TestimonialCard({
  t,
  programs,
}: {
  t: Testimonial;
  programs: Array<{ value: string; label: string }>;
}) {
  const decide = useDecideTestimonial();
  const update = useUpdateTestimonial();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(t.displayName);
  const [quote, setQuote] = useState(t.quote);
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    setName(t.displayName);
    setQuote(t.quote);
  }, [t]);
  const act = (action: 'approve' | 'reject') =>
    decide.mutate(
      { id: t.id, action },
      {
        onSuccess: () =>
          notifications.show({
            message: action === 'approve' ? 'Approved: now choose where it shows' : 'Rejected',
            color: 'brand',
          }),
        onError: (err) =>
          notifications.show({ title: 'Could not save', message: errorMessage(err), color: 'red' }),
      },
    );
  const attach = (programIds: string[]) =>
    update.mutate(
      { id: t.id, programIds },
      {
        onError: (err) =>
          notifications.show({ title: 'Could not save', message: errorMessage(err), color: 'red' }),
      },
    );
  const saveText = () =>
    update.mutate(
      { id: t.id, displayName: name, quote },
      {
        onSuccess: () => {
          setEditing(false);
          setErrors({});
        },
        onError: (err) => setErrors(fieldErrors(err)),
      },
    );
  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap="sm">
        <Group justify="space-between" gap="xs">
          <Group gap="xs">
            <Badge variant="light" color={testimonialStatusColor[t.status]}>
              {testimonialStatusLabel[t.status]}
            </Badge>
            <ScoreBadge score={t.score} />
          </Group>
          <Text size="xs" c="dimmed">
            From{' '}
            <Anchor component={Link} to={`/people/${t.person.id}`} size="xs" underline="always">
              {t.person.name}
            </Anchor>{' '}
            · {formatDateTime(t.createdAt)}
          </Text>
        </Group>
        {editing ? (
          <>
            <Textarea
              label="Quote"
              description="Fix a typo or shorten it; never change what they meant."
              value={quote}
              onChange={(e) => setQuote(e.currentTarget.value)}
              error={errors.quote}
              autosize
              minRows={2}
              maxLength={1000}
            />
            <TextInput
              label="Display name"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={errors.displayName}
              maxLength={100}
            />
            <Group gap="xs">
              <Button size="xs" onClick={saveText} loading={update.isPending}>
                Save
              </Button>
              <Button size="xs" variant="default" onClick={() => setEditing(false)}>
                Cancel
              </Button>
            </Group>
          </>
        ) : (
          <Box
            component="figure"
            m={0}
            pl="sm"
            style={{ borderLeft: '4px solid var(--mantine-color-brand-6)' }}
          >
            <Text component="blockquote" m={0} size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              “{t.quote}”
            </Text>
            <Text component="figcaption" size="sm" fw={500} mt={4}>
              — {t.displayName}
            </Text>
          </Box>
        )}
        {t.status === 'approved' && (
          <MultiSelect
            label="Show on the landing page of"
            placeholder={t.programIds.length ? undefined : 'Choose programs'}
            data={programs}
            value={t.programIds}
            onChange={attach}
            clearable
            searchable
            disabled={update.isPending}
          />
        )}
        {!editing && (
          <Group gap="xs">
            {t.status !== 'approved' && (
              <Button
                size="xs"
                onClick={() => act('approve')}
                loading={decide.isPending && decide.variables?.action === 'approve'}
              >
                Approve
              </Button>
            )}
            {t.status !== 'rejected' && (
              <Button
                size="xs"
                variant="default"
                onClick={() => act('reject')}
                loading={decide.isPending && decide.variables?.action === 'reject'}
              >
                Reject
              </Button>
            )}
            <Button
              size="xs"
              variant="subtle"
              onClick={() => setEditing(true)}
              aria-label={`Edit name or quote: ${t.displayName}`}
            >
              Edit name or quote
            </Button>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}

function Testimonials() {
  const [status, setStatus] = useState<TestimonialStatus | 'all'>('all');
  const list = useTestimonials(status === 'all' ? undefined : status);
  const programs = usePrograms();
  const options = (programs.data ?? [])
    .filter((p) => p.status !== 'ended')
    .map((p) => ({ value: p.id, label: p.name }));
  return (
    <>
      <Group justify="space-between" align="flex-end" mb="md" gap="sm">
        <Text size="sm" c="dimmed" maw={520}>
          Clients who ticked “You may quote my feedback”. Approve the words, check the name they chose, and
          pick the programs whose landing page shows them.
        </Text>
        <Select
          label="Show"
          data={[
            { value: 'all', label: 'All' },
            { value: 'pending', label: 'Waiting for you' },
            { value: 'approved', label: 'Approved' },
            { value: 'rejected', label: 'Rejected' },
          ]}
          value={status}
          onChange={(v) => v && setStatus(v as TestimonialStatus | 'all')}
          allowDeselect={false}
          w={180}
        />
      </Group>
      {list.isError ? (
        <QueryError error={list.error} retry={() => list.refetch()} />
      ) : !list.data ? (
        <ListLoading rows={4} height={56} />
      ) : !list.data.total ? (
        <ListEmpty>
          No testimonials {status === 'all' ? 'yet' : testimonialStatusLabel[status].toLowerCase()}.
        </ListEmpty>
      ) : (
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
          {list.data.items.map((t) => (
            <TestimonialCard key={t.id} t={t} programs={options} />
          ))}
        </SimpleGrid>
      )}
    </>
  );
}

/** Survey answers, complaints from low scores, and the testimonials queue. */
export default function Feedback() {
  const complaints = useSurveys({ complaint: 'open', pageSize: 1 });
  const pending = useTestimonials('pending');
  const nComplaints = complaints.data?.total ?? 0;
  const nPending = pending.data?.total ?? 0;
  const count = (n: number, color: string, what: string) =>
    n ? (
      <Badge size="xs" color={color} variant="filled" aria-label={`${n} ${what}`}>
        {n}
      </Badge>
    ) : null;
  return (
    <>
      <PageHeader
        title="Feedback"
        description="What clients say in the survey after a visit: scores, ideas, complaints to put right, and quotes to share."
      />
      <Tabs defaultValue="answers" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="answers">Answers</Tabs.Tab>
          <Tabs.Tab value="complaints" rightSection={count(nComplaints, 'red', 'open')}>
            Complaints
          </Tabs.Tab>
          <Tabs.Tab value="testimonials" rightSection={count(nPending, 'yellow.9', 'waiting')}>
            Testimonials
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="answers">
          <Answers />
        </Tabs.Panel>
        <Tabs.Panel value="complaints">
          <Complaints />
        </Tabs.Panel>
        <Tabs.Panel value="testimonials">
          <Testimonials />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
