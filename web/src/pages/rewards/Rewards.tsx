import {
  Anchor,
  Badge,
  Button,
  Group,
  Pagination,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  VisuallyHidden,
} from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useLiability, useRewards, useTasks } from '../../api/rewards.ts';
import { atLeast, type Liability, type RewardStatus, type Task } from '../../api/types.ts';
import { useWorkspace } from '../../api/workspace.ts';
import { ListEmpty, ListLoading } from '../../components/ListStates.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { StatusFilter } from '../../components/StatusFilter.tsx';
import { formatDateTime } from '../../format.ts';
import { useSession } from '../../session.tsx';
import { formatAmount, outcomeLabel, RewardsTable, rewardStatusLabel, TaskDoneDialog } from './shared.tsx';

const PAGE_SIZE = 25;

function Pager({
  total,
  page,
  noun,
  onPage,
}: {
  total: number;
  page: number;
  noun: string;
  onPage: (p: number) => void;
}) {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return (
    <Group justify="space-between" mt="md">
      <Text size="sm" c="dimmed" aria-live="polite">
        {total} {total === 1 ? noun : `${noun}s`}
      </Text>
      {pages > 1 && (
        <Pagination
          total={pages}
          value={page}
          onChange={onPage}
          size="sm"
          getControlProps={(control) => ({ 'aria-label': `${control} page` })}
        />
      )}
    </Group>
  );
}

const STATUSES: Array<{ value: RewardStatus | 'all'; label: string }> = [
  { value: 'all', label: 'All' },
  ...(['pending', 'available', 'redeemed', 'paid', 'voided'] as const).map((s) => ({
    value: s,
    label: rewardStatusLabel[s],
  })),
];

function RewardsList({ manage }: { manage: boolean }) {
  const [params, setParams] = useSearchParams();
  const raw = params.get('status');
  const status = STATUSES.some((s) => s.value === raw) ? (raw as RewardStatus) : undefined;
  const page = Number(params.get('page')) || 1;
  const rewards = useRewards({ status, page, pageSize: PAGE_SIZE });
  const set = (change: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(change)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!('page' in change)) next.delete('page');
    setParams(next, { replace: true });
  };
  return (
    <>
      <StatusFilter data={STATUSES} value={status} onChange={(v) => set({ status: v })} />
      {rewards.isError ? (
        <QueryError error={rewards.error} retry={() => rewards.refetch()} />
      ) : !rewards.data ? (
        <ListLoading />
      ) : rewards.data.total === 0 ? (
        <ListEmpty>
          {status ? `No rewards ${rewardStatusLabel[status].toLowerCase()}.` : 'No rewards yet.'}
        </ListEmpty>
      ) : (
        <>
          <RewardsTable
            label="Rewards"
            rewards={rewards.data.items}
            manage={manage}
            faded={rewards.isPlaceholderData}
          />
          <Pager
            total={rewards.data.total}
            page={page}
            noun="reward"
            onPage={(p) => set({ page: String(p) })}
          />
        </>
      )}
    </>
  );
}

function ApprovalQueue() {
  const [page, setPage] = useState(1);
  const rewards = useRewards({ awaitingApproval: 'true', page, pageSize: PAGE_SIZE });
  const workspace = useWorkspace().data;
  return (
    <>
      <Text size="sm" c="dimmed" mb="md">
        {workspace?.approveRewards === false
          ? 'Approval is off in the workspace settings: new rewards are released when their hold ends.'
          : 'Rewards wait here until a manager approves them; they become available once their hold ends.'}
      </Text>
      {rewards.isError ? (
        <QueryError error={rewards.error} retry={() => rewards.refetch()} />
      ) : !rewards.data ? (
        <ListLoading />
      ) : rewards.data.total === 0 ? (
        <ListEmpty>Nothing waiting for approval.</ListEmpty>
      ) : (
        <>
          <RewardsTable label="Awaiting approval" rewards={rewards.data.items} manage />
          <Pager total={rewards.data.total} page={page} noun="reward" onPage={setPage} />
        </>
      )}
    </>
  );
}

function TaskRow({ task, onDone }: { task: Task; onDone: (t: Task) => void }) {
  return (
    <Table.Tr>
      <Table.Td>
        <Anchor component={Link} to={`/people/${task.person.id}`} fw={500} c="dark" size="sm">
          {task.person.name}
        </Anchor>
        <Text size="xs" c="dimmed">
          {task.title}
        </Text>
        {task.note && (
          <Text size="xs" c="dimmed" fs="italic">
            {task.note}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {task.doneAt ? (
          <>
            <Badge size="sm" variant="light" color="green">
              {task.outcome
                ? (outcomeLabel[task.outcome as keyof typeof outcomeLabel] ?? task.outcome)
                : 'Done'}
            </Badge>
            <Text size="xs" c="dimmed" mt={2} style={{ whiteSpace: 'nowrap' }}>
              {formatDateTime(task.doneAt)}
            </Text>
          </>
        ) : (
          <Text
            size="sm"
            c={task.overdue ? 'red.9' : undefined}
            fw={task.overdue ? 600 : undefined}
            style={{ whiteSpace: 'nowrap' }}
          >
            {formatDateTime(task.dueAt)}
            {task.overdue && ' (overdue)'}
          </Text>
        )}
      </Table.Td>
      {!task.doneAt && (
        <Table.Td>
          <Group justify="flex-end">
            <Button size="xs" variant="light" onClick={() => onDone(task)} aria-label={`Done: ${task.title}`}>
              Done
            </Button>
          </Group>
        </Table.Td>
      )}
    </Table.Tr>
  );
}

/** "Thank the referrer" tasks: open ones by due date, overdue in red; or the ones done lately. */
export function ThankYouTasks({ currency }: { currency: string }) {
  const [open, setOpen] = useState(true);
  const tasks = useTasks(open);
  const [doing, setDoing] = useState<Task | null>(null);
  return (
    <>
      <Group justify="space-between" mb="md" gap="xs">
        <Text size="sm" c="dimmed">
          Every referrer whose friend became a customer gets a personal thank-you.
        </Text>
        <SegmentedControl
          aria-label="Thank-you tasks"
          data={[
            { value: 'open', label: 'To do' },
            { value: 'done', label: 'Done' },
          ]}
          value={open ? 'open' : 'done'}
          onChange={(v) => setOpen(v === 'open')}
          size="sm"
        />
      </Group>
      {tasks.isError ? (
        <QueryError error={tasks.error} retry={() => tasks.refetch()} />
      ) : !tasks.data ? (
        <ListLoading />
      ) : tasks.data.total === 0 ? (
        <ListEmpty>{open ? 'Everyone has been thanked.' : 'No thank-you done yet.'}</ListEmpty>
      ) : (
        <>
          <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
            <Table.ScrollContainer minWidth={320}>
              <Table
                verticalSpacing="sm"
                aria-label={open ? 'Thank-you tasks to do' : 'Thank-you tasks done'}
              >
                <Table.Thead bg="gray.0">
                  <Table.Tr>
                    <Table.Th>Referrer</Table.Th>
                    <Table.Th>{open ? 'Due' : 'How'}</Table.Th>
                    {open && (
                      <Table.Th>
                        <VisuallyHidden>Actions</VisuallyHidden>
                      </Table.Th>
                    )}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {tasks.data.items.map((t) => (
                    <TaskRow key={t.id} task={t} onDone={setDoing} />
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
          <Text size="sm" c="dimmed" mt="md" aria-live="polite">
            {tasks.data.total} {open ? 'to do' : 'done'}
            {open && tasks.data.items.some((t) => t.overdue) && (
              <Text span c="red.9" fw={600}>
                {' '}
                · {tasks.data.items.filter((t) => t.overdue).length} overdue
              </Text>
            )}
          </Text>
        </>
      )}
      <TaskDoneDialog task={doing} currency={currency} onClose={() => setDoing(null)} />
    </>
  );
}

const COLUMNS = [
  ['held', 'On hold'],
  ['available', 'Available'],
  ['owed', 'Owed back'],
  ['redeemed', 'Redeemed'],
  ['paid', 'Paid'],
] as const;

function unitLabel(unit: string) {
  return unit === 'unit' ? 'services and gifts' : unit;
}

function LiabilityTable() {
  const liability = useLiability();
  if (liability.isError) return <QueryError error={liability.error} retry={() => liability.refetch()} />;
  if (!liability.data) return <ListLoading />;
  const l: Liability = liability.data;
  const cell = (n: number, unit: string, key: string, align: 'left' | 'right' = 'right') => (
    <Text
      size="sm"
      ta={align}
      c={key === 'owed' && n > 0 ? 'red.9' : n === 0 ? 'dimmed' : undefined}
      style={{ whiteSpace: 'nowrap' }}
    >
      {formatAmount(n, unit)}
    </Text>
  );
  return (
    <>
      <Text size="sm" c="dimmed" mb="md">
        What the business owes its referrers, by program. On hold: earned, not yet usable. Available: owed
        now. Owed back: used before the reward was reversed. Services and gifts are counted, not priced.
      </Text>
      {l.programs.length === 0 ? (
        <ListEmpty>No rewards issued yet.</ListEmpty>
      ) : (
        <>
          <Paper withBorder radius="md" style={{ overflow: 'hidden' }} visibleFrom="sm">
            <Table.ScrollContainer minWidth={640}>
              <Table verticalSpacing="sm" aria-label="Liability by program">
                <Table.Thead bg="gray.0">
                  <Table.Tr>
                    <Table.Th>Program</Table.Th>
                    {COLUMNS.map(([k, label]) => (
                      <Table.Th key={k} ta="right">
                        {label}
                      </Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {l.programs.map((p) => (
                    <Table.Tr key={`${p.programId}|${p.unit}`}>
                      <Table.Td>
                        <Anchor component={Link} to={`/programs/${p.programId}`} size="sm" fw={500} c="dark">
                          {p.programName}
                        </Anchor>
                        <Text size="xs" c="dimmed">
                          {unitLabel(p.unit)}
                        </Text>
                      </Table.Td>
                      {COLUMNS.map(([k]) => (
                        <Table.Td key={k}>{cell(p[k], p.unit, k)}</Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
                <Table.Tfoot bg="gray.0">
                  {l.totals.map((t) => (
                    <Table.Tr key={t.unit} fw={650}>
                      <Table.Th scope="row">Total, {unitLabel(t.unit)}</Table.Th>
                      {COLUMNS.map(([k]) => (
                        <Table.Td key={k} fw={650}>
                          {cell(t[k], t.unit, k)}
                        </Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                </Table.Tfoot>
              </Table>
            </Table.ScrollContainer>
          </Paper>
          {/* On a phone: one card per program and unit, then the totals. */}
          <Stack gap="xs" hiddenFrom="sm">
            {[
              ...l.programs.map((p) => ({ key: `${p.programId}|${p.unit}`, title: p.programName, row: p })),
              ...l.totals.map((t) => ({ key: `total|${t.unit}`, title: 'Total', row: t })),
            ].map(({ key, title, row }) => (
              <Paper
                key={key}
                withBorder
                radius="md"
                p="sm"
                bg={key.startsWith('total') ? 'gray.0' : undefined}
              >
                <Text fw={600} size="sm">
                  {title}{' '}
                  <Text span size="xs" c="dimmed">
                    {unitLabel(row.unit)}
                  </Text>
                </Text>
                <SimpleGrid cols={3} spacing="xs" mt={4}>
                  {COLUMNS.map(([k, label]) => (
                    <div key={k}>
                      <Text size="xs" c="dimmed">
                        {label}
                      </Text>
                      {cell(row[k], row.unit, k, 'left')}
                    </div>
                  ))}
                </SimpleGrid>
              </Paper>
            ))}
          </Stack>
        </>
      )}
    </>
  );
}

type TabKey = 'rewards' | 'approval' | 'thanks' | 'liability';

export default function Rewards() {
  const { role } = useSession();
  const manage = atLeast(role, 'manager');
  const currency = useWorkspace().data?.currency ?? 'USD';
  const [params, setParams] = useSearchParams();
  const tabs: Array<{ value: TabKey; label: string }> = [
    { value: 'rewards', label: 'Rewards' },
    ...(manage ? [{ value: 'approval' as const, label: 'Approval' }] : []),
    { value: 'thanks', label: 'Thank-you' },
    ...(manage ? [{ value: 'liability' as const, label: 'Liability' }] : []),
  ];
  const raw = params.get('tab');
  const tab: TabKey = tabs.find((t) => t.value === raw)?.value ?? 'rewards';
  const waiting = useRewards({ awaitingApproval: 'true', page: 1, pageSize: 1 });
  const openTasks = useTasks(true);
  // On a phone the tabs scroll sideways: keep the chosen one in view.
  const list = useRef<HTMLDivElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the tab changes
  useEffect(() => {
    list.current
      ?.querySelector('[aria-selected="true"]')
      ?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [tab]);
  const count: Partial<Record<TabKey, number>> = {
    approval: waiting.data?.total,
    thanks: openTasks.data?.total,
  };
  return (
    <>
      <PageHeader title="Rewards" description="What referrers earned, what they used, and who to thank." />
      <Tabs
        value={tab}
        onChange={(v) => setParams(v && v !== 'rewards' ? { tab: v } : {}, { replace: true })}
        keepMounted={false}
      >
        <Tabs.List ref={list} style={{ flexWrap: 'nowrap', overflowX: 'auto' }} mb="md">
          {tabs.map((t) => (
            <Tabs.Tab
              key={t.value}
              value={t.value}
              style={{ whiteSpace: 'nowrap' }}
              rightSection={
                count[t.value] ? (
                  <Badge
                    size="sm"
                    variant="light"
                    circle={count[t.value]! < 10}
                    aria-label={`${count[t.value]} waiting`}
                  >
                    {count[t.value]}
                  </Badge>
                ) : null
              }
            >
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="rewards">
          <RewardsList manage={manage} />
        </Tabs.Panel>
        {manage && (
          <Tabs.Panel value="approval">
            <ApprovalQueue />
          </Tabs.Panel>
        )}
        <Tabs.Panel value="thanks">
          <ThankYouTasks currency={currency} />
        </Tabs.Panel>
        {manage && (
          <Tabs.Panel value="liability">
            <LiabilityTable />
          </Tabs.Panel>
        )}
      </Tabs>
    </>
  );
}
