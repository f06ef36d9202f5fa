import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  Drawer,
  Group,
  Pagination,
  Paper,
  Stack,
  Table,
  Tabs,
  Text,
  VisuallyHidden,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { errorMessage } from '../../api/client.ts';
import {
  type Job,
  type MessageStatus,
  type MessageSummary,
  messageKindLabel,
  messageStatusColor,
  messageStatusLabel,
  useFailedJobs,
  useMessage,
  useMessages,
  useRetryJob,
} from '../../api/messages.ts';
import { ListEmpty, ListLoading } from '../../components/ListStates.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { StatusFilter } from '../../components/StatusFilter.tsx';
import { formatDateTime } from '../../format.ts';

const PAGE_SIZE = 25;

const STATUSES: Array<{ value: MessageStatus | 'all'; label: string }> = [
  { value: 'all', label: 'All' },
  ...(['queued', 'sent', 'failed', 'suppressed'] as const).map((s) => ({
    value: s,
    label: messageStatusLabel[s],
  })),
];

export function StatusBadge({ status }: { status: MessageStatus }) {
  return (
    <Badge size="sm" variant="light" color={messageStatusColor[status]}>
      {messageStatusLabel[status]}
    </Badge>
  );
}

/** One message as sent: the rendered HTML in a sandboxed frame, the plain text, the error. */
export function MessageDrawer({ id, onClose }: { id: string | null; onClose: () => void }) {
  const m = useMessage(id);
  return (
    <Drawer
      opened={!!id}
      onClose={onClose}
      position="right"
      size="xl"
      title={<Text fw={600}>{m.data?.subject ?? 'Message'}</Text>}
      closeButtonProps={{ 'aria-label': 'Close message' }}
    >
      {m.isError ? (
        <QueryError error={m.error} retry={() => m.refetch()} />
      ) : !m.data ? (
        <ListLoading />
      ) : (
        <Stack gap="md">
          <Group gap="xs">
            <StatusBadge status={m.data.status} />
            <Text size="sm" c="dimmed">
              {messageKindLabel[m.data.kind]} to {m.data.to} · {formatDateTime(m.data.createdAt)}
              {m.data.sentAt ? ` · sent ${formatDateTime(m.data.sentAt)}` : ''}
            </Text>
          </Group>
          {m.data.lastError && (
            <Alert color={m.data.status === 'failed' ? 'red' : 'gray'} title="Why it did not go out">
              {m.data.lastError}
            </Alert>
          )}
          <Tabs defaultValue="html">
            <Tabs.List>
              <Tabs.Tab value="html">As the email looks</Tabs.Tab>
              <Tabs.Tab value="text">Plain text</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="html" pt="sm">
              {/* An empty sandbox: no scripts, no forms, no navigation of this page. */}
              <iframe
                title={`Email: ${m.data.subject}`}
                sandbox=""
                srcDoc={m.data.html}
                style={{
                  width: '100%',
                  height: 560,
                  border: '1px solid var(--mantine-color-gray-3)',
                  borderRadius: 8,
                }}
              />
            </Tabs.Panel>
            <Tabs.Panel value="text" pt="sm">
              <Code block style={{ whiteSpace: 'pre-wrap' }}>
                {m.data.text}
              </Code>
            </Tabs.Panel>
          </Tabs>
        </Stack>
      )}
    </Drawer>
  );
}

/** A message's subject, opening the message (the phone list and the table alike). */
function Subject({ subject, onOpen }: { subject: string; onOpen: () => void }) {
  return (
    <Anchor
      component="button"
      type="button"
      size="sm"
      fw={500}
      c="dark"
      ta="left"
      onClick={onOpen}
      style={{ minWidth: 0, overflowWrap: 'anywhere' }}
    >
      {subject}
    </Anchor>
  );
}

export function MessagesTable({
  label,
  messages,
  onOpen,
  showTo = true,
}: {
  label: string;
  messages: MessageSummary[];
  onOpen: (id: string) => void;
  showTo?: boolean;
}) {
  // On a phone a table of four columns does not fit: one line per message instead.
  const phone = useMediaQuery('(max-width: 36em)');
  if (phone)
    return (
      <Paper
        withBorder
        radius="md"
        component="ul"
        aria-label={label}
        p={0}
        m={0}
        style={{ listStyle: 'none' }}
      >
        {messages.map((m, i) => (
          <li
            key={m.id}
            style={{
              padding: '10px 12px',
              borderTop: i ? '1px solid var(--mantine-color-gray-3)' : undefined,
            }}
          >
            <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
              <Subject subject={m.subject} onOpen={() => onOpen(m.id)} />
              <StatusBadge status={m.status} />
            </Group>
            <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
              {messageKindLabel[m.kind]}
              {showTo ? ` · ${m.to}` : ''} · {formatDateTime(m.sentAt ?? m.createdAt)}
            </Text>
            {m.status === 'failed' && m.lastError && (
              <Text size="xs" c="red.9" mt={2}>
                {m.lastError}
              </Text>
            )}
          </li>
        ))}
      </Paper>
    );
  return (
    <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
      <Table.ScrollContainer minWidth={showTo ? 560 : 320}>
        <Table verticalSpacing="sm" aria-label={label} highlightOnHover>
          <Table.Thead bg="gray.0">
            <Table.Tr>
              <Table.Th>Subject</Table.Th>
              {showTo && <Table.Th>To</Table.Th>}
              <Table.Th>Status</Table.Th>
              <Table.Th>When</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {messages.map((m) => (
              <Table.Tr key={m.id}>
                <Table.Td>
                  <Subject subject={m.subject} onOpen={() => onOpen(m.id)} />
                  <Text size="xs" c="dimmed">
                    {messageKindLabel[m.kind]}
                  </Text>
                </Table.Td>
                {showTo && (
                  <Table.Td>
                    {m.personId ? (
                      <Anchor component={Link} to={`/people/${m.personId}`} size="sm">
                        {m.to}
                      </Anchor>
                    ) : (
                      <Text size="sm">{m.to}</Text>
                    )}
                  </Table.Td>
                )}
                <Table.Td>
                  <StatusBadge status={m.status} />
                  {m.status === 'failed' && m.lastError && (
                    <Text size="xs" c="red.9" mt={2} lineClamp={2}>
                      {m.lastError}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                    {formatDateTime(m.sentAt ?? m.createdAt)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

function MessagesTab() {
  const [params, setParams] = useSearchParams();
  const raw = params.get('status');
  const status = STATUSES.some((s) => s.value === raw && raw !== 'all') ? (raw as MessageStatus) : undefined;
  const page = Number(params.get('page')) || 1;
  const [open, setOpen] = useState<string | null>(null);
  const messages = useMessages({ status, page, pageSize: PAGE_SIZE });
  const set = (change: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(change)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!('page' in change)) next.delete('page');
    setParams(next, { replace: true });
  };
  const pages = Math.max(1, Math.ceil((messages.data?.total ?? 0) / PAGE_SIZE));
  return (
    <>
      <StatusFilter data={STATUSES} value={status} onChange={(v) => set({ status: v })} />
      {messages.isError ? (
        <QueryError error={messages.error} retry={() => messages.refetch()} />
      ) : !messages.data ? (
        <ListLoading />
      ) : messages.data.total === 0 ? (
        <ListEmpty>
          {status ? `No ${messageStatusLabel[status].toLowerCase()} messages.` : 'No messages yet.'}
        </ListEmpty>
      ) : (
        <>
          <MessagesTable label="Messages" messages={messages.data.items} onOpen={setOpen} />
          <Group justify="space-between" mt="md">
            <Text size="sm" c="dimmed" aria-live="polite">
              {messages.data.total} {messages.data.total === 1 ? 'message' : 'messages'}
            </Text>
            {pages > 1 && (
              <Pagination
                total={pages}
                value={page}
                onChange={(p) => set({ page: String(p) })}
                size="sm"
                getControlProps={(control) => ({ 'aria-label': `${control} page` })}
              />
            )}
          </Group>
        </>
      )}
      <MessageDrawer id={open} onClose={() => setOpen(null)} />
    </>
  );
}

const jobLabel = (j: Job) =>
  j.kind === 'deliver-message'
    ? 'Email delivery'
    : j.kind.replace(/[-_]/g, ' ').replace(/^./, (c) => c.toUpperCase());

function FailedJobs() {
  const jobs = useFailedJobs();
  const retry = useRetryJob();
  const [open, setOpen] = useState<string | null>(null);
  const run = (j: Job) =>
    retry.mutate(j.id, {
      onSuccess: () => notifications.show({ message: `${jobLabel(j)} queued again`, color: 'brand' }),
      onError: (err) =>
        notifications.show({ title: 'Could not retry', message: errorMessage(err), color: 'red' }),
    });
  if (jobs.isError) return <QueryError error={jobs.error} retry={() => jobs.refetch()} />;
  if (!jobs.data) return <ListLoading />;
  if (!jobs.data.items.length)
    return <ListEmpty>No failed jobs. Everything went out or is on its way.</ListEmpty>;
  return (
    <>
      <Text size="sm" c="dimmed" mb="md">
        Jobs that gave up after their retries. Fix the cause (the SMTP settings, an address), then retry.
      </Text>
      <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
        <Table.ScrollContainer minWidth={520}>
          <Table verticalSpacing="sm" aria-label="Failed jobs">
            <Table.Thead bg="gray.0">
              <Table.Tr>
                <Table.Th>Job</Table.Th>
                <Table.Th>Error</Table.Th>
                <Table.Th>Gave up</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {jobs.data.items.map((j) => {
                const messageId = (j.payload as { messageId?: string } | null)?.messageId;
                return (
                  <Table.Tr key={j.id}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {jobLabel(j)}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {j.attempts} of {j.maxAttempts} attempts
                      </Text>
                      {messageId && (
                        <Anchor component="button" type="button" size="xs" onClick={() => setOpen(messageId)}>
                          Open the message
                        </Anchor>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="red.9" style={{ wordBreak: 'break-word' }}>
                        {j.lastError}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                        {formatDateTime(j.finishedAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Group justify="flex-end">
                        <Button
                          size="xs"
                          variant="light"
                          onClick={() => run(j)}
                          loading={retry.isPending && retry.variables === j.id}
                          aria-label={`Retry ${jobLabel(j).toLowerCase()}`}
                        >
                          Retry
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
      <MessageDrawer id={open} onClose={() => setOpen(null)} />
    </>
  );
}

/** The built-in outbox viewer: every email with its status, and the jobs that failed. */
export default function Outbox() {
  const failed = useFailedJobs();
  const n = failed.data?.items.length ?? 0;
  return (
    <>
      <PageHeader
        title="Outbox"
        description="Every email Vouch writes, as it went out (or would have). Without SMTP settings they are kept here."
        actions={
          <Button component={Link} to="/templates" variant="default">
            Edit templates
          </Button>
        }
      />
      <Tabs defaultValue="messages" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="messages">Messages</Tabs.Tab>
          <Tabs.Tab
            value="jobs"
            rightSection={
              n ? (
                <Badge size="xs" color="red" variant="filled" aria-label={`${n} failed`}>
                  {n}
                </Badge>
              ) : null
            }
          >
            Failed jobs
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="messages">
          <MessagesTab />
        </Tabs.Panel>
        <Tabs.Panel value="jobs">
          <FailedJobs />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
