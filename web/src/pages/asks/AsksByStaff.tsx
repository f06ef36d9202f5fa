/** The dashboard's staff accountability: per staff member, asks due, made, missed, names, wins. */
import { Table, Text } from '@mantine/core';
import type { AskStaff } from '../../../../src/asks/rules.schema.ts';

export function AsksByStaff({ rows }: { rows: AskStaff[] }) {
  if (!rows.length)
    return (
      <Text size="sm" c="dimmed">
        No asks in this range.
      </Text>
    );
  return (
    <Table.ScrollContainer minWidth={420}>
      <Table striped aria-label="Asks by staff member">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Staff member</Table.Th>
            <Table.Th ta="right">Due</Table.Th>
            <Table.Th ta="right">Made</Table.Th>
            <Table.Th ta="right">Missed</Table.Th>
            <Table.Th ta="right">Names</Table.Th>
            <Table.Th ta="right">Won</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.userId ?? 'nobody'}>
              <Table.Td>{r.userId ? r.name : 'Not assigned'}</Table.Td>
              <Table.Td ta="right">{r.due}</Table.Td>
              <Table.Td ta="right">{r.made}</Table.Td>
              <Table.Td ta="right" c={r.missed ? 'red.8' : undefined}>
                {r.missed}
              </Table.Td>
              <Table.Td ta="right">{r.names}</Table.Td>
              <Table.Td ta="right">{r.won}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
