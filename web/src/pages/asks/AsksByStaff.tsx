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
  const num = { ta: 'right' as const, style: { fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' } };
  return (
    // Focusable, so a keyboard can scroll it sideways when it does not fit.
    <Table.ScrollContainer minWidth={300} type="native" tabIndex={0}>
      <Table striped verticalSpacing={6} horizontalSpacing={6} fz="sm" aria-label="Asks by staff member">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Staff member</Table.Th>
            {/* Due = made from the list + missed + still open: left out where a phone has no room. */}
            <Table.Th ta="right" visibleFrom="sm">
              Due
            </Table.Th>
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
              <Table.Td {...num} visibleFrom="sm">
                {r.due}
              </Table.Td>
              <Table.Td {...num}>{r.made}</Table.Td>
              <Table.Td {...num} c={r.missed ? 'red.8' : undefined}>
                {r.missed}
              </Table.Td>
              <Table.Td {...num}>{r.names}</Table.Td>
              <Table.Td {...num}>{r.won}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
