import { addMember, createUser } from '../auth/auth.service.ts';
import type { Db } from '../db/connect.ts';
import { transaction } from '../db/connect.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { randomToken } from '../lib/secrets.ts';
import { PersonInput } from '../people/people.schema.ts';
import { preparePerson } from '../people/people.service.ts';
import { createWorkspace } from '../workspaces/workspaces.service.ts';

export const DEMO_SLUG = 'maple-street-chiropractic';
export const DEMO_OWNER = 'owner@maple-street.example';

const FIRST = [
  'Emma',
  'Liam',
  'Olivia',
  'Noah',
  'Ava',
  'Elijah',
  'Sophia',
  'James',
  'Isabella',
  'Lucas',
  'Mia',
  'Mason',
  'Amelia',
  'Ethan',
  'Harper',
  'Logan',
  'Evelyn',
  'Aiden',
  'Abigail',
  'Jackson',
  'Ella',
  'Sebastian',
  'Grace',
  'Mateo',
  'Chloe',
  'Henry',
  'Nora',
  'Owen',
  'Lily',
  'Daniel',
  'Hannah',
  'Samuel',
  'Zoe',
  'David',
  'Aria',
  'Joseph',
  'Layla',
  'Carter',
  'Riley',
  'Wyatt',
];
const LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Gonzalez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Perez',
  'Thompson',
  'White',
  'Harris',
  'Sanchez',
  'Clark',
  'Ramirez',
  'Lewis',
  'Robinson',
  'Walker',
  'Young',
  'Allen',
  'King',
  'Wright',
  'Scott',
  'Torres',
  'Nguyen',
  'Hill',
  'Flores',
];
const STREETS = [
  'Maple Street',
  'Oak Avenue',
  'Cedar Lane',
  'Birch Road',
  'Elm Street',
  'Willow Way',
  'Pine Court',
  'Chestnut Drive',
];
const TAGS = [
  'lower back',
  'neck pain',
  'sports injury',
  'pregnancy',
  'family plan',
  'senior',
  'headaches',
  'desk worker',
];
const HEARD = [
  'Friend or family',
  'Google search',
  'Drove past',
  'Facebook',
  'Referred by Dr. Patel',
  'Community fair',
  null,
];

/** A small deterministic generator, so every demo is the same clinic. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Creates the demo workspace, a neighbourhood chiropractic clinic with 300 customers, three
 * partners and a front-desk member, unless it exists. Returns the owner's password when created.
 */
export async function seedDemo(
  db: Db,
): Promise<{ created: boolean; password?: string; workspaceId: string }> {
  const existing = await db
    .selectFrom('workspaces')
    .select('id')
    .where('slug', '=', DEMO_SLUG)
    .executeTakeFirst();
  if (existing) return { created: false, workspaceId: existing.id };
  const password = randomToken(9);
  return transaction(db, async (tx) => {
    const ws = await createWorkspace(tx, {
      name: 'Maple Street Chiropractic',
      slug: DEMO_SLUG,
      currency: 'USD',
      timeZone: 'America/Chicago',
      country: 'US',
      address: {
        line1: '214 Maple Street',
        line2: '',
        city: 'Springfield',
        region: 'IL',
        postalCode: '62704',
        country: 'US',
      },
      brandColor: '#2f6f5e',
      reviewLinks: [
        { label: 'Google', url: 'https://g.page/r/maple-street-chiropractic/review' },
        { label: 'Yelp', url: 'https://www.yelp.com/writeareview/biz/maple-street-chiropractic' },
      ],
    });
    const owner = await createUser(tx, { email: DEMO_OWNER, name: 'Dr. Sarah Whitman', password });
    await addMember(tx, ws.id, owner.id, 'owner');
    const desk = await createUser(tx, {
      email: 'frontdesk@maple-street.example',
      name: 'Jamie Ortiz',
      password: randomToken(12),
    });
    await addMember(tx, ws.id, desk.id, 'staff');

    const rand = rng(42);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const start = Date.parse('2025-01-06T15:00:00Z');
    const inputs: PersonInput[] = [
      {
        kind: 'partner',
        firstName: 'Anita',
        lastName: 'Patel',
        organisation: 'Patel Family Medicine',
        email: 'anita@patelfamilymed.example',
        phone: '(217) 555-0140',
        tags: ['physician'],
        notes: 'Refers patients with chronic back pain.',
      },
      {
        kind: 'partner',
        firstName: 'Marcus',
        lastName: 'Reed',
        organisation: 'Core Strength Gym',
        email: 'marcus@corestrength.example',
        phone: '(217) 555-0141',
        tags: ['gym'],
        notes: 'Personal trainer; sports injuries.',
      },
      {
        kind: 'partner',
        firstName: 'Helen',
        lastName: 'Cho',
        organisation: 'Springfield Massage Studio',
        email: 'helen@springfieldmassage.example',
        phone: '(217) 555-0142',
        tags: ['massage'],
      },
    ];
    for (let i = 0; i < 300; i++) {
      const first = pick(FIRST);
      const last = pick(LAST);
      inputs.push({
        kind: 'customer',
        firstName: first,
        lastName: last,
        email: rand() < 0.9 ? `${first}.${last}${i}@example.com`.toLowerCase() : null,
        phone: rand() < 0.85 ? `(217) 555-${String(1000 + i).padStart(4, '0')}` : null,
        externalId: `PAT-${10_000 + i}`,
        address: {
          line1: `${100 + Math.floor(rand() * 900)} ${pick(STREETS)}`,
          line2: '',
          city: 'Springfield',
          region: 'IL',
          postalCode: pick(['62701', '62702', '62704', '62711']),
          country: 'US',
        },
        tags: rand() < 0.7 ? [pick(TAGS)] : [],
        howHeard: pick(HEARD),
        marketingConsent:
          rand() < 0.75
            ? { given: true, source: 'intake form', at: new Date(start + i * 86_400_000).toISOString() }
            : null,
      });
    }
    for (const [i, raw] of inputs.entries()) {
      const prepared = preparePerson(PersonInput.parse(raw), 'US');
      if (!prepared.ok) throw new Error(`demo person ${i}: ${JSON.stringify(prepared.errors)}`);
      const at = new Date(start + i * 86_400_000 * 0.6).toISOString();
      const id = newId();
      await tx
        .insertInto('people')
        .values({
          ...prepared.person.fields,
          workspace_id: ws.id,
          id,
          merged_into_id: null,
          created_at: at,
          updated_at: at,
        })
        .execute();
      if (prepared.person.tags.length) {
        await tx
          .insertInto('person_tags')
          .values(prepared.person.tags.map((tag) => ({ workspace_id: ws.id, person_id: id, tag })))
          .execute();
      }
    }
    await tx.updateTable('workspaces').set({ updated_at: nowIso() }).where('id', '=', ws.id).execute();
    return { created: true, password, workspaceId: ws.id };
  });
}
