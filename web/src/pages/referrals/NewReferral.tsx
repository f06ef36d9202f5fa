import {
  Alert,
  Anchor,
  Autocomplete,
  Button,
  Checkbox,
  Group,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { errorMessage, fieldErrors } from '../../api/client.ts';
import { usePeople } from '../../api/people.ts';
import { usePrograms } from '../../api/programs.ts';
import { useEnterReferral } from '../../api/referrals.ts';
import type { Referral } from '../../api/types.ts';
import { IconAlert } from '../../components/icons.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { displayName } from '../../format.ts';

/** The front desk's "who sent you?": a referrer found by name or a code typed from a card. */
export default function NewReferral() {
  const programs = usePrograms();
  const active = (programs.data ?? []).filter((p) => p.status === 'active');
  const [by, setBy] = useState<'person' | 'code'>('person');
  const [programId, setProgramId] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const [referrerId, setReferrerId] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [friend, setFriend] = useState({ firstName: '', lastName: '', email: '', phone: '', note: '' });
  const [introduced, setIntroduced] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [existing, setExisting] = useState<{ referral: Referral; message?: string } | null>(null);
  const people = usePeople({ q: debounced || undefined, pageSize: 10, sort: 'name' });
  const enter = useEnterReferral();
  const navigate = useNavigate();
  const program = programId ?? (active.length === 1 ? active[0]!.id : null);

  const options = (people.data?.items ?? []).map((p) => ({
    value: `${displayName(p)}${p.email ? ` · ${p.email}` : ''}`,
    id: p.id,
  }));

  const submit = () => {
    setError(null);
    setErrors({});
    setExisting(null);
    enter.mutate(
      {
        ...(by === 'person' && program ? { programId: program } : {}),
        referrer: by === 'person' ? { personId: referrerId ?? '' } : { code: code.trim() },
        friend: {
          firstName: friend.firstName.trim(),
          lastName: friend.lastName.trim(),
          email: friend.email.trim() || null,
          phone: friend.phone.trim() || null,
        },
        introduced,
        ...(friend.note.trim() ? { note: friend.note.trim() } : {}),
      },
      {
        onSuccess: (res) => {
          if (!res.created) {
            setExisting(res);
            return;
          }
          notifications.show({ message: `${res.referral.friend.name} added as a referral`, color: 'brand' });
          navigate(`/referrals/${res.referral.id}`);
        },
        onError: (err) => {
          setError(errorMessage(err));
          setErrors(fieldErrors(err));
        },
      },
    );
  };

  return (
    <>
      <PageHeader
        title="New referral"
        back={{ to: '/referrals', label: 'Referrals' }}
        description="Who sent them to you?"
      />
      <Paper withBorder radius="md" p={{ base: 'md', sm: 'xl' }} maw={760}>
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <Stack gap="md">
            {error && (
              <Alert color="red" icon={<IconAlert />} title="Not added" role="alert">
                {error}
              </Alert>
            )}
            {existing && (
              <Alert color="blue" title="Already referred" role="status">
                {existing.message}{' '}
                <Anchor component={Link} to={`/referrals/${existing.referral.id}`}>
                  Open the referral
                </Anchor>
              </Alert>
            )}
            <Text fw={600}>Referrer</Text>
            <SegmentedControl
              aria-label="Find the referrer by"
              value={by}
              onChange={(v) => setBy(v as 'person' | 'code')}
              data={[
                { value: 'person', label: 'Search people' },
                { value: 'code', label: 'Code from a card' },
              ]}
              w="fit-content"
            />
            {by === 'person' ? (
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                <Autocomplete
                  label="Referrer"
                  placeholder="Name or email"
                  value={search}
                  onChange={(v) => {
                    setSearch(v);
                    setReferrerId(options.find((o) => o.value === v)?.id ?? null);
                  }}
                  data={options.map((o) => o.value)}
                  filter={({ options: o }) => o}
                  error={errors['referrer.personId']}
                  required
                />
                <Select
                  label="Program"
                  data={active.map((p) => ({ value: p.id, label: p.name }))}
                  value={program}
                  onChange={setProgramId}
                  error={errors.programId}
                  required
                />
              </SimpleGrid>
            ) : (
              <TextInput
                label="Referral code"
                description="As printed on their card; case, spaces and dashes do not matter"
                value={code}
                onChange={(e) => setCode(e.currentTarget.value)}
                error={errors['referrer.code']}
                maw={320}
                required
              />
            )}
            <Text fw={600}>Friend</Text>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <TextInput
                label="First name"
                value={friend.firstName}
                onChange={(e) => setFriend({ ...friend, firstName: e.currentTarget.value })}
                error={errors['friend.firstName']}
              />
              <TextInput
                label="Last name"
                value={friend.lastName}
                onChange={(e) => setFriend({ ...friend, lastName: e.currentTarget.value })}
                error={errors['friend.lastName']}
              />
              <TextInput
                label="Email"
                type="email"
                value={friend.email}
                onChange={(e) => setFriend({ ...friend, email: e.currentTarget.value })}
                error={errors['friend.email']}
              />
              <TextInput
                label="Phone"
                type="tel"
                value={friend.phone}
                onChange={(e) => setFriend({ ...friend, phone: e.currentTarget.value })}
                error={errors['friend.phone']}
              />
            </SimpleGrid>
            <Textarea
              label="Note"
              description="What the referrer said about them; goes on the timeline"
              autosize
              minRows={2}
              value={friend.note}
              onChange={(e) => setFriend({ ...friend, note: e.currentTarget.value })}
            />
            <Checkbox
              label="They have been told about us"
              description="The referrer introduced us, so we may contact them"
              checked={introduced}
              onChange={(e) => setIntroduced(e.currentTarget.checked)}
            />
            <Group justify="flex-end">
              <Button variant="default" component={Link} to="/referrals">
                Cancel
              </Button>
              <Button
                type="submit"
                loading={enter.isPending}
                disabled={by === 'person' ? !referrerId || !program : !code.trim()}
              >
                Add referral
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </>
  );
}
