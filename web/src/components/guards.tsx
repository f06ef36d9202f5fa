import { Button, Center, Loader, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Navigate, Outlet, useLocation } from 'react-router';
import { errorMessage } from '../api/client.ts';
import { atLeast, type Role } from '../api/types.ts';
import { useSession, useSessionQuery } from '../session.tsx';

export function PageLoader() {
  return (
    <Center h="40vh">
      <Loader aria-label="Loading" />
    </Center>
  );
}

/** Renders its children only when someone is signed in; otherwise sends them to sign in and back. */
export function RequireSession({ children }: { children: ReactNode }) {
  const session = useSessionQuery();
  const location = useLocation();
  if (session.isPending) return <PageLoader />;
  if (session.isError) {
    return (
      <Center h="60vh">
        <Stack align="center" gap="xs">
          <Title order={3}>Vouch cannot reach the server</Title>
          <Text c="dimmed">{errorMessage(session.error)}</Text>
          <Button onClick={() => session.refetch()}>Try again</Button>
        </Stack>
      </Center>
    );
  }
  if (!session.data) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return children;
}

/** Where the app opens: the dashboard for owners and managers, the front desk for staff. */
export function homePath(role: Role | undefined) {
  return atLeast(role, 'manager') ? '/dashboard' : '/front-desk';
}

export function Home() {
  const { role } = useSession();
  return <Navigate to={homePath(role)} replace />;
}

/** Routes for a minimum role; the navigation hides them too, this covers typed-in addresses. */
export function RequireRole({ min }: { min: Role }) {
  const { role } = useSession();
  if (!atLeast(role, min)) {
    return (
      <Stack align="center" mt="xl" gap="xs">
        <Title order={3}>Not available for your role</Title>
        <Text c="dimmed">This page needs the {min} role or higher. Ask the owner of this workspace.</Text>
      </Stack>
    );
  }
  return <Outlet />;
}
