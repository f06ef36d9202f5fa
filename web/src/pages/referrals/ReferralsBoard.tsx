import {
  Alert,
  Anchor,
  Badge,
  Button,
  CloseButton,
  Group,
  Menu,
  Modal,
  Paper,
  Select,
  Skeleton,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { type DragEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { errorMessage } from '../../api/client.ts';
import { usePrograms } from '../../api/programs.ts';
import { usePatchReferral, useReferrals, useStaff } from '../../api/referrals.ts';
import { atLeast, type Referral, type ReferralPatch, type ReferralStatus } from '../../api/types.ts';
import { IconChevronDown, IconSearch } from '../../components/icons.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { fromLocalInput, referralStatusColor, referralStatusLabel, toLocalInput } from '../../format.ts';
import { useSession } from '../../session.tsx';
import './ReferralsBoard.css';
import { StatusFields, statusPatch, statusReady } from './StatusFields.tsx';

/** The open part of the pipeline: one column each. */
const OPEN = ['new', 'contacted', 'appointment'] as const satisfies readonly ReferralStatus[];
/** Closing a referral: drop targets in one compact column. */
const CLOSED = ['won', 'lost', 'void'] as const satisfies readonly ReferralStatus[];

/** Mirrors `transitions` in src/referrals/pipeline.service.ts. */
const NEXT: Record<ReferralStatus, readonly ReferralStatus[]> = {
  new: ['contacted', 'appointment', 'won', 'lost', 'void'],
  contacted: ['new', 'appointment', 'won', 'lost', 'void'],
  appointment: ['new', 'contacted', 'won', 'lost', 'void'],
  lost: ['contacted'],
  won: ['void'],
  void: [],
};
const COLUMN_HELP: Record<ReferralStatus, string> = {
  new: 'Get in touch before the follow-up is due',
  contacted: 'In touch: book an appointment',
  appointment: 'Booked: mark won once they buy',
  won: 'Became a customer',
  lost: 'Did not become a customer',
  void: 'Fraud, duplicate or test (final)',
};
/** Statuses that need more than a drop: a date or a reason. */
type Dialog = { referral: Referral; to: 'appointment' | 'lost' | 'void' };
const needsDialog = (to: ReferralStatus): to is Dialog['to'] =>
  to === 'appointment' || to === 'lost' || to === 'void';

const sameYear = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
});
const otherYear = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
/** "Sep 14, 3:34 PM" this year, "Jun 1, 2030, 10:00 AM" otherwise: short enough for a card. */
const shortDateTime = (iso: string) => {
  const d = new Date(iso);
  return (d.getFullYear() === new Date().getFullYear() ? sameYear : otherYear).format(d);
};

/** The most cards the board asks for (the API's largest page), the ones due first. */
const BOARD_SIZE = 500;

const DRAG_TYPE = 'application/x-vouch-referral';

export default function ReferralsBoard() {
  const [params, setParams] = useSearchParams();
  const session = useSession();
  const canVoid = atLeast(session.role, 'manager');
  const programId = params.get('program') ?? '';
  const mine = params.get('mine') === '1';
  const overdue = params.get('overdue') === '1';
  const q = params.get('q') ?? '';
  const [search, setSearch] = useState(q);
  const [debounced] = useDebouncedValue(search.trim(), 250);

  const set = (change: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(change)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: only the typed text drives this
  useEffect(() => {
    if (debounced !== q) set({ q: debounced || undefined });
  }, [debounced]);

  const programs = usePrograms();
  const staff = useStaff();
  const referrals = useReferrals({
    status: [...OPEN],
    programId: programId || undefined,
    assignedTo: mine ? 'me' : undefined,
    overdue: overdue ? 'true' : undefined,
    q: q || undefined,
    sort: 'due',
    pageSize: BOARD_SIZE,
  });
  const patch = usePatchReferral();
  const [dragging, setDragging] = useState<Referral | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [editing, setEditing] = useState<Referral | null>(null);
  /** A card moved from its menu: its "Move to…" button takes the focus in its new column. */
  const [refocus, setRefocus] = useState<{ id: string; status: ReferralStatus } | null>(null);

  const staffName = (id: string | null) =>
    id ? (staff.data?.find((m) => m.userId === id)?.name ?? 'a former staff member') : null;

  const send = (r: Referral, change: ReferralPatch, done: string, onDone?: () => void) =>
    patch.mutate(
      { id: r.id, patch: change },
      {
        onSuccess: () => {
          notifications.show({ message: done, color: 'brand' });
          onDone?.();
        },
        onError: (err) =>
          notifications.show({
            title: change.status ? `${r.friend.name} not moved` : `${r.friend.name} not changed`,
            message: errorMessage(err),
            color: 'red',
            autoClose: 8000,
          }),
      },
    );

  /** A drop or a "Move to…" choice. */
  const move = (r: Referral, to: ReferralStatus) => {
    // A dropped card is mounted again in its new column, and React never delivers the dragend of
    // the element it left: the drop ends the drag, or the moved card stays faded.
    setDragging(null);
    if (to === r.status) return;
    if (!NEXT[r.status].includes(to)) {
      notifications.show({
        title: `${r.friend.name} not moved`,
        message: `A referral cannot go from ${referralStatusLabel[r.status]} to ${referralStatusLabel[to]}`,
        color: 'red',
      });
      return;
    }
    if (needsDialog(to)) return setDialog({ referral: r, to });
    send(r, { status: to }, `${r.friend.name}: ${referralStatusLabel[to]}`);
  };

  const items = referrals.data?.items ?? [];
  const targets = (r: Referral) =>
    NEXT[r.status].filter((s) => s !== 'void' || canVoid) as readonly ReferralStatus[];
  const filtered = !!(programId || mine || overdue || q);

  return (
    <>
      <Group gap="sm" align="flex-end" mb="md" wrap="wrap">
        <TextInput
          label="Search"
          placeholder="Friend or referrer"
          leftSection={<IconSearch size={16} />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          rightSection={
            search ? <CloseButton aria-label="Clear search" size="sm" onClick={() => setSearch('')} /> : null
          }
          type="search"
          style={{ flex: '1 1 200px' }}
          maw={{ base: '100%', sm: 320 }}
        />
        <Select
          label="Program"
          placeholder="All programs"
          clearable
          data={(programs.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
          value={programId || null}
          onChange={(v) => set({ program: v ?? undefined })}
          style={{ flex: '1 1 200px' }}
          maw={{ base: '100%', sm: 280 }}
        />
        <Group gap="md" pb={8}>
          <Switch
            label="Assigned to me"
            checked={mine}
            onChange={(e) => set({ mine: e.currentTarget.checked ? '1' : undefined })}
          />
          <Switch
            label="Overdue only"
            checked={overdue}
            onChange={(e) => set({ overdue: e.currentTarget.checked ? '1' : undefined })}
          />
        </Group>
      </Group>

      {referrals.isError ? (
        <QueryError error={referrals.error} retry={() => referrals.refetch()} />
      ) : (
        <>
          <Text size="sm" c="dimmed" mb="xs" aria-live="polite">
            {referrals.data
              ? `${referrals.data.total} open ${referrals.data.total === 1 ? 'referral' : 'referrals'}${filtered ? ' match' : ''}. Drag a card to another column, or use “Move to…” on the card.`
              : 'Loading the board…'}
            {referrals.data && referrals.data.total > items.length && (
              <> The board shows the {items.length} due first: filter to see the others.</>
            )}
          </Text>
          <div className="referral-board" aria-busy={!referrals.data}>
            {OPEN.map((status) => {
              const cards = items.filter((r) => r.status === status);
              return (
                <DropZone
                  key={status}
                  status={status}
                  dragging={dragging}
                  onDrop={(r) => move(r, status)}
                  column
                >
                  <Group justify="space-between" gap="xs" wrap="nowrap" mb={2}>
                    <Title order={2} size="h5">
                      {referralStatusLabel[status]}
                    </Title>
                    <Badge
                      variant="light"
                      color={referralStatusColor[status]}
                      aria-label={`${cards.length} ${cards.length === 1 ? 'referral' : 'referrals'}`}
                    >
                      {cards.length}
                    </Badge>
                  </Group>
                  <Text size="xs" c="dimmed" mb="sm">
                    {COLUMN_HELP[status]}
                  </Text>
                  {!referrals.data ? (
                    <Stack gap="xs">
                      <Skeleton h={120} />
                      <Skeleton h={120} />
                    </Stack>
                  ) : cards.length === 0 ? (
                    <Text size="sm" c="dimmed" ta="center" py="lg">
                      {filtered ? 'Nothing matches here' : 'No referrals here'}
                    </Text>
                  ) : (
                    <Stack gap="xs" component="ul" className="referral-board-cards">
                      {cards.map((r) => (
                        <li key={r.id}>
                          <Card
                            referral={r}
                            assignee={staffName(r.assignedTo)}
                            targets={targets(r)}
                            dragging={dragging?.id === r.id}
                            onDragStart={() => setDragging(r)}
                            onDragEnd={() => setDragging(null)}
                            onMove={(to) => {
                              setRefocus({ id: r.id, status: to });
                              move(r, to);
                            }}
                            refocus={refocus?.id === r.id && refocus.status === r.status}
                            onRefocused={() => setRefocus(null)}
                            onEdit={() => setEditing(r)}
                          />
                        </li>
                      ))}
                    </Stack>
                  )}
                </DropZone>
              );
            })}
            <section aria-labelledby="board-close" className="referral-board-column referral-board-close">
              <Title order={2} size="h5" id="board-close" mb={2}>
                Close
              </Title>
              <Text size="xs" c="dimmed" mb="sm">
                Drop a card here when the outcome is known
              </Text>
              <Stack gap="xs">
                {CLOSED.filter((s) => s !== 'void' || canVoid).map((status) => (
                  <DropZone key={status} status={status} dragging={dragging} onDrop={(r) => move(r, status)}>
                    <Badge variant="light" color={referralStatusColor[status]} c="dark.8" mb={4}>
                      {referralStatusLabel[status]}
                    </Badge>
                    <Text size="xs" c="dimmed">
                      {COLUMN_HELP[status]}
                    </Text>
                  </DropZone>
                ))}
              </Stack>
              <Anchor component={Link} to="/referrals?view=won" size="sm" mt="sm" display="block">
                Won and lost referrals
              </Anchor>
            </section>
          </div>
        </>
      )}

      <MoveDialog dialog={dialog} onClose={() => setDialog(null)} send={send} pending={patch.isPending} />
      <EditDialog
        referral={editing}
        staff={(staff.data ?? []).filter((m) => !m.disabled).map((m) => ({ value: m.userId, label: m.name }))}
        onClose={() => setEditing(null)}
        send={send}
      />
    </>
  );
}

/** A column or an outcome: takes a dragged card when the pipeline lets it go there. */
function DropZone({
  status,
  dragging,
  onDrop,
  column,
  children,
}: {
  status: ReferralStatus;
  dragging: Referral | null;
  onDrop: (r: Referral) => void;
  /** an open column (a region named after the status), else an outcome in the closing column */
  column?: boolean;
  children: ReactNode;
}) {
  const [over, setOver] = useState(false);
  const allowed = !!dragging && dragging.status !== status && NEXT[dragging.status].includes(status);
  const accept = (e: DragEvent) => {
    if (!allowed) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    if (!over) setOver(true);
  };
  const Tag = column ? 'section' : 'div';
  return (
    <Tag
      aria-label={column ? referralStatusLabel[status] : undefined}
      className={column ? 'referral-board-column' : 'referral-board-outcome'}
      data-status={status}
      data-drop={allowed ? (over ? 'over' : 'ok') : undefined}
      onDragEnter={accept}
      onDragOver={accept}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        if (dragging && allowed) onDrop(dragging);
      }}
    >
      {children}
    </Tag>
  );
}

function Card({
  referral: r,
  assignee,
  targets,
  dragging,
  onDragStart,
  onDragEnd,
  onMove,
  onEdit,
  refocus,
  onRefocused,
}: {
  referral: Referral;
  assignee: string | null;
  targets: readonly ReferralStatus[];
  dragging: boolean;
  onDragStart: () => void;
  onDragEnd: () => void;
  onMove: (to: ReferralStatus) => void;
  onEdit: () => void;
  refocus: boolean;
  onRefocused: () => void;
}) {
  const moveButton = useRef<HTMLButtonElement>(null);
  // Runs once the card is mounted in its new column, after the menu has closed.
  useEffect(() => {
    if (!refocus) return;
    const t = setTimeout(() => {
      moveButton.current?.focus();
      onRefocused();
    }, 50);
    return () => clearTimeout(t);
  }, [refocus, onRefocused]);
  const nameId = useId();
  const now = new Date().toISOString();
  const blocked = (s: ReferralStatus) =>
    r.waitingForIntroduction && (s === 'contacted' || s === 'appointment');
  return (
    <Paper
      component="article"
      aria-labelledby={nameId}
      withBorder
      radius="md"
      p="sm"
      shadow="xs"
      className="referral-card"
      data-overdue={r.overdue || undefined}
      data-dragging={dragging || undefined}
      draggable
      onDragStart={(e: DragEvent) => {
        e.dataTransfer.effectAllowed = 'move';
        e.dataTransfer.setData(DRAG_TYPE, r.id);
        e.dataTransfer.setData('text/plain', r.friend.name);
        onDragStart();
      }}
      onDragEnd={onDragEnd}
    >
      <Group justify="space-between" gap={6} wrap="nowrap" align="flex-start">
        <Anchor
          component={Link}
          to={`/referrals/${r.id}`}
          id={nameId}
          fw={600}
          c="dark"
          size="sm"
          draggable={false}
          style={{ overflowWrap: 'anywhere' }}
        >
          {r.friend.name}
        </Anchor>
        {r.overdue && (
          <Badge color="red.9" variant="filled" size="sm" style={{ flexShrink: 0 }}>
            Overdue
          </Badge>
        )}
      </Group>
      <Text size="xs" c="dimmed">
        from {r.referrer.name}
      </Text>
      <Text size="xs" c="dimmed" mb={6}>
        {r.programName}
      </Text>
      <Stack gap={2}>
        {r.status === 'appointment' ? (
          // Booked: the appointment is what matters; once it is past, the outcome is due.
          r.appointmentAt && (
            <Text size="xs">
              {r.appointmentAt < now ? 'Appointment was ' : 'Appointment '}
              {shortDateTime(r.appointmentAt)}
            </Text>
          )
        ) : r.followUpDueAt ? (
          <Text size="xs" c={r.overdue ? 'red.9' : undefined} fw={r.overdue ? 600 : undefined}>
            {r.overdue ? 'Follow-up was due ' : 'Follow-up due '}
            {shortDateTime(r.followUpDueAt)}
          </Text>
        ) : (
          <Text size="xs" c="dimmed">
            No follow-up date
          </Text>
        )}
        <Text size="xs" c={assignee ? undefined : 'dimmed'}>
          {assignee ? `Assigned to ${assignee}` : 'Unassigned'}
        </Text>
        {(r.waitingForIntroduction || r.flag) && (
          <Group gap={4} mt={2}>
            {r.waitingForIntroduction && (
              <Badge size="xs" variant="light" color="orange" c="#8a3600">
                Waiting for introduction
              </Badge>
            )}
            {r.flag && (
              <Badge size="xs" variant="filled" color="red.9">
                Flagged
              </Badge>
            )}
          </Group>
        )}
      </Stack>
      <Group gap={4} mt="xs" justify="space-between">
        <Menu position="bottom-start" withinPortal shadow="md">
          <Menu.Target>
            <Button
              ref={moveButton}
              size="compact-xs"
              variant="light"
              rightSection={<IconChevronDown size={12} />}
              aria-label={`Move to… (${r.friend.name})`}
              disabled={targets.length === 0}
            >
              Move to…
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Label>Move {r.friend.name} to</Menu.Label>
            {targets.map((s) => (
              <Menu.Item
                key={s}
                onClick={() => onMove(s)}
                disabled={blocked(s)}
                color={s === 'lost' || s === 'void' ? 'red.9' : undefined}
                title={blocked(s) ? 'Waiting for the introduction or their opt-in' : undefined}
              >
                {referralStatusLabel[s]}
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
        <Button
          size="compact-xs"
          variant="subtle"
          onClick={onEdit}
          aria-label={`Assign… (${r.friend.name})`}
          title="Who follows up, and by when"
        >
          Assign…
        </Button>
      </Group>
    </Paper>
  );
}

type Send = (r: Referral, change: ReferralPatch, done: string, onDone?: () => void) => void;

/** A drop on Appointment, Lost or Void: the date or the reason the server requires. */
function MoveDialog({
  dialog,
  onClose,
  send,
  pending,
}: {
  dialog: Dialog | null;
  onClose: () => void;
  send: Send;
  pending: boolean;
}) {
  const [reason, setReason] = useState('');
  const [when, setWhen] = useState('');
  const to = dialog?.to;
  const r = dialog?.referral;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset per opened dialog
  useEffect(() => {
    setReason('');
    setWhen(toLocalInput(r?.appointmentAt ?? null));
  }, [dialog]);
  const title = !r
    ? ''
    : to === 'appointment'
      ? `Book an appointment for ${r.friend.name}`
      : to === 'lost'
        ? `Mark ${r.friend.name} lost`
        : `Void the referral of ${r.friend.name}`;
  return (
    <Modal opened={!!dialog} onClose={onClose} title={title} centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!r || !to) return;
          send(r, statusPatch(to, reason, when), `${r.friend.name}: ${referralStatusLabel[to]}`);
          onClose();
        }}
      >
        <Stack gap="sm">
          <StatusFields to={to} reason={reason} onReason={setReason} when={when} onWhen={setWhen} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              type="submit"
              color={to === 'appointment' ? undefined : 'red.9'}
              loading={pending}
              disabled={!statusReady(to, reason, when)}
            >
              {to === 'appointment' ? 'Book appointment' : to === 'lost' ? 'Mark lost' : 'Void'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Who follows the referral up, and by when. */
function EditDialog({
  referral: r,
  staff,
  onClose,
  send,
}: {
  referral: Referral | null;
  staff: { value: string; label: string }[];
  onClose: () => void;
  send: Send;
}) {
  const [assignee, setAssignee] = useState<string | null>(null);
  const [due, setDue] = useState('');
  useEffect(() => {
    setAssignee(r?.assignedTo ?? null);
    setDue(toLocalInput(r?.followUpDueAt ?? null));
  }, [r]);
  const changed =
    !!r && (assignee !== r.assignedTo || fromLocalInput(due) !== (r.followUpDueAt && toIso(r.followUpDueAt)));
  return (
    <Modal opened={!!r} onClose={onClose} title={r ? `Assign and schedule ${r.friend.name}` : ''} centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!r) return;
          const change: ReferralPatch = {};
          if (assignee !== r.assignedTo) change.assignedTo = assignee;
          const at = fromLocalInput(due);
          if (at !== (r.followUpDueAt && toIso(r.followUpDueAt))) change.followUpDueAt = at;
          if (Object.keys(change).length) send(r, change, `${r.friend.name}: saved`);
          onClose();
        }}
      >
        <Stack gap="sm">
          <Select
            label="Assigned to"
            placeholder="Nobody"
            clearable
            data={staff}
            value={assignee}
            onChange={setAssignee}
            data-autofocus
          />
          <TextInput
            type="datetime-local"
            label="Follow-up due"
            value={due}
            onChange={(e) => setDue(e.currentTarget.value)}
          />
          {r?.overdue && (
            <Alert color="red" variant="light" p="xs">
              The follow-up is overdue: get in touch, or set a new date.
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" disabled={!changed}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The stored time rounded to the minute, as the datetime-local input shows it. */
const toIso = (iso: string) => fromLocalInput(toLocalInput(iso));
