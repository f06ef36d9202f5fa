import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, errorMessage, fieldErrors } from '../../api/client.ts';
import type { ApiKey, NewApiKey } from '../../api/types.ts';
import { IconAlert } from '../../components/icons.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { formatDate, formatDateTime } from '../../format.ts';

const keysKey = ['api-keys'] as const;

export default function ApiKeySettings() {
  const qc = useQueryClient();
  const keys = useQuery({
    queryKey: keysKey,
    queryFn: ({ signal }) => api.get<ApiKey[]>('/api-keys', undefined, signal),
  });
  const [created, setCreated] = useState<NewApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const form = useForm({
    initialValues: { name: '' },
    validate: { name: (v) => (v.trim() ? null : 'Name the key after what will use it') },
  });
  const create = useMutation({
    mutationFn: (name: string) => api.post<NewApiKey>('/api-keys', { name }),
    onSuccess: (k) => {
      setCreated(k);
      form.reset();
      void qc.invalidateQueries({ queryKey: keysKey });
    },
    onError: (err) => form.setErrors({ name: fieldErrors(err).name ?? errorMessage(err) }),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.delete(`/api-keys/${id}`),
    onSuccess: () => {
      setRevoking(null);
      void qc.invalidateQueries({ queryKey: keysKey });
    },
  });

  return (
    <Stack gap="lg" maw={960}>
      <Text size="sm" c="dimmed">
        A point-of-sale or booking system uses an API key to send purchases and visits to Vouch. Send it as{' '}
        <Code>Authorization: Bearer KEY</Code>.
      </Text>
      {keys.isError ? (
        <QueryError error={keys.error} retry={() => keys.refetch()} />
      ) : !keys.data ? (
        <Skeleton h={120} />
      ) : keys.data.length === 0 ? (
        <Text size="sm">No API keys yet.</Text>
      ) : (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={560}>
            <Table verticalSpacing="sm" aria-label="API keys">
              <Table.Thead bg="gray.0">
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Key</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th aria-label="Actions" />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {keys.data.map((k) => (
                  <Table.Tr key={k.id} opacity={k.revokedAt ? 0.6 : 1}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {k.name}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Code>{k.prefix}…</Code>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {formatDate(k.createdAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {k.lastUsedAt ? formatDateTime(k.lastUsedAt) : 'never'}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">
                      {k.revokedAt ? (
                        <Badge color="gray" variant="light">
                          revoked
                        </Badge>
                      ) : (
                        <Button
                          variant="subtle"
                          color="red"
                          size="xs"
                          onClick={() => setRevoking(k)}
                          aria-label={`Revoke ${k.name}`}
                        >
                          Revoke
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}

      <Paper withBorder radius="md" p="md" component="section" aria-label="Create an API key">
        <Title order={2} size="h5" mb="sm">
          Create an API key
        </Title>
        <form onSubmit={form.onSubmit((v) => create.mutate(v.name.trim()))} noValidate>
          <Group align="flex-end" gap="sm">
            <TextInput
              label="Name"
              placeholder="e.g. Booking system"
              style={{ flex: '1 1 240px' }}
              {...form.getInputProps('name')}
            />
            <Button type="submit" loading={create.isPending}>
              Create key
            </Button>
          </Group>
        </form>
      </Paper>

      <Modal
        opened={!!created}
        onClose={() => setCreated(null)}
        title="Your new API key"
        centered
        closeOnClickOutside={false}
      >
        <Stack gap="sm">
          <Alert color="yellow" icon={<IconAlert />}>
            Copy it now and store it somewhere safe: it is shown only this once.
          </Alert>
          <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }} aria-label="API key">
            {created?.key}
          </Code>
          <Group justify="flex-end">
            <CopyButton value={created?.key ?? ''}>
              {({ copied, copy }) => (
                <Button variant="light" onClick={copy}>
                  {copied ? 'Copied' : 'Copy key'}
                </Button>
              )}
            </CopyButton>
            <Button onClick={() => setCreated(null)}>I have stored it</Button>
          </Group>
        </Stack>
      </Modal>

      <Modal opened={!!revoking} onClose={() => setRevoking(null)} title="Revoke API key?" centered>
        <Text size="sm">
          Anything still using “{revoking?.name}” stops working at once. This cannot be undone.
        </Text>
        {revoke.isError && (
          <Text c="red.9" size="sm" mt="sm" role="alert">
            {errorMessage(revoke.error)}
          </Text>
        )}
        <Group justify="flex-end" mt="lg">
          <Button variant="default" onClick={() => setRevoking(null)}>
            Cancel
          </Button>
          <Button
            color="red"
            loading={revoke.isPending}
            onClick={() => revoking && revoke.mutate(revoking.id)}
          >
            Revoke
          </Button>
        </Group>
      </Modal>
    </Stack>
  );
}
