import { z } from 'zod';
import { requireRole } from '../auth/auth.service.ts';
import { IdParams } from '../http/schemas.ts';
import type { App, Deps } from '../http/types.ts';
import { nowIso } from '../lib/ids.ts';
import { landingPreview } from '../public/landing.ts';
import { invalidateLinkCache } from '../referrals/links.service.ts';
import { getWorkspace } from '../workspaces/workspaces.service.ts';
import { Program, ProgramInput, ProgramPatch, ProgramStatus, ProgramTerms } from './programs.schema.ts';
import {
  createProgram,
  getProgram,
  listPrograms,
  listTermsVersions,
  updateProgram,
} from './programs.service.ts';

const TermsVersion = z.object({
  id: z.string(),
  version: z.number(),
  terms: ProgramTerms,
  current: z.boolean().describe('the version new referrals are made under'),
  createdAt: z.string(),
});

export async function programsRoutes(app: App, { db }: Deps): Promise<void> {
  app.get(
    '/programs',
    {
      schema: {
        tags: ['programs'],
        summary: 'List programs, newest first; filter by status',
        querystring: z.strictObject({ status: ProgramStatus.optional() }),
        response: { 200: z.array(Program) },
      },
    },
    (req) => listPrograms(db, req.actor.workspaceId, { status: req.query.status }),
  );

  app.post(
    '/programs',
    {
      schema: {
        tags: ['programs'],
        summary: 'Create a program (its terms become version 1); needs the manager role',
        body: ProgramInput,
        response: { 201: Program },
      },
    },
    async (req, reply) => {
      requireRole(req.actor, 'manager');
      return reply.status(201).send(await createProgram(db, req.actor, req.body));
    },
  );

  app.post(
    '/programs/preview',
    {
      schema: {
        tags: ['programs'],
        summary:
          "The friend's landing page as it would look with these settings, as HTML for a sandboxed frame (nothing is saved)",
        body: ProgramInput,
        response: { 200: z.object({ html: z.string() }) },
      },
    },
    async (req) => {
      requireRole(req.actor, 'manager');
      const input = ProgramInput.parse(req.body);
      const now = nowIso();
      const program = {
        ...input,
        id: 'preview',
        termsId: 'preview',
        termsVersion: 1,
        createdAt: now,
        updatedAt: now,
      };
      return { html: landingPreview(await getWorkspace(db, req.actor.workspaceId), program) };
    },
  );

  app.get(
    '/programs/:id',
    { schema: { tags: ['programs'], summary: 'One program', params: IdParams, response: { 200: Program } } },
    (req) => getProgram(db, req.actor.workspaceId, req.params.id),
  );

  app.patch(
    '/programs/:id',
    {
      schema: {
        tags: ['programs'],
        summary:
          'Edit a program (only the fields sent change). Changed terms become a new version; referrals already made keep the terms they were made under. Needs the manager role',
        params: IdParams,
        body: ProgramPatch,
        response: { 200: Program },
      },
    },
    async (req) => {
      requireRole(req.actor, 'manager');
      const program = await updateProgram(db, req.actor, req.params.id, req.body);
      // Status and dates decide whether its codes resolve: forget what this process cached.
      invalidateLinkCache(db);
      return program;
    },
  );

  app.get(
    '/programs/:id/terms',
    {
      schema: {
        tags: ['programs'],
        summary: 'Every version of the program terms, newest first',
        params: IdParams,
        response: { 200: z.array(TermsVersion) },
      },
    },
    (req) => listTermsVersions(db, req.actor.workspaceId, req.params.id),
  );
}
