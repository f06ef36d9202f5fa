import { Group, Paper, Skeleton, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useMessages } from '../../api/messages.ts';
import { QueryError } from '../../components/QueryError.tsx';
import { MessageDrawer, MessagesTable } from './Outbox.tsx';

/** A person's emails with their status; one opens as it was sent. */
export function PersonMessages({ personId, canOpen }: { personId: string; canOpen: boolean }) {
  const messages = useMessages({ personId, pageSize: 10 });
  const [open, setOpen] = useState<string | null>(null);
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="person-messages">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h5" id="person-messages">
          Messages
        </Title>
        {messages.data && messages.data.total > 10 && (
          <Text size="xs" c="dimmed">
            The latest 10 of {messages.data.total}
          </Text>
        )}
      </Group>
      {messages.isError ? (
        <QueryError error={messages.error} retry={() => messages.refetch()} />
      ) : !messages.data ? (
        <Skeleton h={80} />
      ) : !messages.data.total ? (
        <Text size="sm" c="dimmed">
          No emails to this person yet.
        </Text>
      ) : (
        <MessagesTable
          label="Messages to this person"
          messages={messages.data.items}
          onOpen={(id) => canOpen && setOpen(id)}
          showTo={false}
        />
      )}
      <MessageDrawer id={open} onClose={() => setOpen(null)} />
    </Paper>
  );
}
