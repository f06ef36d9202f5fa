/** Words, badges and dialogs for rewards, shared by the Rewards page and a person's Rewards panel. */
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  NumberInput,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../../api/client.ts';
import { useApproveReward, useCompleteTask, usePayReward, useVoidReward } from '../../api/rewards.ts';
import type {
  EventType,
  Posting,
  RewardKind,
  RewardOut,
  RewardStatus,
  Task,
  TaskOutcome,
} from '../../api/types.ts';
import { useWorkspace } from '../../api/workspace.ts';
import { currencyDigits, formatDate, formatMoney } from '../../format.ts';

export const rewardStatusLabel: Record<RewardStatus, string> = {
  pending: 'On hold',
  available: 'Available',
  redeemed: 'Redeemed',
  paid: 'Paid',
  voided: 'Voided',
};
export const rewardStatusColor: Record<RewardStatus, string> = {
  pending: 'yellow',
  available: 'green',
  redeemed: 'blue',
  paid: 'teal',
  voided: 'gray',
};
export const rewardKindLabel: Record<RewardKind, string> = {
  credit: 'Credit',
  cash: 'Cash',
  service: 'Free service',
  gift: 'Gift',
};
export const ruleLabel: Record<RewardOut['rule'], string> = {
  referrer: 'Referrer reward',
  friend: 'Friend incentive',
  staff: 'Staff reward',
  milestone: 'Milestone bonus',
  thank_you: 'Thank-you gift',
};
export const postingLabel: Record<Posting['kind'], string> = {
  issue: 'Issued',
  release: 'Released',
  redeem: 'Redeemed',
  pay: 'Paid',
  void: 'Voided',
  reverse: 'Reversed',
  adjust: 'Adjusted',
};
export const postingColor: Record<Posting['kind'], string> = {
  issue: 'yellow',
  release: 'green',
  redeem: 'blue',
  pay: 'teal',
  void: 'gray',
  reverse: 'red',
  adjust: 'grape',
};
export const accountLabel: Record<Posting['lines'][number]['account'], string> = {
  held: 'On hold',
  available: 'Available',
  redeemed: 'Redeemed',
  paid: 'Paid',
};
export const outcomeLabel: Record<TaskOutcome, string> = {
  note: 'Handwritten note',
  card: 'Card',
  call: 'Phone call',
  email: 'Email',
  gift: 'Gift',
  in_person: 'In person',
};
export const eventTypeLabel: Record<EventType, string> = {
  purchase: 'Purchase',
  visit: 'Visit',
  refund: 'Refund',
  appointment_kept: 'Appointment kept',
  ticket_resolved: 'Ticket resolved',
};

/** An amount of a reward's unit: money for a currency, a count for services and gifts. */
export function formatAmount(amount: number, unit: string): string {
  if (unit === 'unit') return `${amount} ${Math.abs(amount) === 1 ? 'item' : 'items'}`;
  return formatMoney(amount, unit);
}

/** A signed amount for ledger lines: "+$25.00", "−$10.00". */
export function formatSigned(amount: number, unit: string): string {
  if (amount === 0) return formatAmount(0, unit);
  return `${amount > 0 ? '+' : '−'}${formatAmount(Math.abs(amount), unit)}`;
}

/** What a reward is, in a few words: "$25.00 credit", "a complimentary first adjustment". */
export function rewardWhat(r: Pick<RewardOut, 'kind' | 'unit' | 'amount' | 'description'>): string {
  if (r.unit === 'unit') return r.description || rewardKindLabel[r.kind];
  return `${formatMoney(r.amount, r.unit)} ${r.kind}`;
}

export function RewardStatusBadge({ reward }: { reward: RewardOut }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Badge size="sm" variant="light" color={rewardStatusColor[reward.status]}>
        {rewardStatusLabel[reward.status]}
      </Badge>
      {reward.needsApproval && !reward.approvedAt && reward.status === 'pending' && (
        <Badge size="sm" variant="outline" color="orange">
          Needs approval
        </Badge>
      )}
    </Group>
  );
}

/** Major units typed by a person ("12.50") to minor units (1250). */
export const toMinor = (major: number | string, currency: string) =>
  Math.round(Number(major) * 10 ** currencyDigits(currency));

/** NumberInput props for money in a currency. */
export function moneyInput(currency: string) {
  return {
    prefix: currency === 'USD' ? '$' : undefined,
    suffix: currency === 'USD' ? undefined : ` ${currency}`,
    min: 0,
    decimalScale: currencyDigits(currency),
    thousandSeparator: ',',
  };
}

const PAY_METHODS = ['Bank transfer', 'Cheque', 'Cash', 'PayPal', 'Gift card'];

/** Marks a cash reward paid: how, and a reference to find the payment again. */
export function PayDialog({ reward, onClose }: { reward: RewardOut | null; onClose: () => void }) {
  const pay = usePayReward();
  const [method, setMethod] = useState<string | null>('Bank transfer');
  const [reference, setReference] = useState('');
  const [error, setError] = useState<string | null>(null);
  const close = () => {
    setError(null);
    setReference('');
    onClose();
  };
  return (
    <Modal opened={!!reward} onClose={close} title="Mark paid" centered>
      {reward && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (!method) return;
            setError(null);
            pay.mutate(
              { id: reward.id, method: method.toLowerCase(), reference: reference.trim() || undefined },
              {
                onSuccess: () => {
                  notifications.show({
                    message: `${formatAmount(reward.standing.available, reward.unit)} paid to ${reward.beneficiary.name}`,
                    color: 'brand',
                  });
                  close();
                },
                onError: (err) => setError(errorMessage(err)),
              },
            );
          }}
        >
          <Stack gap="sm">
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <Text size="sm">
              Pay <strong>{formatAmount(reward.standing.available, reward.unit)}</strong> to{' '}
              {reward.beneficiary.name} ({reward.programName}).
            </Text>
            <Select
              label="Method"
              data={PAY_METHODS}
              value={method}
              onChange={setMethod}
              allowDeselect={false}
              searchable
              required
            />
            <TextInput
              label="Reference"
              description="Optional: the transfer or cheque number"
              value={reference}
              onChange={(e) => setReference(e.currentTarget.value)}
              maxLength={200}
              data-autofocus
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={pay.isPending} disabled={!method}>
                Mark paid
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

/** Voids a reward with a reason; what was already redeemed or paid becomes owed. */
export function VoidDialog({ reward, onClose }: { reward: RewardOut | null; onClose: () => void }) {
  const voidIt = useVoidReward();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const close = () => {
    setError(null);
    setReason('');
    onClose();
  };
  const used = reward ? reward.standing.redeemed + reward.standing.paid : 0;
  return (
    <Modal opened={!!reward} onClose={close} title="Void reward" centered>
      {reward && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setError(null);
            voidIt.mutate(
              { id: reward.id, reason: reason.trim() },
              {
                onSuccess: () => {
                  notifications.show({
                    message: `Reward for ${reward.beneficiary.name} voided`,
                    color: 'brand',
                  });
                  close();
                },
                onError: (err) => setError(errorMessage(err)),
              },
            );
          }}
        >
          <Stack gap="sm">
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <Text size="sm">
              {rewardWhat(reward)} for {reward.beneficiary.name} ({reward.programName}).
            </Text>
            {used > 0 && (
              <Alert color="orange">
                {formatAmount(used, reward.unit)} of it was already used: {reward.beneficiary.name} will owe
                it back.
              </Alert>
            )}
            <Textarea
              label="Why void it?"
              description="Voiding is final and kept in the ledger (a mistake, fraud, a duplicate)."
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              maxLength={500}
              required
              data-autofocus
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" color="red" loading={voidIt.isPending} disabled={!reason.trim()}>
                Void reward
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

const OUTCOMES = (Object.keys(outcomeLabel) as TaskOutcome[]).map((value) => ({
  value,
  label: outcomeLabel[value],
}));

/** Marks a thank-you done: how it was done, a note, and what the gift was when there was one. */
export function TaskDoneDialog({
  task,
  currency,
  onClose,
}: {
  task: Task | null;
  currency: string;
  onClose: () => void;
}) {
  const done = useCompleteTask();
  const [outcome, setOutcome] = useState<TaskOutcome>('card');
  const [note, setNote] = useState('');
  const [gift, setGift] = useState('');
  const [value, setValue] = useState<number | string>('');
  const [error, setError] = useState<string | null>(null);
  const close = () => {
    setError(null);
    setNote('');
    setGift('');
    setValue('');
    setOutcome('card');
    onClose();
  };
  const giftMissing = outcome === 'gift' && !gift.trim();
  return (
    <Modal opened={!!task} onClose={close} title="Thank-you done" centered>
      {task && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setError(null);
            done.mutate(
              {
                id: task.id,
                body: {
                  outcome,
                  ...(note.trim() ? { note: note.trim() } : {}),
                  ...(outcome === 'gift'
                    ? {
                        gift: {
                          description: gift.trim(),
                          value: value === '' ? 0 : toMinor(value, currency),
                        },
                      }
                    : {}),
                },
              },
              {
                onSuccess: () => {
                  notifications.show({ message: `${task.person.name} thanked`, color: 'brand' });
                  close();
                },
                onError: (err) => setError(errorMessage(err)),
              },
            );
          }}
        >
          <Stack gap="sm">
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <Text size="sm">{task.title}</Text>
            <Select
              label="How did you thank them?"
              data={OUTCOMES}
              value={outcome}
              onChange={(v) => v && setOutcome(v as TaskOutcome)}
              allowDeselect={false}
              data-autofocus
            />
            {outcome === 'gift' && (
              <>
                <TextInput
                  label="What was the gift?"
                  placeholder="a bottle of wine"
                  value={gift}
                  onChange={(e) => setGift(e.currentTarget.value)}
                  maxLength={200}
                  required
                />
                <NumberInput
                  label="Gift value"
                  description="What it cost, for the ledger"
                  {...moneyInput(currency)}
                  value={value}
                  onChange={setValue}
                />
              </>
            )}
            <Textarea
              label="Note"
              description="Optional"
              value={note}
              onChange={(e) => setNote(e.currentTarget.value)}
              maxLength={1000}
              autosize
              minRows={2}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={done.isPending} disabled={giftMissing}>
                Mark done
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function Who({ reward }: { reward: RewardOut }) {
  const b = reward.beneficiary;
  return b.type === 'person' ? (
    <Anchor component={Link} to={`/people/${b.id}`} fw={500} c="dark" size="sm">
      {b.name}
    </Anchor>
  ) : (
    <Text size="sm" fw={500}>
      {b.name}{' '}
      <Text span size="xs" c="dimmed">
        (staff)
      </Text>
    </Text>
  );
}

/** What is left of a reward: available, on hold, or owed back. */
export function Standing({ reward }: { reward: RewardOut }) {
  const s = reward.standing;
  if (s.available < 0)
    return (
      <Text size="sm" c="red.9" fw={600}>
        owes {formatAmount(-s.available, reward.unit)}
      </Text>
    );
  if (s.available > 0) return <Text size="sm">{formatAmount(s.available, reward.unit)} available</Text>;
  if (s.held > 0)
    return (
      <Text size="sm" c="dimmed">
        {formatAmount(s.held, reward.unit)} on hold
      </Text>
    );
  return (
    <Text size="sm" c="dimmed">
      —
    </Text>
  );
}

/** Approve, pay, void: the money actions, for managers and owners. */
function RewardActions({
  reward,
  onPay,
  onVoid,
}: {
  reward: RewardOut;
  onPay: (r: RewardOut) => void;
  onVoid: (r: RewardOut) => void;
}) {
  const approve = useApproveReward();
  const awaiting = reward.status === 'pending' && reward.needsApproval && !reward.approvedAt;
  return (
    <Group gap={6} wrap="nowrap" justify="flex-end">
      {awaiting && (
        <Button
          size="xs"
          loading={approve.isPending}
          aria-label={`Approve ${rewardWhat(reward)} for ${reward.beneficiary.name}`}
          onClick={() =>
            approve.mutate(reward.id, {
              onSuccess: (r) =>
                notifications.show({
                  message: `Approved for ${r.beneficiary.name}${r.status === 'available' ? ': available now' : `, on hold until ${formatDate(r.holdUntil)}`}`,
                  color: 'brand',
                }),
              onError: (err) =>
                notifications.show({ title: 'Not approved', message: errorMessage(err), color: 'red' }),
            })
          }
        >
          Approve
        </Button>
      )}
      {reward.kind === 'cash' && reward.status === 'available' && reward.standing.available > 0 && (
        <Button
          size="xs"
          variant="light"
          aria-label={`Pay ${reward.beneficiary.name}`}
          onClick={() => onPay(reward)}
        >
          Pay
        </Button>
      )}
      {reward.status !== 'voided' && (
        <Button
          size="xs"
          variant="subtle"
          color="red"
          aria-label={`Void ${rewardWhat(reward)} for ${reward.beneficiary.name}`}
          onClick={() => onVoid(reward)}
        >
          Void
        </Button>
      )}
    </Group>
  );
}

export function RewardsTable({
  label,
  rewards,
  manage,
  faded,
  showWho = true,
}: {
  label: string;
  rewards: RewardOut[];
  manage: boolean;
  faded?: boolean;
  /** Off on a person's own page, where every reward is theirs. */
  showWho?: boolean;
}) {
  // The declared value of a service or gift is in the workspace's currency.
  const currency = useWorkspace().data?.currency ?? 'USD';
  const [paying, setPaying] = useState<RewardOut | null>(null);
  const [voiding, setVoiding] = useState<RewardOut | null>(null);
  return (
    <Paper withBorder radius="md" style={{ overflow: 'hidden' }} opacity={faded ? 0.6 : 1}>
      {/* Focusable, so a keyboard can scroll it sideways on a phone when no row has an action. */}
      <Table.ScrollContainer minWidth={320} type="native" tabIndex={0}>
        <Table verticalSpacing="sm" aria-label={label}>
          <Table.Thead bg="gray.0">
            <Table.Tr>
              {showWho && <Table.Th>For</Table.Th>}
              <Table.Th>Reward</Table.Th>
              <Table.Th visibleFrom="sm">Status</Table.Th>
              <Table.Th visibleFrom="md">Left</Table.Th>
              <Table.Th visibleFrom="lg">Issued</Table.Th>
              {manage && (
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              )}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rewards.map((r) => (
              <Table.Tr key={r.id}>
                {showWho && (
                  <Table.Td>
                    <Who reward={r} />
                    <Text size="xs" c="dimmed" visibleFrom="sm">
                      {ruleLabel[r.rule]}
                    </Text>
                    <Group hiddenFrom="sm" mt={4}>
                      <RewardStatusBadge reward={r} />
                    </Group>
                  </Table.Td>
                )}
                <Table.Td>
                  <Text size="sm">{rewardWhat(r)}</Text>
                  {!showWho && (
                    <Group hiddenFrom="sm" my={4}>
                      <RewardStatusBadge reward={r} />
                    </Group>
                  )}
                  <Text size="xs" c="dimmed">
                    {showWho ? '' : `${ruleLabel[r.rule]}, `}
                    {r.programName}
                    {r.kind !== 'credit' && r.kind !== 'cash' && r.value > 0 && (
                      <> · worth {formatMoney(r.value, currency)}</>
                    )}
                  </Text>
                  {r.voidReason && (
                    <Text size="xs" c="red.9">
                      Voided: {r.voidReason}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td visibleFrom="sm">
                  <RewardStatusBadge reward={r} />
                  {r.status === 'pending' && (
                    <Text size="xs" c="dimmed" mt={2} style={{ whiteSpace: 'nowrap' }}>
                      until {formatDate(r.holdUntil)}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td visibleFrom="md">
                  <Standing reward={r} />
                </Table.Td>
                <Table.Td visibleFrom="lg">
                  <Text size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                    {formatDate(r.createdAt)}
                  </Text>
                </Table.Td>
                {manage && (
                  <Table.Td>
                    <RewardActions reward={r} onPay={setPaying} onVoid={setVoiding} />
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <PayDialog reward={paying} onClose={() => setPaying(null)} />
      <VoidDialog reward={voiding} onClose={() => setVoiding(null)} />
    </Paper>
  );
}
