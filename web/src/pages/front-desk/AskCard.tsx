/**
 * The ask: a green card with the leading question in large type when now is a good moment, a
 * grey one saying why not otherwise, and the form to record what came of asking with the names
 * given typed straight in.
 */
import {
  Alert,
  Box,
  Button,
  Fieldset,
  Group,
  List,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { type AskMoment, type AskOutcome, type RecordedAsk, useRecordAsk } from '../../api/asks.ts';
import { errorMessage, fieldErrors } from '../../api/client.ts';
import { IconAlert, IconCheck, IconPlus } from '../../components/icons.tsx';
import { formatDate } from '../../format.ts';

const MAX_NAMES = 4;

type Row = { name: string; contact: string };
const emptyRows = (): Row[] => [
  { name: '', contact: '' },
  { name: '', contact: '' },
];

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const statusText: Record<RecordedAsk['names'][number]['status'], string> = {
  added: 'added',
  already_referred: 'already on the list',
  not_added: 'not added',
};

/** The form that records an ask and the names given; shared by the front desk and "Who to ask today". */
export function RecordAsk({
  personId,
  firstName,
  programId,
  askId,
  onDone,
}: {
  personId: string;
  firstName: string;
  programId: string | null;
  /** the due ask (from an ask rule) this completes */
  askId?: string | null;
  onDone: (r: RecordedAsk) => void;
}) {
  const record = useRecordAsk();
  const [rows, setRows] = useState<Row[]>(emptyRows);
  const [error, setError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [pending, setPending] = useState<AskOutcome | null>(null);
  // Rows with a name, and where each sits on the form (an error names.1.email is the 2nd of them).
  const named = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.name.trim());
  const rowError = (i: number, field: 'name' | 'contact') => {
    const k = named.findIndex((n) => n.i === i);
    if (k < 0) return undefined;
    return field === 'name'
      ? (errors[`names.${k}.name`] ?? errors[`names.${k}.firstName`] ?? errors[`names.${k}.lastName`])
      : (errors[`names.${k}.email`] ?? errors[`names.${k}.phone`]);
  };
  const set = (i: number, patch: Partial<Row>) =>
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  const submit = (outcome: AskOutcome) => {
    setError(null);
    setErrors({});
    setPending(outcome);
    record.mutate(
      {
        personId,
        ...(programId ? { programId } : {}),
        ...(askId ? { askId } : {}),
        outcome,
        names:
          outcome === 'got_names'
            ? named.map(({ r }) => {
                const contact = r.contact.trim();
                return {
                  name: r.name.trim(),
                  ...(contact.includes('@') ? { email: contact } : contact ? { phone: contact } : {}),
                };
              })
            : [],
      },
      {
        onSuccess: (r) => {
          setRows(emptyRows());
          const added = r.names.filter((n) => n.status === 'added').length;
          notifications.show({
            message:
              outcome === 'got_names'
                ? `Ask recorded: ${added} name${added === 1 ? '' : 's'} added`
                : outcome === 'not_now'
                  ? 'Noted: not asked this time'
                  : 'Ask recorded',
            color: 'brand',
          });
          onDone(r);
        },
        onError: (err) => {
          setError(errorMessage(err));
          setErrors(fieldErrors(err));
        },
        onSettled: () => setPending(null),
      },
    );
  };

  return (
    <Box
      component="form"
      aria-label="Record the ask"
      onSubmit={(e) => {
        e.preventDefault();
        if (named.length) submit('got_names');
      }}
    >
      <Title order={3} size="h5" mb={4}>
        Record the ask
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Type the names {firstName} gives you. Nobody is contacted until {firstName} has told them about us.
      </Text>
      {error && (
        <Alert color="red" icon={<IconAlert />} role="alert" mb="sm">
          {error}
        </Alert>
      )}
      <Stack gap="xs">
        {rows.map((r, i) => (
          <Fieldset
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are positions on the form
            key={i}
            legend={`Person ${i + 1}`}
            variant="unstyled"
            styles={{ legend: { fontSize: 'var(--mantine-font-size-sm)', marginBottom: 2 } }}
          >
            <SimpleGrid cols={2} spacing="xs" verticalSpacing={6}>
              <TextInput
                label="Name"
                size="md"
                value={r.name}
                onChange={(e) => set(i, { name: e.currentTarget.value })}
                error={rowError(i, 'name')}
                autoComplete="off"
                maxLength={100}
              />
              <TextInput
                label="Phone or email"
                size="md"
                value={r.contact}
                onChange={(e) => set(i, { contact: e.currentTarget.value })}
                error={rowError(i, 'contact')}
                autoComplete="off"
                maxLength={254}
              />
            </SimpleGrid>
          </Fieldset>
        ))}
        {rows.length < MAX_NAMES && (
          <Button
            variant="subtle"
            size="sm"
            w="fit-content"
            leftSection={<IconPlus size={16} />}
            onClick={() => setRows([...rows, { name: '', contact: '' }])}
          >
            Another name
          </Button>
        )}
        <Button type="submit" size="lg" fullWidth disabled={!named.length} loading={pending === 'got_names'}>
          {named.length ? `Save ${named.length} name${named.length === 1 ? '' : 's'}` : 'Save names'}
        </Button>
        <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="xs">
          <Button
            variant="default"
            size="md"
            onClick={() => submit('asked')}
            loading={pending === 'asked'}
            px={6}
          >
            No names yet
          </Button>
          <Button
            variant="default"
            size="md"
            onClick={() => submit('declined')}
            loading={pending === 'declined'}
            px={6}
          >
            Declined
          </Button>
          <Button
            variant="default"
            size="md"
            onClick={() => submit('not_now')}
            loading={pending === 'not_now'}
            px={6}
          >
            Didn’t ask
          </Button>
        </SimpleGrid>
      </Stack>
    </Box>
  );
}

/** What the last ask came to: each name and what became of it. */
export function Outcome({ result }: { result: RecordedAsk }) {
  if (!result.names.length) return null;
  return (
    <Alert color="brand" icon={<IconCheck />} role="status" title="Names saved" mb="sm">
      <List size="sm" spacing={2}>
        {result.names.map((n, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: names of one answer, in order
          <List.Item key={i}>
            <strong>{n.name}</strong>: {statusText[n.status]}
            {n.note ? ` (${n.note})` : ''}
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}

export function AskCard({
  personId,
  firstName,
  moment,
}: {
  personId: string;
  firstName: string;
  moment: AskMoment;
}) {
  const [anyway, setAnyway] = useState(false);
  const [result, setResult] = useState<RecordedAsk | null>(null);
  const good = moment.good;
  const heading = good ? `Good moment to ask — ${moment.reason}` : `Not now — ${moment.reason}`;
  return (
    <Paper
      radius="md"
      p="md"
      component="section"
      aria-label="Ask for referrals"
      style={{
        border: `2px solid var(--mantine-color-${good ? 'brand-5' : 'gray-3'})`,
        background: `var(--mantine-color-${good ? 'brand-0' : 'gray-0'})`,
      }}
    >
      <Title order={2} size="h4" c={good ? 'brand.9' : 'gray.8'} mb="xs">
        {capitalise(heading)}
      </Title>
      {good ? (
        <Box mb="md">
          <Text size="xs" c="brand.8" tt="uppercase" fw={700} lts={0.4}>
            Ask {firstName}
            {moment.askId ? ' · on today’s ask list' : ''}
          </Text>
          <Text className="fd-question" c="dark.8">
            “{moment.question}”
          </Text>
        </Box>
      ) : (
        <Text size="sm" c="gray.8" mb="sm">
          {moment.coolingOffUntil && moment.lastAskedAt
            ? `Last asked ${formatDate(moment.lastAskedAt)}; ask again after ${formatDate(moment.coolingOffUntil)}.`
            : moment.reason.startsWith('no visit')
              ? 'Log today’s visit or sale first: the best moment to ask is right after it.'
              : moment.reason === 'do not contact'
                ? 'They asked not to be contacted.'
                : 'Set up an active program to collect names.'}
        </Text>
      )}
      {result && <Outcome result={result} />}
      {good || anyway ? (
        <RecordAsk
          personId={personId}
          firstName={firstName}
          programId={moment.programId}
          askId={moment.askId}
          onDone={setResult}
        />
      ) : (
        <Group>
          <Button variant="default" onClick={() => setAnyway(true)}>
            Record an ask anyway
          </Button>
        </Group>
      )}
    </Paper>
  );
}
