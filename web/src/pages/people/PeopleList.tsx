import {
  Anchor,
  Badge,
  Button,
  CloseButton,
  Group,
  Pagination,
  Paper,
  Select,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { type PeopleFilter, usePeople } from '../../api/people.ts';
import type { PeopleSort, PersonKind } from '../../api/types.ts';
import { useWorkspace } from '../../api/workspace.ts';
import { IconPlus, IconSearch } from '../../components/icons.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { displayName, formatDate, kindColor, kindLabel } from '../../format.ts';
import { formatPhone } from '../../phone.ts';

const SORTS: Array<{ value: PeopleSort; label: string }> = [
  { value: 'name', label: 'Name A–Z' },
  { value: '-name', label: 'Name Z–A' },
  { value: '-created', label: 'Newest first' },
  { value: 'created', label: 'Oldest first' },
  { value: '-updated', label: 'Recently updated' },
];
const KINDS = [
  { value: '', label: 'All kinds' },
  { value: 'customer', label: 'Customers' },
  { value: 'prospect', label: 'Prospects' },
  { value: 'partner', label: 'Partners' },
];
const PAGE_SIZES = ['25', '50', '100'];

/** The list's state lives in the address, so back, reload and shared links keep it. */
function useFilter(): [PeopleFilter, (change: Partial<PeopleFilter>) => void] {
  const [params, setParams] = useSearchParams();
  const filter: PeopleFilter = {
    q: params.get('q') ?? undefined,
    tag: params.get('tag') ?? undefined,
    kind: (params.get('kind') as PersonKind | null) ?? undefined,
    sort: (params.get('sort') as PeopleSort | null) ?? 'name',
    page: Number(params.get('page')) || 1,
    pageSize: Number(params.get('pageSize')) || 25,
  };
  const update = (change: Partial<PeopleFilter>) => {
    const nextFilter = { ...filter, ...change };
    // Any change but paging starts from the first page.
    if (!('page' in change)) nextFilter.page = 1;
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries(nextFilter)) {
      const isDefault =
        (k === 'sort' && v === 'name') || (k === 'page' && v === 1) || (k === 'pageSize' && v === 25);
      if (v !== undefined && v !== '' && !isDefault) next.set(k, String(v));
    }
    setParams(next, { replace: !('page' in change) });
  };
  return [filter, update];
}

export default function PeopleList() {
  const [filter, update] = useFilter();
  const [search, setSearch] = useState(filter.q ?? '');
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const [tag, setTag] = useState(filter.tag ?? '');
  const [debouncedTag] = useDebouncedValue(tag.trim(), 300);
  const navigate = useNavigate();

  // biome-ignore lint/correctness/useExhaustiveDependencies: only the typed text drives this
  useEffect(() => {
    if (debounced !== (filter.q ?? '')) update({ q: debounced || undefined });
  }, [debounced]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only the typed text drives this
  useEffect(() => {
    if (debouncedTag !== (filter.tag ?? '')) update({ tag: debouncedTag || undefined });
  }, [debouncedTag]);

  const people = usePeople(filter);
  const country = useWorkspace().data?.country;
  const data = people.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  const filtered = !!(filter.q || filter.tag || filter.kind);
  const first = data?.total ? (data.page - 1) * data.pageSize + 1 : 0;
  const last = data ? Math.min(data.total, data.page * data.pageSize) : 0;

  return (
    <>
      <PageHeader
        title="People"
        description="Customers, prospects and partners of this business."
        actions={
          <Button component={Link} to="/people/new" leftSection={<IconPlus size={16} />}>
            Add person
          </Button>
        }
      />

      <Paper withBorder radius="md" p="sm" mb="md">
        <Group gap="sm" align="flex-end" wrap="wrap">
          <TextInput
            label="Search"
            placeholder="Name, email, phone or organisation"
            leftSection={<IconSearch size={16} />}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            rightSection={
              search ? (
                <CloseButton aria-label="Clear search" size="sm" onClick={() => setSearch('')} />
              ) : null
            }
            type="search"
            style={{ flex: '2 1 240px' }}
          />
          <Select
            label="Kind"
            data={KINDS}
            value={filter.kind ?? ''}
            onChange={(v) => update({ kind: (v || undefined) as PersonKind | undefined })}
            allowDeselect={false}
            style={{ flex: '1 1 140px' }}
          />
          <TextInput
            label="Tag"
            placeholder="Any tag"
            value={tag}
            onChange={(e) => setTag(e.currentTarget.value)}
            rightSection={
              tag ? <CloseButton aria-label="Clear tag" size="sm" onClick={() => setTag('')} /> : null
            }
            style={{ flex: '1 1 140px' }}
          />
          <Select
            label="Sort by"
            data={SORTS}
            value={filter.sort ?? 'name'}
            onChange={(v) => update({ sort: (v ?? 'name') as PeopleSort })}
            allowDeselect={false}
            style={{ flex: '1 1 160px' }}
          />
        </Group>
      </Paper>

      {people.isError ? (
        <QueryError error={people.error} retry={() => people.refetch()} />
      ) : !data ? (
        <Stack gap="xs">
          {Array.from({ length: 8 }, (_, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
            <Skeleton key={i} h={44} />
          ))}
        </Stack>
      ) : data.total === 0 ? (
        <Paper withBorder radius="md" p="xl">
          <Stack align="center" gap="xs">
            <Text fw={600}>{filtered ? 'Nobody matches' : 'No people yet'}</Text>
            <Text c="dimmed" size="sm" ta="center">
              {filtered
                ? 'Try another search or clear the filters.'
                : 'Add your customers one by one, or import them from a CSV file.'}
            </Text>
            {filtered ? (
              <Button
                variant="light"
                onClick={() => {
                  setSearch('');
                  setTag('');
                  update({ q: undefined, tag: undefined, kind: undefined });
                }}
              >
                Clear filters
              </Button>
            ) : (
              <Group>
                <Button component={Link} to="/people/new">
                  Add person
                </Button>
              </Group>
            )}
          </Stack>
        </Paper>
      ) : (
        <Paper
          withBorder
          radius="md"
          style={{ overflow: 'hidden' }}
          opacity={people.isPlaceholderData ? 0.6 : 1}
        >
          <Table.ScrollContainer minWidth={320}>
            <Table verticalSpacing="sm" highlightOnHover aria-label="People">
              <Table.Thead bg="gray.0">
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Kind</Table.Th>
                  <Table.Th visibleFrom="md">Email</Table.Th>
                  <Table.Th visibleFrom="md">Phone</Table.Th>
                  <Table.Th visibleFrom="lg">Tags</Table.Th>
                  <Table.Th visibleFrom="sm">Added</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((p) => (
                  <Table.Tr key={p.id} className="row-link" onClick={() => navigate(`/people/${p.id}`)}>
                    <Table.Td>
                      <Anchor
                        component={Link}
                        to={`/people/${p.id}`}
                        fw={500}
                        c="dark"
                        onClick={(e) => e.stopPropagation()}
                      >
                        {displayName(p)}
                      </Anchor>
                      {p.organisation && (p.firstName || p.lastName) && (
                        <Text size="xs" c="dimmed">
                          {p.organisation}
                        </Text>
                      )}
                      <Text size="xs" c="dimmed" hiddenFrom="md">
                        {p.email ?? formatPhone(p.phone, country)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={kindColor[p.kind]} size="sm">
                        {kindLabel[p.kind]}
                      </Badge>
                    </Table.Td>
                    <Table.Td visibleFrom="md">
                      <Text size="sm" truncate maw={260}>
                        {p.email ?? '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td visibleFrom="md">
                      <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                        {formatPhone(p.phone, country) || '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td visibleFrom="lg">
                      <Group gap={4}>
                        {p.tags.map((t) => (
                          <Badge
                            key={t}
                            variant="outline"
                            color="gray"
                            size="sm"
                            tt="none"
                            component="button"
                            type="button"
                            style={{ cursor: 'pointer' }}
                            aria-label={`Filter by tag ${t}`}
                            onClick={(e) => {
                              e.stopPropagation();
                              setTag(t);
                            }}
                          >
                            {t}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td visibleFrom="sm">
                      <Text size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                        {formatDate(p.createdAt)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}

      {data && data.total > 0 && (
        <Group justify="space-between" mt="md" gap="sm">
          <Text size="sm" c="dimmed" aria-live="polite">
            {first}–{last} of {data.total}
          </Text>
          <Group gap="sm">
            <Pagination
              total={pages}
              value={data.page}
              onChange={(page) => update({ page })}
              size="sm"
              siblings={1}
              boundaries={1}
              getControlProps={(control) => ({ 'aria-label': `${control} page` })}
            />
            <Select
              aria-label="Rows per page"
              data={PAGE_SIZES}
              value={String(filter.pageSize ?? 25)}
              onChange={(v) => update({ pageSize: Number(v) })}
              allowDeselect={false}
              w={80}
              size="xs"
            />
          </Group>
        </Group>
      )}
    </>
  );
}
