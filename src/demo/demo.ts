import { seedAskRules } from '../asks/demo-rules.ts';
import { type Actor, addMember, createUser } from '../auth/auth.service.ts';
import { loadConfig } from '../config.ts';
import type { Db } from '../db/connect.ts';
import { transaction } from '../db/connect.ts';
import { recordEvent } from '../events/events.service.ts';
import { newId, nowIso, withClock } from '../lib/ids.ts';
import { randomToken } from '../lib/secrets.ts';
import { PersonInput } from '../people/people.schema.ts';
import { preparePerson } from '../people/people.service.ts';
import { createProgram } from '../programs/programs.service.ts';
import { getOrCreateLink } from '../referrals/links.service.ts';
import { changeStatus } from '../referrals/pipeline.service.ts';
import { type By, createReferral } from '../referrals/referrals.service.ts';
import type { ReferralStatus } from '../referrals/referrals.table.ts';
import { type Answer, answerSurvey, sendSurvey } from '../surveys/surveys.service.ts';
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
    const ids: string[] = [];
    for (const [i, raw] of inputs.entries()) {
      const prepared = preparePerson(PersonInput.parse(raw), 'US');
      if (!prepared.ok) throw new Error(`demo person ${i}: ${JSON.stringify(prepared.errors)}`);
      const at = new Date(start + i * 86_400_000 * 0.6).toISOString();
      const id = newId();
      ids.push(id);
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
    await seedHistory(tx, ws.id, ids.slice(3), rand);
    await seedAdSpend(tx, ws.id);
    await seedReferrals(tx, ws.id, { userId: desk.id, label: 'Jamie Ortiz' }, ids, rand);
    await seedAskRules(tx, { workspaceId: ws.id, role: 'owner', userId: owner.id, via: 'session' });
    await seedFeedback(tx, ws.id, owner.id, ids.slice(3));
    await tx.updateTable('workspaces').set({ updated_at: nowIso() }).where('id', '=', ws.id).execute();
    return { created: true, password, workspaceId: ws.id };
  });
}

const demoContext = (workspaceId: string, by: By) => ({
  workspace: { id: workspaceId, currency: 'USD', country: 'US' },
  by,
  now: new Date(),
});

/** What the clinic spent on ads each month of the last year, for the comparison with referrals. */
async function seedAdSpend(db: Db, workspaceId: string) {
  const now = new Date();
  const rows = Array.from({ length: 12 }, (_, i) => {
    const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1))
      .toISOString()
      .slice(0, 7);
    const amount = (400 + ((i * 3) % 5) * 100) * 100;
    return {
      workspace_id: workspaceId,
      month,
      amount,
      note: 'Google and Facebook ads',
      updated_by: null,
      updated_at: nowIso(),
    };
  });
  await db.insertInto('ad_spend').values(rows).execute();
}

/** A year of visits and purchases for most customers, as the clinic's booking system sent them. */
async function seedHistory(db: Db, workspaceId: string, customers: string[], rand: () => number) {
  const ctx = demoContext(workspaceId, { userId: null, label: 'demo booking system' });
  let n = 0;
  for (const id of customers) {
    if (rand() < 0.3) continue;
    const visits = 1 + Math.floor(rand() * 4);
    for (let v = 0; v < visits; v++) {
      const occurredAt = new Date(Date.now() - Math.floor(rand() * 330 + 2) * 86_400_000).toISOString();
      const paid = rand() < 0.6;
      await recordEvent(db, ctx, {
        type: paid ? 'purchase' : 'visit',
        source: 'demo-pos',
        externalId: `history-${++n}`,
        occurredAt,
        person: { id, firstName: '', lastName: '' },
        ...(paid ? { amount: [6500, 8500, 12_000, 24_000][Math.floor(rand() * 4)] } : {}),
      });
    }
  }
}

/** Two programs and a pipeline with referrals in every state, so every screen has something to show. */
async function seedReferrals(db: Db, workspaceId: string, by: By, people: string[], rand: () => number) {
  const owner: Actor = { workspaceId, role: 'owner', userId: by.userId, via: 'session' };
  const program = await createProgram(db, owner, {
    name: 'Share the relief',
    audience: 'customers',
    status: 'active',
    terms: {
      referrerReward: { type: 'credit', amount: 2500, description: '$25 off your next visit' },
      friendIncentive: { type: 'service', description: 'a complimentary first adjustment', value: 6500 },
      qualifyingEvent: { type: 'first_purchase' },
      attributionDays: 90,
      holdDays: 14,
      monthlyCap: 5,
      milestones: [
        {
          wonCount: 3,
          reward: { type: 'gift', description: 'a massage at Springfield Massage Studio', value: 8000 },
        },
        { wonCount: 10, reward: { type: 'credit', amount: 10000, description: 'a month of adjustments' } },
      ],
    },
    landing: {
      headline: 'Your first adjustment is on us',
      story:
        'We are a neighbourhood clinic on Maple Street. Most of our patients come because a friend sent them, and we treat every one of them like family: an unhurried first visit, a clear plan, and no long contracts.',
      testimonials: [
        {
          quote: 'After two years of back pain I can garden again. I send everyone here.',
          name: 'Sue P., Elm Street',
        },
        { quote: 'They got me back on the pitch in three weeks.', name: 'Marco T., Oak Avenue' },
      ],
    },
    targetCategories: [
      'someone with lower back pain or sciatica',
      'a runner, golfer or weekend athlete',
      'a parent who carries a toddler all day',
      'someone who sits at a desk all day',
    ],
    leadingQuestions: [
      'Who do you know with lower back pain?',
      'Is anyone at your work complaining about their neck?',
      'Who in your running club could use a tune-up?',
    ],
    followUpHours: 24,
  });
  await createProgram(db, owner, {
    name: 'Partner introductions',
    audience: 'partners',
    status: 'active',
    terms: {
      referrerReward: { type: 'gift', description: 'a thank-you basket', value: 5000 },
      friendIncentive: null,
    },
    educationKit: {
      idealCustomer: 'Adults with back, neck or sports pain who want to avoid surgery and painkillers.',
      needPhrases: ['my back is killing me', 'I slept wrong', 'my knee gives out when I run'],
      howToIntroduce:
        'Give them our card and send us their name and number with their permission; we call within a day.',
    },
  });

  // Thirty referrals across the pipeline. Most customers refer one friend each; the tenth
  // customer starts a chain instead: friends who became customers and referred friends of their
  // own, four generations deep, for the referral network picture. A chain step is made only once
  // the friend referring in it has been won (each step days after the last). The steps keep the
  // stage their slot had before there was a chain, so the pipeline's totals are as they were,
  // and nobody wins three (no milestone reward).
  const referrers = people.slice(3, 33);
  const CHAIN = new Map<number, { by: number | 'root'; stage: ReferralStatus }>([
    [9, { by: 'root', stage: 'won' }],
    [10, { by: 'root', stage: 'new' }],
    [11, { by: 'root', stage: 'won' }],
    [12, { by: 'root', stage: 'lost' }],
    [14, { by: 9, stage: 'won' }],
    [15, { by: 11, stage: 'new' }],
    [16, { by: 9, stage: 'new' }],
    [17, { by: 14, stage: 'contacted' }],
    [18, { by: 9, stage: 'lost' }],
    [20, { by: 11, stage: 'contacted' }],
    [22, { by: 14, stage: 'won' }],
    [24, { by: 11, stage: 'won' }],
    [25, { by: 9, stage: 'won' }],
    [26, { by: 22, stage: 'lost' }],
    [27, { by: 22, stage: 'won' }],
  ]);
  const friendOf = new Map<number, string>();
  const stages: Array<ReferralStatus> = [
    'new',
    'new',
    'contacted',
    'contacted',
    'appointment',
    'won',
    'won',
    'won',
    'lost',
  ];
  const names = ['Paula', 'Quinn', 'Reggie', 'Sana', 'Theo', 'Uma', 'Vic', 'Wren', 'Yara', 'Zane'];
  // Spread over the last twelve weeks, each step a few days after the one before, so the
  // dashboard's trend and the pipeline's overdue list have something to show.
  const DAY = 86_400_000;
  let t = 0;
  const clock = () => t;
  for (const [i, customer] of referrers.entries()) {
    t = Date.now() - (84 - i * 2.6) * DAY;
    const chain = CHAIN.get(i);
    const referrerId = !chain ? customer : chain.by === 'root' ? referrers[9]! : friendOf.get(chain.by)!;
    const linkId = await getOrCreateLink(db, workspaceId, program.id, referrerId).then((r) => r.link.id);
    const channel = (['link', 'named_by_referrer', 'staff', 'how_heard'] as const)[i % 4]!;
    await withClock(clock, async () => {
      const { referral } = await createReferral(db, workspaceId, by, {
        programId: program.id,
        referrerId,
        channel,
        friend: {
          firstName: names[i % names.length]!,
          lastName: LAST[(i * 7 + 3) % LAST.length]!,
          email: `friend${i}@example.net`,
          phone: `(217) 555-${2000 + i}`,
        },
        introduced: channel !== 'named_by_referrer' || i % 8 === 1,
        friendOptIn: channel === 'link' || channel === 'how_heard' ? { source: 'demo' } : null,
        ...(channel === 'link' ? { linkId } : {}),
      });
      friendOf.set(i, referral.friend.id);
      const drawn = stages[Math.floor(rand() * stages.length)]!;
      // A chain step draws what the slot would have drawn, so every other slot stays as it was.
      const draws = drawn !== 'new' && !referral.waitingForIntroduction;
      const appointmentIn =
        draws && (drawn === 'appointment' || drawn === 'won') ? 1 + Math.floor(rand() * 10) : 1 + (i % 10);
      const stage = chain?.stage ?? drawn;
      if (stage === 'new' || referral.waitingForIntroduction) return;
      t += DAY;
      await changeStatus(db, workspaceId, by, referral.id, 'contacted');
      if (stage === 'appointment' || stage === 'won') {
        t += 2 * DAY;
        await changeStatus(db, workspaceId, by, referral.id, 'appointment', {
          appointmentAt: new Date(t + appointmentIn * DAY).toISOString(),
        });
      }
      // The friend's first visit, as the booking system reports it: this wins the referral.
      if (stage === 'won') {
        t += 5 * DAY;
        await recordEvent(db, demoContext(workspaceId, by), {
          type: 'purchase',
          source: 'demo-pos',
          externalId: `first-visit-${i}`,
          occurredAt: new Date(t).toISOString(),
          person: { id: referral.friend.id, firstName: '', lastName: '' },
          amount: 12_000,
          note: 'New-patient exam and first adjustment',
        });
      }
      if (stage === 'lost') {
        t += 4 * DAY;
        await changeStatus(db, workspaceId, by, referral.id, 'lost', {
          lostReason: 'Went with a clinic closer to work',
        });
      }
    });
  }
  // People open the referral links: a few views a day on each link, over the same weeks.
  const links = await db
    .selectFrom('referral_links')
    .select(['id', 'program_id'])
    .where('workspace_id', '=', workspaceId)
    .execute();
  for (let d = 84; d >= 0; d--) {
    const day = new Date(Date.now() - d * DAY).toISOString().slice(0, 10);
    const rows = links.flatMap((l) => {
      const clicks = rand() < 0.1 ? 1 + Math.floor(rand() * 2) : 0;
      return clicks
        ? [{ workspace_id: workspaceId, link_id: l.id, day, program_id: l.program_id, clicks }]
        : [];
    });
    if (rows.length) await db.insertInto('link_clicks_daily').values(rows).execute();
  }
}

/** This installation's address for the demo's survey links, from the environment as `serve` reads it. */
function demoPublicUrl(): string {
  try {
    return loadConfig(process.env).publicUrl;
  } catch {
    return 'http://localhost:3000';
  }
}

/**
 * Feedback: a few answered surveys (a 10 whose quote is an approved testimonial on the main
 * program's landing page, a 9 waiting for approval, a passive, a 3 with its complaint open) and
 * one not answered yet.
 */
async function seedFeedback(db: Db, workspaceId: string, ownerId: string, customers: string[]) {
  const program = await db
    .selectFrom('programs')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('audience', '=', 'customers')
    .where('status', '=', 'active')
    .orderBy('created_at')
    .executeTakeFirst();
  const people = await db
    .selectFrom('people')
    .select(['id', 'first_name', 'last_name'])
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', customers)
    .where('email', 'is not', null)
    .orderBy('created_at', 'desc')
    .limit(6)
    .execute();
  const answers: Array<(Omit<Answer, 'quoteName'> & { quoteName?: string; daysAgo: number }) | null> = [
    {
      score: 10,
      better: 'Nothing, honestly. Maybe a second car park.',
      feedback:
        'I came in barely able to turn my head. Two visits later I was back on my bike. The whole team is wonderful.',
      mayQuote: true,
      quoteName: 'Elm Street',
      daysAgo: 2,
    },
    {
      score: 9,
      better: '',
      feedback: 'Friendly front desk, always on time, and Dr. Whitman explains everything.',
      mayQuote: true,
      daysAgo: 3,
    },
    {
      score: 8,
      better: 'Evening appointments would help me a lot.',
      feedback: '',
      mayQuote: false,
      daysAgo: 5,
    },
    {
      score: 3,
      better: 'Keep to the appointment times.',
      feedback: 'I waited forty minutes past my appointment and nobody told me why.',
      mayQuote: false,
      daysAgo: 1,
    },
    { score: 10, better: '', feedback: '', mayQuote: false, daysAgo: 8 },
    null,
  ];
  const DAY = 86_400_000;
  for (const [i, person] of people.entries()) {
    const a = answers[i];
    const sent = await sendSurvey(db, workspaceId, person.id, {
      publicUrl: demoPublicUrl(),
      createdBy: ownerId,
    });
    if (!sent || !a) continue;
    const { daysAgo, ...rest } = a;
    const name = `${person.first_name} ${person.last_name[0] ?? ''}.`;
    await answerSurvey(db, sent.survey, {
      ...rest,
      quoteName: rest.quoteName ? `${name}, ${rest.quoteName}` : rest.mayQuote ? name : '',
    });
    const at = new Date(Date.now() - daysAgo * DAY).toISOString();
    await db
      .updateTable('surveys')
      .set({
        sent_at: new Date(Date.parse(at) - DAY).toISOString(),
        answered_at: at,
        ...(a.score <= 6 ? { complaint_at: at } : {}),
      })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', sent.survey.id)
      .execute();
    const t = await db
      .selectFrom('testimonials')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('survey_id', '=', sent.survey.id)
      .executeTakeFirst();
    if (t && i === 0) {
      await db
        .updateTable('testimonials')
        .set({ status: 'approved', decided_at: at, decided_by: ownerId })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', t.id)
        .execute();
      if (program)
        await db
          .insertInto('testimonial_programs')
          .values({ workspace_id: workspaceId, testimonial_id: t.id, program_id: program.id, created_at: at })
          .execute();
    }
  }
}
