/**
 * Front-desk mode: one screen, phone first, to find a customer fast, log a visit or sale, see
 * whether now is a good moment to ask and the leading question to use, record the ask with the
 * names given, redeem a reward, and add a new customer with "who referred you?".
 */
import { Badge, Button, Group, Loader, Stack, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { usePeople } from '../../api/people.ts';
import type { Person } from '../../api/types.ts';
import { useWorkspace } from '../../api/workspace.ts';
import { IconPlus, IconSearch } from '../../components/icons.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { displayName, kindLabel } from '../../format.ts';
import { formatPhone } from '../../phone.ts';
import { Customer } from './Customer.tsx';
import { NewCustomer } from './NewCustomer.tsx';
import './FrontDesk.css';

function Result({ p, country }: { p: Person; country: string | undefined }) {
  const name = displayName(p);
  const contact = [formatPhone(p.phone, country), p.email].filter(Boolean).join(' · ');
  return (
    <li>
      <UnstyledButton
        component={Link}
        to={`/front-desk?person=${encodeURIComponent(p.id)}`}
        className="fd-result"
      >
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <div style={{ minWidth: 0 }}>
            <Text fw={650} size="lg" truncate>
              {name}
            </Text>
            {contact && (
              <Text size="sm" c="dimmed" truncate>
                {contact}
              </Text>
            )}
          </div>
          {p.kind !== 'customer' && (
            <Badge variant="light" color="gray" style={{ flexShrink: 0 }}>
              {kindLabel[p.kind]}
            </Badge>
          )}
        </Group>
      </UnstyledButton>
    </li>
  );
}

function Search() {
  const [q, setQ] = useState('');
  const [debounced] = useDebouncedValue(q.trim(), 200);
  const people = usePeople({
    q: debounced || undefined,
    pageSize: 8,
    sort: debounced ? 'name' : '-updated',
  });
  const items = people.data?.items ?? [];
  const country = useWorkspace().data?.country;
  return (
    <Stack gap="md" maw={640} mx="auto">
      <Group justify="space-between" align="center" gap="sm">
        <Title order={1} size="h2">
          Front desk
        </Title>
        <Button component={Link} to="/front-desk?new=1" variant="light" leftSection={<IconPlus size={18} />}>
          New customer
        </Button>
      </Group>
      <TextInput
        type="search"
        size="xl"
        label="Find a customer"
        placeholder="Name, phone or email"
        leftSection={<IconSearch size={22} />}
        rightSection={people.isFetching ? <Loader size="sm" /> : null}
        value={q}
        onChange={(e) => setQ(e.currentTarget.value)}
        autoComplete="off"
        // The one thing to do on this screen: type straight away.
        data-autofocus
        autoFocus
      />
      {people.isError ? (
        <QueryError error={people.error} retry={() => people.refetch()} />
      ) : (
        <section aria-label={debounced ? 'Matching people' : 'Recently seen'}>
          <Text size="sm" c="dimmed" fw={600} mb={6}>
            {debounced
              ? people.data
                ? `${people.data.total} match${people.data.total === 1 ? '' : 'es'}`
                : 'Searching…'
              : 'Recently seen'}
          </Text>
          {people.data && items.length === 0 ? (
            <Stack gap="xs" align="flex-start">
              <Text>Nobody by that name yet.</Text>
              <Button
                component={Link}
                to={`/front-desk?new=1&name=${encodeURIComponent(debounced)}`}
                size="md"
                leftSection={<IconPlus size={18} />}
              >
                Add “{debounced}” as a new customer
              </Button>
            </Stack>
          ) : (
            <ul className="fd-results">
              {items.map((p) => (
                <Result key={p.id} p={p} country={country} />
              ))}
            </ul>
          )}
        </section>
      )}
    </Stack>
  );
}

export default function FrontDesk() {
  const [params] = useSearchParams();
  const person = params.get('person');
  if (person) return <Customer key={person} id={person} />;
  if (params.get('new')) return <NewCustomer initialName={params.get('name') ?? ''} />;
  return <Search />;
}
