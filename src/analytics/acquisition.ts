import type { Db } from '../db/connect.ts';

/** A "how did you hear about us" answer as the acquisition rollup keys it. */
export const heardKey = (howHeard: string | null | undefined): string =>
  (howHeard ?? '').trim().toLowerCase().replace(/\s+/g, ' ').slice(0, 60);

export const VIA = ['referral', 'advertising', 'walk_in', 'other', 'unknown'] as const;
export type Via = (typeof VIA)[number];

// First match wins: "referred by Dr. Patel" is a referral even though it names no friend.
const RULES: Array<[Via, RegExp]> = [
  [
    'referral',
    /\b(friends?|family|referr\w*|word of mouth|recommend\w*|doctor|dr|colleague|neighbou?rs?|partner|professional|coworker)\b/,
  ],
  [
    'advertising',
    /\b(ads?|advert\w*|google|search|facebook|fb|instagram|tiktok|youtube|social|online|internet|web|website|yelp|newspaper|magazine|radio|tv|television|flyers?|leaflets?|mailers?|postcards?|billboards?|groupon|directory|yellow pages|sponsor\w*|bing)\b/,
  ],
  ['walk_in', /\b(walk\w*|drove|drive|driving|passing|passed|past|sign|window|street)\b/],
];

/**
 * Which door an answer points at. A fixed reading of free text: the dashboard lists every answer
 * with the door it was counted under, so the owner sees what "advertising" means here.
 */
export function classifyHeard(key: string): Via {
  if (!key) return 'unknown';
  for (const [via, re] of RULES) if (re.test(key)) return via;
  return 'other';
}

const day = (at: string) => new Date(at).toISOString().slice(0, 10);

/**
 * Rollup changes a batch of events collects and writes once (`writeAcquisition`): by day and
 * answer, joined by a NUL, the change in customers.
 */
export type AcquisitionCounts = Map<string, number>;

async function count(
  tx: Db,
  workspaceId: string,
  at: string,
  heard: string,
  n: number,
  counts?: AcquisitionCounts,
) {
  const change: AcquisitionCounts = counts ?? new Map();
  add(change, `${day(at)}\u0000${heard}`, n);
  if (!counts) await writeAcquisition(tx, workspaceId, change);
}

const add = (counts: AcquisitionCounts, key: string, n: number) =>
  counts.set(key, (counts.get(key) ?? 0) + n);

/** Adds collected changes to the rollup, in one statement. */
export async function writeAcquisition(tx: Db, workspaceId: string, counts: AcquisitionCounts) {
  const rows = [...counts]
    .filter(([, n]) => n !== 0)
    .map(([key, customers]) => {
      const [day, heard] = key.split('\u0000') as [string, string];
      return { workspace_id: workspaceId, day, heard, customers };
    });
  if (!rows.length) return;
  await tx
    .insertInto('acquisition_daily')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'day', 'heard']).doUpdateSet((eb) => ({
        customers: eb('acquisition_daily.customers', '+', eb.ref('excluded.customers')),
      })),
    )
    .execute();
}

/** Adds one event's collected changes to its batch's (once the event is recorded). */
export function addAcquisition(into: AcquisitionCounts, from: AcquisitionCounts) {
  for (const [key, n] of from) add(into, key, n);
}

type First = { at: string | null; howHeard: string | null };

/** Moves a person's count in the rollup from what it was to what it is (either may be none). */
export async function moveAcquisition(
  tx: Db,
  workspaceId: string,
  before: First,
  after: First,
  counts?: AcquisitionCounts,
) {
  const [a, b] = [heardKey(before.howHeard), heardKey(after.howHeard)];
  if (before.at === after.at && a === b) return;
  if (before.at) await count(tx, workspaceId, before.at, a, -1, counts);
  if (after.at) await count(tx, workspaceId, after.at, b, 1, counts);
}

/**
 * A purchase: the first one (by when it happened, so history imported late lands on its day)
 * makes the person a newly won customer on that day, under their "how did you hear" answer.
 * `person` is as the event read them; it is updated in place, so later purchases of a batch
 * see it. With `counts`, the rollup's change is collected there instead of written.
 */
export async function countPurchase(
  tx: Db,
  workspaceId: string,
  person: { id: string; first_purchase_at: string | null; how_heard: string | null },
  occurredAt: string,
  counts?: AcquisitionCounts,
) {
  const before = person.first_purchase_at;
  if (before && Date.parse(before) <= Date.parse(occurredAt)) return;
  await tx
    .updateTable('people')
    .set({ first_purchase_at: occurredAt })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', person.id)
    .execute();
  person.first_purchase_at = occurredAt;
  await moveAcquisition(
    tx,
    workspaceId,
    { at: before, howHeard: person.how_heard },
    { at: occurredAt, howHeard: person.how_heard },
    counts,
  );
}
