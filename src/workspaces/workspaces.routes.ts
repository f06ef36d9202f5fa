import { requireRole, requireSession } from '../auth/auth.service.ts';
import type { App, Deps } from '../http/types.ts';
import { Workspace, WorkspaceInput, WorkspacePatch } from './workspaces.schema.ts';
import { createWorkspace, getWorkspace, updateWorkspace } from './workspaces.service.ts';

export function workspaceRoutes(app: App, { db }: Deps) {
  app.get(
    '/workspace',
    { schema: { tags: ['workspace'], summary: 'The current workspace', response: { 200: Workspace } } },
    (req) => getWorkspace(db, req.actor.workspaceId),
  );

  app.patch(
    '/workspace',
    {
      schema: {
        tags: ['workspace'],
        summary: 'Edit the current workspace',
        body: WorkspacePatch,
        response: { 200: Workspace },
      },
    },
    (req) => {
      requireRole(req.actor, 'manager');
      return updateWorkspace(db, req.actor.workspaceId, req.body);
    },
  );

  app.post(
    '/workspaces',
    {
      schema: {
        tags: ['workspace'],
        summary: 'Create another workspace (a consultant adding a client business); you become its owner',
        body: WorkspaceInput,
        response: { 201: Workspace },
      },
    },
    async (req, reply) => {
      requireSession(req.actor);
      return reply.status(201).send(await createWorkspace(db, req.body, req.actor.userId!));
    },
  );
}
