import {
  Anchor,
  Badge,
  Button,
  CopyButton,
  Group,
  Image,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { Link } from 'react-router';
import { apiUrl, errorMessage } from '../../api/client.ts';
import { usePrograms } from '../../api/programs.ts';
import { useGetLink, useNetwork, usePersonLinks, useSetLinkDisabled } from '../../api/referrals.ts';
import { atLeast, type PersonKind, type Program, type ReferralLink } from '../../api/types.ts';
import { QueryError } from '../../components/QueryError.tsx';
import { formatDate, referralStatusColor, referralStatusLabel } from '../../format.ts';
import { useSession } from '../../session.tsx';

function Copyable({ label, value }: { label: string; value: string }) {
  return (
    <Group gap="xs" align="flex-end" wrap="nowrap">
      <TextInput
        label={label}
        value={value}
        readOnly
        style={{ flex: 1 }}
        onFocus={(e) => e.currentTarget.select()}
      />
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Button
            variant={copied ? 'light' : 'default'}
            onClick={copy}
            aria-label={`Copy ${label.toLowerCase()}`}
          >
            {copied ? 'Copied' : 'Copy'}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}

function LinkCard({ personId, program, link }: { personId: string; program: Program; link?: ReferralLink }) {
  const { role } = useSession();
  const get = useGetLink(personId);
  const toggle = useSetLinkDisabled(personId);
  return (
    <Paper withBorder radius="md" p="md" component="article" aria-label={`Link for ${program.name}`}>
      <Group justify="space-between" mb="sm" gap="xs">
        <Text fw={600}>{program.name}</Text>
        {link && (
          <Group gap={6}>
            {link.disabled && (
              <Badge color="red" variant="light">
                Disabled
              </Badge>
            )}
            <Badge variant="outline" color="gray" tt="none">
              {link.clicks} {link.clicks === 1 ? 'click' : 'clicks'}
            </Badge>
          </Group>
        )}
      </Group>
      {!link ? (
        <Button
          variant="light"
          loading={get.isPending}
          aria-label={`Get link for ${program.name}`}
          onClick={() =>
            get.mutate(program.id, {
              onError: (err) =>
                notifications.show({ title: 'No link', message: errorMessage(err), color: 'red' }),
            })
          }
        >
          Get link
        </Button>
      ) : (
        <Group align="flex-start" gap="md" wrap="wrap">
          <Image
            src={apiUrl(`/links/${link.id}/qr.svg`)}
            alt={`QR code for ${link.shareUrl}`}
            w={128}
            h={128}
            radius="sm"
            style={{ border: '1px solid var(--mantine-color-gray-3)' }}
          />
          <Stack gap="xs" style={{ flex: '1 1 260px' }} miw={0}>
            <Text size="sm">
              Code <strong style={{ letterSpacing: 1 }}>{link.code}</strong>
            </Text>
            <Copyable label="Share link" value={link.shareUrl} />
            <Copyable label="Name your friends form" value={link.formUrl} />
            <Text size="xs" c="dimmed">
              The form link is private to this person: it lets them name friends who may be good for you.
            </Text>
            <Group gap="xs">
              <Button
                component="a"
                href={apiUrl(`/people/${personId}/card.pdf`, { programId: program.id })}
                target="_blank"
                rel="noopener"
                variant="default"
                disabled={link.disabled}
              >
                Print referral cards
              </Button>
              {atLeast(role, 'manager') && (
                <Button
                  variant="subtle"
                  color={link.disabled ? 'brand' : 'red'}
                  loading={toggle.isPending}
                  onClick={() => toggle.mutate({ id: link.id, disabled: !link.disabled })}
                >
                  {link.disabled ? 'Enable link' : 'Disable link'}
                </Button>
              )}
            </Group>
          </Stack>
        </Group>
      )}
    </Paper>
  );
}

/** Links and QR codes for every active program, and links this person already has elsewhere. */
export function ReferralLinks({ personId, kind }: { personId: string; kind: PersonKind }) {
  const programs = usePrograms();
  const links = usePersonLinks(personId);
  if (programs.isError || links.isError) {
    const q = programs.isError ? programs : links;
    return <QueryError error={q.error} retry={() => q.refetch()} />;
  }
  if (!programs.data || !links.data) return <Skeleton h={160} />;
  const byProgram = new Map(links.data.map((l) => [l.programId, l]));
  // Partners refer under partner programs, everyone else under customer programs.
  const audience = kind === 'partner' ? 'partners' : 'customers';
  const shown = programs.data.filter(
    (p) => byProgram.has(p.id) || (p.status === 'active' && p.audience === audience),
  );
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label="Referral links">
      <Title order={2} size="h5" mb="sm">
        Referral links
      </Title>
      {shown.length === 0 ? (
        <Text size="sm" c="dimmed">
          No active program yet.{' '}
          <Anchor component={Link} to="/programs">
            Programs
          </Anchor>
        </Text>
      ) : (
        <Stack gap="sm">
          {shown.map((p) => (
            <LinkCard key={p.id} personId={personId} program={p} link={byProgram.get(p.id)} />
          ))}
        </Stack>
      )}
    </Paper>
  );
}

/** Who referred this person, and whom they referred (three generations). */
export function ReferralNetwork({ personId }: { personId: string }) {
  const net = useNetwork(personId);
  if (net.isError) return <QueryError error={net.error} retry={() => net.refetch()} />;
  if (!net.data) return <Skeleton h={100} />;
  const n = net.data;
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
      <Paper withBorder radius="md" p="md" component="section" aria-label="Referred by">
        <Title order={2} size="h5" mb="sm">
          Referred by
        </Title>
        {n.referredBy.length === 0 ? (
          <Text size="sm" c="dimmed">
            Nobody on record.
          </Text>
        ) : (
          <Stack gap={6} component="ol" m={0} p={0} style={{ listStyle: 'none' }}>
            {n.referredBy.map((r, i) => (
              <Group key={r.referral.id} component="li" gap="xs" pl={i * 12}>
                <Anchor component={Link} to={`/people/${r.person.id}`} size="sm">
                  {r.person.name}
                </Anchor>
                <Text size="xs" c="dimmed">
                  {r.referral.programName}, {formatDate(r.referral.createdAt)}
                </Text>
              </Group>
            ))}
          </Stack>
        )}
      </Paper>
      <Paper withBorder radius="md" p="md" component="section" aria-label="Referred">
        <Group justify="space-between" mb="sm">
          <Title order={2} size="h5">
            Referred
          </Title>
          <Text size="sm" c="dimmed">
            {n.counts.referred} referred, {n.counts.won} won
          </Text>
        </Group>
        {n.referred.length === 0 ? (
          <Text size="sm" c="dimmed">
            Nobody yet.
          </Text>
        ) : (
          <Stack gap={6} component="ul" m={0} p={0} style={{ listStyle: 'none' }}>
            {n.referred.map((r) => (
              <Group key={r.referral.id} component="li" gap="xs" pl={(r.generation - 1) * 16} wrap="nowrap">
                <Anchor component={Link} to={`/people/${r.person.id}`} size="sm" truncate>
                  {r.person.name}
                </Anchor>
                <Badge size="xs" variant="light" color={referralStatusColor[r.referral.status]}>
                  {referralStatusLabel[r.referral.status]}
                </Badge>
                {r.generation > 1 && (
                  <Text size="xs" c="dimmed">
                    generation {r.generation}
                  </Text>
                )}
              </Group>
            ))}
            {n.truncated && (
              <Text size="xs" c="dimmed">
                … and more
              </Text>
            )}
          </Stack>
        )}
      </Paper>
    </SimpleGrid>
  );
}
