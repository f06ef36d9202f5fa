import {
  ActionIcon,
  Alert,
  Button,
  ColorInput,
  Fieldset,
  Group,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Switch,
  Text,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { api, errorMessage, fieldErrors } from '../../api/client.ts';
import type { Workspace, WorkspacePatch } from '../../api/types.ts';
import { useWorkspace, workspaceKey } from '../../api/workspace.ts';
import { IconAlert, IconPlus, IconX } from '../../components/icons.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { sessionKey } from '../../session.tsx';

type Values = {
  name: string;
  currency: string;
  timeZone: string;
  country: string;
  address: Workspace['address'];
  brandColor: string;
  logoUrl: string;
  reviewLinks: Array<{ label: string; url: string }>;
  approveRewards: boolean;
  askCoolingOffDays: number;
};

const toValues = (w: Workspace): Values => ({
  name: w.name,
  currency: w.currency,
  timeZone: w.timeZone,
  country: w.country,
  address: { ...w.address },
  brandColor: w.brandColor,
  logoUrl: w.logoUrl ?? '',
  reviewLinks: w.reviewLinks.map((l) => ({ ...l })),
  approveRewards: w.approveRewards,
  askCoolingOffDays: w.askCoolingOffDays,
});

const toPatch = (v: Values): WorkspacePatch => ({
  name: v.name.trim(),
  currency: v.currency.trim().toUpperCase(),
  timeZone: v.timeZone,
  country: v.country.trim().toUpperCase(),
  address: { ...v.address, country: v.address.country.trim().toUpperCase() },
  brandColor: v.brandColor,
  logoUrl: v.logoUrl.trim() || null,
  reviewLinks: v.reviewLinks.filter((l) => l.label.trim() || l.url.trim()),
  approveRewards: v.approveRewards,
  askCoolingOffDays: v.askCoolingOffDays,
});

function WorkspaceForm({ workspace }: { workspace: Workspace }) {
  const qc = useQueryClient();
  const form = useForm<Values>({
    initialValues: toValues(workspace),
    validate: {
      name: (v) => (v.trim() ? null : 'The business needs a name'),
      currency: (v) => (/^[A-Za-z]{3}$/.test(v.trim()) ? null : 'Three letters, like USD or EUR'),
      country: (v) => (/^[A-Za-z]{2}$/.test(v.trim()) ? null : 'Two letters, like US or DE'),
    },
  });
  const [error, setError] = useState<string | null>(null);
  const zones = useMemo(() => {
    try {
      return Intl.supportedValuesOf('timeZone');
    } catch {
      return [workspace.timeZone];
    }
  }, [workspace.timeZone]);
  const save = useMutation({
    mutationFn: (patch: WorkspacePatch) => api.patch<Workspace>('/workspace', patch),
    onSuccess: (w) => {
      qc.setQueryData(workspaceKey, w);
      form.resetDirty(toValues(w));
      void qc.invalidateQueries({ queryKey: sessionKey });
      notifications.show({ message: 'Workspace saved', color: 'brand' });
    },
    onError: (err) => {
      setError(errorMessage(err));
      form.setErrors(fieldErrors(err));
    },
  });

  return (
    <form
      onSubmit={form.onSubmit((v) => {
        setError(null);
        save.mutate(toPatch(v));
      })}
      noValidate
    >
      <Stack gap="lg" maw={860}>
        {error && (
          <Alert color="red" icon={<IconAlert />} title="Not saved" role="alert">
            {error}
          </Alert>
        )}
        <Paper withBorder radius="md" p="md">
          <Fieldset legend="Business" variant="unstyled">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <TextInput label="Name" required {...form.getInputProps('name')} />
              <Select
                label="Time zone"
                data={zones}
                searchable
                allowDeselect={false}
                {...form.getInputProps('timeZone')}
              />
              <TextInput label="Currency" maxLength={3} {...form.getInputProps('currency')} />
              <TextInput
                label="Country"
                description="Phone numbers are read as this country's unless they say otherwise"
                maxLength={2}
                {...form.getInputProps('country')}
              />
            </SimpleGrid>
          </Fieldset>
        </Paper>
        <Paper withBorder radius="md" p="md">
          <Fieldset legend="Address (printed on letters and coupons)" variant="unstyled">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <TextInput label="Street" {...form.getInputProps('address.line1')} />
              <TextInput label="Address line 2" {...form.getInputProps('address.line2')} />
              <TextInput label="City" {...form.getInputProps('address.city')} />
              <TextInput label="Region / state" {...form.getInputProps('address.region')} />
              <TextInput label="Postal code" {...form.getInputProps('address.postalCode')} />
              <TextInput label="Country" maxLength={2} {...form.getInputProps('address.country')} />
            </SimpleGrid>
          </Fieldset>
        </Paper>
        <Paper withBorder radius="md" p="md">
          <Fieldset legend="Brand" variant="unstyled">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <ColorInput
                label="Brand colour"
                format="hex"
                eyeDropperButtonProps={{ 'aria-label': 'Pick the colour from the screen' }}
                {...form.getInputProps('brandColor')}
              />
              <TextInput label="Logo URL" placeholder="https://" {...form.getInputProps('logoUrl')} />
            </SimpleGrid>
          </Fieldset>
        </Paper>
        <Paper withBorder radius="md" p="md">
          <Fieldset legend="Review sites" variant="unstyled">
            <Text size="sm" c="dimmed" mb="sm">
              Happy customers are sent here after a good survey answer.
            </Text>
            <Stack gap="xs">
              {form.values.reviewLinks.map((_, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
                <Group key={i} gap="xs" align="flex-start" wrap="nowrap">
                  <TextInput
                    aria-label={`Review site ${i + 1} name`}
                    placeholder="Google"
                    w={140}
                    {...form.getInputProps(`reviewLinks.${i}.label`)}
                  />
                  <TextInput
                    aria-label={`Review site ${i + 1} address`}
                    placeholder="https://"
                    style={{ flex: 1 }}
                    {...form.getInputProps(`reviewLinks.${i}.url`)}
                  />
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    size="lg"
                    aria-label={`Remove review site ${i + 1}`}
                    onClick={() => form.removeListItem('reviewLinks', i)}
                  >
                    <IconX size={16} />
                  </ActionIcon>
                </Group>
              ))}
              <Button
                variant="subtle"
                leftSection={<IconPlus size={16} />}
                w="fit-content"
                onClick={() => form.insertListItem('reviewLinks', { label: '', url: '' })}
                disabled={form.values.reviewLinks.length >= 10}
              >
                Add review site
              </Button>
            </Stack>
          </Fieldset>
        </Paper>
        <Paper withBorder radius="md" p="md">
          <Fieldset legend="Rewards" variant="unstyled">
            <Switch
              label="Rewards need approval"
              description="An owner or manager approves each reward (on the Rewards page) before it can be used; otherwise rewards become available when their hold ends."
              {...form.getInputProps('approveRewards', { type: 'checkbox' })}
            />
          </Fieldset>
        </Paper>
        <Paper withBorder radius="md" p="md">
          <Fieldset legend="Asking for referrals" variant="unstyled">
            <NumberInput
              label="Cooling-off period (days)"
              description="Nobody is asked again within this many days of an ask, whichever rule or staff member asks. “Not now” does not count."
              min={0}
              max={730}
              allowDecimal={false}
              maw={320}
              {...form.getInputProps('askCoolingOffDays')}
            />
          </Fieldset>
        </Paper>
        <Group justify="flex-end">
          <Button type="submit" loading={save.isPending} disabled={!form.isDirty()}>
            Save workspace
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export default function WorkspaceSettings() {
  const workspace = useWorkspace();
  if (workspace.isError) return <QueryError error={workspace.error} retry={() => workspace.refetch()} />;
  if (!workspace.data) return <Skeleton h={400} />;
  return <WorkspaceForm key={workspace.data.updatedAt} workspace={workspace.data} />;
}
