import { Tabs } from '@mantine/core';
import { Suspense } from 'react';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { PageLoader } from '../../components/guards.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';

const TABS = [
  { value: 'workspace', label: 'Workspace' },
  { value: 'staff', label: 'Staff' },
  { value: 'api-keys', label: 'API keys' },
];

export default function Settings() {
  const { pathname } = useLocation();
  const navigate = useNavigate();
  const current = TABS.find((t) => pathname.startsWith(`/settings/${t.value}`))?.value ?? 'workspace';
  return (
    <>
      <PageHeader title="Settings" />
      <Tabs value={current} onChange={(v) => v && navigate(`/settings/${v}`)}>
        <Tabs.List>
          {TABS.map((t) => (
            <Tabs.Tab key={t.value} value={t.value}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value={current} pt="lg">
          <Suspense fallback={<PageLoader />}>
            <Outlet />
          </Suspense>
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
