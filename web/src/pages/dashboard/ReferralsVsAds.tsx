import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  NumberInput,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { errorMessage } from '../../api/client.ts';
import { useAdSpend, useSetAdSpend } from '../../api/dashboard.ts';
import type { Dashboard as Data } from '../../api/types.ts';
import { currencyDigits, formatMoney } from '../../format.ts';

type Comparison = Data['referralsVsAds'];
type Via = keyof Comparison['newCustomers'];

const VIA_LABEL: Record<Via, string> = {
  referral: 'Referral',
  advertising: 'Advertising',
  walk_in: 'Walk-in',
  other: 'Other',
  unknown: 'Not asked',
};
const VIA_COLOR: Record<Via, string> = {
  referral: 'brand',
  advertising: 'orange',
  walk_in: 'gray',
  other: 'gray',
  unknown: 'gray',
};

const monthFmt = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
const monthName = (month: string) => monthFmt.format(new Date(`${month}-01T00:00:00Z`));

/** Every month from the range's first to its last (YYYY-MM), newest first for entering. */
function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
  while (`${y}-${String(m).padStart(2, '0')}` <= to.slice(0, 7)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  }
  return out.reverse();
}

/** One side of the comparison: the cost of a customer won that way. */
function Side({
  title,
  cost,
  detail,
  currency,
}: {
  title: string;
  cost: number | null;
  detail: string;
  currency: string;
}) {
  return (
    <Paper withBorder radius="md" p="md" role="group" aria-label={title}>
      <Text size="sm" c="dimmed" fw={500}>
        {title}
      </Text>
      <Text fz={26} fw={700} lh={1.25} mt={4} style={{ fontVariantNumeric: 'tabular-nums' }}>
        {cost === null ? '—' : formatMoney(cost, currency)}
      </Text>
      <Text size="xs" c="dimmed" mt={2}>
        {detail}
      </Text>
    </Paper>
  );
}

/** The plain-words result, or what is missing for one. */
function verdict(c: Comparison, currency: string): string {
  const r = c.costPerReferralCustomer;
  const a = c.costPerAdCustomer;
  if (c.adSpend === 0) return 'Enter what you spent on advertising to compare it with referrals.';
  if (a === null)
    return `${formatMoney(c.adSpend, currency)} on advertising brought no customer who said so.`;
  if (r === null) return 'No referral was won in this range yet.';
  if (r === 0) return 'Referral customers cost nothing in rewards in this range.';
  const ratio = a / r;
  if (ratio >= 1.1)
    return `A customer from a referral cost ${ratio.toFixed(1)}× less than one from advertising.`;
  if (ratio <= 0.9)
    return `A customer from advertising cost ${(1 / ratio).toFixed(1)}× less than one from a referral.`;
  return 'Customers from referrals and from advertising cost about the same.';
}

/** The owner types last months' ad spend here; each month is saved on its own. */
function AdSpendForm({
  from,
  to,
  currency,
  opened,
}: {
  from: string;
  to: string;
  currency: string;
  opened: boolean;
}) {
  const months = monthsBetween(from, to).slice(0, 24);
  const entered = useAdSpend(months.at(-1) ?? from.slice(0, 7), months[0] ?? to.slice(0, 7), opened);
  const save = useSetAdSpend();
  const digits = currencyDigits(currency);
  const [values, setValues] = useState<Record<string, number | string>>({});
  useEffect(() => {
    if (entered.data)
      setValues(Object.fromEntries(entered.data.map((e) => [e.month, e.amount / 10 ** digits])));
  }, [entered.data, digits]);

  const submit = async () => {
    const changed = months.filter((m) => {
      const before = entered.data?.find((e) => e.month === m)?.amount ?? 0;
      const now = Math.round(Number(values[m] || 0) * 10 ** digits);
      return before !== now;
    });
    try {
      for (const month of changed)
        await save.mutateAsync({ month, amount: Math.round(Number(values[month] || 0) * 10 ** digits) });
      notifications.show({ color: 'teal', message: changed.length ? 'Ad spend saved' : 'Nothing changed' });
    } catch (err) {
      notifications.show({ color: 'red', title: 'Not saved', message: errorMessage(err) });
    }
  };

  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        What you spent on advertising each month (search and social ads, print, radio, flyers). A month counts
        for the share of its days inside the chosen range.
      </Text>
      {months.map((m) => (
        <NumberInput
          key={m}
          label={monthName(m)}
          value={values[m] ?? ''}
          onChange={(v) => setValues((s) => ({ ...s, [m]: v }))}
          min={0}
          decimalScale={digits}
          thousandSeparator
          leftSection={<Text size="xs">{currency}</Text>}
          disabled={entered.isLoading}
        />
      ))}
      <Group justify="flex-end">
        <Button onClick={submit} loading={save.isPending}>
          Save
        </Button>
      </Group>
    </Stack>
  );
}

export function ReferralsVsAds({ data }: { data: Data }) {
  const c = data.referralsVsAds;
  const currency = data.currency;
  const [opened, { open, close }] = useDisclosure(false);
  const missing = c.monthsWithoutSpend;
  const totalNew = Object.values(c.newCustomers).reduce((a, b) => a + b, 0);
  return (
    <Paper component="section" withBorder radius="md" p="md" aria-labelledby="card-referrals-vs-ads">
      <Group justify="space-between" mb="sm" gap="xs">
        <Title order={2} size="h5" id="card-referrals-vs-ads">
          Referral customers versus advertising
        </Title>
        <Button size="xs" variant="light" onClick={open}>
          Enter ad spend
        </Button>
      </Group>
      <Stack gap="sm">
        <Text fw={500}>{verdict(c, currency)}</Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <Side
            title="Cost of a customer won by referral"
            cost={c.costPerReferralCustomer}
            currency={currency}
            detail={`${formatMoney(c.referralCost, currency)} in rewards for ${c.referralCustomers} won referral${c.referralCustomers === 1 ? '' : 's'}`}
          />
          <Side
            title="Cost of a customer won by advertising"
            cost={c.costPerAdCustomer}
            currency={currency}
            detail={`${formatMoney(c.adSpend, currency)} ad spend for ${c.adCustomers} new customer${c.adCustomers === 1 ? '' : 's'} who heard of you through ads`}
          />
        </SimpleGrid>
        {missing.length > 0 && c.adSpend > 0 && (
          <Alert color="yellow" variant="light" p="xs">
            No ad spend entered for {missing.map(monthName).join(', ')}.
          </Alert>
        )}
        {totalNew > 0 && (
          <details>
            <summary style={{ cursor: 'pointer' }}>
              <Text span size="sm">
                How the {totalNew} new customer{totalNew === 1 ? '' : 's'} of this range heard of you
              </Text>
            </summary>
            <Table mt="xs" fz="sm" verticalSpacing={4}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Their answer</Table.Th>
                  <Table.Th>Counted as</Table.Th>
                  <Table.Th ta="right">Customers</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {c.answers.map((a) => (
                  <Table.Tr key={a.answer}>
                    <Table.Td>
                      {a.answer || (
                        <Text span c="dimmed" size="sm">
                          no answer
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={VIA_COLOR[a.via]}>
                        {VIA_LABEL[a.via]}
                      </Badge>
                    </Table.Td>
                    <Table.Td ta="right">{a.customers}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </details>
        )}
      </Stack>
      <Modal opened={opened} onClose={close} title="Advertising spend" size="sm">
        <AdSpendForm from={data.range.from} to={data.range.to} currency={currency} opened={opened} />
      </Modal>
    </Paper>
  );
}
