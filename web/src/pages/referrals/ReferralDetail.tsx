import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Textarea,
  TextInput,
  Timeline,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { type ReactNode, useState } from 'react';
import { Link, useParams } from 'react-router';
import { errorMessage } from '../../api/client.ts';
import {
  useAddNote,
  useClearFlag,
  useRecordIntroduced,
  useRecordOptIn,
  useReferral,
  useStaff,
  useUpdateReferral,
} from '../../api/referrals.ts';
import type { Activity, Referral, ReferralStatus } from '../../api/types.ts';
import { useWorkspace } from '../../api/workspace.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import {
  channelLabel,
  describeReward,
  formatDateTime,
  fromLocalInput,
  referralStatusColor,
  referralStatusLabel,
  toLocalInput,
} from '../../format.ts';
import { StatusFields, statusPatch, statusReady } from './StatusFields.tsx';

/** Mirrors `transitions` in src/referrals/pipeline.service.ts. */
const NEXT: Record<ReferralStatus, readonly ReferralStatus[]> = {
  new: ['contacted', 'appointment', 'won', 'lost', 'void'],
  contacted: ['new', 'appointment', 'won', 'lost', 'void'],
  appointment: ['new', 'contacted', 'won', 'lost', 'void'],
  lost: ['contacted'],
  won: ['void'],
  void: [],
};
const STATUS_HELP: Record<ReferralStatus, string> = {
  new: 'A new lead: get in touch before the follow-up is due.',
  contacted: 'In touch: book an appointment, or mark the outcome.',
  appointment: 'Appointment booked: mark it won once they buy.',
  won: 'Became a customer. A won referral can only be voided (fraud, duplicate).',
  lost: 'Did not become a customer. It can be reopened as contacted.',
  void: 'Void is final.',
};
const ACTION: Record<ReferralStatus, string> = {
  new: 'Back to new',
  contacted: 'Mark contacted',
  appointment: 'Book appointment',
  won: 'Mark won',
  lost: 'Mark lost',
  void: 'Void',
};

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="sm" ta="right" component="div">
        {children || '—'}
      </Text>
    </Group>
  );
}

function StatusDialog({
  referral,
  to,
  onClose,
}: {
  referral: Referral;
  to: ReferralStatus | null;
  onClose: () => void;
}) {
  const update = useUpdateReferral(referral.id);
  const [reason, setReason] = useState('');
  const [when, setWhen] = useState(toLocalInput(referral.appointmentAt));
  const [error, setError] = useState<string | null>(null);
  const submit = () => {
    if (!to) return;
    setError(null);
    update.mutate(statusPatch(to, reason, when), {
      onSuccess: () => {
        notifications.show({
          message: `${referral.friend.name}: ${referralStatusLabel[to]}`,
          color: 'brand',
        });
        setReason('');
        onClose();
      },
      onError: (err) => setError(errorMessage(err)),
    });
  };
  return (
    <Modal opened={!!to} onClose={onClose} title={to ? ACTION[to] : ''} centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack gap="sm">
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <StatusFields to={to} reason={reason} onReason={setReason} when={when} onWhen={setWhen} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              type="submit"
              color={to === 'void' || to === 'lost' ? 'red' : undefined}
              loading={update.isPending}
              disabled={!statusReady(to, reason, when)}
            >
              {to ? ACTION[to] : ''}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function StatusActions({ referral }: { referral: Referral }) {
  const update = useUpdateReferral(referral.id);
  const [dialog, setDialog] = useState<ReferralStatus | null>(null);
  const next = NEXT[referral.status];
  // A friend named by a referrer cannot be contacted before the introduction or their opt-in.
  const blocked = (s: ReferralStatus) =>
    referral.waitingForIntroduction && (s === 'contacted' || s === 'appointment');
  const go = (to: ReferralStatus) => {
    if (to === 'lost' || to === 'void' || to === 'appointment') return setDialog(to);
    update.mutate(
      { status: to },
      {
        onSuccess: () =>
          notifications.show({
            message: `${referral.friend.name}: ${referralStatusLabel[to]}`,
            color: 'brand',
          }),
        onError: (err) =>
          notifications.show({ title: 'Not changed', message: errorMessage(err), color: 'red' }),
      },
    );
  };
  return (
    <>
      <Text size="sm" c="dimmed" mb={next.length ? 'sm' : 0}>
        {STATUS_HELP[referral.status]}
      </Text>
      <Group gap="xs" role="group" aria-label="Move to">
        {next.map((s) => (
          <Button
            key={s}
            size="sm"
            variant={s === 'won' ? 'filled' : s === 'void' || s === 'lost' ? 'subtle' : 'light'}
            color={s === 'won' ? 'green' : s === 'void' || s === 'lost' ? 'red' : undefined}
            disabled={blocked(s) || update.isPending}
            title={blocked(s) ? 'Waiting for the introduction or their opt-in' : undefined}
            onClick={() => go(s)}
          >
            {ACTION[s]}
          </Button>
        ))}
      </Group>
      <StatusDialog referral={referral} to={dialog} onClose={() => setDialog(null)} />
    </>
  );
}

function Waiting({ referral }: { referral: Referral }) {
  const introduced = useRecordIntroduced(referral.id);
  const optIn = useRecordOptIn(referral.id);
  const [source, setSource] = useState('');
  const fail = (err: unknown) =>
    notifications.show({ title: 'Not recorded', message: errorMessage(err), color: 'red' });
  return (
    <Alert
      color="orange"
      title="Waiting for introduction"
      component="section"
      aria-label="Waiting for introduction"
    >
      <Text size="sm" mb="sm">
        {referral.referrer.name} named this friend. Do not contact them until {referral.referrer.name} has
        told them about you or they agree to be contacted.
      </Text>
      <Stack gap="xs">
        <Button
          w="fit-content"
          variant="white"
          loading={introduced.isPending}
          onClick={() => introduced.mutate(undefined, { onError: fail })}
        >
          Record introduction
        </Button>
        <Group gap="xs" align="flex-end">
          <TextInput
            label="How they agreed"
            placeholder="phoned us, intake form…"
            value={source}
            onChange={(e) => setSource(e.currentTarget.value)}
            style={{ flex: '1 1 200px' }}
          />
          <Button
            variant="white"
            disabled={!source.trim()}
            loading={optIn.isPending}
            onClick={() => optIn.mutate(source.trim(), { onError: fail, onSuccess: () => setSource('') })}
          >
            Record opt-in
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

function Assignment({ referral }: { referral: Referral }) {
  const staff = useStaff();
  const update = useUpdateReferral(referral.id);
  const [due, setDue] = useState(toLocalInput(referral.followUpDueAt));
  const fail = (err: unknown) =>
    notifications.show({ title: 'Not saved', message: errorMessage(err), color: 'red' });
  const open =
    referral.status === 'new' || referral.status === 'contacted' || referral.status === 'appointment';
  return (
    <Stack gap="sm">
      <Select
        label="Assigned to"
        placeholder="Nobody"
        clearable
        data={(staff.data ?? []).filter((m) => !m.disabled).map((m) => ({ value: m.userId, label: m.name }))}
        value={referral.assignedTo}
        onChange={(v) => update.mutate({ assignedTo: v }, { onError: fail })}
        disabled={update.isPending}
      />
      {open && (
        <Group gap="xs" align="flex-end">
          <TextInput
            type="datetime-local"
            label="Follow-up due"
            value={due}
            onChange={(e) => setDue(e.currentTarget.value)}
            error={referral.overdue ? 'Overdue' : undefined}
            style={{ flex: '1 1 200px' }}
          />
          <Button
            variant="default"
            disabled={due === toLocalInput(referral.followUpDueAt)}
            onClick={() => update.mutate({ followUpDueAt: fromLocalInput(due) }, { onError: fail })}
          >
            Set
          </Button>
        </Group>
      )}
    </Stack>
  );
}

function activityText(a: Activity): string {
  switch (a.kind) {
    case 'created':
      return 'Referral created';
    case 'status':
      return `${a.fromStatus ? `${referralStatusLabel[a.fromStatus as ReferralStatus] ?? a.fromStatus} → ` : ''}${
        referralStatusLabel[a.toStatus as ReferralStatus] ?? a.toStatus
      }`;
    case 'assigned':
      return 'Assigned';
    case 'note':
      return 'Note';
    case 'follow_up':
      return 'Follow-up due time set';
    case 'appointment':
      return 'Appointment set';
    case 'flagged':
      return 'Flagged for review';
    case 'introduced':
      return 'Introduction recorded';
    case 'opted_in':
      return 'Opt-in recorded';
    case 'coupon_redeemed':
      return 'Coupon redeemed';
  }
}

function Notes({ referralId }: { referralId: string }) {
  const add = useAddNote(referralId);
  const [note, setNote] = useState('');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (!note.trim()) return;
        add.mutate(note.trim(), {
          onSuccess: () => setNote(''),
          onError: (err) =>
            notifications.show({ title: 'Not saved', message: errorMessage(err), color: 'red' }),
        });
      }}
    >
      <Stack gap="xs">
        <Textarea
          label="Add a note"
          autosize
          minRows={2}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
        />
        <Button
          type="submit"
          variant="default"
          w="fit-content"
          loading={add.isPending}
          disabled={!note.trim()}
        >
          Add note
        </Button>
      </Stack>
    </form>
  );
}

export default function ReferralDetail() {
  const { id = '' } = useParams();
  const detail = useReferral(id);
  const currency = useWorkspace().data?.currency ?? 'USD';
  const clear = useClearFlag(id);
  const back = { to: '/referrals', label: 'Referrals' };
  if (detail.isError) {
    return (
      <>
        <PageHeader title="Referral" back={back} />
        <QueryError error={detail.error} retry={() => detail.refetch()} />
      </>
    );
  }
  if (!detail.data) {
    return (
      <>
        <PageHeader title="Loading…" back={back} />
        <Skeleton h={240} />
      </>
    );
  }
  const { referral: r, activities, coupon, terms } = detail.data;
  return (
    <>
      <PageHeader
        back={back}
        title={r.friend.name}
        description={
          <Group gap={6}>
            <Badge
              variant="light"
              color={referralStatusColor[r.status]}
              aria-label={`Status: ${referralStatusLabel[r.status]}`}
            >
              {referralStatusLabel[r.status]}
            </Badge>
            <Text size="sm" c="dimmed">
              referred by{' '}
              <Anchor component={Link} to={`/people/${r.referrer.id}`} size="sm" underline="always">
                {r.referrer.name}
              </Anchor>{' '}
              · {r.programName}
            </Text>
          </Group>
        }
      />
      <Stack gap="md">
        {r.flag && (
          <Alert color="red" title="Flagged for review">
            <Text size="sm" mb="xs">
              {r.flag}
            </Text>
            <Button
              size="xs"
              variant="white"
              loading={clear.isPending}
              onClick={() => clear.mutate(undefined)}
            >
              Clear flag
            </Button>
          </Alert>
        )}
        {r.waitingForIntroduction && <Waiting referral={r} />}
        <Paper withBorder radius="md" p="md" component="section" aria-label="Status">
          <Title order={2} size="h5" mb="sm">
            Status
          </Title>
          <StatusActions referral={r} />
          {r.status === 'lost' && r.lostReason && (
            <Text size="sm" mt="xs">
              Lost: {r.lostReason}
            </Text>
          )}
          {r.status === 'void' && r.voidReason && (
            <Text size="sm" mt="xs">
              Void: {r.voidReason}
            </Text>
          )}
        </Paper>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
          <Paper withBorder radius="md" p="md" component="section" aria-label="People">
            <Title order={2} size="h5" mb="sm">
              People
            </Title>
            <Stack gap={6}>
              <Row label="Friend">
                <Anchor component={Link} to={`/people/${r.friend.id}`} size="sm">
                  {r.friend.name}
                </Anchor>
                {r.friend.email && (
                  <Text size="xs" c="dimmed">
                    {r.friend.email}
                  </Text>
                )}
                {r.friend.phone && (
                  <Text size="xs" c="dimmed">
                    {r.friend.phone}
                  </Text>
                )}
              </Row>
              <Row label="Referrer">
                <Anchor component={Link} to={`/people/${r.referrer.id}`} size="sm">
                  {r.referrer.name}
                </Anchor>
              </Row>
              <Row label="Channel">{channelLabel[r.channel]}</Row>
              <Row label="Created">{formatDateTime(r.createdAt)}</Row>
              {(r.status === 'new' || r.status === 'contacted' || r.status === 'appointment') && (
                <Row label="Follow-up due">
                  <Text span size="sm" c={r.overdue ? 'red.9' : undefined} fw={r.overdue ? 600 : undefined}>
                    {formatDateTime(r.followUpDueAt)}
                    {r.overdue && ' (overdue)'}
                  </Text>
                </Row>
              )}
              {r.appointmentAt && <Row label="Appointment">{formatDateTime(r.appointmentAt)}</Row>}
              {r.wonAt && <Row label="Won">{formatDateTime(r.wonAt)}</Row>}
              {coupon && (
                <Row label="Coupon">
                  <strong>{coupon.code}</strong>
                  {coupon.redeemedAt
                    ? ` redeemed ${formatDateTime(coupon.redeemedAt)}`
                    : coupon.expired
                      ? ' (expired)'
                      : ''}
                </Row>
              )}
              <Row label="Referrer reward">{describeReward(terms.referrerReward, currency)}</Row>
              <Row label="Friend incentive">{describeReward(terms.friendIncentive, currency)}</Row>
            </Stack>
          </Paper>
          <Paper withBorder radius="md" p="md" component="section" aria-label="Follow-up">
            <Title order={2} size="h5" mb="sm">
              Follow-up
            </Title>
            <Assignment key={`${r.assignedTo}:${r.followUpDueAt}`} referral={r} />
          </Paper>
        </SimpleGrid>
        <Paper withBorder radius="md" p="md" component="section" aria-label="Timeline">
          <Title order={2} size="h5" mb="md">
            Timeline
          </Title>
          <Timeline bulletSize={14} lineWidth={2} active={activities.length - 1} mb="md">
            {activities.map((a) => (
              <Timeline.Item key={a.id} title={activityText(a)}>
                {a.note && (
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                    {a.note}
                  </Text>
                )}
                <Text size="xs" c="dimmed">
                  {formatDateTime(a.at)} · {a.actor.label}
                </Text>
              </Timeline.Item>
            ))}
          </Timeline>
          <Notes referralId={r.id} />
        </Paper>
      </Stack>
    </>
  );
}
