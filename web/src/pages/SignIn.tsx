import {
  Alert,
  Box,
  Button,
  Center,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { errorMessage, fieldErrors } from '../api/client.ts';
import { PageLoader } from '../components/guards.tsx';
import { IconAlert } from '../components/icons.tsx';
import { Logo } from '../components/Logo.tsx';
import { useSessionQuery, useSignIn } from '../session.tsx';

/**
 * Only paths inside the app: `next` must not send anyone to another site. Without one, the
 * home route picks the first screen for the role.
 */
function safeNext(next: string | null) {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function SignIn() {
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const session = useSessionQuery();
  const signIn = useSignIn();
  const navigate = useNavigate();
  const form = useForm({
    initialValues: { email: '', password: '' },
    validate: {
      email: (v) => (v.trim() ? null : 'Enter your email'),
      password: (v) => (v ? null : 'Enter your password'),
    },
  });

  if (session.isPending) return <PageLoader />;
  if (session.data && !signIn.isPending) return <Navigate to={next} replace />;

  const submit = form.onSubmit((values) =>
    signIn.mutate(values, {
      onSuccess: () => navigate(next, { replace: true }),
      onError: (err) => form.setErrors(fieldErrors(err)),
    }),
  );
  const err = signIn.error;

  return (
    <Center mih="100vh" p="md">
      <Box w="100%" maw={400}>
        <Stack align="center" mb="lg" gap="xs">
          <Logo size={36} />
          <Text c="dimmed" size="sm">
            Referrals for your business
          </Text>
        </Stack>
        <Paper withBorder shadow="sm" p="xl" radius="lg">
          <form onSubmit={submit} noValidate>
            <Stack>
              <Title order={1} size="h3">
                Sign in
              </Title>
              {err && (
                <Alert color="red" icon={<IconAlert />} role="alert" title="Could not sign in">
                  {errorMessage(err)}
                </Alert>
              )}
              <TextInput
                label="Email"
                type="email"
                autoComplete="username"
                autoFocus
                required
                {...form.getInputProps('email')}
              />
              <PasswordInput
                label="Password"
                autoComplete="current-password"
                required
                {...form.getInputProps('password')}
              />
              <Button type="submit" loading={signIn.isPending} fullWidth mt="xs">
                Sign in
              </Button>
            </Stack>
          </form>
        </Paper>
      </Box>
    </Center>
  );
}
