import { SegmentedControl, Select } from '@mantine/core';

/**
 * A list's status filter: segments on a wide screen, a select on a phone. `'all'` stands for no
 * filter, which `onChange` reports as `undefined`.
 */
export function StatusFilter({
  data,
  value,
  onChange,
}: {
  data: Array<{ value: string; label: string }>;
  value: string | undefined;
  onChange: (status: string | undefined) => void;
}) {
  const pick = (v: string | null) => onChange(!v || v === 'all' ? undefined : v);
  return (
    <>
      <SegmentedControl
        aria-label="Status"
        data={data}
        value={value ?? 'all'}
        onChange={pick}
        size="sm"
        mb="md"
        visibleFrom="sm"
      />
      <Select
        label="Status"
        data={data}
        value={value ?? 'all'}
        onChange={pick}
        allowDeselect={false}
        mb="md"
        hiddenFrom="sm"
      />
    </>
  );
}
