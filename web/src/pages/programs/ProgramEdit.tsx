import {
  ActionIcon,
  Alert,
  Anchor,
  Button,
  Fieldset,
  Group,
  Modal,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { type UseFormReturnType, useForm } from '@mantine/form';
import { useDisclosure, useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { errorMessage, fieldErrors } from '../../api/client.ts';
import { usePreviewLanding, useProgram, useSaveProgram } from '../../api/programs.ts';
import { atLeast, type Program, type ProgramInput, type Reward } from '../../api/types.ts';
import { useWorkspace } from '../../api/workspace.ts';
import { IconAlert, IconPlus, IconX } from '../../components/icons.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { QueryError } from '../../components/QueryError.tsx';
import { audienceLabel, currencyDigits, programStatusLabel } from '../../format.ts';
import { useSession } from '../../session.tsx';

type RewardType = 'none' | Reward['type'];
/** A reward as the form holds it: money in major units (dollars), as people type it. */
type RewardValues = {
  type: RewardType;
  amount: number | string;
  percent: number | string;
  maxAmount: number | string;
  description: string;
  value: number | string;
};

type Values = {
  name: string;
  audience: Program['audience'];
  status: Program['status'];
  startsOn: string;
  endsOn: string;
  referrerReward: RewardValues;
  friendIncentive: RewardValues;
  qualifying: Program['terms']['qualifyingEvent']['type'];
  qualifyingAmount: number | string;
  attributionDays: number | string;
  holdDays: number | string;
  monthlyCap: number | string;
  followUpHours: number | string;
  thankYou: Program['thankYou'];
  thankYouGift: string;
  couponDays: number | string;
  rounding: Program['terms']['rounding'];
  rewardStaff: RewardValues;
  milestones: Array<{ wonCount: number | string; reward: RewardValues }>;
  headline: string;
  imageUrl: string;
  story: string;
  testimonials: Array<{ quote: string; name: string }>;
  targetCategories: string;
  leadingQuestions: string;
  idealCustomer: string;
  needPhrases: string;
  howToIntroduce: string;
};

const REWARD_TYPES: Array<{ value: RewardType; label: string }> = [
  { value: 'none', label: 'None' },
  { value: 'credit', label: 'Credit (amount)' },
  { value: 'cash', label: 'Cash (amount)' },
  { value: 'percent', label: 'Percent off' },
  { value: 'service', label: 'Free service' },
  { value: 'gift', label: 'Gift' },
];

const toMajor = (minor: number | undefined, digits: number) =>
  minor === undefined ? '' : minor / 10 ** digits;
const toMinor = (major: number | string, digits: number) => Math.round(Number(major) * 10 ** digits);
const num = (v: number | string) => (v === '' ? undefined : Number(v));
const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

function rewardValues(r: Reward | null, digits: number): RewardValues {
  const v: RewardValues = {
    type: 'none',
    amount: '',
    percent: '',
    maxAmount: '',
    description: '',
    value: '',
  };
  if (!r) return v;
  v.type = r.type;
  v.description = r.description;
  if (r.type === 'credit' || r.type === 'cash') v.amount = toMajor(r.amount, digits);
  if (r.type === 'percent') {
    v.percent = r.percent;
    v.maxAmount = toMajor(r.maxAmount, digits);
  }
  if (r.type === 'service' || r.type === 'gift') v.value = toMajor(r.value, digits);
  return v;
}

function toReward(v: RewardValues, digits: number): Reward | null {
  const description = v.description.trim();
  switch (v.type) {
    case 'none':
      return null;
    case 'credit':
    case 'cash':
      return { type: v.type, amount: toMinor(v.amount, digits), description };
    case 'percent':
      return {
        type: 'percent',
        percent: Number(v.percent),
        ...(v.maxAmount === '' ? {} : { maxAmount: toMinor(v.maxAmount, digits) }),
        description,
      };
    default:
      return { type: v.type, description, value: v.value === '' ? 0 : toMinor(v.value, digits) };
  }
}

function toValues(p: Program | undefined, digits: number): Values {
  return {
    name: p?.name ?? '',
    audience: p?.audience ?? 'customers',
    status: p?.status ?? 'draft',
    startsOn: p?.startsOn ?? '',
    endsOn: p?.endsOn ?? '',
    referrerReward: rewardValues(p?.terms.referrerReward ?? null, digits),
    friendIncentive: rewardValues(p?.terms.friendIncentive ?? null, digits),
    qualifying: p?.terms.qualifyingEvent.type ?? 'first_purchase',
    qualifyingAmount:
      p?.terms.qualifyingEvent.type === 'first_purchase_over'
        ? toMajor(p.terms.qualifyingEvent.amount, digits)
        : '',
    attributionDays: p?.terms.attributionDays ?? 90,
    holdDays: p?.terms.holdDays ?? 14,
    monthlyCap: p?.terms.monthlyCap ?? '',
    followUpHours: p?.followUpHours ?? 24,
    thankYou: p?.thankYou ?? 'both',
    thankYouGift: p?.thankYouGift ?? '',
    couponDays: p?.terms.couponDays ?? 60,
    rounding: p?.terms.rounding ?? 'up',
    rewardStaff: rewardValues(p?.terms.rewardStaff ?? null, digits),
    milestones:
      p?.terms.milestones.map((m) => ({ wonCount: m.wonCount, reward: rewardValues(m.reward, digits) })) ??
      [],
    headline: p?.landing.headline ?? '',
    imageUrl: p?.landing.imageUrl ?? '',
    story: p?.landing.story ?? '',
    testimonials: p?.landing.testimonials.map((t) => ({ ...t })) ?? [],
    targetCategories: p?.targetCategories.join('\n') ?? '',
    leadingQuestions: p?.leadingQuestions.join('\n') ?? '',
    idealCustomer: p?.educationKit.idealCustomer ?? '',
    needPhrases: p?.educationKit.needPhrases.join('\n') ?? '',
    howToIntroduce: p?.educationKit.howToIntroduce ?? '',
  };
}

function toInput(v: Values, digits: number): ProgramInput {
  const qualifyingEvent =
    v.qualifying === 'first_purchase_over'
      ? { type: v.qualifying, amount: toMinor(v.qualifyingAmount, digits) }
      : { type: v.qualifying };
  return {
    name: v.name.trim(),
    audience: v.audience,
    status: v.status,
    startsOn: v.startsOn || null,
    endsOn: v.endsOn || null,
    terms: {
      referrerReward: toReward(v.referrerReward, digits),
      friendIncentive: toReward(v.friendIncentive, digits),
      qualifyingEvent,
      attributionDays: Number(v.attributionDays),
      holdDays: Number(v.holdDays),
      monthlyCap: num(v.monthlyCap) ?? null,
      couponDays: Number(v.couponDays),
      rounding: v.rounding,
      rewardStaff: toReward(v.rewardStaff, digits),
      // A milestone without a reward is not one: a half-filled row is dropped, not refused.
      milestones: v.milestones.flatMap((m) => {
        const reward = toReward(m.reward, digits);
        return reward ? [{ wonCount: Number(m.wonCount), reward }] : [];
      }),
    },
    landing: {
      headline: v.headline.trim(),
      story: v.story.trim(),
      imageUrl: v.imageUrl.trim() || null,
      testimonials: v.testimonials
        .map((t) => ({ quote: t.quote.trim(), name: t.name.trim() }))
        .filter((t) => t.quote || t.name),
    },
    targetCategories: lines(v.targetCategories),
    leadingQuestions: lines(v.leadingQuestions),
    educationKit: {
      idealCustomer: v.idealCustomer.trim(),
      needPhrases: lines(v.needPhrases),
      howToIntroduce: v.howToIntroduce.trim(),
    },
    followUpHours: Number(v.followUpHours),
    thankYou: v.thankYou,
    thankYouGift: v.thankYouGift.trim(),
  };
}

/** Server paths ("terms.referrerReward.amount") to form paths ("referrerReward.amount"). */
function formErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, msg] of Object.entries(fieldErrors(err))) {
    const key = k
      .replace(/^terms\.qualifyingEvent\.amount$/, 'qualifyingAmount')
      .replace(/^terms\.qualifyingEvent.*/, 'qualifying')
      .replace(/^terms\./, '')
      .replace(/^landing\.testimonials/, 'testimonials')
      .replace(/^landing\./, '')
      .replace(/^educationKit\./, '')
      .replace(/^(targetCategories|leadingQuestions|needPhrases)\..*/, '$1');
    out[key] ??= msg;
  }
  return out;
}

function RewardFields({
  form,
  path,
  legend,
  currency,
  disabled,
}: {
  form: UseFormReturnType<Values>;
  path: 'referrerReward' | 'friendIncentive' | 'rewardStaff' | `milestones.${number}.reward`;
  legend: string;
  currency: string;
  disabled: boolean;
}) {
  const [, i] = path.split('.');
  const r =
    i === undefined ? form.values[path as 'referrerReward'] : form.values.milestones[Number(i)]!.reward;
  const money = {
    prefix: currency === 'USD' ? '$' : undefined,
    suffix: currency === 'USD' ? undefined : ` ${currency}`,
    min: 0,
    decimalScale: 2,
    thousandSeparator: ',',
  };
  return (
    <Fieldset legend={legend} disabled={disabled}>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <Select
          label={`${legend}: type`}
          data={REWARD_TYPES}
          allowDeselect={false}
          {...form.getInputProps(`${path}.type`)}
        />
        {(r.type === 'credit' || r.type === 'cash') && (
          <NumberInput label={`${legend}: amount`} {...money} {...form.getInputProps(`${path}.amount`)} />
        )}
        {r.type === 'percent' && (
          <>
            <NumberInput
              label={`${legend}: percent`}
              suffix="%"
              min={1}
              max={100}
              allowDecimal={false}
              {...form.getInputProps(`${path}.percent`)}
            />
            <NumberInput
              label={`${legend}: at most`}
              description="Optional cap"
              {...money}
              {...form.getInputProps(`${path}.maxAmount`)}
            />
          </>
        )}
        {(r.type === 'service' || r.type === 'gift') && (
          <NumberInput
            label={`${legend}: declared value`}
            description="For reports"
            {...money}
            {...form.getInputProps(`${path}.value`)}
          />
        )}
      </SimpleGrid>
      {r.type !== 'none' && (
        <TextInput
          mt="sm"
          label={`${legend}: description`}
          placeholder={r.type === 'service' ? 'a complimentary adjustment' : 'optional'}
          {...form.getInputProps(`${path}.description`)}
        />
      )}
    </Fieldset>
  );
}

/** The friend's landing page as these unsaved settings would show it, in a sandboxed frame. */
function LandingPreview({ values }: { values: () => ProgramInput }) {
  const [opened, { open, close }] = useDisclosure(false);
  const phone = useMediaQuery('(max-width: 48em)');
  const preview = usePreviewLanding();
  const show = () => {
    const input = values();
    preview.mutate({ ...input, name: input.name || 'Untitled program' });
    open();
  };
  return (
    <>
      <Text size="sm" c="dimmed">
        What a friend sees when they open a referral link.{' '}
        <Anchor component="button" type="button" size="sm" onClick={show}>
          Preview the landing page
        </Anchor>
      </Text>
      <Modal opened={opened} onClose={close} title="Landing page preview" size="lg" fullScreen={phone}>
        {preview.isError ? (
          <Alert color="red" icon={<IconAlert />} title="No preview">
            {errorMessage(preview.error)}
          </Alert>
        ) : preview.data ? (
          <iframe
            title="The friend's landing page, as Sue Parker's friend would see it"
            srcDoc={preview.data.html}
            sandbox=""
            style={{
              width: '100%',
              height: phone ? 'calc(100dvh - 90px)' : '70vh',
              border: 0,
              borderRadius: 8,
            }}
          />
        ) : (
          <Skeleton h={400} />
        )}
      </Modal>
    </>
  );
}

function ProgramForm({ program }: { program?: Program }) {
  const { role } = useSession();
  const canEdit = atLeast(role, 'manager');
  const currency = useWorkspace().data?.currency ?? 'USD';
  const digits = currencyDigits(currency);
  const save = useSaveProgram(program?.id);
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const form = useForm<Values>({
    initialValues: toValues(program, digits),
    validate: {
      name: (v) => (v.trim() ? null : 'Give the program a name'),
      endsOn: (v, all) => (v && all.startsOn && v < all.startsOn ? 'Ends before it starts' : null),
    },
  });
  const ro = !canEdit;

  return (
    <form
      noValidate
      aria-label="Program"
      onSubmit={form.onSubmit((v) => {
        setError(null);
        save.mutate(toInput(v, digits), {
          onSuccess: (p) => {
            notifications.show({
              message:
                program && p.termsVersion !== program.termsVersion
                  ? `${p.name} saved; new referrals get terms version ${p.termsVersion}`
                  : `${p.name} saved`,
              color: 'brand',
            });
            if (!program) navigate(`/programs/${p.id}`, { replace: true });
            else form.resetDirty(toValues(p, digits));
          },
          onError: (err) => {
            setError(errorMessage(err));
            form.setErrors(formErrors(err));
          },
        });
      })}
    >
      <Stack gap="md" maw={900}>
        {error && (
          <Alert color="red" icon={<IconAlert />} title="Not saved" role="alert">
            {error}
          </Alert>
        )}
        {ro && (
          <Alert color="blue" title="Read only">
            Managers and owners can change programs.
          </Alert>
        )}
        <Paper withBorder radius="md" p="md">
          <Fieldset legend="Program" variant="unstyled" disabled={ro}>
            <Stack gap="sm">
              <TextInput label="Name" required {...form.getInputProps('name')} />
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                <Select
                  label="Audience"
                  description="Who refers under it"
                  allowDeselect={false}
                  data={[
                    { value: 'customers', label: 'Customers' },
                    { value: 'partners', label: 'Partners' },
                    { value: 'staff', label: 'Staff' },
                  ]}
                  {...form.getInputProps('audience')}
                />
                <Select
                  label="Status"
                  description="Only active programs accept referrals"
                  allowDeselect={false}
                  data={[
                    { value: 'draft', label: 'Draft' },
                    { value: 'active', label: 'Active' },
                    { value: 'paused', label: 'Paused' },
                    { value: 'ended', label: 'Ended' },
                  ]}
                  {...form.getInputProps('status')}
                />
                <TextInput type="date" label="Starts on" {...form.getInputProps('startsOn')} />
                <TextInput type="date" label="Ends on" {...form.getInputProps('endsOn')} />
              </SimpleGrid>
            </Stack>
          </Fieldset>
        </Paper>

        <Paper withBorder radius="md" p="md" component="section" aria-label="Terms">
          <Group justify="space-between" mb="xs">
            <Text fw={600}>Terms</Text>
            {program && (
              <Text size="sm" c="dimmed">
                terms version {program.termsVersion}
              </Text>
            )}
          </Group>
          <Text size="sm" c="dimmed" mb="sm">
            {program
              ? 'Changed terms become a new version and apply to new referrals only; referrals already made keep the terms they were made under.'
              : 'The promise each referral is made under. Later changes apply to new referrals only.'}
          </Text>
          <Stack gap="sm">
            <RewardFields
              form={form}
              path="referrerReward"
              legend="Referrer reward"
              currency={currency}
              disabled={ro}
            />
            <RewardFields
              form={form}
              path="friendIncentive"
              legend="Friend incentive"
              currency={currency}
              disabled={ro}
            />
            <Fieldset legend="Rules" disabled={ro}>
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                <Select
                  label="Qualifying event"
                  description="When the referrer earns the reward"
                  allowDeselect={false}
                  data={[
                    { value: 'first_purchase', label: 'First purchase' },
                    { value: 'first_purchase_over', label: 'First purchase over an amount' },
                    { value: 'kept_appointment', label: 'Kept appointment' },
                  ]}
                  {...form.getInputProps('qualifying')}
                />
                {form.values.qualifying === 'first_purchase_over' ? (
                  <NumberInput
                    label="Purchase over"
                    min={0}
                    decimalScale={2}
                    prefix={currency === 'USD' ? '$' : undefined}
                    {...form.getInputProps('qualifyingAmount')}
                  />
                ) : (
                  <div />
                )}
                <NumberInput
                  label="Attribution days"
                  description="How long a click or coupon counts"
                  min={1}
                  max={3650}
                  allowDecimal={false}
                  {...form.getInputProps('attributionDays')}
                />
                <NumberInput
                  label="Hold days"
                  description="Before a reward is paid (refunds)"
                  min={0}
                  max={365}
                  allowDecimal={false}
                  {...form.getInputProps('holdDays')}
                />
                <NumberInput
                  label="Monthly cap"
                  description="Rewards per referrer per month; empty for none"
                  min={1}
                  max={1000}
                  allowDecimal={false}
                  {...form.getInputProps('monthlyCap')}
                />
                <NumberInput
                  label="Follow-up hours"
                  description="A new lead is due for follow-up within (business hours)"
                  min={1}
                  max={720}
                  allowDecimal={false}
                  {...form.getInputProps('followUpHours')}
                />
                <NumberInput
                  label="Coupon days"
                  description="How long a friend's coupon is valid"
                  min={1}
                  max={3650}
                  allowDecimal={false}
                  {...form.getInputProps('couponDays')}
                />
                <Select
                  label="Rounding of percent rewards"
                  description="Never in the business's favour"
                  allowDeselect={false}
                  data={[
                    { value: 'up', label: 'Always up' },
                    { value: 'half_up', label: 'Half up (to the nearest)' },
                  ]}
                  {...form.getInputProps('rounding')}
                />
              </SimpleGrid>
            </Fieldset>
            <RewardFields
              form={form}
              path="rewardStaff"
              legend="Staff reward"
              currency={currency}
              disabled={ro}
            />
            <Fieldset legend="Thank-you" disabled={ro}>
              <Text size="sm" c="dimmed" mb="xs">
                When a referrer's friend becomes a customer: a thank-you email, a task for staff to write a
                note (and give the gift), or both.
              </Text>
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <Select
                  label="How to thank"
                  allowDeselect={false}
                  data={[
                    { value: 'both', label: 'Email and a handwritten note' },
                    { value: 'email', label: 'Email only' },
                    { value: 'task', label: 'Handwritten note only (a task)' },
                  ]}
                  {...form.getInputProps('thankYou')}
                />
                <TextInput
                  label="Thank-you gift"
                  description="Named in the task, e.g. a box of chocolates; empty for none"
                  maxLength={200}
                  disabled={form.values.thankYou === 'email'}
                  {...form.getInputProps('thankYouGift')}
                />
              </SimpleGrid>
            </Fieldset>
            <Fieldset legend="Milestone bonuses" disabled={ro}>
              <Text size="sm" c="dimmed" mb="xs">
                A bonus once a referrer's referrals won reach a number, e.g. a gift at 3 and cash at 10.
              </Text>
              <Stack gap="sm">
                {form.values.milestones.map((_, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
                  <Group key={i} align="flex-start" gap="xs" wrap="nowrap">
                    <NumberInput
                      label={`Milestone ${i + 1}: referrals won`}
                      min={2}
                      max={10_000}
                      allowDecimal={false}
                      w={140}
                      {...form.getInputProps(`milestones.${i}.wonCount`)}
                    />
                    <div style={{ flex: 1 }}>
                      <RewardFields
                        form={form}
                        path={`milestones.${i}.reward`}
                        legend={`Milestone ${i + 1} reward`}
                        currency={currency}
                        disabled={ro}
                      />
                    </div>
                    <ActionIcon
                      variant="subtle"
                      color="gray"
                      mt={26}
                      aria-label={`Remove milestone ${i + 1}`}
                      onClick={() => form.removeListItem('milestones', i)}
                    >
                      <IconX size={16} />
                    </ActionIcon>
                  </Group>
                ))}
                {form.values.milestones.length < 10 && !ro && (
                  <Button
                    variant="subtle"
                    w="fit-content"
                    leftSection={<IconPlus size={14} />}
                    onClick={() =>
                      form.insertListItem('milestones', {
                        wonCount: (Number(form.values.milestones.at(-1)?.wonCount) || 0) + 3,
                        reward: { ...rewardValues(null, digits), type: 'gift' },
                      })
                    }
                  >
                    Add milestone
                  </Button>
                )}
              </Stack>
            </Fieldset>
          </Stack>
        </Paper>

        <Paper withBorder radius="md" p="md" component="section" aria-label="Landing page">
          <Fieldset legend="Landing page" variant="unstyled" disabled={ro}>
            <Stack gap="sm">
              <LandingPreview values={() => toInput(form.values, digits)} />
              <TextInput
                label="Headline"
                placeholder="A gift from your friend"
                {...form.getInputProps('headline')}
              />
              <Textarea label="Story" autosize minRows={3} {...form.getInputProps('story')} />
              <TextInput
                label="Picture"
                description="The address (https://…) of a photo shown under the headline"
                placeholder="https://"
                {...form.getInputProps('imageUrl')}
              />
              <Text size="sm" fw={500}>
                Testimonials
              </Text>
              {form.values.testimonials.map((_, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
                <Group key={i} align="flex-start" gap="xs" wrap="nowrap">
                  <Textarea
                    label={`Quote ${i + 1}`}
                    autosize
                    minRows={1}
                    style={{ flex: 3 }}
                    {...form.getInputProps(`testimonials.${i}.quote`)}
                  />
                  <TextInput
                    label={`Name ${i + 1}`}
                    placeholder="Sue P., Elm Street"
                    style={{ flex: 2 }}
                    {...form.getInputProps(`testimonials.${i}.name`)}
                  />
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    mt={26}
                    aria-label={`Remove testimonial ${i + 1}`}
                    onClick={() => form.removeListItem('testimonials', i)}
                  >
                    <IconX size={16} />
                  </ActionIcon>
                </Group>
              ))}
              {form.values.testimonials.length < 6 && (
                <Button
                  variant="subtle"
                  w="fit-content"
                  leftSection={<IconPlus size={14} />}
                  onClick={() => form.insertListItem('testimonials', { quote: '', name: '' })}
                >
                  Add testimonial
                </Button>
              )}
            </Stack>
          </Fieldset>
        </Paper>

        <Paper withBorder radius="md" p="md" component="section" aria-label="Asking">
          <Fieldset legend="Asking and education kit" variant="unstyled" disabled={ro}>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              <Textarea
                label="Target categories"
                description="“Who do you know who …” prompts, one per line"
                autosize
                minRows={3}
                {...form.getInputProps('targetCategories')}
              />
              <Textarea
                label="Leading questions"
                description="For staff to ask, one per line"
                autosize
                minRows={3}
                {...form.getInputProps('leadingQuestions')}
              />
              <Textarea
                label="Ideal customer"
                autosize
                minRows={2}
                {...form.getInputProps('idealCustomer')}
              />
              <Textarea
                label="Need phrases"
                description="What someone who needs us says, one per line"
                autosize
                minRows={2}
                {...form.getInputProps('needPhrases')}
              />
              <Textarea
                label="How to introduce us"
                autosize
                minRows={2}
                style={{ gridColumn: '1 / -1' }}
                {...form.getInputProps('howToIntroduce')}
              />
            </SimpleGrid>
          </Fieldset>
        </Paper>

        {canEdit && (
          <Group justify="flex-end">
            <Button variant="default" onClick={() => navigate('/programs')}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {program ? 'Save program' : 'Create program'}
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}

export default function ProgramEdit() {
  const { id } = useParams();
  const isNew = !id;
  const program = useProgram(id ?? '');
  const ws = useWorkspace();
  const back = { to: '/programs', label: 'Programs' };
  if (isNew) {
    if (!ws.data) return <Skeleton h={240} />;
    return (
      <>
        <PageHeader back={back} title="New program" />
        <ProgramForm />
      </>
    );
  }
  if (program.isError) {
    return (
      <>
        <PageHeader back={back} title="Program" />
        <QueryError error={program.error} retry={() => program.refetch()} />
      </>
    );
  }
  if (!program.data || !ws.data) {
    return (
      <>
        <PageHeader back={back} title="Loading…" />
        <Skeleton h={240} />
      </>
    );
  }
  return (
    <>
      <PageHeader
        back={back}
        title={program.data.name}
        description={`${audienceLabel[program.data.audience]} · ${programStatusLabel[program.data.status]}`}
      />
      <ProgramForm key={`${program.data.id}:${program.data.updatedAt}`} program={program.data} />
    </>
  );
}
