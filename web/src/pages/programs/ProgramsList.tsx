import { Anchor, Badge, Button, Paper, Skeleton, Stack, Table, Text } from '@mantine/core';
import { Link, useNavigate } from 'react-router';
import { usePrograms } from '../../api/programs.ts';
import { atLeast } from '../../api/types.ts';
import { useWorkspace } from '../../api/workspace.ts';
import { IconPlus } from '../../components/icons.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import {
  audienceLabel,
  describeReward,
  formatDay,
  programStatusColor,
  programStatusLabel,
} from '../../format.ts';
import { useSession } from '../../session.tsx';

export default function ProgramsList() {
  const programs = usePrograms();
  const { role } = useSession();
  const canEdit = atLeast(role, 'manager');
  const currency = useWorkspace().data?.currency ?? 'USD';
  const navigate = useNavigate();

  return (
    <>
      <PageHeader
        title="Programs"
        description="The offers your customers, partners and staff refer under."
        actions={
          canEdit && (
            <Button component={Link} to="/programs/new" leftSection={<IconPlus size={16} />}>
              New program
            </Button>
          )
        }
      />
      {programs.isError ? (
        <QueryError error={programs.error} retry={() => programs.refetch()} />
      ) : !programs.data ? (
        <Stack gap="xs">
          <Skeleton h={44} />
          <Skeleton h={44} />
          <Skeleton h={44} />
        </Stack>
      ) : programs.data.length === 0 ? (
        <Paper withBorder radius="md" p="xl">
          <Stack align="center" gap="xs">
            <Text fw={600}>No programs yet</Text>
            <Text c="dimmed" size="sm" ta="center">
              A program is an offer: what the referrer earns and what their friend gets.
            </Text>
            {canEdit && (
              <Button component={Link} to="/programs/new">
                Create the first program
              </Button>
            )}
          </Stack>
        </Paper>
      ) : (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={320}>
            <Table verticalSpacing="sm" highlightOnHover aria-label="Programs">
              <Table.Thead bg="gray.0">
                <Table.Tr>
                  <Table.Th>Program</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th visibleFrom="md">Referrer reward</Table.Th>
                  <Table.Th visibleFrom="md">Friend incentive</Table.Th>
                  <Table.Th visibleFrom="sm">Dates</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {programs.data.map((p) => (
                  <Table.Tr key={p.id} className="row-link" onClick={() => navigate(`/programs/${p.id}`)}>
                    <Table.Td>
                      <Anchor
                        component={Link}
                        to={`/programs/${p.id}`}
                        fw={500}
                        c="dark"
                        onClick={(e) => e.stopPropagation()}
                      >
                        {p.name}
                      </Anchor>
                      <Text size="xs" c="dimmed">
                        {audienceLabel[p.audience]} · terms version {p.termsVersion}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={programStatusColor[p.status]} size="sm">
                        {programStatusLabel[p.status]}
                      </Badge>
                    </Table.Td>
                    <Table.Td visibleFrom="md">
                      <Text size="sm">{describeReward(p.terms.referrerReward, currency)}</Text>
                    </Table.Td>
                    <Table.Td visibleFrom="md">
                      <Text size="sm">{describeReward(p.terms.friendIncentive, currency)}</Text>
                    </Table.Td>
                    <Table.Td visibleFrom="sm">
                      <Text size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                        {p.startsOn || p.endsOn
                          ? `${p.startsOn ? formatDay(p.startsOn) : 'Open'} – ${p.endsOn ? formatDay(p.endsOn) : 'open'}`
                          : 'No end date'}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
    </>
  );
}
