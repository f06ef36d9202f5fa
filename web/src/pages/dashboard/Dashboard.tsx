import {
  Alert,
  Anchor,
  Badge,
  Box,
  Group,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { lazy, type ReactNode, Suspense } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useDashboard } from '../../api/dashboard.ts';
import { usePrograms } from '../../api/programs.ts';
import type { DashboardPeriod, Dashboard as Data } from '../../api/types.ts';
import { IconAlert, IconCheck } from '../../components/icons.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { formatDay, formatMoney } from '../../format.ts';
import { AsksByStaff } from '../asks/AsksByStaff.tsx';
import { insight, pct } from './insight.ts';
import { ReferralsVsAds } from './ReferralsVsAds.tsx';
import { isDay, PRESETS, type Preset, presetRange } from './range.ts';

const TrendCharts = lazy(() => import('./TrendCharts.tsx'));

type Stage = Data['funnel'][number]['stage'];
type Flow = Data['totals'];

const STAGE_LABEL: Record<Stage, string> = {
  views: 'Referral link views',
  referred: 'Referred leads',
  contacted: 'Contacted',
  appointments: 'Appointments',
  won: 'Won: became customers',
};

/** How a referral reached the business, in the owner's words. */
const CHANNEL_LABEL: Record<string, string> = {
  link: 'Referral link',
  coupon: 'Coupon code',
  named_by_referrer: 'Named by a referrer',
  how_heard: '"How did you hear about us?"',
  staff: 'Entered by staff',
  campaign: 'Campaign',
  partner: 'Partner lead',
};

const SOURCE_LABEL: Record<string, string> = {
  customer: 'Customers',
  partner: 'Partners',
  prospect: 'Prospects',
};

const PERIODS: Array<{ value: DashboardPeriod; label: string }> = [
  { value: 'day', label: 'Day' },
  { value: 'week', label: 'Week' },
  { value: 'month', label: 'Month' },
];

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The range, program and grouping live in the address, so a view can be bookmarked and shared. */
function useFilters() {
  const [params, setParams] = useSearchParams();
  const raw = params.get('range');
  const preset: Preset = PRESETS.some((p) => p.value === raw) ? (raw as Preset) : '90d';
  const programId = params.get('program') ?? undefined;
  const rawPeriod = params.get('period');
  const period = PERIODS.some((p) => p.value === rawPeriod) ? (rawPeriod as DashboardPeriod) : undefined;
  const fallback = presetRange(preset === 'custom' ? '90d' : preset);
  const from = preset === 'custom' && isDay(params.get('from')) ? params.get('from')! : fallback.from;
  const to = preset === 'custom' && isDay(params.get('to')) ? params.get('to')! : fallback.to;
  // From the address as it is now, not as it was at the last render: two quick changes both count.
  const set = (change: Record<string, string | undefined>) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(change)) {
          if (v) next.set(k, v);
          else next.delete(k);
        }
        return next;
      },
      { replace: true },
    );
  return { preset, from, to, programId, period, set };
}

function Filters({ filters, invalid }: { filters: ReturnType<typeof useFilters>; invalid: boolean }) {
  const programs = usePrograms();
  const { preset, from, to, programId, set } = filters;
  const programOptions = [
    { value: 'all', label: 'All programs' },
    ...(programs.data ?? []).map((p) => ({ value: p.id, label: p.name })),
  ];
  return (
    <Group gap="sm" align="flex-end" w={{ base: '100%', sm: 'auto' }} wrap="wrap">
      <Select
        label="Dates"
        data={PRESETS}
        value={preset}
        onChange={(v) => {
          if (!v) return;
          // A custom range starts from the one on screen.
          set(v === 'custom' ? { range: v, from, to } : { range: v, from: undefined, to: undefined });
        }}
        allowDeselect={false}
        w={{ base: '100%', xs: 170 }}
      />
      {preset === 'custom' && (
        <>
          <TextInput
            label="From"
            type="date"
            value={from}
            max={to}
            onChange={(e) => isDay(e.currentTarget.value) && set({ from: e.currentTarget.value })}
            error={invalid ? 'After the last day' : undefined}
            w={{ base: 'calc(50% - 6px)', xs: 160 }}
          />
          <TextInput
            label="To"
            type="date"
            value={to}
            min={from}
            onChange={(e) => isDay(e.currentTarget.value) && set({ to: e.currentTarget.value })}
            w={{ base: 'calc(50% - 6px)', xs: 160 }}
          />
        </>
      )}
      <Select
        label="Program"
        data={programOptions}
        value={programId ?? 'all'}
        onChange={(v) => set({ program: !v || v === 'all' ? undefined : v })}
        allowDeselect={false}
        w={{ base: '100%', xs: 220 }}
      />
    </Group>
  );
}

function Card({ title, children, action }: { title: string; children: ReactNode; action?: ReactNode }) {
  const id = `card-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return (
    <Paper component="section" withBorder radius="md" p="md" aria-labelledby={id}>
      <Group justify="space-between" mb="sm" gap="xs">
        <Title order={2} size="h5" id={id}>
          {title}
        </Title>
        {action}
      </Group>
      {children}
    </Paper>
  );
}

function Figure({
  label,
  value,
  sub,
  color,
}: {
  label: string;
  value: ReactNode;
  sub?: ReactNode;
  color?: string;
}) {
  return (
    <Paper withBorder radius="md" p="md" role="group" aria-label={label}>
      <Text size="sm" c="dimmed" fw={500} lh={1.3}>
        {label}
      </Text>
      <Text fz={26} fw={700} c={color} lh={1.25} mt={4} style={{ fontVariantNumeric: 'tabular-nums' }}>
        {value}
      </Text>
      {sub && (
        <Text size="xs" c="dimmed" mt={2}>
          {sub}
        </Text>
      )}
    </Paper>
  );
}

function Figures({ data }: { data: Data }) {
  const money = data.rewards.find((r) => r.unit !== 'unit');
  const things = data.rewards.find((r) => r.unit === 'unit');
  const amount = (n: number | undefined) => formatMoney(n ?? 0, money?.unit ?? data.currency);
  const plusThings = (n: number | undefined) =>
    n ? ` + ${n} service${n === 1 ? '' : 's'} or gift${n === 1 ? '' : 's'}` : '';
  const t = data.totals;
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, xl: 6 }} spacing="sm">
      <Figure
        label="Revenue from referred customers"
        value={formatMoney(t.revenue, data.currency)}
        sub="Purchases less refunds"
      />
      <Figure
        label="Referrals won"
        value={t.won}
        sub={`Of ${t.referred} referred${t.lost ? `, ${t.lost} lost` : ''}`}
      />
      <Figure
        label="Overdue follow-ups"
        // The server stops counting at 1,000 (overdueCapped), which is plenty to act on.
        value={`${data.overdue.toLocaleString()}${(data as { overdueCapped?: boolean }).overdueCapped ? '+' : ''}`}
        color={data.overdue > 0 ? 'red.7' : undefined}
        sub={
          data.overdue > 0 ? (
            <Anchor component={Link} to="/referrals?view=overdue" size="xs" fw={600}>
              Follow them up now
            </Anchor>
          ) : (
            'Every lead followed up'
          )
        }
      />
      <Figure
        label="Rewards on hold"
        value={amount(money?.held)}
        sub={`Earned, not yet usable${plusThings(things?.held)}`}
      />
      <Figure
        label="Rewards owed"
        value={amount(money?.available)}
        sub={`Available to referrers now${plusThings(things?.available)}`}
      />
      <Figure
        label="Rewards paid"
        value={amount((money?.paid ?? 0) + (money?.redeemed ?? 0))}
        sub={`Paid out or used as credit${plusThings((things?.paid ?? 0) + (things?.redeemed ?? 0))}`}
      />
    </SimpleGrid>
  );
}

function Funnel({ data, weak }: { data: Data; weak?: Stage }) {
  const max = Math.max(1, ...data.funnel.map((s) => s.count));
  return (
    <>
      <Stack component="ol" gap="sm" m={0} p={0} aria-label="Referral funnel" style={{ listStyle: 'none' }}>
        {data.funnel.map((s, i) => {
          const isWeak = s.stage === weak;
          const before = i > 0 ? STAGE_LABEL[data.funnel[i - 1]!.stage].toLowerCase() : '';
          return (
            <Box component="li" key={s.stage}>
              <Group justify="space-between" gap="xs" wrap="nowrap">
                <Text size="sm" fw={500}>
                  {STAGE_LABEL[s.stage]}
                </Text>
                <Text size="sm" fw={700} style={{ fontVariantNumeric: 'tabular-nums' }}>
                  {s.count}
                </Text>
              </Group>
              <Box h={10} mt={4} bg="gray.1" style={{ borderRadius: 5 }} aria-hidden="true">
                <Box
                  h="100%"
                  w={`${Math.max(s.count > 0 ? 2 : 0, (s.count / max) * 100)}%`}
                  bg={isWeak ? 'red.7' : s.stage === 'won' ? 'brand.7' : 'brand.4'}
                  style={{ borderRadius: 5, transition: 'width 200ms' }}
                />
              </Box>
              {s.conversion !== null && (
                <Text size="xs" mt={2} c={isWeak ? 'red.9' : 'dimmed'} fw={isWeak ? 700 : undefined}>
                  {pct(s.conversion)} of {before}
                  {isWeak && ': the weakest step'}
                </Text>
              )}
            </Box>
          );
        })}
      </Stack>
      {data.funnel[0]!.count === 0 && (
        <Text size="xs" c="dimmed" mt="sm">
          No referral link was opened in this period; leads also come from named friends, coupons, staff and
          partners.
        </Text>
      )}
    </>
  );
}

type Row = { key: string; name: ReactNode; flow: Flow };

function FlowTable({ label, rows, currency }: { label: string; rows: Row[]; currency: string }) {
  if (rows.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        Nothing in this period.
      </Text>
    );
  }
  const num = { ta: 'right' as const, style: { fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' } };
  return (
    // Focusable, so a keyboard can scroll it sideways when it does not fit.
    <Table.ScrollContainer minWidth={300} type="native" tabIndex={0}>
      <Table verticalSpacing={6} horizontalSpacing="xs" fz="sm" aria-label={label}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{label.replace(/^By /, '').replace(/^./, (c) => c.toUpperCase())}</Table.Th>
            <Table.Th ta="right">Referred</Table.Th>
            <Table.Th ta="right" visibleFrom="md">
              Contacted
            </Table.Th>
            <Table.Th ta="right" visibleFrom="xl">
              Appointments
            </Table.Th>
            <Table.Th ta="right">Won</Table.Th>
            <Table.Th ta="right">Revenue</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.key}>
              <Table.Td>{r.name}</Table.Td>
              <Table.Td {...num}>{r.flow.referred}</Table.Td>
              <Table.Td {...num} visibleFrom="md">
                {r.flow.contacted}
              </Table.Td>
              <Table.Td {...num} visibleFrom="xl">
                {r.flow.appointments}
              </Table.Td>
              <Table.Td {...num}>{r.flow.won}</Table.Td>
              <Table.Td {...num}>{formatMoney(r.flow.revenue, currency)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function Breakdowns({ data }: { data: Data }) {
  const c = data.currency;
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
      <Card title="By program">
        <FlowTable
          label="By program"
          currency={c}
          rows={data.byProgram.map((p) => ({
            key: p.programId,
            flow: p,
            name: (
              <Anchor component={Link} to={`/programs/${p.programId}`} size="sm" c="dark" fw={500}>
                {p.name || 'Unnamed program'}
              </Anchor>
            ),
          }))}
        />
      </Card>
      <Card title="By channel">
        <FlowTable
          label="By channel"
          currency={c}
          rows={data.byChannel.map((r) => ({
            key: r.channel,
            flow: r,
            name: CHANNEL_LABEL[r.channel] ?? capitalise(r.channel.replace(/_/g, ' ')),
          }))}
        />
      </Card>
      <Card title="By source">
        <FlowTable
          label="By source"
          currency={c}
          rows={data.bySource.map((r) => ({
            key: r.source,
            flow: r,
            name: SOURCE_LABEL[r.source] ?? capitalise(r.source),
          }))}
        />
      </Card>
      <Card title="By staff member">
        <FlowTable
          label="By staff member"
          currency={c}
          rows={data.byStaff.map((r) => ({
            key: r.userId ?? 'nobody',
            flow: r,
            name: r.userId ? r.name || 'Former staff member' : 'Not assigned',
          }))}
        />
      </Card>
      <Card title="Asks by staff member">
        <AsksByStaff rows={data.asksByStaff ?? []} />
      </Card>
      <Card
        title="Top referrers"
        action={
          <Text size="xs" c="dimmed">
            Most friends won
          </Text>
        }
      >
        <TopReferrers data={data} />
      </Card>
    </SimpleGrid>
  );
}

function TopReferrers({ data }: { data: Data }) {
  if (data.topReferrers.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No referral won in this period yet.
      </Text>
    );
  }
  return (
    <Stack component="ol" gap={6} m={0} p={0} aria-label="Top referrers" style={{ listStyle: 'none' }}>
      {data.topReferrers.map((r, i) => (
        <Group component="li" key={r.personId} justify="space-between" wrap="nowrap" gap="xs">
          <Group gap="xs" wrap="nowrap" miw={0}>
            <Text size="sm" c="dimmed" w={20} ta="right">
              {i + 1}.
            </Text>
            <Anchor component={Link} to={`/people/${r.personId}`} size="sm" fw={500} c="dark" truncate>
              {r.name}
            </Anchor>
          </Group>
          <Badge variant="light" size="sm" tt="none" style={{ flexShrink: 0 }}>
            {r.won} won
          </Badge>
        </Group>
      ))}
    </Stack>
  );
}

function Insight({ data }: { data: Data }) {
  const i = insight(data);
  const color = i.tone === 'warn' ? 'orange' : i.tone === 'good' ? 'green' : 'blue';
  return (
    <Alert
      color={color}
      variant="light"
      icon={i.tone === 'good' ? <IconCheck /> : <IconAlert />}
      title={i.title}
      // The light variant's coloured title is below 4.5:1 on its background; the icon keeps the colour.
      styles={{ title: { color: 'var(--mantine-color-text)' } }}
    >
      {i.text}
      {data.overdue > 0 && i.tone !== 'info' && (
        <>
          {' '}
          <Anchor component={Link} to="/referrals?view=overdue" size="sm" fw={600}>
            See the overdue follow-ups
          </Anchor>
        </>
      )}
    </Alert>
  );
}

function Loading() {
  return (
    <Stack gap="md">
      <Skeleton h={72} />
      <SimpleGrid cols={{ base: 2, sm: 3, xl: 6 }} spacing="sm">
        {Array.from({ length: 6 }, (_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
          <Skeleton key={i} h={96} />
        ))}
      </SimpleGrid>
      <Skeleton h={260} />
    </Stack>
  );
}

export default function Dashboard() {
  const filters = useFilters();
  const { from, to, programId, period, set } = filters;
  const invalid = from > to;
  const dashboard = useDashboard(invalid ? { programId, period } : { from, to, programId, period });
  const data = dashboard.data;
  const weak = data ? insight(data).stage : undefined;

  return (
    <>
      <PageHeader
        title="Dashboard"
        description={
          data ? (
            <Text c="dimmed" size="sm" aria-live="polite">
              {formatDay(data.range.from)} – {formatDay(data.range.to)}
              {programId ? ' · one program' : ' · all programs'}
            </Text>
          ) : (
            'How referrals are doing.'
          )
        }
        actions={<Filters filters={filters} invalid={invalid} />}
      />
      {dashboard.isError ? (
        <QueryError error={dashboard.error} retry={() => dashboard.refetch()} />
      ) : !data ? (
        <Loading />
      ) : (
        <Stack
          gap="md"
          style={{ opacity: dashboard.isPlaceholderData ? 0.6 : 1, transition: 'opacity 150ms' }}
        >
          <Insight data={data} />
          <Figures data={data} />
          <SimpleGrid cols={{ base: 1, lg: 3 }} spacing="md">
            <Card title="From link view to customer">
              <Funnel data={data} weak={weak} />
            </Card>
            <Box className="dashboard-trend">
              <Card
                title="Trend"
                action={
                  <SegmentedControl
                    size="xs"
                    aria-label="Group by"
                    data={PERIODS}
                    value={data.range.period}
                    onChange={(v) => set({ period: v })}
                  />
                }
              >
                <Suspense fallback={<Skeleton h={250} />}>
                  <TrendCharts data={data} />
                </Suspense>
              </Card>
            </Box>
          </SimpleGrid>
          <ReferralsVsAds data={data} />
          <Breakdowns data={data} />
        </Stack>
      )}
    </>
  );
}
