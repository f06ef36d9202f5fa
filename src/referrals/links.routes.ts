import type { App, Deps } from '../http/types.ts';

export async function linkRoutes(_app: App, _deps: Deps): Promise<void> {}
