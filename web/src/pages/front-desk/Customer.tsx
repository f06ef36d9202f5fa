/** One customer at the desk: who they are, their balance, today's visit or sale, the ask, redeem. */
import {
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Group,
  NumberInput,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { askKeys, useAskMoment } from '../../api/asks.ts';
import { errorMessage } from '../../api/client.ts';
import { usePerson } from '../../api/people.ts';
import { useRecordEvent, useWallet } from '../../api/rewards.ts';
import type { Wallet } from '../../api/types.ts';
import { useWorkspace } from '../../api/workspace.ts';
import { IconAlert, IconArrowLeft } from '../../components/icons.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { displayName, formatMoney } from '../../format.ts';
import { formatPhone } from '../../phone.ts';
import { counterKey, Redeem } from '../people/PersonRewards.tsx';
import { moneyInput, toMinor } from '../rewards/shared.tsx';
import { AskCard } from './AskCard.tsx';

function Stat({ label, value, extra }: { label: string; value: string; extra?: string }) {
  return (
    <Box>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.3}>
        {label}
      </Text>
      <Text size="xl" fw={650}>
        {value}
      </Text>
      {extra && (
        <Text size="xs" c="dimmed">
          {extra}
        </Text>
      )}
    </Box>
  );
}

/** Credit they can use now, and free services or gifts waiting for them. */
function available(w: Wallet) {
  const credit = w.rewards
    .filter((r) => r.kind === 'credit' && r.unit === w.currency)
    .reduce((s, r) => s + r.standing.available, 0);
  const items = w.rewards.filter(
    (r) =>
      (r.kind === 'service' || r.kind === 'gift') && r.status === 'available' && r.standing.available > 0,
  ).length;
  return { credit, items };
}

/** Today's visit with one tap; a sale with its amount. */
function LogToday({ personId, currency }: { personId: string; currency: string }) {
  const record = useRecordEvent();
  const qc = useQueryClient();
  const [amount, setAmount] = useState<number | string>('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<'visit' | 'purchase' | null>(null);
  const log = (type: 'visit' | 'purchase') => {
    setError(null);
    setPending(type);
    const minor = type === 'purchase' ? toMinor(amount, currency) : 0;
    record.mutate(
      {
        type,
        source: 'front-desk',
        externalId: crypto.randomUUID(),
        person: { id: personId },
        ...(type === 'purchase' ? { amount: minor } : {}),
      },
      {
        onSuccess: (r) => {
          void qc.invalidateQueries({ queryKey: askKeys.moment(personId) });
          const won = r.effects.referralWon ? ' It won their referral; rewards were issued.' : '';
          notifications.show({
            message: `${type === 'visit' ? 'Visit' : `Sale of ${formatMoney(minor, currency)}`} logged.${won}`,
            color: 'brand',
          });
          if (type === 'purchase') setAmount('');
        },
        onError: (err) => setError(errorMessage(err)),
        onSettled: () => setPending(null),
      },
    );
  };
  const noAmount = amount === '' || Number(amount) <= 0;
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label="Log a visit or sale">
      <Title order={2} size="h4" mb="sm">
        Today
      </Title>
      {error && (
        <Alert color="red" icon={<IconAlert />} role="alert" mb="sm">
          {error}
        </Alert>
      )}
      <Stack gap="sm">
        <Button size="lg" fullWidth onClick={() => log('visit')} loading={pending === 'visit'}>
          Log visit
        </Button>
        <Box
          component="form"
          aria-label="Log a sale"
          onSubmit={(e) => {
            e.preventDefault();
            if (!noAmount) log('purchase');
          }}
        >
          <Group gap="xs" align="flex-end" wrap="nowrap">
            <NumberInput
              label="Sale amount"
              placeholder={currency === 'USD' ? '$0.00' : '0'}
              size="lg"
              {...moneyInput(currency)}
              value={amount}
              onChange={setAmount}
              inputMode="decimal"
              style={{ flex: 1, minWidth: 0 }}
            />
            <Button
              type="submit"
              size="lg"
              variant="light"
              loading={pending === 'purchase'}
              disabled={noAmount}
              style={{ flexShrink: 0 }}
            >
              Log sale
            </Button>
          </Group>
        </Box>
      </Stack>
    </Paper>
  );
}

export function Customer({ id }: { id: string }) {
  const person = usePerson(id);
  const wallet = useWallet(id);
  const moment = useAskMoment(id);
  const country = useWorkspace().data?.country;
  if (person.isError) return <QueryError error={person.error} retry={() => person.refetch()} />;
  const p = person.data;
  const w = wallet.data;
  const name = p ? displayName(p) : '';
  const { credit, items } = w ? available(w) : { credit: 0, items: 0 };
  return (
    <Stack gap="md" maw={1100} mx="auto">
      <Anchor component={Link} to="/front-desk" size="md" w="fit-content" fw={500}>
        <Group gap={6} wrap="nowrap">
          <IconArrowLeft size={16} />
          Find another customer
        </Group>
      </Anchor>
      {!p ? (
        <Skeleton h={90} />
      ) : (
        <Box>
          <Group gap="xs" align="center">
            <Title order={1} size="h2">
              {name}
            </Title>
            {p.kind !== 'customer' && (
              <Badge variant="light" color="gray">
                {p.kind === 'prospect' ? 'New' : 'Partner'}
              </Badge>
            )}
            {p.doNotContact && (
              <Badge variant="light" color="red">
                Do not contact
              </Badge>
            )}
          </Group>
          <Text c="dimmed" size="sm">
            {[formatPhone(p.phone, country), p.email].filter(Boolean).join(' · ') ||
              'No phone or email on file'}
            {' · '}
            <Anchor component={Link} to={`/people/${encodeURIComponent(p.id)}`} size="sm" underline="always">
              Profile
            </Anchor>
          </Text>
        </Box>
      )}
      <Paper withBorder radius="md" p="sm" component="section" aria-label="At a glance">
        <SimpleGrid cols={3} spacing="xs">
          <Stat label="Visits" value={moment.data ? String(moment.data.visits) : '…'} />
          <Stat label="Sales" value={moment.data ? String(moment.data.purchases) : '…'} />
          <Stat
            label="Credit"
            value={w ? formatMoney(credit, w.currency) : '…'}
            extra={items ? `+ ${items} free ${items > 1 ? 'rewards' : 'reward'}` : undefined}
          />
        </SimpleGrid>
      </Paper>
      <div className="fd-grid">
        <div className="fd-log">
          {w ? <LogToday personId={id} currency={w.currency} /> : <Skeleton h={170} />}
        </div>
        <div className="fd-ask">
          {moment.isError ? (
            <QueryError error={moment.error} retry={() => moment.refetch()} />
          ) : moment.data && p ? (
            <AskCard personId={id} firstName={p.firstName || name} moment={moment.data} />
          ) : (
            <Skeleton h={240} />
          )}
        </div>
        {w && (credit > 0 || items > 0) && (
          <div className="fd-redeem">
            <Redeem key={counterKey(w)} personId={id} wallet={w} />
          </div>
        )}
      </div>
    </Stack>
  );
}
