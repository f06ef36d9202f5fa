/**
 * The referral network as a picture: the chosen person on the left, the people they referred in
 * the next column, whom those referred in the one after, and so on, with the revenue each branch
 * brought. A tidy tree laid out here (no graph library): leaves take one row each, a parent sits
 * in the middle of its children. Click someone to see the network from them. Large families are
 * cut to the biggest branches and a "+ 37 more" node that opens the rest. The same tree is a
 * nested list for screen readers (and for anyone who prefers it: "List").
 */
import {
  ActionIcon,
  Alert,
  Anchor,
  Box,
  Button,
  Group,
  Paper,
  SegmentedControl,
  Skeleton,
  Stack,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useElementSize, useMediaQuery } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type CSSProperties, useId, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api/client.ts';
import type { Network } from '../../api/types.ts';
import { useWorkspace } from '../../api/workspace.ts';
import { QueryError } from '../../components/QueryError.tsx';
import { currencyDigits } from '../../format.ts';

type NetworkNode = Network['referred'][number];

/** Children shown under one person before the rest fold into "+ N more". */
const MAX_CHILDREN = 6;
const NODE_W = 196;
const NODE_H = 54;
const COL_GAP = 56;
const ROW_GAP = 12;
const PAD = 6;
const DEPTHS = ['1', '2', '3', '4', '5'];

/** A node of the picture: the root, a referred person, or the folded rest of a family. */
type TreeNode = {
  key: string;
  kind: 'root' | 'person' | 'more';
  name: string;
  personId: string | null;
  node: NetworkNode | null;
  children: TreeNode[];
  /** For "more": how many are folded, and whose family it is. */
  hidden: number;
  parentKey: string | null;
  depth: number;
  x: number;
  y: number;
};

function useNetworkOf(personId: string, depth: number) {
  return useQuery({
    // Under the referrals' network key, so whatever refreshes that refreshes this.
    queryKey: ['referrals', 'network', personId, { depth }] as const,
    queryFn: ({ signal }) =>
      api.get<Network>(`/people/${encodeURIComponent(personId)}/network`, { depth }, signal),
    placeholderData: keepPreviousData,
  });
}

/** Money without cents when there are none: "$840", "$12.50", "£4,310". */
function moneyFormatter(currency: string) {
  const digits = currencyDigits(currency);
  const whole = new Intl.NumberFormat(undefined, { style: 'currency', currency, maximumFractionDigits: 0 });
  const exact = new Intl.NumberFormat(undefined, { style: 'currency', currency });
  return (minor: number) => {
    const major = minor / 10 ** digits;
    return (Number.isInteger(major) ? whole : exact).format(major);
  };
}

type Status = 'won' | 'open' | 'lost';
const statusOf = (n: NetworkNode): Status =>
  n.referral.status === 'won'
    ? 'won'
    : n.referral.status === 'lost' || n.referral.status === 'void'
      ? 'lost'
      : 'open';
const statusText = (n: NetworkNode) => {
  const s = n.referral.status;
  if (s === 'won') return 'Won';
  if (s === 'lost') return 'Lost';
  if (s === 'void') return 'Void';
  return s === 'appointment' ? 'Open · appointment' : s === 'contacted' ? 'Open · contacted' : 'Open · new';
};

const palette: Record<Status | 'root' | 'more', { fill: string; stroke: string; dash?: string }> = {
  root: { fill: 'var(--mantine-color-white)', stroke: 'var(--mantine-color-brand-8)' },
  won: { fill: 'var(--mantine-color-brand-0)', stroke: 'var(--mantine-color-brand-6)' },
  open: { fill: 'var(--mantine-color-yellow-0)', stroke: 'var(--mantine-color-yellow-7)' },
  lost: { fill: 'var(--mantine-color-gray-0)', stroke: 'var(--mantine-color-gray-5)', dash: '4 3' },
  more: { fill: 'var(--mantine-color-white)', stroke: 'var(--mantine-color-gray-5)', dash: '4 3' },
};

/** Biggest branches first, then customers, then the oldest referral. */
function byBranch(a: NetworkNode, b: NetworkNode) {
  return (
    b.branchRevenue - a.branchRevenue ||
    Number(b.referral.status === 'won') - Number(a.referral.status === 'won') ||
    a.referral.createdAt.localeCompare(b.referral.createdAt)
  );
}

/** The tree of the answer, each family cut to MAX_CHILDREN unless opened, laid out tidily. */
function buildTree(net: Network, expanded: ReadonlySet<string>) {
  const families = new Map<string, NetworkNode[]>();
  for (const n of net.referred) {
    const key = `${n.referrerId}|${n.generation}`;
    const list = families.get(key);
    if (list) list.push(n);
    else families.set(key, [n]);
  }
  const make = (
    kind: TreeNode['kind'],
    key: string,
    name: string,
    node: NetworkNode | null,
    depth: number,
    parentKey: string | null,
  ): TreeNode => ({
    key,
    kind,
    name,
    personId: node?.person.id ?? (kind === 'root' ? net.person.id : null),
    node,
    children: [],
    hidden: 0,
    parentKey,
    depth,
    x: 0,
    y: 0,
  });
  const grow = (t: TreeNode, personId: string, generation: number) => {
    const kids = [...(families.get(`${personId}|${generation + 1}`) ?? [])].sort(byBranch);
    const shown = kids.length > MAX_CHILDREN && !expanded.has(t.key) ? kids.slice(0, MAX_CHILDREN - 1) : kids;
    for (const k of shown) {
      const child = make('person', k.referral.id, k.person.name, k, t.depth + 1, t.key);
      // Someone already shown higher up (a cycle) is not followed again.
      if (!k.repeated) grow(child, k.person.id, generation + 1);
      t.children.push(child);
    }
    if (shown.length < kids.length) {
      const more = make('more', `${t.key}:more`, '', null, t.depth + 1, t.key);
      more.hidden = kids.length - shown.length;
      t.children.push(more);
    }
  };
  const root = make('root', `root:${net.person.id}`, net.person.name, null, 0, null);
  grow(root, net.person.id, 0);

  // Leaves one row each, top to bottom; a parent in the middle of its first and last child.
  let leaf = 0;
  let maxDepth = 0;
  const all: TreeNode[] = [];
  const place = (t: TreeNode) => {
    all.push(t);
    maxDepth = Math.max(maxDepth, t.depth);
    t.x = PAD + t.depth * (NODE_W + COL_GAP);
    if (!t.children.length) {
      t.y = PAD + leaf++ * (NODE_H + ROW_GAP);
      return;
    }
    for (const c of t.children) place(c);
    t.y = (t.children[0]!.y + t.children[t.children.length - 1]!.y) / 2;
  };
  place(root);
  return {
    root,
    all,
    // Room on the right for the "+N" of people referred beyond the last generation shown.
    width: PAD * 2 + (maxDepth + 1) * NODE_W + maxDepth * COL_GAP + 32,
    height: PAD * 2 + leaf * (NODE_H + ROW_GAP) - ROW_GAP,
  };
}

/** "Sue Parker brought 12 customers over 3 generations, £4,310 in sales." */
function summaryOf(net: Network, money: (m: number) => string) {
  const people = net.referred.filter((n) => !n.repeated);
  if (!people.length) return `${net.person.name} has not referred anyone yet.`;
  const customers = people.filter((n) => n.referral.status === 'won').length;
  const generations = Math.max(...people.map((n) => n.generation));
  return (
    `${net.person.name} brought ${customers} customer${customers === 1 ? '' : 's'} ` +
    `over ${generations} generation${generations === 1 ? '' : 's'}, ${money(net.revenue.total)} in sales` +
    (people.length > customers ? ` (${people.length - customers} more referred, not customers yet).` : '.')
  );
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

function NodeBox({
  t,
  total,
  money,
  onOpen,
}: {
  t: TreeNode;
  /** For the root: the whole network's counts and revenue. */
  total: Network | null;
  money: (m: number) => string;
  onOpen: (t: TreeNode) => void;
}) {
  const n = t.node;
  const look = palette[n ? statusOf(n) : t.kind === 'more' ? 'more' : 'root'];
  const clickable = t.kind === 'more' || (t.kind === 'person' && !!n && !n.repeated);
  const style: CSSProperties = clickable ? { cursor: 'pointer' } : {};
  let tip = '';
  if (t.kind === 'more') tip = `Show ${t.hidden} more`;
  else if (n)
    tip =
      `${n.person.name}: ${statusText(n)}, referred ${n.counts.referred} (${n.counts.won} won); ` +
      `${money(n.revenue)} their own sales, ${money(n.branchRevenue)} with their branch` +
      (n.repeated ? ' (shown higher up)' : '. Click to see the network from them.');
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a shortcut for the mouse; the nested list offers the same to keyboards and screen readers (it shows when focused)
    <g
      transform={`translate(${t.x},${t.y})`}
      style={style}
      onClick={clickable ? () => onOpen(t) : undefined}
      data-node={t.kind}
      data-name={t.kind === 'more' ? undefined : t.name}
    >
      {tip && <title>{tip}</title>}
      <rect
        width={NODE_W}
        height={NODE_H}
        rx={10}
        fill={look.fill}
        stroke={look.stroke}
        strokeWidth={t.kind === 'root' ? 2.5 : 1.5}
        strokeDasharray={look.dash}
      />
      {t.kind === 'more' ? (
        <text
          x={NODE_W / 2}
          y={NODE_H / 2 + 5}
          textAnchor="middle"
          fontSize={14}
          fontWeight={600}
          fill="var(--mantine-color-brand-8)"
        >
          + {t.hidden} more
        </text>
      ) : (
        <>
          <text x={12} y={22} fontSize={14} fontWeight={650} fill="var(--mantine-color-dark-7)">
            {clip(t.name, 22)}
          </text>
          {n ? (
            <>
              <circle cx={16} cy={38} r={4.5} fill={look.stroke} />
              <text x={26} y={42} fontSize={12} fill="var(--mantine-color-dark-5)">
                {n.repeated ? 'shown above' : statusText(n)}
              </text>
              <text
                x={NODE_W - 12}
                y={42}
                fontSize={12.5}
                fontWeight={650}
                textAnchor="end"
                fill="var(--mantine-color-dark-7)"
              >
                {n.repeated ? '' : money(n.branchRevenue)}
              </text>
            </>
          ) : (
            <>
              <text x={12} y={42} fontSize={12} fill="var(--mantine-color-dark-5)">
                {total ? `${total.counts.referred} referred, ${total.counts.won} won` : ''}
              </text>
              <text
                x={NODE_W - 12}
                y={42}
                fontSize={12.5}
                fontWeight={650}
                textAnchor="end"
                fill="var(--mantine-color-dark-7)"
              >
                {total ? money(total.revenue.total) : ''}
              </text>
            </>
          )}
          {n && !n.repeated && n.counts.referred > 0 && !t.children.length && (
            // They referred people beyond the generations shown.
            <g transform={`translate(${NODE_W + 4},${NODE_H / 2 - 9})`}>
              <rect width={26} height={18} rx={9} fill="var(--mantine-color-gray-2)" />
              <text x={13} y={13} fontSize={11} textAnchor="middle" fill="var(--mantine-color-dark-6)">
                +{n.counts.referred}
              </text>
            </g>
          )}
        </>
      )}
    </g>
  );
}

/** Curves from each parent's right edge to its children's left edges. */
function edges(all: TreeNode[]) {
  const out: Array<{ key: string; d: string; dashed: boolean }> = [];
  for (const p of all) {
    for (const c of p.children) {
      const x1 = p.x + NODE_W;
      const y1 = p.y + NODE_H / 2;
      const x2 = c.x;
      const y2 = c.y + NODE_H / 2;
      const mid = (x1 + x2) / 2;
      out.push({
        key: `${p.key}>${c.key}`,
        d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
        dashed: c.kind === 'more' || (!!c.node && statusOf(c.node) === 'lost'),
      });
    }
  }
  return out;
}

/** The nested list: the same tree in words, with buttons to open a family or re-root. */
function TreeList({
  t,
  money,
  onOpen,
}: {
  t: TreeNode;
  money: (m: number) => string;
  onOpen: (t: TreeNode) => void;
}) {
  if (!t.children.length) return null;
  return (
    <Box component="ul" m={0} pl="md" style={{ listStyle: 'disc' }}>
      {t.children.map((c) => (
        <li key={c.key}>
          {c.kind === 'more' ? (
            <Button variant="subtle" size="compact-sm" onClick={() => onOpen(c)}>
              Show {c.hidden} more referred by {t.name}
            </Button>
          ) : (
            <Text component="span" size="sm">
              {c.node && !c.node.repeated ? (
                <Anchor
                  component="button"
                  type="button"
                  size="sm"
                  onClick={() => onOpen(c)}
                  aria-label={`${c.name}: show the network from them`}
                >
                  {c.name}
                </Anchor>
              ) : (
                c.name
              )}
              {c.node &&
                (c.node.repeated
                  ? ' (shown above)'
                  : `, ${statusText(c.node).toLowerCase()}, ${money(c.node.branchRevenue)} with their branch` +
                    (c.node.counts.referred && !c.children.length
                      ? `, referred ${c.node.counts.referred} more`
                      : ''))}
            </Text>
          )}
          <TreeList t={c} money={money} onOpen={onOpen} />
        </li>
      ))}
    </Box>
  );
}

const srOnly: CSSProperties = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0 0 0 0)',
  whiteSpace: 'nowrap',
  border: 0,
};

export default function ReferralNetwork({ personId }: { personId: string }) {
  const currency = useWorkspace().data?.currency ?? 'USD';
  const money = useMemo(() => moneyFormatter(currency), [currency]);
  const phone = useMediaQuery('(max-width: 36em)') ?? false;
  const [depth, setDepth] = useState(3);
  const [trail, setTrail] = useState<Array<{ id: string; name: string }>>([]);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [view, setView] = useState<'picture' | 'list'>('picture');
  const [zoom, setZoom] = useState<number | null>(null);
  const [listFocused, setListFocused] = useState(false);
  const { ref: frame, width: frameWidth } = useElementSize();
  const ids = useId();
  const rootId = trail.length ? trail[trail.length - 1]!.id : personId;
  const net = useNetworkOf(rootId, depth);
  const tree = useMemo(() => (net.data ? buildTree(net.data, expanded) : null), [net.data, expanded]);

  const open = (t: TreeNode) => {
    if (t.kind === 'more') {
      if (t.parentKey) setExpanded((s) => new Set(s).add(t.parentKey!));
      return;
    }
    if (t.kind !== 'person' || !t.personId || t.node?.repeated) return;
    const id = t.personId;
    // Back to someone already on the way (a cycle) shortens the way instead.
    setTrail((tr) => {
      if (id === personId) return [];
      const at = tr.findIndex((p) => p.id === id);
      return at >= 0 ? tr.slice(0, at + 1) : [...tr, { id, name: t.name }];
    });
    setExpanded(new Set());
  };
  const back = (to: number) => {
    setTrail((tr) => tr.slice(0, to));
    setExpanded(new Set());
  };

  // Fits the width when that keeps the names readable; otherwise scrolls.
  const fit = tree && frameWidth ? Math.min(1, frameWidth / tree.width) : 1;
  const scale = zoom ?? Math.max(fit, phone ? 0.7 : 0.6);
  const zoomBy = (f: number) => setZoom(Math.min(1.6, Math.max(0.3, +(scale * f).toFixed(2))));

  const header = (
    <Group justify="space-between" align="flex-start" gap="sm" mb="xs">
      <Title order={2} size="h5" id={`${ids}-title`}>
        Referral network
      </Title>
      <Group gap="xs" wrap="wrap">
        <Text size="sm" c="dimmed" component="span" id={`${ids}-depth`}>
          Generations
        </Text>
        <SegmentedControl
          size="xs"
          data={DEPTHS}
          value={String(depth)}
          onChange={(v) => {
            setDepth(Number(v));
            setExpanded(new Set());
          }}
          aria-labelledby={`${ids}-depth`}
        />
        <SegmentedControl
          size="xs"
          data={[
            { value: 'picture', label: 'Picture' },
            { value: 'list', label: 'List' },
          ]}
          value={view}
          onChange={(v) => setView(v as 'picture' | 'list')}
          aria-label="Show the network as"
        />
      </Group>
    </Group>
  );

  if (net.isError) {
    return (
      <Paper withBorder radius="md" p="md" component="section" aria-labelledby={`${ids}-title`} data-network>
        {header}
        <QueryError error={net.error} retry={() => net.refetch()} />
      </Paper>
    );
  }
  const n = net.data;
  const summary = n ? summaryOf(n, money) : '';
  const listShown = view === 'list' || listFocused;
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby={`${ids}-title`} data-network>
      {header}
      {trail.length > 0 && (
        <Group gap={6} mb="xs" wrap="wrap" aria-label="Whose network" component="nav">
          <Anchor component="button" type="button" size="sm" onClick={() => back(0)}>
            Back to the start
          </Anchor>
          {trail.map((p, i) => (
            <Text key={p.id} size="sm" component="span">
              ›{' '}
              {i === trail.length - 1 ? (
                <Anchor component={Link} to={`/people/${p.id}`} size="sm" fw={600}>
                  {p.name}
                </Anchor>
              ) : (
                <Anchor component="button" type="button" size="sm" onClick={() => back(i + 1)}>
                  {p.name}
                </Anchor>
              )}
            </Text>
          ))}
        </Group>
      )}
      {!n || !tree ? (
        <Skeleton h={180} />
      ) : (
        <Stack gap="xs">
          <Text size="sm" fw={600} aria-live="polite" data-summary>
            {summary}
          </Text>
          {n.truncated && (
            <Alert color="gray" py={6}>
              The network is larger than shown here; click someone to see it from them.
            </Alert>
          )}
          {n.referred.length > 0 && view === 'picture' && (
            <>
              <Group justify="space-between" gap="xs" wrap="wrap">
                <Group gap="md" wrap="wrap" aria-hidden>
                  {(['won', 'open', 'lost'] as const).map((s) => (
                    <Group key={s} gap={6}>
                      <Box
                        w={12}
                        h={12}
                        style={{
                          borderRadius: 6,
                          background: palette[s].fill,
                          border: `1.5px ${palette[s].dash ? 'dashed' : 'solid'} ${palette[s].stroke}`,
                        }}
                      />
                      <Text size="xs" c="dimmed">
                        {s === 'won' ? 'Customer (won)' : s === 'open' ? 'Open referral' : 'Lost'}
                      </Text>
                    </Group>
                  ))}
                  <Text size="xs" c="dimmed">
                    Amounts: sales of the person and everyone below them
                  </Text>
                </Group>
                <Group gap={4}>
                  <Tooltip label="Zoom out">
                    <ActionIcon variant="default" size="sm" aria-label="Zoom out" onClick={() => zoomBy(0.8)}>
                      −
                    </ActionIcon>
                  </Tooltip>
                  <Tooltip label="Zoom in">
                    <ActionIcon variant="default" size="sm" aria-label="Zoom in" onClick={() => zoomBy(1.25)}>
                      +
                    </ActionIcon>
                  </Tooltip>
                  <Button variant="default" size="compact-xs" onClick={() => setZoom(fit)}>
                    Fit
                  </Button>
                </Group>
              </Group>
              <Box
                ref={frame}
                // Focusable, so the picture scrolls from the keyboard too.
                tabIndex={0}
                role="group"
                aria-label="The picture (scrolls)"
                style={{
                  overflow: 'auto',
                  maxHeight: phone ? '65vh' : 620,
                  border: '1px solid var(--mantine-color-gray-2)',
                  borderRadius: 8,
                  background: 'var(--mantine-color-gray-0)',
                  WebkitOverflowScrolling: 'touch',
                  touchAction: 'pan-x pan-y pinch-zoom',
                }}
              >
                <svg
                  role="img"
                  aria-labelledby={`${ids}-svg-title ${ids}-svg-desc`}
                  width={tree.width * scale}
                  height={tree.height * scale}
                  viewBox={`0 0 ${tree.width} ${tree.height}`}
                  style={{ display: 'block', fontFamily: 'inherit' }}
                >
                  <title id={`${ids}-svg-title`}>Referral network of {n.person.name}</title>
                  <desc id={`${ids}-svg-desc`}>
                    {summary} The list after the picture says who referred whom.
                  </desc>
                  <g fill="none" stroke="var(--mantine-color-gray-5)" strokeWidth={1.5}>
                    {edges(tree.all).map((e) => (
                      <path key={e.key} d={e.d} strokeDasharray={e.dashed ? '4 3' : undefined} />
                    ))}
                  </g>
                  {tree.all.map((t) => (
                    <NodeBox
                      key={t.key}
                      t={t}
                      total={t.kind === 'root' ? n : null}
                      money={money}
                      onOpen={open}
                    />
                  ))}
                </svg>
              </Box>
            </>
          )}
          {n.referred.length > 0 && (
            <Box
              style={listShown ? undefined : srOnly}
              onFocus={() => setListFocused(true)}
              onBlur={(e) => {
                if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setListFocused(false);
              }}
            >
              <Text size="sm" id={`${ids}-list`}>
                Whom {n.person.name} referred, and whom they referred:
              </Text>
              <Box aria-labelledby={`${ids}-list`} role="group">
                <TreeList t={tree.root} money={money} onOpen={open} />
              </Box>
            </Box>
          )}
        </Stack>
      )}
    </Paper>
  );
}
