import type { App, Deps } from '../http/types.ts';

export async function programsRoutes(_app: App, _deps: Deps): Promise<void> {}
