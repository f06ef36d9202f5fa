import {
  Anchor,
  Badge,
  Button,
  CloseButton,
  Group,
  Pagination,
  Paper,
  SegmentedControl,
  Skeleton,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { lazy, Suspense, useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useReferrals } from '../../api/referrals.ts';
import type { ReferralQuery } from '../../api/types.ts';
import { PageLoader } from '../../components/guards.tsx';
import { IconPlus, IconSearch } from '../../components/icons.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import {
  channelLabel,
  formatDate,
  formatDateTime,
  referralStatusColor,
  referralStatusLabel,
} from '../../format.ts';

/** The list's views; each is a query of the API. */
export const VIEWS = {
  open: { label: 'Open', query: { status: ['new', 'contacted', 'appointment'], sort: 'due' } },
  overdue: { label: 'Overdue', query: { overdue: 'true', sort: 'due' } },
  waiting: { label: 'Waiting for introduction', query: { waiting: 'true' } },
  flagged: { label: 'Flagged', query: { flagged: 'true' } },
  won: { label: 'Won', query: { status: 'won' } },
  lost: { label: 'Lost', query: { status: 'lost' } },
  all: { label: 'All', query: {} },
} satisfies Record<string, { label: string; query: ReferralQuery }>;
type View = keyof typeof VIEWS;
const PAGE_SIZE = 25;

const ReferralsBoard = lazy(() => import('./ReferralsBoard.tsx'));

/** The referrals page: the pipeline as a board (`?view=board`) or as a list with its views. */
export default function ReferralsPage() {
  const [params, setParams] = useSearchParams();
  const board = params.get('view') === 'board';
  return (
    <>
      <PageHeader
        title="Referrals"
        description="Every friend referred, from new lead to won."
        actions={
          <>
            <SegmentedControl
              aria-label="Show referrals as"
              value={board ? 'board' : 'list'}
              onChange={(v) => {
                // Each layout keeps its own filters; the search carries over.
                const q = params.get('q');
                setParams(
                  new URLSearchParams({ ...(v === 'board' ? { view: 'board' } : {}), ...(q ? { q } : {}) }),
                  { replace: true },
                );
              }}
              data={[
                { value: 'board', label: 'Board' },
                { value: 'list', label: 'List' },
              ]}
            />
            <Button component={Link} to="/referrals/new" leftSection={<IconPlus size={16} />}>
              New referral
            </Button>
          </>
        }
      />
      {board ? (
        <Suspense fallback={<PageLoader />}>
          <ReferralsBoard />
        </Suspense>
      ) : (
        <ReferralsList />
      )}
    </>
  );
}

function ReferralsList() {
  const [params, setParams] = useSearchParams();
  const raw = params.get('view');
  const view: View = raw && raw in VIEWS ? (raw as View) : 'open';
  const q = params.get('q') ?? '';
  const page = Number(params.get('page')) || 1;
  const [search, setSearch] = useState(q);
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const navigate = useNavigate();

  const set = (change: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(change)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!('page' in change)) next.delete('page');
    setParams(next, { replace: true });
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: only the typed text drives this
  useEffect(() => {
    if (debounced !== q) set({ q: debounced || undefined });
  }, [debounced]);

  const referrals = useReferrals({ ...VIEWS[view].query, q: q || undefined, page, pageSize: PAGE_SIZE });
  const data = referrals.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;

  return (
    <>
      <Tabs value={view} onChange={(v) => set({ view: v === 'open' ? undefined : (v ?? undefined) })} mb="sm">
        <Tabs.List style={{ flexWrap: 'nowrap', overflowX: 'auto' }}>
          {Object.entries(VIEWS).map(([key, v]) => (
            <Tabs.Tab key={key} value={key} style={{ whiteSpace: 'nowrap' }}>
              {v.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      <TextInput
        label="Search"
        placeholder="Friend or referrer name or email"
        leftSection={<IconSearch size={16} />}
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        rightSection={
          search ? <CloseButton aria-label="Clear search" size="sm" onClick={() => setSearch('')} /> : null
        }
        type="search"
        mb="md"
        maw={480}
      />
      {referrals.isError ? (
        <QueryError error={referrals.error} retry={() => referrals.refetch()} />
      ) : !data ? (
        <Stack gap="xs">
          {Array.from({ length: 6 }, (_, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
            <Skeleton key={i} h={44} />
          ))}
        </Stack>
      ) : data.total === 0 ? (
        <Paper withBorder radius="md" p="xl">
          <Text ta="center" c="dimmed">
            {q ? 'Nothing matches this search.' : `No referrals in “${VIEWS[view].label}”.`}
          </Text>
        </Paper>
      ) : (
        <Paper
          withBorder
          radius="md"
          style={{ overflow: 'hidden' }}
          opacity={referrals.isPlaceholderData ? 0.6 : 1}
        >
          <Table.ScrollContainer minWidth={320}>
            <Table verticalSpacing="sm" highlightOnHover aria-label="Referrals">
              <Table.Thead bg="gray.0">
                <Table.Tr>
                  <Table.Th>Friend</Table.Th>
                  <Table.Th visibleFrom="sm">Referrer</Table.Th>
                  <Table.Th visibleFrom="lg">Program</Table.Th>
                  <Table.Th visibleFrom="lg">Channel</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th visibleFrom="md">Follow-up due</Table.Th>
                  <Table.Th visibleFrom="md">Created</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((r) => (
                  <Table.Tr key={r.id} className="row-link" onClick={() => navigate(`/referrals/${r.id}`)}>
                    <Table.Td>
                      <Anchor
                        component={Link}
                        to={`/referrals/${r.id}`}
                        fw={500}
                        c="dark"
                        onClick={(e) => e.stopPropagation()}
                      >
                        {r.friend.name}
                      </Anchor>
                      <Text size="xs" c="dimmed" hiddenFrom="sm">
                        from {r.referrer.name}
                      </Text>
                      {r.followUpDueAt && (
                        <Text size="xs" c={r.overdue ? 'red.9' : 'dimmed'} hiddenFrom="md">
                          {r.overdue ? 'Overdue: ' : 'Due '}
                          {formatDateTime(r.followUpDueAt)}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td visibleFrom="sm">
                      <Text size="sm">{r.referrer.name}</Text>
                    </Table.Td>
                    <Table.Td visibleFrom="lg">
                      <Text size="sm">{r.programName}</Text>
                    </Table.Td>
                    <Table.Td visibleFrom="lg">
                      <Text size="sm">{channelLabel[r.channel]}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        <Badge size="sm" variant="light" color={referralStatusColor[r.status]}>
                          {referralStatusLabel[r.status]}
                        </Badge>
                        {r.waitingForIntroduction && (
                          <Badge size="sm" variant="outline" color="orange">
                            Waiting
                          </Badge>
                        )}
                        {r.flag && (
                          <Badge size="sm" variant="filled" color="red">
                            Flagged
                          </Badge>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td visibleFrom="md">
                      <Text
                        size="sm"
                        c={r.overdue ? 'red.9' : undefined}
                        fw={r.overdue ? 600 : undefined}
                        style={{ whiteSpace: 'nowrap' }}
                      >
                        {formatDateTime(r.followUpDueAt)}
                        {r.overdue && ' (overdue)'}
                      </Text>
                    </Table.Td>
                    <Table.Td visibleFrom="md">
                      <Text size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                        {formatDate(r.createdAt)}
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
        <Group justify="space-between" mt="md">
          <Text size="sm" c="dimmed" aria-live="polite">
            {data.total} {data.total === 1 ? 'referral' : 'referrals'}
          </Text>
          {pages > 1 && (
            <Pagination
              total={pages}
              value={data.page}
              onChange={(p) => set({ page: String(p) })}
              size="sm"
              getControlProps={(control) => ({ 'aria-label': `${control} page` })}
            />
          )}
        </Group>
      )}
    </>
  );
}
