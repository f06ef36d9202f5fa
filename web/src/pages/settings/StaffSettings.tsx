import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  PasswordInput,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, errorMessage, fieldErrors } from '../../api/client.ts';
import { atLeast, type Role, roleRank, type StaffMember } from '../../api/types.ts';
import { IconAlert } from '../../components/icons.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { formatDate, roleLabel } from '../../format.ts';
import { useSession } from '../../session.tsx';

const staffKey = ['staff'] as const;
const ROLES: Role[] = ['staff', 'manager', 'owner'];
const roleHelp: Record<Role, string> = {
  staff: 'Front desk: people, visits and asks',
  manager: 'Also programs, imports, settings and API keys',
  owner: 'Everything, including staff roles',
};

function AddStaff({ myRole }: { myRole: Role }) {
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { email: '', name: '', role: 'staff' as Role, password: '' },
    validate: {
      email: (v) => (/^\S+@\S+\.\S+$/.test(v.trim()) ? null : 'Enter a valid email address'),
      name: (v) => (v.trim() ? null : 'Enter their name'),
      password: (v) => (v && v.length < 10 ? 'At least 10 characters' : null),
    },
  });
  const add = useMutation({
    mutationFn: (v: typeof form.values) =>
      api.post<StaffMember>('/staff', {
        email: v.email.trim(),
        name: v.name.trim(),
        role: v.role,
        ...(v.password ? { password: v.password } : {}),
      }),
    onSuccess: (m) => {
      void qc.invalidateQueries({ queryKey: staffKey });
      form.reset();
      notifications.show({ message: `${m.name} can now sign in to this workspace`, color: 'brand' });
    },
    onError: (err) => {
      setError(errorMessage(err));
      form.setErrors(fieldErrors(err));
    },
  });
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label="Add a staff member">
      <Title order={2} size="h5" mb="sm">
        Add a staff member
      </Title>
      <form
        onSubmit={form.onSubmit((v) => {
          setError(null);
          add.mutate(v);
        })}
        noValidate
      >
        <Stack gap="sm">
          {error && (
            <Alert color="red" icon={<IconAlert />} role="alert">
              {error}
            </Alert>
          )}
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <TextInput label="Email" type="email" required {...form.getInputProps('email')} />
            <TextInput label="Name" required {...form.getInputProps('name')} />
            <Select
              label="Role"
              data={ROLES.filter((r) => roleRank[r] <= roleRank[myRole]).map((r) => ({
                value: r,
                label: roleLabel[r],
              }))}
              description={roleHelp[form.values.role]}
              allowDeselect={false}
              {...form.getInputProps('role')}
            />
            <PasswordInput
              label="Initial password"
              description="Needed when they have no Vouch account yet; they can change it later"
              autoComplete="new-password"
              {...form.getInputProps('password')}
            />
          </SimpleGrid>
          <Group justify="flex-end">
            <Button type="submit" loading={add.isPending}>
              Add staff member
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

export default function StaffSettings() {
  const session = useSession();
  const qc = useQueryClient();
  const staff = useQuery({
    queryKey: staffKey,
    queryFn: ({ signal }) => api.get<StaffMember[]>('/staff', undefined, signal),
  });
  const [removing, setRemoving] = useState<StaffMember | null>(null);
  const isOwner = session.role === 'owner';
  const changeRole = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      api.patch<StaffMember>(`/staff/${userId}`, { role }),
    onSuccess: (m) => {
      void qc.invalidateQueries({ queryKey: staffKey });
      notifications.show({ message: `${m.name} is now ${roleLabel[m.role].toLowerCase()}`, color: 'brand' });
    },
    onError: (err) =>
      notifications.show({ title: 'Role not changed', message: errorMessage(err), color: 'red' }),
  });
  const remove = useMutation({
    mutationFn: (userId: string) => api.delete(`/staff/${userId}`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: staffKey });
      setRemoving(null);
    },
    onError: (err) => notifications.show({ title: 'Not removed', message: errorMessage(err), color: 'red' }),
  });

  return (
    <Stack gap="lg" maw={960}>
      {staff.isError ? (
        <QueryError error={staff.error} retry={() => staff.refetch()} />
      ) : !staff.data ? (
        <Skeleton h={160} />
      ) : (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={560}>
            <Table verticalSpacing="sm" aria-label="Staff">
              <Table.Thead bg="gray.0">
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Since</Table.Th>
                  {isOwner && <Table.Th aria-label="Actions" />}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {staff.data.map((m) => (
                  <Table.Tr key={m.userId}>
                    <Table.Td>
                      <Text size="sm" fw={500} component="div">
                        {m.name}{' '}
                        {m.userId === session.user.id && (
                          <Badge size="xs" variant="light" color="gray">
                            you
                          </Badge>
                        )}
                        {m.disabled && (
                          <Badge size="xs" variant="light" color="red" ml={4}>
                            disabled
                          </Badge>
                        )}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {m.email}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {isOwner ? (
                        <Select
                          aria-label={`Role of ${m.name}`}
                          data={ROLES.map((r) => ({ value: r, label: roleLabel[r] }))}
                          value={m.role}
                          allowDeselect={false}
                          onChange={(v) =>
                            v && v !== m.role && changeRole.mutate({ userId: m.userId, role: v as Role })
                          }
                          size="xs"
                          w={130}
                        />
                      ) : (
                        <Badge variant="light">{roleLabel[m.role]}</Badge>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {formatDate(m.joinedAt)}
                      </Text>
                    </Table.Td>
                    {isOwner && (
                      <Table.Td ta="right">
                        <Button
                          variant="subtle"
                          color="red"
                          size="xs"
                          onClick={() => setRemoving(m)}
                          aria-label={`Remove ${m.name}`}
                        >
                          Remove
                        </Button>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}

      {atLeast(session.role, 'manager') && <AddStaff myRole={session.role} />}

      <Modal opened={!!removing} onClose={() => setRemoving(null)} title="Remove staff member?" centered>
        <Text size="sm">
          {removing?.name} will no longer be able to sign in to {session.workspace.name}; their open sessions
          here end now. Their account and what they recorded stay.
        </Text>
        <Group justify="flex-end" mt="lg">
          <Button variant="default" onClick={() => setRemoving(null)}>
            Cancel
          </Button>
          <Button
            color="red"
            loading={remove.isPending}
            onClick={() => removing && remove.mutate(removing.userId)}
          >
            Remove
          </Button>
        </Group>
      </Modal>
    </Stack>
  );
}
