import { Alert, Button } from '@mantine/core';
import { errorMessage } from '../api/client.ts';
import { IconAlert } from './icons.tsx';

/** What a page shows when its data did not load. */
export function QueryError({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <Alert color="red" icon={<IconAlert />} title="Could not load this" role="alert">
      {errorMessage(error)}
      {retry && (
        <Button size="xs" variant="white" color="red" ml="sm" onClick={retry}>
          Try again
        </Button>
      )}
    </Alert>
  );
}
