/**
 * A new customer at the desk, with "Who referred you?": a referrer picked from the people on
 * file makes them a referral of that person (entered by staff); otherwise they are added as a
 * customer with how they heard of the business.
 */
import {
  Alert,
  Anchor,
  Autocomplete,
  Button,
  Checkbox,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { type ApiError, errorMessage, fieldErrors } from '../../api/client.ts';
import { useCreatePerson, usePeople } from '../../api/people.ts';
import { usePrograms } from '../../api/programs.ts';
import { useEnterReferral } from '../../api/referrals.ts';
import { useWorkspace } from '../../api/workspace.ts';
import { IconAlert, IconArrowLeft } from '../../components/icons.tsx';
import { displayName } from '../../format.ts';
import { formatPhone } from '../../phone.ts';

const splitName = (full: string) => {
  const parts = full.trim().split(/\s+/).filter(Boolean);
  return { firstName: parts[0] ?? '', lastName: parts.slice(1).join(' ') };
};

export function NewCustomer({ initialName }: { initialName: string }) {
  const navigate = useNavigate();
  const programs = usePrograms();
  const open = (programs.data ?? []).filter((p) => p.status === 'active' && p.audience !== 'staff');
  const [form, setForm] = useState({ ...splitName(initialName), phone: '', email: '', howHeard: '' });
  const [consent, setConsent] = useState(false);
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 200);
  const [referrer, setReferrer] = useState<{ id: string; label: string; partner: boolean } | null>(null);
  const [programId, setProgramId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [known, setKnown] = useState<string | null>(null);
  const people = usePeople({ q: debounced || undefined, pageSize: 8, sort: 'name' });
  const country = useWorkspace().data?.country;
  const enter = useEnterReferral();
  const create = useCreatePerson();
  // A partner's referral goes into a partners' program, anyone else's into a customers' one.
  const audience = open.filter((p) => p.audience === (referrer?.partner ? 'partners' : 'customers'));
  const choices = audience.length ? audience : open;
  const program = (programId && choices.some((p) => p.id === programId) ? programId : choices[0]?.id) ?? null;

  const options = debounced
    ? (people.data?.items ?? []).map((p) => ({
        id: p.id,
        partner: p.kind === 'partner',
        label: `${displayName(p)}${p.phone ? ` · ${formatPhone(p.phone, country)}` : p.email ? ` · ${p.email}` : ''}`,
      }))
    : [];

  const failed = (err: unknown) => {
    setError(errorMessage(err));
    const fe = fieldErrors(err);
    setErrors(Object.fromEntries(Object.entries(fe).map(([k, v]) => [k.replace(/^friend\./, ''), v])));
    const match = (err as ApiError).errors?.find((e) => e.personId);
    setKnown(match?.personId ?? null);
  };
  const opened = (id: string, message: string) => {
    notifications.show({ message, color: 'brand' });
    navigate(`/front-desk?person=${encodeURIComponent(id)}`);
  };

  const submit = () => {
    setError(null);
    setErrors({});
    setKnown(null);
    const person = {
      firstName: form.firstName.trim(),
      lastName: form.lastName.trim(),
      email: form.email.trim() || null,
      phone: form.phone.trim() || null,
    };
    const name = [person.firstName, person.lastName].filter(Boolean).join(' ') || 'The new customer';
    if (search.trim() && !referrer) {
      setErrors({ referrer: 'Pick someone from the list, or clear the field' });
      return;
    }
    if (referrer) {
      if (!program) {
        setError(
          'No program is taking referrals: ask an owner to start one, or leave "Who referred you?" empty.',
        );
        return;
      }
      enter.mutate(
        { programId: program, referrer: { personId: referrer.id }, friend: person, friendOptIn: consent },
        {
          onSuccess: (res) =>
            opened(
              res.referral.friend.id,
              !res.created
                ? (res.message ?? 'Already referred')
                : res.referral.friend.name === name
                  ? `${name} added, referred by ${res.referral.referrer.name}`
                  : // The phone or email was on file: the referral went to that person.
                    `${res.referral.friend.name} was already on file with that phone or email; the referral from ${res.referral.referrer.name} is theirs`,
            ),
          onError: failed,
        },
      );
    } else {
      create.mutate(
        {
          body: {
            kind: 'customer',
            ...person,
            howHeard: form.howHeard.trim() || null,
            marketingConsent: consent ? { given: true, source: 'front desk' } : null,
          },
        },
        { onSuccess: (p) => opened(p.id, `${name} added`), onError: failed },
      );
    }
  };

  return (
    <Stack gap="md" maw={640} mx="auto">
      <Anchor component={Link} to="/front-desk" size="md" w="fit-content" fw={500}>
        <Group gap={6} wrap="nowrap">
          <IconArrowLeft size={16} />
          Front desk
        </Group>
      </Anchor>
      <Title order={1} size="h2">
        New customer
      </Title>
      <Paper withBorder radius="md" p="md">
        <form
          aria-label="New customer"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <Stack gap="sm">
            {error && (
              <Alert color="red" icon={<IconAlert />} role="alert" title="Not added">
                {error}
                {known && (
                  <>
                    {' '}
                    <Anchor component={Link} to={`/front-desk?person=${encodeURIComponent(known)}`}>
                      Open them
                    </Anchor>
                  </>
                )}
              </Alert>
            )}
            <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
              <TextInput
                label="First name"
                size="md"
                value={form.firstName}
                onChange={(e) => setForm({ ...form, firstName: e.currentTarget.value })}
                error={errors.firstName}
                autoComplete="off"
                data-autofocus
              />
              <TextInput
                label="Last name"
                size="md"
                value={form.lastName}
                onChange={(e) => setForm({ ...form, lastName: e.currentTarget.value })}
                error={errors.lastName}
                autoComplete="off"
              />
              <TextInput
                label="Phone"
                type="tel"
                size="md"
                value={form.phone}
                onChange={(e) => setForm({ ...form, phone: e.currentTarget.value })}
                error={errors.phone}
                autoComplete="off"
              />
              <TextInput
                label="Email"
                type="email"
                size="md"
                value={form.email}
                onChange={(e) => setForm({ ...form, email: e.currentTarget.value })}
                error={errors.email}
                autoComplete="off"
              />
            </SimpleGrid>
            <Autocomplete
              label="Who referred you?"
              description="Search by name or phone; leave empty if nobody did"
              size="md"
              value={search}
              onChange={(v) => {
                setSearch(v);
                const o = options.find((x) => x.label === v);
                setReferrer(o ?? null);
              }}
              data={options.map((o) => o.label)}
              filter={({ options: o }) => o}
              error={errors.referrer ?? errors['referrer.personId']}
              clearable
            />
            {referrer && choices.length > 1 && (
              <Select
                label="Program"
                size="md"
                data={choices.map((p) => ({ value: p.id, label: p.name }))}
                value={program}
                onChange={setProgramId}
                allowDeselect={false}
                error={errors.programId}
              />
            )}
            {!referrer && (
              <TextInput
                label="How did you hear about us?"
                size="md"
                placeholder="optional: a sign, a search, an ad…"
                value={form.howHeard}
                onChange={(e) => setForm({ ...form, howHeard: e.currentTarget.value })}
                error={errors.howHeard}
                maxLength={500}
              />
            )}
            <Checkbox
              label="Happy to hear from us by email"
              checked={consent}
              onChange={(e) => setConsent(e.currentTarget.checked)}
            />
            <Button
              type="submit"
              size="lg"
              fullWidth
              loading={enter.isPending || create.isPending}
              disabled={
                !form.firstName.trim() && !form.lastName.trim() && !form.phone.trim() && !form.email.trim()
              }
            >
              {referrer ? 'Add customer and referral' : 'Add customer'}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
