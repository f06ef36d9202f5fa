import {
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Group,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { lazy, type ReactNode, Suspense, useState } from 'react';
import { Link, useParams } from 'react-router';
import { errorMessage } from '../../api/client.ts';
import { usePerson, useUpdatePerson } from '../../api/people.ts';
import { atLeast, type Person } from '../../api/types.ts';
import { useWorkspace } from '../../api/workspace.ts';
import { IconAlert } from '../../components/icons.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { displayName, formatDate, formatDateTime, kindColor, kindLabel } from '../../format.ts';
import { formatPhone } from '../../phone.ts';
import { useSession } from '../../session.tsx';
import { PersonSurveys } from '../feedback/PersonSurveys.tsx';
import { PersonMessages } from '../messages/PersonMessages.tsx';
import { PersonForm, personFieldErrors, toFormValues, toPatch, usePersonForm } from './PersonForm.tsx';
import { PersonRewards } from './PersonRewards.tsx';
import { ReferralLinks, ReferralNetwork } from './ReferralLinks.tsx';

/** The network picture, loaded when a profile is first shown (it is most of a page of its own). */
const ReferralNetworkPicture = lazy(() => import('./ReferralNetwork.tsx'));

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box>
      <Text component="dt" size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.3}>
        {label}
      </Text>
      <Text component="dd" size="sm" m={0} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
        {children || '—'}
      </Text>
    </Box>
  );
}

function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label={title}>
      <Title order={2} size="h5" mb="sm">
        {title}
      </Title>
      <Stack component="dl" gap="sm" m={0}>
        {children}
      </Stack>
    </Paper>
  );
}

function address(p: Person) {
  const a = p.address;
  return [a.line1, a.line2, [a.postalCode, a.city].filter(Boolean).join(' '), a.region, a.country]
    .filter(Boolean)
    .join('\n');
}

function Details({ person }: { person: Person }) {
  const country = useWorkspace().data?.country;
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
      <Card title="Contact">
        <Field label="Email">
          {person.email && (
            <Anchor href={`mailto:${person.email}`} size="sm">
              {person.email}
            </Anchor>
          )}
        </Field>
        <Field label="Phone">
          {person.phone && (
            <Anchor href={`tel:${person.phone}`} size="sm">
              {formatPhone(person.phone, country)}
            </Anchor>
          )}
        </Field>
        <Field label="Address">{address(person)}</Field>
      </Card>
      <Card title="Details">
        <Field label="Organisation">{person.organisation}</Field>
        <Field label="External id">{person.externalId}</Field>
        <Field label="How they heard about us">{person.howHeard}</Field>
        <Field label="Marketing consent">
          {person.marketingConsent
            ? `Yes, ${person.marketingConsent.source} (${formatDate(person.marketingConsent.at)})`
            : 'No'}
        </Field>
        <Field label="Added">{formatDateTime(person.createdAt)}</Field>
        <Field label="Last changed">{formatDateTime(person.updatedAt)}</Field>
      </Card>
      <Box style={{ gridColumn: '1 / -1' }}>
        <Card title="Notes">
          <Field label="Notes">{person.notes}</Field>
        </Card>
      </Box>
    </SimpleGrid>
  );
}

function EditPerson({ person, onDone }: { person: Person; onDone: () => void }) {
  const country = useWorkspace().data?.country;
  const initial = toFormValues(person, (phone) => formatPhone(phone, country));
  const form = usePersonForm(initial);
  const update = useUpdatePerson(person.id);
  const [error, setError] = useState<string | null>(null);
  return (
    <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} maw={860}>
      <PersonForm
        form={form}
        busy={update.isPending}
        submitLabel="Save changes"
        onCancel={onDone}
        banner={
          error && (
            <Alert color="red" icon={<IconAlert />} title="Not saved" role="alert">
              {error}
            </Alert>
          )
        }
        onSubmit={(values) => {
          const patch = toPatch(initial, values);
          if (!Object.keys(patch).length) return onDone();
          setError(null);
          update.mutate(patch, {
            onSuccess: (p) => {
              notifications.show({ message: `${displayName(p)} saved`, color: 'brand' });
              onDone();
            },
            onError: (err) => {
              setError(errorMessage(err));
              form.setErrors(personFieldErrors(err));
            },
          });
        }}
      />
    </Paper>
  );
}

export default function PersonProfile() {
  const { id = '' } = useParams();
  const person = usePerson(id);
  const [editing, setEditing] = useState(false);
  const session = useSession();
  const back = { to: '/people', label: 'People' };

  if (person.isError) {
    return (
      <>
        <PageHeader title="Person" back={back} />
        <QueryError error={person.error} retry={() => person.refetch()} />
      </>
    );
  }
  if (!person.data) {
    return (
      <>
        <PageHeader title="Loading…" back={back} />
        <Skeleton h={240} />
      </>
    );
  }
  const p = person.data;
  return (
    <>
      <PageHeader
        back={back}
        title={editing ? `Edit ${displayName(p)}` : displayName(p)}
        description={
          <Group gap={6} component="span">
            <Badge variant="light" color={kindColor[p.kind]}>
              {kindLabel[p.kind]}
            </Badge>
            {p.doNotContact && (
              <Badge variant="filled" color="red">
                Do not contact
              </Badge>
            )}
            {p.tags.map((t) => (
              <Badge key={t} variant="outline" color="gray" tt="none">
                {t}
              </Badge>
            ))}
          </Group>
        }
        actions={
          !editing && (
            <Button variant="default" onClick={() => setEditing(true)}>
              Edit
            </Button>
          )
        }
      />
      {p.mergedIntoId && (
        <Alert color="blue" mb="md" title="Merged">
          This person was merged into{' '}
          <Anchor component={Link} to={`/people/${p.mergedIntoId}`}>
            another record
          </Anchor>
          .
        </Alert>
      )}
      {editing ? (
        <EditPerson person={p} onDone={() => setEditing(false)} />
      ) : (
        <Stack gap="md">
          <Details person={p} />
          {!p.mergedIntoId && <PersonRewards personId={p.id} />}
          {!p.mergedIntoId && <ReferralLinks personId={p.id} kind={p.kind} />}
          {!p.mergedIntoId && <PersonSurveys personId={p.id} hasEmail={!!p.email} />}
          {!p.mergedIntoId && <PersonMessages personId={p.id} canOpen={atLeast(session.role, 'staff')} />}
          <ReferralNetwork personId={p.id} />
          <Suspense fallback={<Skeleton h={220} />}>
            <ReferralNetworkPicture key={p.id} personId={p.id} />
          </Suspense>
        </Stack>
      )}
    </>
  );
}
