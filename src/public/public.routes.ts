import type { App, Deps } from '../http/types.ts';

export async function publicRoutes(_app: App, _deps: Deps): Promise<void> {}
