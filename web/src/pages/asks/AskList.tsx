/**
 * "Who to ask today": the staff asks the ask rules made for today, each with the person, why now
 * and the leading question in large type; staff record what came of asking right there, with the
 * names typed straight in (the front desk's form). Below, the postcards waiting to be printed.
 */
import {
  Anchor,
  Badge,
  Button,
  Group,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { type RecordedAsk, type TodayAsk, useRecordAsk, useTodayAsks } from '../../api/asks.ts';
import { atLeast } from '../../api/types.ts';
import { useWorkspace } from '../../api/workspace.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { formatDate } from '../../format.ts';
import { formatPhone } from '../../phone.ts';
import { useSession } from '../../session.tsx';
import { Outcome, RecordAsk } from '../front-desk/AskCard.tsx';
import '../front-desk/FrontDesk.css';
import './AskList.css';

function AskItem({ ask, onDone }: { ask: TodayAsk; onDone: (r: RecordedAsk, name: string) => void }) {
  const [open, setOpen] = useState(false);
  const country = useWorkspace().data?.country;
  return (
    <Paper withBorder radius="md" p="md" component="li" aria-label={`Ask ${ask.personName}`}>
      <Group justify="space-between" align="flex-start" gap="xs" mb="xs">
        <Stack gap={2} miw={0}>
          <Anchor component={Link} to={`/people/${ask.personId}`} fw={600} size="lg">
            {ask.personName}
          </Anchor>
          {ask.phone ? (
            <Anchor href={`tel:${ask.phone}`} size="sm" c="dimmed">
              {formatPhone(ask.phone, country)}
            </Anchor>
          ) : ask.email ? (
            <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
              {ask.email}
            </Text>
          ) : null}
        </Stack>
        <Badge variant="light" size="lg" tt="none">
          {ask.reason}
        </Badge>
      </Group>
      <Text size="xs" c="brand.8" tt="uppercase" fw={700} lts={0.4}>
        Ask {ask.firstName}
      </Text>
      <Text className="fd-question" c="dark.8" mb="sm">
        “{ask.question}”
      </Text>
      <Text size="xs" c="dimmed" mb="sm">
        {[
          ask.programName && `Names go into “${ask.programName}”`,
          ask.ruleName && `Rule “${ask.ruleName}”`,
          ask.staffName && `For ${ask.staffName}`,
        ]
          .filter(Boolean)
          .join(' · ')}
      </Text>
      {open ? (
        <RecordAsk
          personId={ask.personId}
          firstName={ask.firstName}
          programId={ask.programId}
          askId={ask.id}
          onDone={(r) => onDone(r, ask.personName)}
        />
      ) : (
        <Button onClick={() => setOpen(true)} size="md">
          Record the ask
        </Button>
      )}
    </Paper>
  );
}

function Postcards({ cards }: { cards: TodayAsk[] }) {
  const record = useRecordAsk();
  if (!cards.length) return null;
  return (
    <Stack gap="xs" mt="xl" component="section" aria-label="Postcards to mail" className="asks-postcards">
      <Group justify="space-between">
        <Title order={2} size="h4">
          Postcards to mail ({cards.length})
        </Title>
        <Button variant="default" onClick={() => window.print()} className="asks-no-print">
          Print the list
        </Button>
      </Group>
      <Table.ScrollContainer minWidth={620}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Person</Table.Th>
              <Table.Th>Address</Table.Th>
              <Table.Th>Why</Table.Th>
              <Table.Th>Question</Table.Th>
              <Table.Th className="asks-no-print">
                <VisuallyHidden>Done</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {cards.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/people/${c.personId}`}>
                    {c.personName}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  {c.address.length ? (
                    c.address.map((line) => <div key={line}>{line}</div>)
                  ) : (
                    <Text span size="sm" c="red.9">
                      No address on file
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{c.reason}</Table.Td>
                <Table.Td>{c.question}</Table.Td>
                <Table.Td className="asks-no-print">
                  <Button
                    size="xs"
                    variant="default"
                    loading={record.isPending && record.variables?.askId === c.id}
                    onClick={() => record.mutate({ personId: c.personId, askId: c.id, outcome: 'asked' })}
                    aria-label={`Mark the postcard to ${c.personName} mailed`}
                  >
                    Mailed
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

export default function AskList() {
  const { role } = useSession();
  const today = useTodayAsks();
  const [last, setLast] = useState<{ result: RecordedAsk; name: string } | null>(null);
  const manager = atLeast(role, 'manager');
  const data = today.data;
  return (
    <>
      <PageHeader
        title="Who to ask today"
        description={
          data
            ? `${formatDate(`${data.date}T12:00:00Z`)} · ${data.items.length} to ask · ${data.done} done`
            : 'The customers the ask rules picked for today, with the question to use.'
        }
        actions={
          manager && (
            <Button component={Link} to="/asks/rules" variant="default">
              Ask rules
            </Button>
          )
        }
      />
      {last && (
        <Stack gap={4} mb="md">
          <Text size="sm">
            Recorded for <strong>{last.name}</strong>.
          </Text>
          <Outcome result={last.result} />
        </Stack>
      )}
      {today.isError ? (
        <QueryError error={today.error} />
      ) : !data ? (
        <Stack gap="sm">
          <Skeleton h={160} />
          <Skeleton h={160} />
        </Stack>
      ) : data.items.length === 0 ? (
        <Paper withBorder radius="md" p="xl">
          <Text ta="center" c="dimmed">
            {data.done
              ? 'Everyone on today’s list has been asked. Well done.'
              : 'Nobody to ask today. Asks appear here when a rule picks someone: a 3rd visit, a purchase a few days ago, a 10 in a survey.'}
          </Text>
        </Paper>
      ) : (
        <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {data.items.map((a) => (
            <AskItem key={a.id} ask={a} onDone={(result, name) => setLast({ result, name })} />
          ))}
        </Stack>
      )}
      {data && <Postcards cards={data.postcards} />}
    </>
  );
}
