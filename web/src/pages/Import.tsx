import {
  Alert,
  Anchor,
  Badge,
  Button,
  FileInput,
  Group,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { API, apiUrl, errorMessage, request } from '../api/client.ts';
import { IconAlert, IconUpload } from '../components/icons.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { QueryError } from '../components/QueryError.tsx';
import { formatDateTime } from '../format.ts';

/** Mirrors `Import` and `ImportSummary` of src/people/people.import.ts (which imports Node modules). */
type Import = {
  id: string;
  kind: 'people';
  filename: string;
  status: 'running' | 'done' | 'failed';
  rowsTotal: number;
  rowsCreated: number;
  rowsUpdated: number;
  rowsUnchanged: number;
  rowsRejected: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
};
type ImportSummary = Import & {
  source?: string | null;
  columns?: Array<{ header: string; field: string | null }>;
};

const importsKey = ['imports'] as const;
const rejectsUrl = (id: string) => `${API}/imports/${encodeURIComponent(id)}/rejects.csv`;

const statusColor = { running: 'blue', done: 'brand', failed: 'red' } as const;

function Stat({ label, value, color }: { label: string; value: number; color?: string }) {
  return (
    <Paper withBorder radius="md" p="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz={26} fw={700} c={color}>
        {value.toLocaleString()}
      </Text>
    </Paper>
  );
}

function Summary({ result }: { result: ImportSummary }) {
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label="Import result">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          {result.filename}
        </Title>
        <Badge color={statusColor[result.status]} variant="light">
          {result.status}
        </Badge>
      </Group>
      {result.error && (
        <Alert color="red" icon={<IconAlert />} mb="sm" role="alert">
          {result.error}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
        <Stat label="Created" value={result.rowsCreated} color="brand.7" />
        <Stat label="Updated" value={result.rowsUpdated} />
        <Stat label="Unchanged" value={result.rowsUnchanged} />
        <Stat
          label="Rejected"
          value={result.rowsRejected}
          color={result.rowsRejected ? 'red.7' : undefined}
        />
      </SimpleGrid>
      {result.rowsRejected > 0 && (
        <Text size="sm" mt="sm">
          <Anchor href={rejectsUrl(result.id)} download>
            Download the rejected rows
          </Anchor>{' '}
          with the reason for each, fix them and import that file again.
        </Text>
      )}
      {result.columns && result.columns.length > 0 && (
        <>
          <Text size="sm" fw={600} mt="md" mb={4}>
            Columns{result.source ? ` (recognised as ${result.source})` : ''}
          </Text>
          <Group gap={6}>
            {result.columns.map((c) => (
              <Badge
                key={c.header}
                variant={c.field ? 'light' : 'outline'}
                color={c.field ? 'brand' : 'gray'}
                tt="none"
              >
                {c.header} → {c.field ?? 'not used'}
              </Badge>
            ))}
          </Group>
        </>
      )}
    </Paper>
  );
}

export default function ImportPage() {
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const past = useQuery({
    queryKey: importsKey,
    queryFn: async ({ signal }) => {
      const data = await request<Import[] | { items: Import[] }>('GET', '/imports', { signal });
      return Array.isArray(data) ? data : data.items;
    },
  });
  const upload = useMutation({
    mutationFn: (f: File) =>
      request<ImportSummary>('POST', '/imports/people', {
        query: { filename: f.name },
        raw: { body: f, contentType: 'text/csv' },
      }),
    onSuccess: () => {
      setFile(null);
      void qc.invalidateQueries({ queryKey: importsKey });
      void qc.invalidateQueries({ queryKey: ['people'] });
    },
  });

  return (
    <>
      <PageHeader title="Import people" description="Bring in customers from a CSV file." />
      <Stack gap="lg" maw={960}>
        <Paper withBorder radius="md" p="md">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (file) upload.mutate(file);
            }}
          >
            <Stack gap="sm">
              <FileInput
                label="CSV file"
                description="An export from Shopify, Square or another system, or our template. People already here are matched by id, email or phone and updated."
                placeholder="Choose a .csv file"
                accept=".csv,text/csv"
                value={file}
                onChange={setFile}
                clearable
                leftSection={<IconUpload size={16} />}
              />
              <Group justify="space-between">
                <Anchor href={apiUrl('/people/export.csv')} size="sm" download>
                  Export everyone as CSV
                </Anchor>
                <Button type="submit" disabled={!file} loading={upload.isPending}>
                  Import
                </Button>
              </Group>
            </Stack>
          </form>
        </Paper>

        {upload.isError && (
          <Alert color="red" icon={<IconAlert />} title="Import refused" role="alert">
            {errorMessage(upload.error)}
          </Alert>
        )}
        {upload.data && <Summary result={upload.data} />}

        <section aria-label="Past imports">
          <Title order={2} size="h4" mb="sm">
            Past imports
          </Title>
          {past.isError ? (
            <QueryError error={past.error} retry={() => past.refetch()} />
          ) : !past.data ? (
            <Skeleton h={120} />
          ) : past.data.length === 0 ? (
            <Text c="dimmed" size="sm">
              No imports yet.
            </Text>
          ) : (
            <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
              <Table.ScrollContainer minWidth={560}>
                <Table verticalSpacing="xs" aria-label="Past imports">
                  <Table.Thead bg="gray.0">
                    <Table.Tr>
                      <Table.Th>File</Table.Th>
                      <Table.Th>When</Table.Th>
                      <Table.Th>Status</Table.Th>
                      <Table.Th ta="right">Created</Table.Th>
                      <Table.Th ta="right">Updated</Table.Th>
                      <Table.Th ta="right">Unchanged</Table.Th>
                      <Table.Th ta="right">Rejected</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {past.data.map((i) => (
                      <Table.Tr key={i.id}>
                        <Table.Td>
                          <Text size="sm" truncate maw={240}>
                            {i.filename}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                            {formatDateTime(i.createdAt)}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Badge
                            size="sm"
                            variant="light"
                            color={statusColor[i.status]}
                            title={i.error ?? undefined}
                          >
                            {i.status}
                          </Badge>
                        </Table.Td>
                        <Table.Td ta="right">{i.rowsCreated}</Table.Td>
                        <Table.Td ta="right">{i.rowsUpdated}</Table.Td>
                        <Table.Td ta="right">{i.rowsUnchanged}</Table.Td>
                        <Table.Td ta="right">
                          {i.rowsRejected > 0 ? (
                            <Anchor href={rejectsUrl(i.id)} download size="sm">
                              {i.rowsRejected}
                            </Anchor>
                          ) : (
                            0
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Paper>
          )}
        </section>
      </Stack>
    </>
  );
}
