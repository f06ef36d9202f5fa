import { Alert, Anchor, Button, Group, List, Paper, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, errorMessage } from '../../api/client.ts';
import { useCreatePerson } from '../../api/people.ts';
import type { PersonPatch } from '../../api/types.ts';
import { IconAlert } from '../../components/icons.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { displayName } from '../../format.ts';
import { PersonForm, personFieldErrors, toBody, toFormValues, usePersonForm } from './PersonForm.tsx';

type Duplicate = { body: PersonPatch; matches: Array<{ personId: string; path: string; message: string }> };

export default function PersonNew() {
  const form = usePersonForm(toFormValues());
  const create = useCreatePerson();
  const navigate = useNavigate();
  const [duplicate, setDuplicate] = useState<Duplicate | null>(null);
  const [error, setError] = useState<string | null>(null);

  const save = (body: PersonPatch, allowDuplicate = false) => {
    setError(null);
    create.mutate(
      { body, allowDuplicate },
      {
        onSuccess: (p) => {
          notifications.show({ message: `${displayName(p)} added`, color: 'brand' });
          navigate(`/people/${p.id}`);
        },
        onError: (err) => {
          if (err instanceof ApiError && err.code === 'duplicate') {
            const matches = err.errors
              .filter((e) => typeof e.personId === 'string')
              .map((e) => ({ personId: e.personId!, path: e.path, message: e.message }));
            // The same external id is never allowed twice: no "create anyway" then.
            const hardConflict = err.errors.some((e) => e.path === 'externalId');
            if (hardConflict) setError(err.message);
            setDuplicate(hardConflict ? null : { body, matches });
            return;
          }
          setDuplicate(null);
          setError(errorMessage(err));
          form.setErrors(personFieldErrors(err));
        },
      },
    );
  };

  const fieldName: Record<string, string> = {
    email: 'same email',
    phone: 'same phone',
    externalId: 'same id',
  };
  const banner = (
    <>
      {error && (
        <Alert color="red" icon={<IconAlert />} title="Not saved" role="alert">
          {error}
        </Alert>
      )}
      {duplicate && (
        <Alert
          color="yellow"
          icon={<IconAlert />}
          title="This looks like someone you already have"
          role="alert"
        >
          <List size="sm" spacing={4} mb="sm">
            {duplicate.matches.map((m) => (
              <List.Item key={m.personId}>
                <Anchor component={Link} to={`/people/${m.personId}`} size="sm">
                  {m.message.replace(/^matches /, '')}
                </Anchor>{' '}
                <Text span size="sm" c="dimmed">
                  ({fieldName[m.path] ?? m.path})
                </Text>
              </List.Item>
            ))}
          </List>
          <Group gap="xs">
            <Button size="xs" variant="default" onClick={() => setDuplicate(null)}>
              Change details
            </Button>
            <Button
              size="xs"
              color="yellow.8"
              loading={create.isPending}
              onClick={() => save(duplicate.body, true)}
            >
              Create anyway
            </Button>
          </Group>
        </Alert>
      )}
    </>
  );

  return (
    <>
      <PageHeader title="Add person" back={{ to: '/people', label: 'People' }} />
      <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} maw={860}>
        <PersonForm
          form={form}
          banner={banner}
          busy={create.isPending}
          submitLabel="Add person"
          onCancel={() => navigate('/people')}
          onSubmit={(values) => save(toBody(values))}
        />
      </Paper>
    </>
  );
}
