import {
  Alert,
  Badge,
  Button,
  Code,
  Grid,
  Group,
  NavLink,
  Paper,
  Select,
  Skeleton,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, errorMessage, fieldErrors } from '../../api/client.ts';
import {
  type MessageKind,
  messageKindLabel,
  previewTemplate,
  type Template,
  useResetTemplate,
  useSaveTemplate,
  useTemplates,
} from '../../api/messages.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { QueryError } from '../../components/QueryError.tsx';

function Editor({ template }: { template: Template }) {
  const [subject, setSubject] = useState(template.subject);
  const [body, setBody] = useState(template.body);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useSaveTemplate();
  const reset = useResetTemplate();
  useEffect(() => {
    setSubject(template.subject);
    setBody(template.body);
    setErrors({});
  }, [template]);
  const [draft] = useDebouncedValue({ subject, body }, 350);
  // The preview follows the draft; a draft with an unknown variable shows its error at the field.
  const preview = useQuery({
    queryKey: ['templates', 'preview', template.kind, draft],
    queryFn: () => previewTemplate(template.kind, draft),
    retry: false,
  });
  const previewErrors = preview.error instanceof ApiError ? fieldErrors(preview.error) : {};
  const shown = { ...previewErrors, ...errors };
  const dirty = subject !== template.subject || body !== template.body;

  const onSave = () => {
    setErrors({});
    save.mutate(
      { kind: template.kind, subject, body },
      {
        onSuccess: () => notifications.show({ message: 'Template saved', color: 'brand' }),
        onError: (err) => {
          const f = fieldErrors(err);
          if (Object.keys(f).length) setErrors(f);
          else notifications.show({ title: 'Could not save', message: errorMessage(err), color: 'red' });
        },
      },
    );
  };
  const onReset = () =>
    reset.mutate(template.kind, {
      onSuccess: () => notifications.show({ message: 'Back to the built-in template', color: 'brand' }),
      onError: (err) =>
        notifications.show({ title: 'Could not reset', message: errorMessage(err), color: 'red' }),
    });

  return (
    <Grid gap="lg">
      <Grid.Col span={{ base: 12, lg: 6 }}>
        <Stack gap="sm">
          <Group gap="xs">
            <Title order={2} size="h4">
              {template.label}
            </Title>
            {template.customised ? (
              <Badge variant="light" color="brand" size="sm">
                Your version
              </Badge>
            ) : (
              <Badge variant="light" color="gray" size="sm">
                Built-in
              </Badge>
            )}
            {template.marketing && (
              <Badge variant="outline" color="gray" size="sm">
                Marketing: only with consent
              </Badge>
            )}
          </Group>
          <TextInput
            label="Subject"
            value={subject}
            onChange={(e) => setSubject(e.currentTarget.value)}
            error={shown.subject}
            maxLength={200}
          />
          <Textarea
            label="Body"
            description="A blank line starts a paragraph; [words](link) makes a link, a link on its own line a button."
            value={body}
            onChange={(e) => setBody(e.currentTarget.value)}
            error={shown.body}
            autosize
            minRows={10}
            maxRows={24}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
          />
          <div>
            <Text size="sm" fw={500} mb={4} id="variables-label">
              Variables
            </Text>
            <Group gap={6} aria-labelledby="variables-label" role="list">
              {template.variables.map((v) => (
                <Code key={v} role="listitem">{`{{${v}}}`}</Code>
              ))}
            </Group>
            <Text size="xs" c="dimmed" mt={6}>
              Everything is escaped: a value can never become markup. The footer with your address and the
              unsubscribe link is added to every email.
            </Text>
          </div>
          <Group gap="xs">
            <Button onClick={onSave} loading={save.isPending} disabled={!dirty}>
              Save
            </Button>
            {dirty && (
              <Button
                variant="default"
                onClick={() => {
                  setSubject(template.subject);
                  setBody(template.body);
                  setErrors({});
                }}
              >
                Undo changes
              </Button>
            )}
            {template.customised && !dirty && (
              <Button variant="subtle" color="gray" onClick={onReset} loading={reset.isPending}>
                Back to the built-in template
              </Button>
            )}
          </Group>
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 6 }}>
        <Stack gap="xs">
          <Title order={2} size="h4">
            Preview
          </Title>
          <Text size="xs" c="dimmed">
            With sample data, as the email looks.
          </Text>
          {preview.isError && !Object.keys(previewErrors).length && (
            <Alert color="red">{errorMessage(preview.error)}</Alert>
          )}
          {preview.data && (
            <>
              <Text size="sm">
                <Text span fw={600}>
                  Subject:{' '}
                </Text>
                <span data-testid="preview-subject">{preview.data.subject}</span>
              </Text>
              <iframe
                title="Email preview"
                sandbox=""
                srcDoc={preview.data.html}
                style={{
                  width: '100%',
                  height: 560,
                  border: '1px solid var(--mantine-color-gray-3)',
                  borderRadius: 8,
                  background: '#fff',
                  opacity: preview.isFetching ? 0.6 : 1,
                }}
              />
            </>
          )}
          {!preview.data && !preview.isError && <Skeleton h={560} />}
        </Stack>
      </Grid.Col>
    </Grid>
  );
}

/** Every email template: subject and body with its variables, and a live preview. */
export default function Templates() {
  const templates = useTemplates();
  const [params, setParams] = useSearchParams();
  const items = templates.data?.items ?? [];
  const kind = (items.find((t) => t.kind === params.get('kind'))?.kind ?? items[0]?.kind) as
    | MessageKind
    | undefined;
  const current = items.find((t) => t.kind === kind);
  const choose = (k: string | null) => k && setParams({ kind: k }, { replace: true });
  return (
    <>
      <PageHeader
        title="Email templates"
        description="What each email says. Your own wording replaces the built-in one for this workspace."
      />
      {templates.isError ? (
        <QueryError error={templates.error} retry={() => templates.refetch()} />
      ) : !templates.data ? (
        <Skeleton h={400} />
      ) : (
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, md: 3 }}>
            <Select
              hiddenFrom="md"
              label="Template"
              data={items.map((t) => ({ value: t.kind, label: messageKindLabel[t.kind] }))}
              value={kind ?? null}
              onChange={choose}
              allowDeselect={false}
            />
            <Paper withBorder radius="md" p={4} visibleFrom="md">
              <nav aria-label="Templates">
                {items.map((t) => (
                  <NavLink
                    key={t.kind}
                    component="button"
                    type="button"
                    label={messageKindLabel[t.kind]}
                    description={t.customised ? 'Your version' : 'Built-in'}
                    active={t.kind === kind}
                    aria-current={t.kind === kind ? 'true' : undefined}
                    onClick={() => choose(t.kind)}
                    variant="light"
                    style={{ borderRadius: 'var(--mantine-radius-sm)' }}
                  />
                ))}
              </nav>
            </Paper>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 9 }}>
            {current && <Editor key={current.kind} template={current} />}
          </Grid.Col>
        </Grid>
      )}
    </>
  );
}
