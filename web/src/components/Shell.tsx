import {
  AppShell,
  Avatar,
  Badge,
  Burger,
  Button,
  Group,
  Menu,
  NavLink,
  ScrollArea,
  Text,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { type ComponentType, Suspense } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { errorMessage } from '../api/client.ts';
import { atLeast, type Role } from '../api/types.ts';
import { roleLabel } from '../format.ts';
import { useSession, useSignOut, useSwitchWorkspace } from '../session.tsx';
import { PageLoader } from './guards.tsx';
import {
  IconBuilding,
  IconChart,
  IconCheck,
  IconChevronDown,
  IconCoins,
  IconDesk,
  IconFeedback,
  IconGift,
  IconLogout,
  IconMail,
  IconPeople,
  IconReferrals,
  IconSettings,
  IconTemplate,
  IconUpload,
} from './icons.tsx';
import { Logo } from './Logo.tsx';

type NavItem = { to: string; label: string; icon: ComponentType<{ size?: number }>; min: Role };

/** The navigation; later features add their entries here. */
const NAV: NavItem[] = [
  { to: '/dashboard', label: 'Dashboard', icon: IconChart, min: 'manager' },
  // First for staff (they do not see the dashboard).
  { to: '/front-desk', label: 'Front desk', icon: IconDesk, min: 'staff' },
  { to: '/asks', label: 'Who to ask today', icon: IconCheck, min: 'staff' },
  { to: '/referrals', label: 'Referrals', icon: IconReferrals, min: 'staff' },
  { to: '/people', label: 'People', icon: IconPeople, min: 'staff' },
  { to: '/rewards', label: 'Rewards', icon: IconCoins, min: 'staff' },
  { to: '/programs', label: 'Programs', icon: IconGift, min: 'staff' },
  { to: '/feedback', label: 'Feedback', icon: IconFeedback, min: 'manager' },
  { to: '/outbox', label: 'Outbox', icon: IconMail, min: 'manager' },
  { to: '/templates', label: 'Templates', icon: IconTemplate, min: 'manager' },
  { to: '/import', label: 'Import', icon: IconUpload, min: 'manager' },
  { to: '/settings', label: 'Settings', icon: IconSettings, min: 'manager' },
];

function initials(name: string) {
  return (
    name
      .replace(/^(dr|mr|mrs|ms)\.?\s+/i, '')
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => w[0]!.toUpperCase())
      .join('') || '?'
  );
}

function WorkspaceSwitcher() {
  const session = useSession();
  const switcher = useSwitchWorkspace();
  const navigate = useNavigate();
  if (session.workspaces.length < 2) {
    return (
      <Group gap={6} wrap="nowrap" c="dimmed">
        <IconBuilding />
        <Text size="sm" fw={500} c="dark" truncate>
          {session.workspace.name}
        </Text>
      </Group>
    );
  }
  const choose = (slug: string, name: string) => {
    if (slug === session.workspace.slug) return;
    switcher.mutate(slug, {
      onSuccess: () => {
        navigate('/people');
        notifications.show({ message: `Switched to ${name}`, color: 'brand' });
      },
      onError: (err) =>
        notifications.show({ title: 'Could not switch', message: errorMessage(err), color: 'red' }),
    });
  };
  return (
    <Menu position="bottom-start" width={280} shadow="md">
      <Menu.Target>
        <Button
          variant="default"
          leftSection={<IconBuilding />}
          rightSection={<IconChevronDown size={14} />}
          loading={switcher.isPending}
          aria-label={`Workspace: ${session.workspace.name}. Switch workspace`}
          maw="100%"
          justify="space-between"
        >
          <Text span size="sm" fw={500} truncate>
            {session.workspace.name}
          </Text>
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Switch workspace</Menu.Label>
        {session.workspaces.map((w) => (
          <Menu.Item
            key={w.id}
            onClick={() => choose(w.slug, w.name)}
            rightSection={w.id === session.workspace.id ? <IconCheck size={16} /> : null}
          >
            <Text size="sm">{w.name}</Text>
            <Text size="xs" c="dimmed">
              {roleLabel[w.role]}
            </Text>
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

function AccountMenu() {
  const session = useSession();
  const signOut = useSignOut();
  const navigate = useNavigate();
  return (
    <Menu position="bottom-end" width={240} shadow="md">
      <Menu.Target>
        <UnstyledButton
          // Named by its content: "Account", and the name beside the avatar where it shows (WCAG 2.5.3).
          p={4}
          style={{ borderRadius: 'var(--mantine-radius-md)' }}
        >
          <Group gap="xs" wrap="nowrap">
            <Avatar color="brand" radius="xl" size={32} aria-hidden="true">
              {initials(session.user.name)}
            </Avatar>
            <VisuallyHidden>Account</VisuallyHidden>
            <Text size="sm" fw={500} visibleFrom="md">
              {session.user.name}
            </Text>
            <IconChevronDown size={14} />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          <Text size="sm" c="dark" fw={500} truncate>
            {session.user.name}
          </Text>
          <Text size="xs" c="dimmed" truncate>
            {session.user.email}
          </Text>
          <Badge mt={6} size="sm" variant="light">
            {roleLabel[session.role]}
          </Badge>
        </Menu.Label>
        <Menu.Divider />
        <Menu.Item
          leftSection={<IconLogout size={16} />}
          onClick={() =>
            signOut.mutate(undefined, { onSettled: () => navigate('/sign-in', { replace: true }) })
          }
        >
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

/** The signed-in frame: header, navigation (a drawer on phones) and the current page. */
export function Shell() {
  const session = useSession();
  const [opened, { toggle, close }] = useDisclosure(false);
  const { pathname } = useLocation();
  const items = NAV.filter((n) => atLeast(session.role, n.min));

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 232, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding={{ base: 'sm', sm: 'lg' }}
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={opened ? 'Close navigation' : 'Open navigation'}
            />
            <Link to="/" aria-label="Vouch home" style={{ textDecoration: 'none', color: 'inherit' }}>
              <Logo />
            </Link>
            <Group visibleFrom="sm" ml="lg" miw={0}>
              <WorkspaceSwitcher />
            </Group>
          </Group>
          <AccountMenu />
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="sm" aria-label="Main">
        <AppShell.Section hiddenFrom="sm" mb="sm">
          <WorkspaceSwitcher />
        </AppShell.Section>
        <AppShell.Section grow component={ScrollArea}>
          <div>
            {items.map((n) => (
              <NavLink
                key={n.to}
                component={Link}
                to={n.to}
                label={n.label}
                leftSection={<n.icon size={20} />}
                active={pathname === n.to || pathname.startsWith(`${n.to}/`)}
                aria-current={pathname === n.to || pathname.startsWith(`${n.to}/`) ? 'page' : undefined}
                // On a phone the navigation closes once a page is chosen.
                onClick={close}
                variant="light"
                fw={500}
                py={10}
                style={{ borderRadius: 'var(--mantine-radius-md)' }}
              />
            ))}
          </div>
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main>
        <Suspense fallback={<PageLoader />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
