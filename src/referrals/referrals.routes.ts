import type { App, Deps } from '../http/types.ts';

export async function referralRoutes(_app: App, _deps: Deps): Promise<void> {}
