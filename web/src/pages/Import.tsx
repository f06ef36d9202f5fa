import {
  Alert,
  Anchor,
  Badge,
  Button,
  FileInput,
  Group,
  NativeSelect,
  Pagination,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { ApiError, apiUrl, errorMessage } from '../api/client.ts';
import {
  type ColumnChoice,
  type ColumnField,
  type ImportPreview,
  useImportPeople,
  useImports,
  usePreviewPeople,
} from '../api/imports.ts';
import type { ImportResult } from '../api/types.ts';
import { IconAlert, IconUpload } from '../components/icons.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { QueryError } from '../components/QueryError.tsx';
import { formatDateTime } from '../format.ts';

const PAGE_SIZE = 10;

/** What each field is called on the page, in the groups the selects show them in. */
const FIELD_GROUPS: Array<{ group: string; items: Array<[ColumnField, string]> }> = [
  {
    group: 'Name',
    items: [
      ['firstName', 'First name'],
      ['lastName', 'Last name'],
      ['fullName', 'Full name (split into first and last)'],
      ['organisation', 'Organisation'],
    ],
  },
  {
    group: 'Contact',
    items: [
      ['email', 'Email'],
      ['phone', 'Phone'],
    ],
  },
  {
    group: 'Address',
    items: [
      ['line1', 'Address line 1'],
      ['line2', 'Address line 2'],
      ['city', 'City'],
      ['region', 'Region or state'],
      ['postalCode', 'Postal code'],
      ['country', 'Country'],
    ],
  },
  {
    group: 'More',
    items: [
      ['kind', 'Kind (customer, prospect, partner)'],
      ['tags', 'Tags'],
      ['notes', 'Notes'],
      ['howHeard', 'How they heard about us'],
      ['marketingConsent', 'Marketing consent (yes/no)'],
      ['marketingConsentSource', 'Where consent was given'],
      ['doNotContact', 'Do not contact'],
      ['externalId', 'Id in the other system'],
      ['vouchId', 'Vouch id'],
    ],
  },
];
const FIELD_LABELS = Object.fromEntries(FIELD_GROUPS.flatMap((g) => g.items)) as Record<ColumnField, string>;
/** A person needs one of these: a name, an organisation, an email or a phone. */
const IDENTIFYING: ColumnField[] = ['firstName', 'lastName', 'fullName', 'organisation', 'email', 'phone'];
const SELECT_DATA = [
  { value: 'ignore', label: 'Do not import' },
  ...FIELD_GROUPS.map((g) => ({
    group: g.group,
    items: g.items.map(([value, label]) => ({ value, label })),
  })),
];

/** The columns of the file with the field each feeds, chosen per column; the first rows beside. */
function MapColumns({
  preview,
  choices,
  onChoose,
}: {
  preview: ImportPreview;
  choices: ColumnChoice[];
  onChoose: (index: number, choice: ColumnChoice) => void;
}) {
  const headers = preview.columns.map((c) => c.header);
  return (
    <Table.ScrollContainer minWidth={620}>
      <Table verticalSpacing="xs" aria-label="Columns of the file" layout="fixed">
        <Table.Thead bg="gray.0">
          <Table.Tr>
            <Table.Th w="26%">Column in the file</Table.Th>
            <Table.Th w="34%">Import as</Table.Th>
            <Table.Th>First rows</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {preview.columns.map((c, i) => {
            const duplicate = headers.indexOf(c.header) !== i;
            const samples = preview.rows.map((r) => r[i] ?? '').filter((v) => v.trim());
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: the columns of one file in file order, never moved (headers may repeat)
              <Table.Tr key={i}>
                <Table.Td>
                  <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
                    {c.header || <em>(no header)</em>}
                  </Text>
                  {c.guess && choices[i] === c.guess && (
                    <Text size="xs" c="dimmed">
                      recognised
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {duplicate ? (
                    <Text size="sm" c="dimmed">
                      Same header as an earlier column: not imported
                    </Text>
                  ) : (
                    <NativeSelect
                      aria-label={`Import "${c.header}" as`}
                      data={SELECT_DATA}
                      value={choices[i]}
                      onChange={(e) => onChoose(i, e.currentTarget.value as ColumnChoice)}
                      size="sm"
                    />
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={samples.length ? undefined : 'dimmed'} lineClamp={2}>
                    {samples.length ? samples.slice(0, 3).join(' · ') : 'empty'}
                  </Text>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** The mapping to send: only the columns whose choice differs from what the server recognises. */
function mappingOf(preview: ImportPreview, choices: ColumnChoice[]): Record<string, ColumnChoice> {
  const out: Record<string, ColumnChoice> = {};
  preview.columns.forEach((c, i) => {
    if (preview.columns.findIndex((o) => o.header === c.header) !== i) return;
    if (choices[i] !== (c.guess ?? 'ignore')) out[c.header] = choices[i]!;
  });
  return out;
}

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
                {c.header} → {c.field ? (FIELD_LABELS[c.field as ColumnField] ?? c.field) : 'not used'}
              </Badge>
            ))}
          </Group>
        </>
      )}
    </Paper>
  );
}

export default function ImportPage() {
  const [file, setFile] = useState<File | null>(null);
  const [choices, setChoices] = useState<ColumnChoice[]>([]);
  const [page, setPage] = useState(1);
  const past = useImports(page, PAGE_SIZE);
  const preview = usePreviewPeople();
  const upload = useImportPeople();
  const failure = upload.error instanceof ApiError ? upload.error.errors[0] : undefined;
  const pages = past.data ? Math.ceil(past.data.total / past.data.pageSize) : 1;
  const p = file && preview.data ? preview.data : null;

  const choose = (f: File | null) => {
    setFile(f);
    setChoices([]);
    preview.reset();
    if (!f) return;
    upload.reset();
    preview.mutate(f, {
      onSuccess: (data) => setChoices(data.columns.map((c) => c.guess ?? 'ignore')),
    });
  };
  // Picking a field for one column takes it from any other column that had it.
  const setChoice = (index: number, choice: ColumnChoice) =>
    setChoices((cs) =>
      cs.map((c, i) => (i === index ? choice : choice !== 'ignore' && c === choice ? 'ignore' : c)),
    );
  const identifying = choices.some((c) => c !== 'ignore' && IDENTIFYING.includes(c));

  return (
    <>
      <PageHeader title="Import people" description="Bring in customers from a CSV file." />
      <Stack gap="lg" maw={960}>
        <Paper withBorder radius="md" p="md">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (!file || !p || !identifying) return;
              upload.mutate(
                { file, mapping: mappingOf(p, choices) },
                {
                  onSuccess: () => choose(null),
                  onSettled: () => setPage(1),
                },
              );
            }}
          >
            <Stack gap="md">
              <FileInput
                label="CSV file"
                description="An export from Shopify, Square or another system, or our template. People already here are matched by id, email or phone and updated."
                placeholder="Choose a .csv file"
                accept=".csv,text/csv"
                value={file}
                onChange={choose}
                clearable
                clearButtonProps={{ 'aria-label': 'Choose another file' }}
                leftSection={<IconUpload size={16} />}
              />
              {preview.isPending && <Skeleton h={160} />}
              {preview.isError && (
                <Alert color="red" icon={<IconAlert />} title="The file cannot be read" role="alert">
                  {errorMessage(preview.error)}
                </Alert>
              )}
              {p && (
                <section aria-labelledby="map-columns">
                  <Group justify="space-between" align="baseline" mb={4}>
                    <Title order={2} size="h5" id="map-columns">
                      Match the columns
                    </Title>
                    <Text size="xs" c="dimmed">
                      {p.source === 'CSV'
                        ? 'Columns recognised by their headers'
                        : `Recognised as a ${p.source} export`}
                      {p.rows.length
                        ? `; the first ${p.rows.length} rows are shown`
                        : '; the file has no rows'}
                    </Text>
                  </Group>
                  <Text size="sm" mb="xs">
                    Choose what each column of the file is. Columns set to “Do not import” are left out.
                  </Text>
                  {!identifying && (
                    <Alert color="yellow" icon={<IconAlert />} mb="xs" role="status">
                      Choose a column for a name, an organisation, an email or a phone: a person needs at
                      least one of them.
                    </Alert>
                  )}
                  <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
                    <MapColumns preview={p} choices={choices} onChoose={setChoice} />
                  </Paper>
                </section>
              )}
              <Group justify="space-between">
                <Anchor href={apiUrl('/people/export.csv')} size="sm" download>
                  Export everyone as CSV
                </Anchor>
                <Button type="submit" disabled={!p || !identifying} loading={upload.isPending}>
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
