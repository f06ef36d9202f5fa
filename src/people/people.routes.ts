import { z } from 'zod';
import { AppError } from '../errors.ts';
import { IdParams } from '../http/schemas.ts';
import type { App, Deps } from '../http/types.ts';
import { PeopleQuery, Person, PersonInput, PersonPatch } from './people.schema.ts';
import { createPerson, getPerson, listPeople, mergePeople, updatePerson } from './people.service.ts';

export function peopleRoutes(app: App, { db }: Deps) {
  app.get(
    '/people',
    {
      schema: {
        tags: ['people'],
        summary: 'List people; search by name, email, phone or organisation, filter by tag and kind',
        querystring: PeopleQuery,
        response: {
          200: z.object({
            items: z.array(Person),
            total: z.number(),
            page: z.number(),
            pageSize: z.number(),
          }),
        },
      },
    },
    (req) => listPeople(db, req.actor, req.query),
  );

  app.post(
    '/people',
    {
      schema: {
        tags: ['people'],
        summary: 'Create a person; 409 with the matches when they look like someone you already have',
        querystring: z.strictObject({ allowDuplicate: z.enum(['true', 'false']).default('false') }),
        body: PersonInput,
        response: { 201: Person },
      },
    },
    async (req, reply) => {
      const person = await createPerson(db, req.actor, req.body, {
        allowDuplicate: req.query.allowDuplicate === 'true',
      });
      return reply.status(201).send(person);
    },
  );

  app.get(
    '/people/:id',
    { schema: { tags: ['people'], summary: 'One person', params: IdParams, response: { 200: Person } } },
    (req) => getPerson(db, req.actor, req.params.id),
  );

  app.patch(
    '/people/:id',
    {
      schema: {
        tags: ['people'],
        summary: 'Edit a person (only the fields sent change)',
        params: IdParams,
        body: PersonPatch,
        response: { 200: Person },
      },
    },
    (req) => updatePerson(db, req.actor, req.params.id, req.body),
  );

  app.post(
    '/people/:id/merge',
    {
      schema: {
        tags: ['people'],
        summary: 'Merge another person into this one; every link moves here, the other is kept as a pointer',
        params: IdParams,
        body: z.strictObject({ otherId: z.uuid('must be a UUID') }),
        response: { 200: Person },
      },
    },
    (req) => {
      if (req.actor.role === 'staff')
        throw new AppError('forbidden', 'Merging people needs the manager role or higher');
      return mergePeople(db, req.actor, req.params.id, req.body.otherId);
    },
  );
}
