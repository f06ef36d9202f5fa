/**
 * A person's rewards on their profile: balances, the counter (redeem credit or hand over a free
 * service or gift), their rewards, the full ledger history, and their visits and purchases with
 * a form to log one at the front desk.
 */
import {
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Group,
  NumberInput,
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
import { notifications } from '@mantine/notifications';
import { type ReactNode, useState } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../../api/client.ts';
import { usePersonEvents, useRecordEvent, useRedeem, useWallet } from '../../api/rewards.ts';
import { atLeast, type Balance, type BusinessEvent, type Wallet } from '../../api/types.ts';
import { IconAlert } from '../../components/icons.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { formatDateTime, formatMoney } from '../../format.ts';
import { useSession } from '../../session.tsx';
import {
  accountLabel,
  eventTypeLabel,
  formatAmount,
  formatSigned,
  moneyInput,
  postingColor,
  postingLabel,
  RewardsTable,
  rewardKindLabel,
  rewardWhat,
  toMinor,
} from '../rewards/shared.tsx';

function Section({ title, children, aside }: { title: string; children: ReactNode; aside?: ReactNode }) {
  return (
    <Box component="section" aria-label={title}>
      <Group justify="space-between" mb="xs" gap="xs">
        <Title order={3} size="h6">
          {title}
        </Title>
        {aside}
      </Group>
      {children}
    </Box>
  );
}

function Stat({ label, value, tone }: { label: string; value: string; tone?: 'red' | 'green' | 'dimmed' }) {
  return (
    <Box>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.3}>
        {label}
      </Text>
      <Text size="lg" fw={650} c={tone}>
        {value}
      </Text>
    </Box>
  );
}

/** One balance (credit in dollars, services counted…): held, available or owed, used. */
function BalanceCard({ b }: { b: Balance }) {
  const owes = b.available < 0;
  return (
    <Paper
      withBorder
      radius="md"
      p="sm"
      component="article"
      aria-label={`${rewardKindLabel[b.kind]} balance`}
    >
      <Text fw={600} size="sm" mb={6}>
        {rewardKindLabel[b.kind]}
        {b.unit !== 'unit' && (
          <Text span c="dimmed" size="xs">
            {' '}
            ({b.unit})
          </Text>
        )}
      </Text>
      <SimpleGrid cols={{ base: 2, xs: 4 }} spacing="xs">
        <Stat
          label={owes ? 'Owes' : 'Available'}
          value={formatAmount(owes ? -b.available : b.available, b.unit)}
          tone={owes ? 'red' : b.available > 0 ? 'green' : undefined}
        />
        <Stat label="On hold" value={formatAmount(b.held, b.unit)} tone={b.held ? undefined : 'dimmed'} />
        <Stat
          label="Redeemed"
          value={formatAmount(b.redeemed, b.unit)}
          tone={b.redeemed ? undefined : 'dimmed'}
        />
        <Stat label="Paid" value={formatAmount(b.paid, b.unit)} tone={b.paid ? undefined : 'dimmed'} />
      </SimpleGrid>
    </Paper>
  );
}

/** The counter: use some or all of the available credit, or hand over a free service or gift. */
export function Redeem({ personId, wallet }: { personId: string; wallet: Wallet }) {
  const redeem = useRedeem(personId);
  const currency = wallet.currency;
  const credit = wallet.rewards
    .filter((r) => r.kind === 'credit' && r.unit === currency)
    .reduce((s, r) => s + r.standing.available, 0);
  const items = wallet.rewards.filter(
    (r) =>
      (r.kind === 'service' || r.kind === 'gift') && r.status === 'available' && r.standing.available > 0,
  );
  const digits = 10 ** (moneyInput(currency).decimalScale ?? 2);
  const [mode, setMode] = useState<'credit' | 'item'>(credit > 0 ? 'credit' : 'item');
  const [amount, setAmount] = useState<number | string>(credit > 0 ? credit / digits : '');
  const [item, setItem] = useState<string | null>(items[0]?.id ?? null);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  if (credit <= 0 && items.length === 0) return null;
  const minor = amount === '' ? 0 : toMinor(amount, currency);
  const tooMuch = minor > credit;
  const submit = () => {
    setError(null);
    const body =
      mode === 'credit'
        ? { amount: minor, ...(note.trim() ? { note: note.trim() } : {}) }
        : { rewardId: item as string, ...(note.trim() ? { note: note.trim() } : {}) };
    // mutateAsync: the panel remounts this form when the balance changes, and the answer still lands.
    redeem.mutateAsync(body).then(
      (w) => {
        const left = w.rewards
          .filter((r) => r.kind === 'credit' && r.unit === currency)
          .reduce((s, r) => s + r.standing.available, 0);
        notifications.show({
          message:
            mode === 'credit'
              ? `${formatMoney(minor, currency)} redeemed; ${formatMoney(Math.max(left, 0), currency)} left`
              : `${items.find((r) => r.id === item)?.description ?? 'Reward'} handed over`,
          color: 'brand',
        });
      },
      (err) => setError(errorMessage(err)),
    );
  };
  return (
    <Paper
      withBorder
      radius="md"
      p="sm"
      bg="brand.0"
      component="form"
      aria-label="Redeem at the counter"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <Group justify="space-between" mb="xs" gap="xs">
        <Title order={3} size="h6">
          Redeem at the counter
        </Title>
        {credit > 0 && items.length > 0 && (
          <SegmentedControl
            size="xs"
            aria-label="What to redeem"
            data={[
              { value: 'credit', label: 'Credit' },
              { value: 'item', label: 'Service or gift' },
            ]}
            value={mode}
            onChange={(v) => setMode(v as 'credit' | 'item')}
          />
        )}
      </Group>
      {error && (
        <Alert color="red" icon={<IconAlert />} role="alert" mb="xs">
          {error}
        </Alert>
      )}
      <Group align="flex-end" gap="xs" wrap="wrap">
        {mode === 'credit' && credit > 0 ? (
          <NumberInput
            label="Amount of credit"
            description={`${formatMoney(credit, currency)} available`}
            {...moneyInput(currency)}
            max={credit / digits}
            value={amount}
            onChange={setAmount}
            error={tooMuch ? `Only ${formatMoney(credit, currency)} is available` : undefined}
            w={200}
          />
        ) : (
          <Select
            label="Free service or gift"
            data={items.map((r) => ({ value: r.id, label: `${rewardWhat(r)} (${r.programName})` }))}
            value={item}
            onChange={setItem}
            allowDeselect={false}
            miw={240}
            style={{ flex: '1 1 240px' }}
          />
        )}
        <TextInput
          label="Note"
          placeholder="optional"
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
          maxLength={500}
          style={{ flex: '1 1 180px' }}
        />
        <Button
          type="submit"
          loading={redeem.isPending}
          disabled={mode === 'credit' ? minor <= 0 || tooMuch : !item}
        >
          {mode === 'credit' ? 'Redeem' : 'Hand over'}
        </Button>
      </Group>
    </Paper>
  );
}

/** Every posting of the person's ledger, newest first, with its lines. */
function History({ wallet }: { wallet: Wallet }) {
  const [all, setAll] = useState(false);
  const what = new Map(wallet.rewards.map((r) => [r.id, rewardWhat(r)]));
  const shown = all ? wallet.history : wallet.history.slice(0, 8);
  if (!wallet.history.length)
    return (
      <Text size="sm" c="dimmed">
        Nothing in the ledger yet.
      </Text>
    );
  return (
    <>
      <Box component="ul" aria-label="Ledger history" m={0} p={0} style={{ listStyle: 'none' }}>
        {shown.map((p) => (
          <Box
            component="li"
            key={p.id}
            py={8}
            style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }}
          >
            <SimpleGrid cols={{ base: 1, sm: 3 }} spacing={4} verticalSpacing={4}>
              <Box>
                <Text size="sm">{formatDateTime(p.at)}</Text>
                <Text size="xs" c="dimmed">
                  by {p.actorLabel}
                </Text>
              </Box>
              <Group gap={6} align="flex-start" wrap="nowrap">
                <Badge
                  size="sm"
                  variant="light"
                  color={postingColor[p.kind]}
                  style={{ flexShrink: 0 }}
                  mt={2}
                >
                  {postingLabel[p.kind]}
                </Badge>
                <Text size="sm">{p.memo}</Text>
              </Group>
              <Stack gap={0}>
                {p.lines.map((l, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: lines of a posting have no id
                  <Text key={i} size="xs">
                    <Text span c={l.amount < 0 ? 'red.8' : 'teal.9'} fw={600}>
                      {formatSigned(l.amount, l.unit)}
                    </Text>{' '}
                    {accountLabel[l.account]}
                    <Text span c="dimmed">
                      {' '}
                      · {what.get(l.rewardId) ?? 'reward'}
                    </Text>
                  </Text>
                ))}
              </Stack>
            </SimpleGrid>
          </Box>
        ))}
      </Box>
      {wallet.history.length > 8 && (
        <Button variant="subtle" size="xs" mt={4} onClick={() => setAll(!all)}>
          {all ? 'Show fewer' : `Show all ${wallet.history.length} entries`}
        </Button>
      )}
    </>
  );
}

function eventAmount(e: BusinessEvent, currency: string) {
  if (e.amount === null) return '—';
  const m = formatMoney(e.amount, e.currency ?? currency);
  return e.type === 'refund' ? `−${m}` : m;
}

/** Purchases, visits and refunds, with a form to log one at the front desk. */
function Events({ personId, currency }: { personId: string; currency: string }) {
  const events = usePersonEvents(personId);
  const record = useRecordEvent();
  const [type, setType] = useState<'visit' | 'purchase'>('visit');
  const [amount, setAmount] = useState<number | string>('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [all, setAll] = useState(false);
  const submit = () => {
    setError(null);
    record.mutate(
      {
        type,
        source: 'front-desk',
        externalId: crypto.randomUUID(),
        person: { id: personId },
        ...(type === 'purchase' ? { amount: toMinor(amount, currency) } : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
      },
      {
        onSuccess: (r) => {
          const won = r.effects.referralWon ? ' It won their referral; rewards were issued.' : '';
          notifications.show({
            message: `${type === 'visit' ? 'Visit' : `Sale of ${formatMoney(toMinor(amount, currency), currency)}`} logged.${won}`,
            color: 'brand',
          });
          setAmount('');
          setNote('');
        },
        onError: (err) => setError(errorMessage(err)),
      },
    );
  };
  const items = events.data?.items ?? [];
  const shown = all ? items : items.slice(0, 6);
  return (
    <Section title="Visits and purchases">
      <Box
        component="form"
        aria-label="Log a visit or sale"
        mb="sm"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        {error && (
          <Alert color="red" icon={<IconAlert />} role="alert" mb="xs">
            {error}
          </Alert>
        )}
        <Group align="flex-end" gap="xs" wrap="wrap">
          <SegmentedControl
            aria-label="Log a"
            data={[
              { value: 'visit', label: 'Visit' },
              { value: 'purchase', label: 'Sale' },
            ]}
            value={type}
            onChange={(v) => setType(v as 'visit' | 'purchase')}
          />
          {type === 'purchase' && (
            <NumberInput
              label="Sale amount"
              {...moneyInput(currency)}
              value={amount}
              onChange={setAmount}
              w={160}
              required
            />
          )}
          <TextInput
            label="Note"
            placeholder="optional"
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            maxLength={1000}
            style={{ flex: '1 1 180px' }}
          />
          <Button
            type="submit"
            variant="light"
            loading={record.isPending}
            disabled={type === 'purchase' && (amount === '' || Number(amount) <= 0)}
          >
            {type === 'visit' ? 'Log visit' : 'Log sale'}
          </Button>
        </Group>
      </Box>
      {events.isError ? (
        <QueryError error={events.error} retry={() => events.refetch()} />
      ) : !events.data ? (
        <Skeleton h={80} />
      ) : items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No visits or purchases on record.
        </Text>
      ) : (
        <>
          {/* Focusable, so a keyboard can scroll it sideways on a phone (its rows hold no link). */}
          <Table.ScrollContainer minWidth={320} type="native" tabIndex={0}>
            <Table verticalSpacing={6} aria-label="Visits and purchases" fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>What</Table.Th>
                  <Table.Th ta="right">Amount</Table.Th>
                  <Table.Th visibleFrom="sm">From</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shown.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(e.occurredAt)}</Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        <Text size="sm" c={e.type === 'refund' ? 'red.9' : undefined}>
                          {eventTypeLabel[e.type]}
                        </Text>
                        {e.referralId && (
                          <Anchor component={Link} to={`/referrals/${e.referralId}`} size="xs">
                            won a referral
                          </Anchor>
                        )}
                      </Group>
                      {e.note && (
                        <Text size="xs" c="dimmed">
                          {e.note}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                      {eventAmount(e, currency)}
                    </Table.Td>
                    <Table.Td visibleFrom="sm">
                      <Text size="xs" c="dimmed">
                        {e.source}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {items.length > 6 && (
            <Button variant="subtle" size="xs" mt={4} onClick={() => setAll(!all)}>
              {all ? 'Show fewer' : `Show all ${items.length}${events.data.next ? '+' : ''}`}
            </Button>
          )}
        </>
      )}
    </Section>
  );
}

export function counterKey(w: Wallet) {
  const credit = w.rewards
    .filter((r) => r.kind === 'credit' && r.unit === w.currency)
    .reduce((s, r) => s + r.standing.available, 0);
  const items = w.rewards.filter(
    (r) => (r.kind === 'service' || r.kind === 'gift') && r.status === 'available',
  );
  return `${credit}|${items.map((r) => r.id).join(',')}`;
}

export function PersonRewards({ personId }: { personId: string }) {
  const { role } = useSession();
  const wallet = useWallet(personId);
  if (wallet.isError) return <QueryError error={wallet.error} retry={() => wallet.refetch()} />;
  if (!wallet.data) return <Skeleton h={200} />;
  const w = wallet.data;
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label="Rewards">
      <Title order={2} size="h5" mb="sm">
        Rewards
      </Title>
      <Stack gap="md">
        {w.balances.length === 0 ? (
          <Text size="sm" c="dimmed">
            No rewards yet. They appear here when someone this person referred becomes a customer.
          </Text>
        ) : (
          <SimpleGrid cols={{ base: 1, lg: w.balances.length > 1 ? 2 : 1 }} spacing="sm">
            {w.balances.map((b) => (
              <BalanceCard key={`${b.kind}|${b.unit}`} b={b} />
            ))}
          </SimpleGrid>
        )}
        {/* A new balance starts the form afresh: all of the available credit, the first item. */}
        <Redeem key={counterKey(w)} personId={personId} wallet={w} />
        {w.rewards.length > 0 && (
          <Section title="Their rewards">
            <RewardsTable
              label="Their rewards"
              rewards={w.rewards}
              manage={atLeast(role, 'manager')}
              showWho={false}
            />
          </Section>
        )}
        {w.history.length > 0 && (
          <Section title="Ledger history">
            <History wallet={w} />
          </Section>
        )}
        <Events personId={personId} currency={w.currency} />
      </Stack>
    </Paper>
  );
}
