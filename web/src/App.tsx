import { lazy } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { Home, RequireRole, RequireSession } from './components/guards.tsx';
import { Shell } from './components/Shell.tsx';
import { SignIn } from './pages/SignIn.tsx';

// One chunk per page: the sign-in screen and the shell load first, the rest on demand.
const loadDashboard = () => import('./pages/dashboard/Dashboard.tsx');
// The owner's first screen: fetched alongside the session check rather than after it.
if (/^\/app\/?(dashboard)?$/.test(window.location.pathname)) void loadDashboard();
const Dashboard = lazy(loadDashboard);
const FrontDesk = lazy(() => import('./pages/front-desk/FrontDesk.tsx'));
const PeopleList = lazy(() => import('./pages/people/PeopleList.tsx'));
const PersonNew = lazy(() => import('./pages/people/PersonNew.tsx'));
const PersonProfile = lazy(() => import('./pages/people/PersonProfile.tsx'));
const ProgramsList = lazy(() => import('./pages/programs/ProgramsList.tsx'));
const ProgramEdit = lazy(() => import('./pages/programs/ProgramEdit.tsx'));
const ReferralsList = lazy(() => import('./pages/referrals/ReferralsList.tsx'));
const ReferralDetail = lazy(() => import('./pages/referrals/ReferralDetail.tsx'));
const NewReferral = lazy(() => import('./pages/referrals/NewReferral.tsx'));
const Rewards = lazy(() => import('./pages/rewards/Rewards.tsx'));
const ImportPage = lazy(() => import('./pages/Import.tsx'));
const Settings = lazy(() => import('./pages/settings/Settings.tsx'));
const WorkspaceSettings = lazy(() => import('./pages/settings/WorkspaceSettings.tsx'));
const StaffSettings = lazy(() => import('./pages/settings/StaffSettings.tsx'));
const ApiKeySettings = lazy(() => import('./pages/settings/ApiKeySettings.tsx'));
const Outbox = lazy(() => import('./pages/messages/Outbox.tsx'));
const Templates = lazy(() => import('./pages/messages/Templates.tsx'));
const Feedback = lazy(() => import('./pages/feedback/Feedback.tsx'));
const AskList = lazy(() => import('./pages/asks/AskList.tsx'));
const AskRules = lazy(() => import('./pages/asks/AskRules.tsx'));
const NotFound = lazy(() => import('./pages/NotFound.tsx'));

export function App() {
  return (
    <Routes>
      <Route path="sign-in" element={<SignIn />} />
      <Route
        element={
          <RequireSession>
            <Shell />
          </RequireSession>
        }
      >
        <Route index element={<Home />} />
        <Route path="front-desk" element={<FrontDesk />} />
        <Route path="asks" element={<AskList />} />
        <Route path="people" element={<PeopleList />} />
        <Route path="people/new" element={<PersonNew />} />
        <Route path="people/:id" element={<PersonProfile />} />
        <Route path="programs" element={<ProgramsList />} />
        <Route path="programs/:id" element={<ProgramEdit />} />
        <Route path="referrals" element={<ReferralsList />} />
        <Route path="referrals/new" element={<NewReferral />} />
        <Route path="referrals/:id" element={<ReferralDetail />} />
        <Route path="rewards" element={<Rewards />} />
        <Route element={<RequireRole min="manager" />}>
          <Route path="dashboard" element={<Dashboard />} />
          <Route path="asks/rules" element={<AskRules />} />
          <Route path="programs/new" element={<ProgramEdit />} />
          <Route path="import" element={<ImportPage />} />
          <Route path="feedback" element={<Feedback />} />
          <Route path="outbox" element={<Outbox />} />
          <Route path="templates" element={<Templates />} />
          <Route path="settings" element={<Settings />}>
            <Route index element={<Navigate to="workspace" replace />} />
            <Route path="workspace" element={<WorkspaceSettings />} />
            <Route path="staff" element={<StaffSettings />} />
            <Route path="api-keys" element={<ApiKeySettings />} />
          </Route>
        </Route>
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
