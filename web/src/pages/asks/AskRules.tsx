/**
 * Ask rules (managers): when to ask whom for referrals, through which channel, with quiet hours
 * (or, instead of asking, to send the feedback survey after a transaction);
 * every field editable, rules switched on and off, and a preview of whom a rule would ask this
 * week with the people listed.
 */
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Fieldset,
  Group,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import {
  type AskRule,
  type AskRuleInput,
  useAskRules,
  useDeleteAskRule,
  useRulePreview,
  useSaveAskRule,
} from '../../api/asks.ts';
import { errorMessage, fieldErrors } from '../../api/client.ts';
import { usePrograms } from '../../api/programs.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { formatDateTime } from '../../format.ts';

type TriggerType = AskRule['trigger']['type'];
const TRIGGERS: Array<{ value: TriggerType; label: string }> = [
  { value: 'purchase', label: 'At the point of purchase' },
  { value: 'first_purchase', label: 'A first-timer’s first purchase' },
  { value: 'nth_visit', label: 'The Nth visit' },
  { value: 'days_after', label: 'N days after a visit or purchase' },
  { value: 'survey_score', label: 'After a high survey score' },
  { value: 'every_months', label: 'Every N months since the last ask' },
  { value: 'ticket_resolved', label: 'Right after a support ticket is resolved' },
];

type Values = {
  name: string;
  programId: string;
  active: boolean;
  type: TriggerType;
  n: number;
  days: number;
  of: 'purchase' | 'visit' | 'any';
  min: number;
  months: number;
  minSpend: number | '';
  tagsAny: string[];
  tagsNone: string[];
  kinds: string[];
  channel: AskRule['channel'];
  quietFrom: string;
  quietTo: string;
  businessDaysOnly: boolean;
  maxPerDay: number | '';
};

const blank = (programId: string): Values => ({
  name: '',
  programId,
  active: true,
  type: 'nth_visit',
  n: 3,
  days: 3,
  of: 'purchase',
  min: 9,
  months: 6,
  minSpend: '',
  tagsAny: [],
  tagsNone: [],
  kinds: ['customer', 'partner'],
  channel: 'task',
  quietFrom: '20:00',
  quietTo: '08:00',
  businessDaysOnly: true,
  maxPerDay: '',
});

function valuesOf(r: AskRule): Values {
  const t = r.trigger;
  return {
    ...blank(r.programId),
    name: r.name,
    active: r.active,
    type: t.type,
    ...(t.type === 'nth_visit' ? { n: t.n } : {}),
    ...(t.type === 'days_after' ? { days: t.days, of: t.of } : {}),
    ...(t.type === 'survey_score' ? { min: t.min } : {}),
    ...(t.type === 'every_months' ? { months: t.months } : {}),
    minSpend: r.conditions.minSpend === null ? '' : r.conditions.minSpend / 100,
    tagsAny: r.conditions.tagsAny,
    tagsNone: r.conditions.tagsNone,
    kinds: r.conditions.kinds,
    channel: r.channel,
    ...r.timing,
    maxPerDay: r.timing.maxPerDay ?? '',
  };
}

function bodyOf(v: Values): AskRuleInput {
  const trigger: AskRuleInput['trigger'] =
    v.type === 'nth_visit'
      ? { type: v.type, n: v.n }
      : v.type === 'days_after'
        ? { type: v.type, days: v.days, of: v.of }
        : v.type === 'survey_score'
          ? { type: v.type, min: v.min }
          : v.type === 'every_months'
            ? { type: v.type, months: v.months }
            : { type: v.type };
  return {
    name: v.name,
    programId: v.programId,
    active: v.active,
    trigger,
    conditions: {
      minSpend: v.minSpend === '' ? null : Math.round(Number(v.minSpend) * 100),
      tagsAny: v.tagsAny,
      tagsNone: v.tagsNone,
      kinds: v.kinds as Array<'customer' | 'partner'>,
    },
    channel: v.channel,
    timing: {
      quietFrom: v.quietFrom,
      quietTo: v.quietTo,
      businessDaysOnly: v.businessDaysOnly,
      maxPerDay: v.maxPerDay === '' ? null : Number(v.maxPerDay),
    },
  };
}

/** Server field paths ("trigger.days", "conditions.minSpend") to the form's fields. */
const FIELD: Record<string, keyof Values> = {
  'trigger.n': 'n',
  'trigger.days': 'days',
  'trigger.of': 'of',
  'trigger.min': 'min',
  'trigger.months': 'months',
  'conditions.minSpend': 'minSpend',
  'conditions.tagsAny': 'tagsAny',
  'conditions.tagsNone': 'tagsNone',
  'conditions.kinds': 'kinds',
  'timing.quietFrom': 'quietFrom',
  'timing.quietTo': 'quietTo',
  'timing.maxPerDay': 'maxPerDay',
};

/** The triggers a survey rule takes (SURVEY_TRIGGERS on the server): a transaction to follow. */
const SURVEY_TRIGGERS: TriggerType[] = [
  'purchase',
  'first_purchase',
  'nth_visit',
  'days_after',
  'ticket_resolved',
];

function RuleForm({ rule, onDone }: { rule: AskRule | null; onDone: (r: AskRule) => void }) {
  const programs = usePrograms();
  const save = useSaveAskRule();
  const [error, setError] = useState<string | null>(null);
  const open = (programs.data ?? []).filter((p) => p.audience !== 'staff');
  // The customer program first: most rules ask customers.
  const first = open.find((p) => p.audience === 'customers') ?? open[0];
  const form = useForm<Values>({ initialValues: rule ? valuesOf(rule) : blank(first?.id ?? '') });
  const v = form.getValues();
  const phone = useMediaQuery('(max-width: 36em)');
  const surveyFits = SURVEY_TRIGGERS.includes(v.type);
  if (!rule && !v.programId && first) form.setFieldValue('programId', first.id);
  const submit = form.onSubmit((values) => {
    setError(null);
    save.mutate(
      { ...(rule ? { id: rule.id } : {}), body: bodyOf(values) },
      {
        onSuccess: (r) => {
          notifications.show({ message: rule ? 'Rule saved' : 'Rule created', color: 'brand' });
          onDone(r);
        },
        onError: (err) => {
          setError(errorMessage(err));
          const errs: Record<string, string> = {};
          for (const [k, m] of Object.entries(fieldErrors(err))) errs[FIELD[k] ?? k] = m;
          form.setErrors(errs);
        },
      },
    );
  });
  return (
    <Paper withBorder radius="md" p="md" component="form" onSubmit={submit} aria-label="Ask rule">
      <Title order={2} size="h4" mb="sm">
        {rule ? `Edit “${rule.name}”` : 'New ask rule'}
      </Title>
      {error && (
        <Alert color="red" role="alert" mb="sm">
          {error}
        </Alert>
      )}
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Name" required maxLength={100} {...form.getInputProps('name')} />
          <Select
            label="Program the names go into"
            required
            data={open.map((p) => ({ value: p.id, label: p.name }))}
            allowDeselect={false}
            {...form.getInputProps('programId')}
          />
        </SimpleGrid>
        <Fieldset legend="When">
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Select label="Trigger" data={TRIGGERS} allowDeselect={false} {...form.getInputProps('type')} />
            {v.type === 'nth_visit' && (
              <NumberInput label="Visit number" min={1} max={1000} {...form.getInputProps('n')} />
            )}
            {v.type === 'days_after' && (
              <>
                <NumberInput label="Days after" min={1} max={365} {...form.getInputProps('days')} />
                <Select
                  label="After"
                  allowDeselect={false}
                  data={[
                    { value: 'purchase', label: 'a purchase' },
                    { value: 'visit', label: 'a visit' },
                    { value: 'any', label: 'either' },
                  ]}
                  {...form.getInputProps('of')}
                />
              </>
            )}
            {v.type === 'survey_score' && (
              <NumberInput label="Lowest score (0–10)" min={0} max={10} {...form.getInputProps('min')} />
            )}
            {v.type === 'every_months' && (
              <NumberInput label="Months" min={1} max={36} {...form.getInputProps('months')} />
            )}
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend="Who">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <NumberInput
              label="Lifetime spend at least"
              description="Purchases less refunds; empty for anyone"
              min={0}
              decimalScale={2}
              {...form.getInputProps('minSpend')}
            />
            <Checkbox.Group label="Ask" {...form.getInputProps('kinds')}>
              <Group mt={6}>
                <Checkbox value="customer" label="Customers" />
                <Checkbox value="partner" label="Partners" />
              </Group>
            </Checkbox.Group>
            <TagsInput
              label="With any of these tags"
              description="Empty for anyone"
              {...form.getInputProps('tagsAny')}
            />
            <TagsInput label="Without these tags" {...form.getInputProps('tagsNone')} />
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend="How">
          <Stack gap="sm">
            <div>
              <Text size="sm" fw={500} id="channel-label" mb={4}>
                Channel
              </Text>
              <SegmentedControl
                aria-labelledby="channel-label"
                orientation={phone ? 'vertical' : 'horizontal'}
                fullWidth={phone}
                data={[
                  { value: 'task', label: 'Staff ask' },
                  { value: 'email', label: 'Email' },
                  { value: 'postcard', label: 'Postcard' },
                  // Not an ask: the survey follows a transaction, so only with those triggers.
                  { value: 'survey', label: 'Send the feedback survey', disabled: !surveyFits },
                ]}
                {...form.getInputProps('channel')}
              />
              <Text size="xs" c="dimmed" mt={4}>
                {v.channel === 'task'
                  ? 'On “Who to ask today” and the front desk, with the program’s leading question.'
                  : v.channel === 'email'
                    ? 'The ask email with their personal link, QR code and friends form (needs marketing consent).'
                    : v.channel === 'postcard'
                      ? 'On the list of postcards to print and mail.'
                      : 'The feedback survey by email, not an ask: at most one a month per person, never while a complaint is open.'}
                {!surveyFits && ' A feedback survey follows a purchase, a visit or a resolved ticket.'}
              </Text>
              {form.errors.channel && (
                <Text size="xs" c="red" mt={4} role="alert">
                  {form.errors.channel}
                </Text>
              )}
            </div>
            <SimpleGrid cols={{ base: 2, sm: 3 }}>
              <TextInput label="No emails from" type="time" {...form.getInputProps('quietFrom')} />
              <TextInput label="until" type="time" {...form.getInputProps('quietTo')} />
              <Checkbox
                mt={{ base: 0, sm: 28 }}
                label="Business days only"
                {...form.getInputProps('businessDaysOnly', { type: 'checkbox' })}
              />
            </SimpleGrid>
            <NumberInput
              label="At most a day"
              description="Empty for no limit. The rest wait for the next days, so a new rule does not fill one day's list."
              min={1}
              max={100_000}
              allowDecimal={false}
              maw={320}
              {...form.getInputProps('maxPerDay')}
            />
          </Stack>
        </Fieldset>
        <Group justify="space-between">
          <Switch label="Active" {...form.getInputProps('active', { type: 'checkbox' })} />
          <Button type="submit" loading={save.isPending}>
            {rule ? 'Save rule' : 'Create rule'}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function Preview({ rule }: { rule: AskRule }) {
  const preview = useRulePreview(rule.id, 7);
  if (preview.isError) return <QueryError error={preview.error} />;
  const p = preview.data;
  if (!p) return <Skeleton h={120} />;
  const when = p.basis === 'upcoming' ? 'this week' : 'in the last 7 days (it asks as events come in)';
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label="Preview">
      <Title order={2} size="h4" mb={4}>
        “{rule.name}” would ask {p.count} {p.count === 1 ? 'person' : 'people'} {when}
      </Title>
      {p.note && (
        <Text size="sm" c="dimmed" mb="xs">
          {p.note}
        </Text>
      )}
      {p.people.length > 0 && (
        // Focusable, so a keyboard can scroll it sideways on a phone.
        <Table.ScrollContainer minWidth={420} maxHeight={400} type="native" tabIndex={0}>
          <Table striped stickyHeader aria-label="People the rule would ask">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Person</Table.Th>
                <Table.Th>Why</Table.Th>
                <Table.Th>When</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {p.people.map((x) => (
                <Table.Tr key={x.personId}>
                  <Table.Td>{x.name}</Table.Td>
                  <Table.Td>{x.reason}</Table.Td>
                  <Table.Td>{formatDateTime(x.at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {p.count > p.people.length && (
        <Text size="xs" c="dimmed" mt={4}>
          The first {p.people.length} of {p.count}.
        </Text>
      )}
    </Paper>
  );
}

export default function AskRules() {
  const rules = useAskRules();
  const save = useSaveAskRule();
  const remove = useDeleteAskRule();
  const [editing, setEditing] = useState<AskRule | 'new' | null>(null);
  const [previewing, setPreviewing] = useState<AskRule | null>(null);
  return (
    <>
      <PageHeader
        title="Ask rules"
        back={{ to: '/asks', label: 'Who to ask today' }}
        description="When to ask whom for referrals. Nobody is asked twice within the cooling-off period (Settings), nor after unsubscribing, asking not to be contacted, or while a complaint is open."
        actions={
          <Button onClick={() => setEditing('new')} disabled={editing === 'new'}>
            New rule
          </Button>
        }
      />
      <Stack gap="md">
        {editing && (
          <RuleForm
            key={editing === 'new' ? 'new' : editing.id}
            rule={editing === 'new' ? null : editing}
            onDone={(r) => {
              setEditing(null);
              setPreviewing(r);
            }}
          />
        )}
        {previewing && <Preview key={previewing.id} rule={previewing} />}
        {rules.isError ? (
          <QueryError error={rules.error} />
        ) : !rules.data ? (
          <Skeleton h={120} />
        ) : rules.data.length === 0 ? (
          <Paper withBorder radius="md" p="xl">
            <Text ta="center" c="dimmed">
              No rules yet. Start with “3rd visit → staff ask” or “3 days after a purchase → email”.
            </Text>
          </Paper>
        ) : (
          <Table.ScrollContainer minWidth={340}>
            <Table verticalSpacing="sm" aria-label="Ask rules">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Rule</Table.Th>
                  <Table.Th visibleFrom="sm">Program</Table.Th>
                  <Table.Th>Active</Table.Th>
                  <Table.Th>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rules.data.map((r) => (
                  <Table.Tr key={r.id}>
                    <Table.Td>
                      <Text fw={600}>{r.name}</Text>
                      <Badge variant="light" tt="none" mt={2}>
                        {r.summary}
                      </Badge>
                    </Table.Td>
                    <Table.Td visibleFrom="sm">{r.programName}</Table.Td>
                    <Table.Td>
                      <Switch
                        checked={r.active}
                        aria-label={`${r.name} active`}
                        onChange={(e) => save.mutate({ id: r.id, body: { active: e.currentTarget.checked } })}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Group gap="xs">
                        <Button size="xs" variant="default" onClick={() => setPreviewing(r)}>
                          Preview
                        </Button>
                        <Button size="xs" variant="default" onClick={() => setEditing(r)}>
                          Edit
                        </Button>
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => {
                            if (window.confirm(`Delete the rule “${r.name}”? The asks it made stay.`))
                              remove.mutate(r.id);
                          }}
                        >
                          Delete
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </>
  );
}
