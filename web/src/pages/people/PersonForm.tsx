import {
  Button,
  Checkbox,
  Fieldset,
  Group,
  SegmentedControl,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { type UseFormReturnType, useForm } from '@mantine/form';
import type { ReactNode } from 'react';
import { fieldErrors } from '../../api/client.ts';
import type { Person, PersonKind, PersonPatch } from '../../api/types.ts';

export type PersonFormValues = {
  kind: PersonKind;
  firstName: string;
  lastName: string;
  organisation: string;
  email: string;
  phone: string;
  externalId: string;
  tags: string[];
  address: {
    line1: string;
    line2: string;
    city: string;
    region: string;
    postalCode: string;
    country: string;
  };
  howHeard: string;
  notes: string;
  doNotContact: boolean;
  consent: boolean;
  consentSource: string;
};

export function toFormValues(p?: Person, showPhone = (phone: string) => phone): PersonFormValues {
  return {
    kind: p?.kind ?? 'customer',
    firstName: p?.firstName ?? '',
    lastName: p?.lastName ?? '',
    organisation: p?.organisation ?? '',
    email: p?.email ?? '',
    phone: p?.phone ? showPhone(p.phone) : '',
    externalId: p?.externalId ?? '',
    tags: p?.tags ?? [],
    address: {
      line1: p?.address.line1 ?? '',
      line2: p?.address.line2 ?? '',
      city: p?.address.city ?? '',
      region: p?.address.region ?? '',
      postalCode: p?.address.postalCode ?? '',
      country: p?.address.country ?? '',
    },
    howHeard: p?.howHeard ?? '',
    notes: p?.notes ?? '',
    doNotContact: p?.doNotContact ?? false,
    consent: !!p?.marketingConsent,
    consentSource: p?.marketingConsent?.source ?? 'front desk',
  };
}

const orNull = (s: string) => (s.trim() ? s.trim() : null);

/** The whole person as the API takes it (for creating). */
export function toBody(v: PersonFormValues): PersonPatch {
  return {
    kind: v.kind,
    firstName: v.firstName.trim(),
    lastName: v.lastName.trim(),
    organisation: orNull(v.organisation),
    email: orNull(v.email),
    phone: orNull(v.phone),
    externalId: orNull(v.externalId),
    tags: v.tags,
    address: { ...v.address, country: v.address.country.trim().toUpperCase() },
    howHeard: orNull(v.howHeard),
    notes: v.notes,
    doNotContact: v.doNotContact,
    marketingConsent: v.consent ? { given: true, source: v.consentSource.trim() || 'front desk' } : null,
  };
}

/** Only what changed, so an edit never overwrites what someone else changed meanwhile. */
export function toPatch(before: PersonFormValues, after: PersonFormValues): PersonPatch {
  const a = toBody(before) as Record<string, unknown>;
  const b = toBody(after) as Record<string, unknown>;
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(b)) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) patch[key] = b[key];
  }
  return patch as PersonPatch;
}

/** Field errors of a refused save, keyed by the form's field names. */
export function personFieldErrors(err: unknown) {
  const errors = fieldErrors(err);
  if (errors['marketingConsent.source']) errors.consentSource = errors['marketingConsent.source'];
  return errors;
}

export function usePersonForm(initial: PersonFormValues) {
  return useForm<PersonFormValues>({
    initialValues: initial,
    validate: {
      email: (v) => (v.trim() && !/^\S+@\S+\.\S+$/.test(v.trim()) ? 'Enter a valid email address' : null),
      address: {
        country: (v) => (v.trim() && !/^[A-Za-z]{2}$/.test(v.trim()) ? 'Two letters, like US or DE' : null),
      },
    },
  });
}

const KINDS = [
  { value: 'customer', label: 'Customer' },
  { value: 'prospect', label: 'Prospect' },
  { value: 'partner', label: 'Partner' },
];

/** The fields of a person, for both adding and editing. */
export function PersonForm({
  form,
  onSubmit,
  submitLabel,
  busy,
  onCancel,
  banner,
}: {
  form: UseFormReturnType<PersonFormValues>;
  onSubmit: (values: PersonFormValues) => void;
  submitLabel: string;
  busy?: boolean;
  onCancel?: () => void;
  banner?: ReactNode;
}) {
  return (
    <form onSubmit={form.onSubmit(onSubmit)} noValidate>
      <Stack gap="lg">
        {banner}
        <Stack gap={6}>
          <Text size="sm" fw={600} id="person-kind-label">
            Kind
          </Text>
          <SegmentedControl
            aria-labelledby="person-kind-label"
            data={KINDS}
            {...form.getInputProps('kind')}
            w="fit-content"
          />
        </Stack>
        <Fieldset legend="Name and contact" variant="unstyled">
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <TextInput label="First name" autoComplete="off" {...form.getInputProps('firstName')} />
            <TextInput label="Last name" autoComplete="off" {...form.getInputProps('lastName')} />
            <TextInput
              label="Organisation"
              description="For partners and business customers"
              {...form.getInputProps('organisation')}
            />
            <TextInput
              label="External id"
              description="The id in your booking or point-of-sale system"
              {...form.getInputProps('externalId')}
            />
            <TextInput label="Email" type="email" autoComplete="off" {...form.getInputProps('email')} />
            <TextInput label="Phone" type="tel" autoComplete="off" {...form.getInputProps('phone')} />
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend="Address" variant="unstyled">
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <TextInput label="Street" {...form.getInputProps('address.line1')} />
            <TextInput label="Address line 2" {...form.getInputProps('address.line2')} />
            <TextInput label="City" {...form.getInputProps('address.city')} />
            <TextInput label="Region / state" {...form.getInputProps('address.region')} />
            <TextInput label="Postal code" {...form.getInputProps('address.postalCode')} />
            <TextInput
              label="Country"
              placeholder="US"
              maxLength={2}
              {...form.getInputProps('address.country')}
            />
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend="More" variant="unstyled">
          <Stack gap="sm">
            <TagsInput
              label="Tags"
              description="Press Enter after each tag"
              clearable
              {...form.getInputProps('tags')}
            />
            <TextInput
              label="How did they hear about us?"
              placeholder="e.g. Friend or family"
              {...form.getInputProps('howHeard')}
            />
            <Textarea label="Notes" autosize minRows={3} maxRows={10} {...form.getInputProps('notes')} />
            <Checkbox
              label="Agreed to receive marketing"
              {...form.getInputProps('consent', { type: 'checkbox' })}
            />
            {form.values.consent && (
              <TextInput
                label="How they agreed"
                description="e.g. intake form, asked at the front desk"
                {...form.getInputProps('consentSource')}
                maw={360}
              />
            )}
            <Checkbox
              label="Do not contact"
              description="Never ask this person for referrals or send them messages"
              {...form.getInputProps('doNotContact', { type: 'checkbox' })}
            />
          </Stack>
        </Fieldset>
        <Group justify="flex-end" gap="sm">
          {onCancel && (
            <Button variant="default" onClick={onCancel} disabled={busy}>
              Cancel
            </Button>
          )}
          <Button type="submit" loading={busy}>
            {submitLabel}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
