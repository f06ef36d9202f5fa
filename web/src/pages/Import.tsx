import {
  Alert,
  Anchor,
  Badge,
  Button,
  FileInput,
  Group,
  Pagination,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, apiUrl, errorMessage, request } from '../api/client.ts';
import type { Import, ImportResult, Page } from '../api/types.ts';
import { IconAlert, IconUpload } from '../components/icons.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { QueryError } from '../components/QueryError.tsx';
import { formatDateTime } from '../format.ts';

const importsKey = ['imports'] as const;
const PAGE_SIZE = 10;

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

function Summary({ result }: { result: ImportResult }) {
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
      {result.rejectsUrl && (
        <Text size="sm" mt="sm">
          <Anchor href={result.rejectsUrl} download>
            Download the rejected rows
          </Anchor>{' '}
          with the reason for each, fix them and import that file again.
        </Text>
      )}
      {result.columns.length > 0 && (
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
  const [page, setPage] = useState(1);
  const past = useQuery({
    queryKey: [...importsKey, page],
    queryFn: ({ signal }) =>
      request<Page<Import>>('GET', '/imports', { query: { page, pageSize: PAGE_SIZE }, signal }),
    placeholderData: keepPreviousData,
  });
  const upload = useMutation({
    mutationFn: (f: File) =>
      request<ImportResult>('POST', '/imports/people', {
        query: { filename: f.name },
        raw: { body: f, contentType: 'text/csv' },
      }),
    onSuccess: () => setFile(null),
    // A file that fails part-way still imported the rows before the problem.
    onSettled: () => {
      setPage(1);
      void qc.invalidateQueries({ queryKey: importsKey });
      void qc.invalidateQueries({ queryKey: ['people'] });
    },
  });
  const failure = upload.error instanceof ApiError ? upload.error.errors[0] : undefined;
  const pages = past.data ? Math.ceil(past.data.total / past.data.pageSize) : 1;

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
          <Alert color="red" icon={<IconAlert />} title="The file could not be imported" role="alert">
            {errorMessage(upload.error)}
            {typeof failure?.line === 'number' && (
              <Text size="sm" mt={4}>
                Look at line {failure.line} of the file, fix it and import the file again: rows already
                imported are matched, not doubled.
              </Text>
            )}
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
          ) : past.data.total === 0 ? (
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
                    {past.data.items.map((i) => (
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
                          {i.rejectsUrl ? (
                            <Anchor
                              href={i.rejectsUrl}
                              download
                              size="sm"
                              aria-label={`${i.rowsRejected} rejected rows of ${i.filename} (CSV)`}
                            >
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
          {pages > 1 && <Pagination total={pages} value={page} onChange={setPage} size="sm" mt="sm" />}
        </section>
      </Stack>
    </>
  );
}
