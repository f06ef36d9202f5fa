import type { Selectable } from 'kysely';
import { type Db, transaction } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { PersonInput } from '../people/people.schema.ts';
import { findDuplicates, invalidPerson, preparePerson } from '../people/people.service.ts';
import type { PeopleTable } from '../people/people.table.ts';
import { isOpen, todayIn } from '../programs/programs.service.ts';
import { normalizeCode } from './codes.ts';
import { type Link, toLink } from './links.service.ts';
import { type By, createReferral } from './referrals.service.ts';

/**
 * "Referred by" on the intake form: a code from a card or link, or a name. A name is matched to
 * the workspace's customers and partners; only an unambiguous match is used as it is, anything
 * else goes to staff to confirm (never auto-assigned when two people could be meant).
 */

export type MatchCandidate = { personId: string; name: string; score: number };

export type ReferredByMatch =
  | { kind: 'code'; link: Link }
  | { kind: 'person'; personId: string; name: string; score: number }
  | { kind: 'ambiguous'; candidates: MatchCandidate[] }
  | { kind: 'none' };

/** At or above: the name is taken to mean this person, if nobody else comes close. */
export const STRONG_MATCH = 0.92;
/** How far ahead of the next candidate a strong match must be. */
export const CLEAR_LEAD = 0.15;
/** Below: not offered to staff at all. */
export const WEAK_MATCH = 0.6;
/** Per-token similarity below which two words count as different. */
const SAME_WORD = 0.8;
/** People compared in memory at most (after the SQL prefilter). */
const MAX_CANDIDATES = 300;

const NOISE = new Set(['dr', 'mr', 'mrs', 'ms', 'miss', 'mx', 'prof', 'the', 'and', 'my', 'friend', 'from']);

/** "Dr. José  O'Neil" → ["jose", "oneil"]. */
export function nameTokens(s: string): string[] {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t && !NOISE.has(t));
}

/** Jaro-Winkler similarity, 0..1: kind to the typos and short forms of names. */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  if (!a.length || !b.length) return 0;
  const range = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const am = new Array<boolean>(a.length).fill(false);
  const bm = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = Math.max(0, i - range); j < Math.min(b.length, i + range + 1); j++) {
      if (!bm[j] && a[i] === b[j]) {
        am[i] = bm[j] = true;
        matches++;
        break;
      }
    }
  }
  if (!matches) return 0;
  let t = 0;
  for (let i = 0, k = 0; i < a.length; i++) {
    if (!am[i]) continue;
    while (!bm[k]) k++;
    if (a[i] !== b[k]) t++;
    k++;
  }
  const jaro = (matches / a.length + matches / b.length + (matches - t / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < 4 && a[prefix] === b[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

function wordSimilarity(q: string, c: string): number {
  // "Sue P." names Sue Parker; an initial counts as nearly the word.
  if (q.length === 1 || c.length === 1) return c[0] === q[0] ? 0.9 : 0;
  return jaroWinkler(q, c);
}

/**
 * How well typed words name a person, 0..1: mostly whether every typed word is in the name,
 * partly whether the whole name was given ("Parker" alone names two Parkers equally, and neither
 * fully).
 */
export function nameScore(query: string[], name: string[]): number {
  if (!query.length || !name.length) return 0;
  const best = (w: string, among: string[]) => {
    let m = 0;
    for (const x of among) m = Math.max(m, wordSimilarity(w, x));
    return m >= SAME_WORD ? m : 0;
  };
  const typed = query.reduce((s, w) => s + best(w, name), 0) / query.length;
  const covered = name.reduce((s, w) => s + best(w, query), 0) / name.length;
  return Math.round((0.7 * typed + 0.3 * covered) * 1000) / 1000;
}

type PersonRow = Selectable<PeopleTable>;
const displayName = (p: Pick<PersonRow, 'first_name' | 'last_name' | 'organisation'>) =>
  [p.first_name, p.last_name].filter(Boolean).join(' ') || p.organisation || '';

/** A code typed or pasted (a card's code, or the whole link), or null. */
function codeIn(text: string): string | null {
  const m = /\/r\/([A-Za-z0-9-]{4,20})\/?$/.exec(text.trim());
  return normalizeCode(m ? m[1]! : text);
}

export async function matchReferredBy(
  db: Db,
  workspaceId: string,
  text: string,
  opts: { excludePersonId?: string } = {},
): Promise<ReferredByMatch> {
  const typed = text.trim().slice(0, 200);
  if (!typed) return { kind: 'none' };
  const code = codeIn(typed);
  if (code) {
    // A code of another workspace is not a code here (and says nothing about that workspace).
    const row = await db
      .selectFrom('referral_links')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('code', '=', code)
      .executeTakeFirst();
    if (row) return { kind: 'code', link: toLink(row) };
  }
  const query = nameTokens(typed);
  if (!query.length) return { kind: 'none' };

  // Prefilter in SQL to a bounded set: any typed word inside a name, or a name starting like it.
  const words = [...new Set(query.filter((w) => w.length >= 2))].slice(0, 6);
  if (!words.length) return { kind: 'none' };
  const rows = await db
    .selectFrom('people')
    .select(['id', 'first_name', 'last_name', 'organisation'])
    .where('workspace_id', '=', workspaceId)
    .where('merged_into_id', 'is', null)
    .where('kind', 'in', ['customer', 'partner'])
    .$if(Boolean(opts.excludePersonId), (q) => q.where('id', '!=', opts.excludePersonId!))
    .where((eb) =>
      eb.or(
        words.flatMap((w) => {
          const inside = `%${w}%`;
          const start = `${w.slice(0, 3)}%`;
          return [
            eb(eb.fn('lower', ['first_name']), 'like', inside),
            eb(eb.fn('lower', ['last_name']), 'like', inside),
            eb(eb.fn('lower', [eb.fn.coalesce('organisation', eb.val(''))]), 'like', inside),
            eb(eb.fn('lower', ['first_name']), 'like', start),
            eb(eb.fn('lower', ['last_name']), 'like', start),
          ];
        }),
      ),
    )
    .limit(MAX_CANDIDATES)
    .execute();

  const scored: MatchCandidate[] = [];
  for (const r of rows) {
    const byName = nameScore(query, nameTokens(`${r.first_name} ${r.last_name}`));
    const byOrg = r.organisation ? nameScore(query, nameTokens(r.organisation)) : 0;
    const score = Math.max(byName, byOrg);
    if (score >= WEAK_MATCH) scored.push({ personId: r.id, name: displayName(r), score });
  }
  scored.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
  const [top, second] = scored;
  if (!top) return { kind: 'none' };
  if (top.score >= STRONG_MATCH && (!second || top.score - second.score >= CLEAR_LEAD)) {
    return { kind: 'person', ...top };
  }
  return { kind: 'ambiguous', candidates: scored.slice(0, 5) };
}

/** The program "how did you hear" referrals go to: the newest open one for customers. */
export async function intakeProgram(db: Db, workspaceId: string, timeZone: string) {
  const rows = await db
    .selectFrom('programs')
    .select(['id', 'status', 'starts_on', 'ends_on'])
    .where('workspace_id', '=', workspaceId)
    .where('audience', '=', 'customers')
    .where('status', '=', 'active')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const today = todayIn(timeZone);
  return (
    rows.find((p) => isOpen({ status: p.status, startsOn: p.starts_on, endsOn: p.ends_on }, today)) ?? null
  );
}

export const HOW_HEARD = {
  friend: 'Friend or family',
  partner: 'Doctor or other professional',
  search: 'Online search',
  social: 'Social media',
  passing: 'Drove or walked past',
  other: 'Other',
} as const;
export type HowHeard = keyof typeof HOW_HEARD;

export type IntakeInput = {
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  consent: boolean;
  howHeard: HowHeard | null;
  referredBy: string;
  sourceIpKey?: string | null;
};

export type IntakeResult = {
  personId: string;
  /** the person was already known (same email or phone) */
  known: boolean;
  outcome:
    | { kind: 'referral'; referralId: string; referrerId: string; created: boolean }
    /** "referred by" could mean several people: staff confirm (intake_matches) */
    | { kind: 'to_confirm'; intakeMatchId: string }
    /** nothing to attribute, or attribution refused (an existing customer, themselves, no program) */
    | { kind: 'none'; reason?: string };
};

/**
 * A new customer's intake form: finds or creates the person (a prospect until they buy), keeps
 * how they heard of the business, and attributes them to whoever referred them, through the one
 * door (`createReferral`, channel `how_heard`), or leaves the choice to staff.
 */
export async function submitIntake(
  db: Db,
  workspaceId: string,
  input: IntakeInput,
  by: By = { userId: null, label: 'intake form' },
): Promise<IntakeResult> {
  return transaction(db, async (tx) => {
    const ws = await tx
      .selectFrom('workspaces')
      .select(['country', 'time_zone'])
      .where('id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    const referredBy = input.referredBy.trim().slice(0, 200);
    const howHeard =
      [input.howHeard ? HOW_HEARD[input.howHeard] : '', referredBy ? `referred by: ${referredBy}` : '']
        .filter(Boolean)
        .join('; ') || null;
    const now = nowIso();
    const prepared = preparePerson(
      PersonInput.parse({
        kind: 'prospect',
        firstName: input.firstName,
        lastName: input.lastName,
        email: input.email || null,
        phone: input.phone || null,
        howHeard,
        marketingConsent: input.consent ? { given: true, source: 'intake form' } : null,
      }),
      ws.country,
      now,
    );
    if (!prepared.ok) throw invalidPerson(prepared.errors, 'intake');
    const fields = prepared.person.fields;
    const known = (await findDuplicates(tx, workspaceId, fields))[0];
    let personId: string;
    if (known) {
      personId = known.id;
      const row = await tx
        .selectFrom('people')
        .select(['how_heard', 'marketing_consent_at', 'first_name', 'last_name'])
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', personId)
        .executeTakeFirstOrThrow();
      // Fill what we did not know; never overwrite what staff recorded.
      await tx
        .updateTable('people')
        .set({
          how_heard: row.how_heard ?? howHeard,
          first_name: row.first_name || fields.first_name || '',
          last_name: row.last_name || fields.last_name || '',
          ...(input.consent && !row.marketing_consent_at
            ? { marketing_consent_at: now, marketing_consent_source: 'intake form' }
            : {}),
          updated_at: now,
        })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', personId)
        .execute();
    } else {
      personId = newId();
      await tx
        .insertInto('people')
        .values({
          ...fields,
          workspace_id: workspaceId,
          id: personId,
          merged_into_id: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
    }

    const match = await matchReferredBy(tx, workspaceId, referredBy, { excludePersonId: personId });
    if (match.kind === 'none') return { personId, known: Boolean(known), outcome: { kind: 'none' } };
    const program = await intakeProgram(tx, workspaceId, ws.time_zone);

    if (match.kind === 'ambiguous') {
      if (!program)
        return { personId, known: Boolean(known), outcome: { kind: 'none', reason: 'no open program' } };
      const id = newId();
      await tx
        .insertInto('intake_matches')
        .values({
          workspace_id: workspaceId,
          id,
          person_id: personId,
          program_id: program.id,
          referred_by_text: referredBy,
          candidates: JSON.stringify(match.candidates),
          resolved_at: null,
          referral_id: null,
          created_at: now,
        })
        .execute();
      return { personId, known: Boolean(known), outcome: { kind: 'to_confirm', intakeMatchId: id } };
    }

    let programId = program?.id ?? null;
    let referrerId: string;
    let linkId: string | null = null;
    if (match.kind === 'code') {
      referrerId = match.link.referrerId;
      linkId = match.link.id;
      // The code's own program when it is open; otherwise the customer program of the day.
      const own = await tx
        .selectFrom('programs')
        .select(['id', 'status', 'starts_on', 'ends_on'])
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', match.link.programId)
        .executeTakeFirst();
      if (
        own &&
        isOpen({ status: own.status, startsOn: own.starts_on, endsOn: own.ends_on }, todayIn(ws.time_zone))
      ) {
        programId = own.id;
      } else if (programId) linkId = null;
    } else {
      referrerId = match.personId;
    }
    if (!programId)
      return { personId, known: Boolean(known), outcome: { kind: 'none', reason: 'no open program' } };
    try {
      const { referral, created } = await createReferral(tx, workspaceId, by, {
        programId,
        referrerId,
        friend: { personId },
        channel: 'how_heard',
        linkId,
        friendOptIn: input.consent ? { source: 'intake form' } : null,
        sourceIpKey: input.sourceIpKey ?? null,
      });
      return {
        personId,
        known: Boolean(known),
        outcome: { kind: 'referral', referralId: referral.id, referrerId: referral.referrer.id, created },
      };
    } catch (err) {
      // An existing customer, the person naming themselves: keep what they told us, attribute nothing.
      if (err instanceof AppError && (err.code === 'conflict' || err.code === 'unprocessable')) {
        return { personId, known: Boolean(known), outcome: { kind: 'none', reason: err.message } };
      }
      throw err;
    }
  });
}
