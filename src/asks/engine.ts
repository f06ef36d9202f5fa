/**
 * The ask engine: who to ask today, and why. Event-driven rules (a purchase, a first purchase,
 * the Nth visit, a resolved ticket) are evaluated as the event is recorded, in its transaction;
 * time-based rules (N days after, every N months, praise in a survey) by a nightly pass per
 * workspace, with set-based SQL and one ask per (rule, person, day), so running a day's pass
 * again creates nothing twice. The same pass marks the staff asks of earlier days that nobody
 * made as missed. Staff asks are due today; emails go out at the next allowed hour in the
 * workspace's time zone; postcards wait on the print list.
 *
 * A survey rule (channel 'survey') sends the feedback survey instead of asking, after the
 * transaction that set it off, at the rule's next allowed hour. Surveys are not asks: they have
 * guards of their own (guards.ts) and one survey per transaction is their unique key.
 */
import { type RawBuilder, type Selectable, sql } from 'kysely';
import { type Db, transaction } from '../db/connect.ts';
import { enqueue } from '../jobs/queue.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { queueMessage } from '../messaging/outbox.ts';
import type { Program } from '../programs/programs.schema.ts';
import { isOpen, listPrograms } from '../programs/programs.service.ts';
import { addressLines, incentiveText } from '../public/format.ts';
import { getOrCreateLink, linkUrls } from '../referrals/links.service.ts';
import { personName } from '../referrals/referrals.service.ts';
import { sendSurvey, sendSurveys } from '../surveys/surveys.service.ts';
import type { AskRulesTable } from './asks.table.ts';
import { type Feedback, feedbackFor } from './feedback.ts';
import { allowed, type Guard, guardFor, meets } from './guards.ts';
import {
  type AskConditions,
  AskTiming,
  type AskTrigger,
  EVENT_TRIGGERS,
  type PassResult,
  type TodayAsk,
  type TodayList,
} from './rules.schema.ts';
import {
  addDays,
  dayRange,
  isBusinessDay,
  localOf,
  monthsBefore,
  nextAllowed,
  zonedToUtc,
} from './schedule.ts';

const DAY = 86_400_000;
/** The local hour from which a workspace's nightly pass runs. */
export const PASS_HOUR = 2;
/** Events older than this (an import of last year's visits) set off no ask. */
const EVENT_FRESH_MS = DAY;
/** Days with one of these count as visits ("the 3rd visit"). */
const VISITS = ['visit', 'purchase', 'appointment_kept'] as const;

export const ordinal = (n: number) => {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
};

/** The seeds' "brain tickler" when a program has no leading question of its own. */
export const defaultQuestion = (business: string) =>
  `Who do you know who could use ${business} as much as you do?`;

export type RuleRow = Selectable<AskRulesTable>;
export type Rule = {
  id: string;
  name: string;
  programId: string;
  channel: RuleRow['channel'];
  trigger: AskTrigger;
  conditions: AskConditions;
  timing: AskTiming;
};
export const parseRule = (r: RuleRow): Rule => ({
  id: r.id,
  name: r.name,
  programId: r.program_id,
  channel: r.channel,
  trigger: JSON.parse(r.trigger),
  conditions: JSON.parse(r.conditions),
  // Rules saved before a timing field existed get its default.
  timing: AskTiming.parse(JSON.parse(r.timing)),
});

export type WorkspaceInfo = { id: string; name: string; timeZone: string; coolingOffDays: number };

export async function workspaceInfo(db: Db, id: string): Promise<WorkspaceInfo> {
  const w = await db
    .selectFrom('workspaces')
    .select(['id', 'name', 'time_zone', 'ask_cooling_off_days'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return { id: w.id, name: w.name, timeZone: w.time_zone, coolingOffDays: Number(w.ask_cooling_off_days) };
}

const questionOf = (program: Program | undefined, ws: WorkspaceInfo, turn = 0) => {
  const qs = program?.leadingQuestions ?? [];
  return qs.length ? qs[turn % qs.length]! : defaultQuestion(ws.name);
};

const daysText = (n: number) => (n === 1 ? 'yesterday' : `${n} days ago`);

// ---------------------------------------------------------------------------------------------
// Candidates: who a rule asks on a day, as SQL rows (person_id, reason)

export type Day = { date: string; start: string; end: string };
export const dayOf = (timeZone: string, date: string): Day => ({ date, ...dayRange(timeZone, date) });

/** The persons a time-based trigger picks on `day` (before conditions and guards), with why. */
type Picked = {
  from: RawBuilder<unknown>;
  reason: RawBuilder<unknown>;
  where?: RawBuilder<unknown>;
  /** the transaction behind the pick (a survey follows it), where there is one */
  event?: RawBuilder<unknown>;
};

function picked(ws: WorkspaceInfo, trigger: AskTrigger, day: Day, feedback: Feedback): Picked | null {
  const w = ws.id;
  switch (trigger.type) {
    case 'days_after': {
      const on = dayOf(ws.timeZone, addDays(day.date, -trigger.days));
      const types =
        trigger.of === 'purchase'
          ? ['purchase']
          : trigger.of === 'visit'
            ? ['visit', 'appointment_kept']
            : VISITS;
      const verb = trigger.of === 'purchase' ? 'bought' : trigger.of === 'visit' ? 'visited' : 'came in';
      return {
        from: sql`people p join (select e.person_id, max(e.id) as event_id from business_events e
          where e.workspace_id = ${w} and e.occurred_at >= ${on.start} and e.occurred_at < ${on.end}
            and e.type in (${sql.join([...types])}) group by e.person_id) x on x.person_id = p.id`,
        reason: sql.lit(`${verb} ${daysText(trigger.days)}`),
        event: sql`x.event_id`,
      };
    }
    case 'every_months': {
      // Last asked (or, never asked, known since) on or before this day N months back.
      const until = dayOf(ws.timeZone, monthsBefore(day.date, trigger.months)).end;
      return {
        from: sql`people p`,
        reason: sql.lit(`not asked in ${trigger.months} month${trigger.months === 1 ? '' : 's'}`),
        where: sql`coalesce((select max(coalesce(a.done_at, a.due_at)) from asks a
          where a.workspace_id = ${w} and a.person_id = p.id
            and (a.outcome is null or a.outcome not in ('not_now', 'missed'))), p.created_at) < ${until}`,
      };
    }
    case 'survey_score': {
      // Answers of the day before.
      const on = dayOf(ws.timeZone, addDays(day.date, -1));
      return {
        from: sql`people p join (${feedback.praise(w, on.start, on.end, trigger.min)}) sv on sv.person_id = p.id`,
        reason: sql`'gave us a ' || sv.score || ' yesterday'`,
      };
    }
    // Event-driven triggers, for the preview: who the day's events picked.
    case 'purchase':
    case 'ticket_resolved': {
      const type = trigger.type === 'purchase' ? 'purchase' : 'ticket_resolved';
      return {
        from: sql`people p join (select e.person_id, max(e.id) as event_id from business_events e
          where e.workspace_id = ${w} and e.occurred_at >= ${day.start} and e.occurred_at < ${day.end}
            and e.type = ${type} group by e.person_id) x on x.person_id = p.id`,
        reason: sql.lit(trigger.type === 'purchase' ? 'purchase' : 'support ticket resolved'),
        event: sql`x.event_id`,
      };
    }
    case 'first_purchase':
      return {
        from: sql`people p`,
        reason: sql.lit('first purchase'),
        where: sql`p.first_purchase_at >= ${day.start} and p.first_purchase_at < ${day.end}`,
      };
    default:
      return null;
  }
}

type Candidate = { person_id: string; reason: string; event_id: string | null };

/**
 * The query of the rows (person_id, reason, event_id) a rule picks on `day`: its trigger, its
 * conditions and the guards as of `guard.at`; null for nth_visit (counted in code) or none.
 */
function candidateQuery(ws: WorkspaceInfo, rule: Rule, day: Day, guard: Guard): RawBuilder<Candidate> | null {
  const p = picked(ws, rule.trigger, day, guard.feedback);
  if (!p) return null;
  return sql<Candidate>`select p.id as person_id, ${p.reason} as reason, ${p.event ?? sql`null`} as event_id
    from ${p.from}
    where p.workspace_id = ${ws.id} and ${p.where ?? sql`1 = 1`}
      and ${meets(ws.id, rule.conditions)} and ${allowed(guard, rule.channel)}`;
}

/**
 * The rows (person_id, reason, event_id) a rule asks (or surveys) on `day`: its trigger, its
 * conditions and the guards as of `guard.at`. nth_visit is counted in code (see nthVisitOn).
 */
export async function candidates(
  db: Db,
  ws: WorkspaceInfo,
  rule: Rule,
  day: Day,
  guard: Guard,
): Promise<Candidate[]> {
  if (rule.trigger.type === 'nth_visit') return nthVisitOn(db, ws, rule, day, guard);
  const q = candidateQuery(ws, rule, day, guard);
  return q ? (await q.execute(db)).rows : [];
}

/** For the preview: people whose Nth visit day was `day`. */
async function nthVisitOn(
  db: Db,
  ws: WorkspaceInfo,
  rule: Rule,
  day: Day,
  guard: Guard,
): Promise<Candidate[]> {
  if (rule.trigger.type !== 'nth_visit') return [];
  const n = rule.trigger.n;
  const r = await sql<{ person_id: string }>`select p.id as person_id from people p
    join (select distinct e.person_id from business_events e where e.workspace_id = ${ws.id}
      and e.occurred_at >= ${day.start} and e.occurred_at < ${day.end}
      and e.type in (${sql.join([...VISITS])})) x on x.person_id = p.id
    where p.workspace_id = ${ws.id} and ${meets(ws.id, rule.conditions)} and ${allowed(guard, rule.channel)}
    limit 5000`.execute(db);
  const out: Candidate[] = [];
  for (const { person_id } of r.rows) {
    const days = await visitDays(db, ws, person_id, day.end);
    if (days.size === n) out.push({ person_id, reason: `${ordinal(n)} visit`, event_id: null });
  }
  return out;
}

/** The local days a person visited or bought on, before `until`. */
async function visitDays(db: Db, ws: WorkspaceInfo, personId: string, until: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('business_events')
    .select('occurred_at')
    .where('workspace_id', '=', ws.id)
    .where('person_id', '=', personId)
    .where('type', 'in', [...VISITS])
    .where('occurred_at', '<', until)
    .execute();
  return new Set(rows.map((e) => localOf(ws.timeZone, new Date(e.occurred_at)).date));
}

// ---------------------------------------------------------------------------------------------
// Writing asks

type NewAsk = {
  personId: string;
  reason: string;
  rule: Rule;
  program: Program | undefined;
  question: string;
  day: string;
  at: Date;
  staffUserId: string | null;
};

/** When an ask of this rule made at `at` is due: emails at the next allowed hour. */
export function dueAt(ws: WorkspaceInfo, rule: Rule, at: Date, fromEvent: boolean): Date {
  if (rule.channel === 'email' || rule.channel === 'survey') return nextAllowed(ws.timeZone, rule.timing, at);
  if (rule.channel === 'task' && !fromEvent && rule.timing.businessDaysOnly) {
    // A staff ask found on a Saturday night is due on the next business day.
    let date = localOf(ws.timeZone, at).date;
    if (isBusinessDay(date)) return at;
    while (!isBusinessDay(date)) date = addDays(date, 1);
    return zonedToUtc(ws.timeZone, date);
  }
  return at;
}

function askRow(ws: WorkspaceInfo, a: NewAsk, fromEvent: boolean) {
  const due = dueAt(ws, a.rule, a.at, fromEvent).toISOString();
  if (a.rule.channel === 'survey') throw new Error('a survey rule makes no ask');
  return {
    workspace_id: ws.id,
    id: newId(),
    person_id: a.personId,
    program_id: a.rule.programId,
    staff_user_id: a.staffUserId,
    reason: a.reason,
    question: a.question,
    channel: a.rule.channel,
    outcome: null,
    names_count: 0,
    due_at: due,
    done_at: null,
    created_at: a.at.toISOString(),
    rule_id: a.rule.id,
    rule_day: a.day,
  };
}

/** Inserts asks, skipping (rule, person, day) already there; returns how many were new. */
async function insertAsks(tx: Db, rows: ReturnType<typeof askRow>[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < rows.length; i += 500) {
    const r = await tx
      .insertInto('asks')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['workspace_id', 'rule_id', 'person_id', 'rule_day']).doNothing())
      .executeTakeFirst();
    n += Number(r.numInsertedOrUpdatedRows ?? 0);
  }
  return n;
}

/**
 * A UUIDv7-shaped id made by the database for each row: the pass's millisecond, then random
 * bits (version 7, RFC 4122 variant), so asks made in bulk look like any others.
 */
function idSql(db: Db, at: Date): RawBuilder<string> {
  const h = at.getTime().toString(16).padStart(12, '0');
  const prefix = `${h.slice(0, 8)}-${h.slice(8, 12)}-7`;
  return db.dialect === 'postgres'
    ? sql`${prefix} || substr(gen_random_uuid()::text, 16)`
    : sql`${prefix} || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random() % 4), 1)
        || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))`;
}

/**
 * The nightly pass's asks of one rule, written straight from its candidate query (no rows
 * through the application): every ask of a rule and night has the same program, question, due
 * time and day. Skips (rule, person, day) already there; returns how many were new.
 */
async function insertAsksFrom(
  tx: Db,
  ws: WorkspaceInfo,
  rule: Rule,
  found: RawBuilder<Candidate>,
  question: string,
  date: string,
  now: Date,
): Promise<number> {
  const ts = (v: string) => (tx.dialect === 'postgres' ? sql`cast(${v} as timestamptz)` : sql`${v}`);
  const due = dueAt(ws, rule, now, false).toISOString();
  // A capped rule tops today up to its cap; the others wait for the next nights, oldest first.
  let limit = sql``;
  const cap = rule.timing.maxPerDay;
  if (cap) {
    const made = await tx
      .selectFrom('asks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', ws.id)
      .where('rule_id', '=', rule.id)
      .where('rule_day', '=', date)
      .executeTakeFirstOrThrow();
    const left = cap - Number(made.n);
    if (left <= 0) return 0;
    limit = sql`order by c.person_id limit ${sql.raw(String(left))}`;
  }
  // SQLite needs the `where true` to read ON CONFLICT after INSERT … SELECT.
  const r = await sql`insert into asks (workspace_id, id, person_id, program_id, reason, question, channel,
      names_count, due_at, created_at, rule_id, rule_day)
    select ${ws.id}, ${idSql(tx, now)}, c.person_id, ${rule.programId}, c.reason, ${question}, ${rule.channel},
      0, ${ts(due)}, ${ts(now.toISOString())}, ${rule.id}, ${date}
    from (${found}) c where true ${limit}
    on conflict (workspace_id, rule_id, person_id, rule_day) do nothing`.execute(tx);
  return Number(r.numAffectedRows ?? 0);
}

/** The job that sends the feedback survey a survey rule picked as an event was recorded. */
export const SEND_RULE_SURVEY = 'rule-survey';
export type RuleSurveyPayload = {
  workspaceId: string;
  personId: string;
  eventId: string;
  sendAt: string;
};

/**
 * Sends a survey rule's feedback survey for one event (the job SEND_RULE_SURVEY): the survey
 * guards are checked again, as things stand now (another rule or a hand may have surveyed the
 * person since). One survey per event, so a second run sends nothing. True: sent.
 */
export async function sendRuleSurvey(db: Db, p: RuleSurveyPayload, publicUrl: string): Promise<boolean> {
  return transaction(db, async (tx) => {
    const guard = await guardFor(tx, p.workspaceId, nowIso());
    const ok = await sql<{ id: string }>`select p.id from people p
      where p.workspace_id = ${p.workspaceId} and p.id = ${p.personId} and p.merged_into_id is null
        and ${allowed(guard, 'survey')}`.execute(tx);
    if (!ok.rows.length) return false;
    const sent = await sendSurvey(tx, p.workspaceId, p.personId, {
      eventId: p.eventId,
      publicUrl,
      sendAt: p.sendAt,
    });
    return sent !== null;
  });
}

/** The job that sends due ask emails of a workspace. */
export const SEND_ASK_EMAILS = 'ask-emails';
/** The job of one workspace's nightly pass. */
export const ASK_PASS = 'ask-pass';
/** The hourly job that starts the nightly passes of the workspaces where night has come. */
export const SCHEDULE_ASK_PASSES = 'schedule-ask-passes';

async function activeRules(db: Db, workspaceId: string, types?: readonly string[]): Promise<Rule[]> {
  let q = db
    .selectFrom('ask_rules')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('active', '=', 1);
  if (types) q = q.where('trigger_type', 'in', types as RuleRow['trigger_type'][]);
  return (await q.orderBy('created_at').orderBy('id').execute()).map(parseRule);
}

/**
 * One workspace's nightly pass for the day `now` falls on (its time zone): marks the staff asks
 * of earlier days nobody made as missed, then asks whom each active time-based rule picks. In
 * one transaction; idempotent per day.
 */
export async function runAskPass(
  db: Db,
  workspaceId: string,
  now = new Date(nowIso()),
  opts: { publicUrl?: string } = {},
): Promise<PassResult> {
  const ws = await workspaceInfo(db, workspaceId);
  const date = localOf(ws.timeZone, now).date;
  const day = dayOf(ws.timeZone, date);
  const feedback = await feedbackFor(db);
  const result: PassResult = { date, created: 0, surveys: 0, missed: 0, byRule: {} };
  await transaction(db, async (tx) => {
    const missed = await tx
      .updateTable('asks')
      .set({ outcome: 'missed' })
      .where('workspace_id', '=', ws.id)
      .where('outcome', 'is', null)
      .where('channel', '=', 'task')
      .where('due_at', '<', day.start)
      .executeTakeFirst();
    result.missed = Number(missed.numUpdatedRows);
    const rules = (await activeRules(tx, ws.id)).filter(
      (r) => !(EVENT_TRIGGERS as readonly string[]).includes(r.trigger.type),
    );
    if (!rules.length) return;
    const programs = new Map((await listPrograms(tx, ws.id)).map((p) => [p.id, p]));
    const guard: Guard = {
      workspaceId: ws.id,
      at: now.toISOString(),
      coolingOffDays: ws.coolingOffDays,
      feedback,
    };
    let emails = 0;
    for (const rule of rules) {
      const program = programs.get(rule.programId);
      if (!program || !isOpen(program, date)) continue;
      if (rule.channel === 'survey') {
        // Without the public address (a caller that only asks) there is no link to send.
        if (!opts.publicUrl) continue;
        const found = await candidates(tx, ws, rule, day, guard);
        const n = await sendSurveys(
          tx,
          ws.id,
          found.flatMap((c) => (c.event_id ? [{ personId: c.person_id, eventId: c.event_id }] : [])),
          { publicUrl: opts.publicUrl, sendAt: dueAt(ws, rule, now, false).toISOString() },
        );
        result.byRule[rule.id] = n;
        result.surveys += n;
        continue;
      }
      const found = candidateQuery(ws, rule, day, guard);
      if (!found) continue;
      const n = await insertAsksFrom(tx, ws, rule, found, questionOf(program, ws), date, now);
      result.byRule[rule.id] = n;
      result.created += n;
      if (rule.channel === 'email') emails += n;
    }
    if (emails)
      await enqueue(
        tx,
        SEND_ASK_EMAILS,
        { workspaceId: ws.id },
        { workspaceId: ws.id, key: `ask-emails:${ws.id}:${date}` },
      );
  });
  return result;
}

/**
 * Enqueues the nightly pass of every workspace where it is past PASS_HOUR and the day's pass
 * has not been enqueued yet (one key per workspace and local day). Run hourly.
 */
export async function scheduleAskPasses(db: Db, now = new Date(nowIso())): Promise<number> {
  const rows = await db
    .selectFrom('workspaces as w')
    .select(['w.id', 'w.time_zone'])
    .where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('ask_rules as r')
            .select('r.id')
            .whereRef('r.workspace_id', '=', 'w.id')
            .where('r.active', '=', 1),
        ),
        eb.exists(
          eb
            .selectFrom('asks as a')
            .select('a.id')
            .whereRef('a.workspace_id', '=', 'w.id')
            .where('a.outcome', 'is', null)
            .where('a.channel', '=', 'task'),
        ),
      ]),
    )
    .execute();
  let n = 0;
  for (const w of rows) {
    const local = localOf(w.time_zone, now);
    if (local.hour < PASS_HOUR) continue;
    const id = await enqueue(
      db,
      ASK_PASS,
      { workspaceId: w.id },
      { workspaceId: w.id, key: `ask-pass:${w.id}:${local.date}`, maxAttempts: 3 },
    );
    if (id) n++;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// The event path

type Cached = { until: number; ws: WorkspaceInfo; rules: Rule[]; programs: Map<string, Program> };
const cache = new Map<string, Cached>();
/** How long a process trusts its copy of a workspace's event rules (writes here forget it). */
const CACHE_MS = 5_000;

export function forgetRules(workspaceId: string): void {
  cache.delete(workspaceId);
}

async function eventRules(db: Db, workspaceId: string): Promise<Cached> {
  const hit = cache.get(workspaceId);
  if (hit && hit.until > Date.now()) return hit;
  const rules = await activeRules(db, workspaceId, EVENT_TRIGGERS);
  const entry: Cached = {
    until: Date.now() + CACHE_MS,
    rules,
    ws: rules.length ? await workspaceInfo(db, workspaceId) : ({} as WorkspaceInfo),
    programs: rules.length ? new Map((await listPrograms(db, workspaceId)).map((p) => [p.id, p])) : new Map(),
  };
  if (cache.size > 10_000) cache.clear();
  cache.set(workspaceId, entry);
  return entry;
}

export type AskEvent = { id: string; type: string; person_id: string; occurred_at: string };

/**
 * Called as a business event is recorded, in its transaction: makes the ask of the first active
 * event-driven rule the event sets off whose conditions and guards the person passes, and,
 * separately, queues the feedback survey of the first such survey rule (a survey is not an
 * ask: one may go out beside an ask). Costs nothing but a cache look-up when the workspace has
 * no such rule. Returns the ask's id, or null.
 */
export async function askOnEvent(
  tx: Db,
  workspaceId: string,
  e: AskEvent,
  staffUserId: string | null,
  nowAt: Date = new Date(nowIso()),
): Promise<string | null> {
  if (e.type === 'refund') return null;
  const { rules, ws, programs } = await eventRules(tx, workspaceId);
  if (!rules.length) return null;
  if (Date.parse(e.occurred_at) < nowAt.getTime() - EVENT_FRESH_MS) return null;
  const local = localOf(ws.timeZone, nowAt).date;
  const isVisit = (VISITS as readonly string[]).includes(e.type);
  let days: Set<string> | null = null;
  let earlierPurchase: boolean | null = null;
  let guard: Guard | null = null;
  let asked = false;
  let surveyed = false;
  let askId: string | null = null;
  for (const rule of rules) {
    const survey = rule.channel === 'survey';
    if (survey ? surveyed : asked) continue;
    const t = rule.trigger;
    const program = programs.get(rule.programId);
    if (!program || !isOpen(program, local)) continue;
    let reason: string | null = null;
    if (t.type === 'purchase' && e.type === 'purchase') reason = 'purchase today';
    else if (t.type === 'ticket_resolved' && e.type === 'ticket_resolved') reason = 'support ticket resolved';
    else if (t.type === 'first_purchase' && e.type === 'purchase') {
      earlierPurchase ??= !!(await tx
        .selectFrom('business_events')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('person_id', '=', e.person_id)
        .where('type', '=', 'purchase')
        .where('id', '!=', e.id)
        .where('occurred_at', '<=', e.occurred_at)
        .limit(1)
        .executeTakeFirst());
      if (!earlierPurchase) reason = 'first purchase';
    } else if (t.type === 'nth_visit' && isVisit) {
      // The Nth day with a visit: this event's day is new, and makes N.
      const until = Math.max(nowAt.getTime(), Date.parse(e.occurred_at)) + 1;
      days ??= await visitDays(tx, ws, e.person_id, new Date(until).toISOString());
      const eventDay = localOf(ws.timeZone, new Date(e.occurred_at)).date;
      if (days.size === t.n) {
        const sameDay = await tx
          .selectFrom('business_events')
          .select('id')
          .where('workspace_id', '=', workspaceId)
          .where('person_id', '=', e.person_id)
          .where('type', 'in', [...VISITS])
          .where('id', '!=', e.id)
          .where('occurred_at', '>=', dayRange(ws.timeZone, eventDay).start)
          .where('occurred_at', '<', dayRange(ws.timeZone, eventDay).end)
          .limit(1)
          .executeTakeFirst();
        if (!sameDay) reason = `${ordinal(t.n)} visit`;
      }
    }
    if (!reason) continue;
    // The setting is read now, not from the cache: a change applies at once.
    guard ??= await guardFor(tx, workspaceId, nowAt.toISOString());
    const ok = await sql<{ id: string }>`select p.id from people p
      where p.workspace_id = ${workspaceId} and p.id = ${e.person_id}
        and ${meets(workspaceId, rule.conditions)} and ${allowed(guard, rule.channel)}`.execute(tx);
    if (!ok.rows.length) continue;
    if (survey) {
      // The survey goes out from a job, which knows the public address for its link.
      surveyed = true;
      const payload: RuleSurveyPayload = {
        workspaceId,
        personId: e.person_id,
        eventId: e.id,
        sendAt: dueAt(ws, rule, nowAt, true).toISOString(),
      };
      await enqueue(tx, SEND_RULE_SURVEY, payload, { workspaceId, key: `rule-survey:${e.id}` });
      continue;
    }
    asked = true;
    const turn = await tx
      .selectFrom('asks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .where('person_id', '=', e.person_id)
      .executeTakeFirstOrThrow();
    const row = askRow(
      ws,
      {
        personId: e.person_id,
        reason,
        rule,
        program,
        question: questionOf(program, ws, Number(turn.n)),
        day: local,
        at: nowAt,
        staffUserId: rule.channel === 'task' ? staffUserId : null,
      },
      true,
    );
    if (!(await insertAsks(tx, [row]))) continue;
    if (rule.channel === 'email')
      await enqueue(tx, SEND_ASK_EMAILS, { workspaceId }, { workspaceId, key: `ask-emails:${row.id}` });
    askId = row.id;
  }
  return askId;
}

// ---------------------------------------------------------------------------------------------
// Emails

/**
 * Sends the due ask emails of a workspace: each becomes a message in the outbox, delivered at
 * the ask's time, with the person's personal link (and its QR) and friends form, and the ask is
 * recorded as made. Idempotent: one message per ask.
 */
export async function sendAskEmails(db: Db, workspaceId: string, publicUrl: string): Promise<number> {
  let sent = 0;
  for (;;) {
    const due = await db
      .selectFrom('asks')
      .select(['id', 'person_id', 'program_id', 'due_at'])
      .where('workspace_id', '=', workspaceId)
      .where('outcome', 'is', null)
      .where('channel', '=', 'email')
      .orderBy('due_at')
      .limit(100)
      .execute();
    if (!due.length) return sent;
    const programs = new Map((await listPrograms(db, workspaceId)).map((p) => [p.id, p]));
    const ws = await db
      .selectFrom('workspaces')
      .select(['currency', 'country'])
      .where('id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    await transaction(db, async (tx) => {
      for (const a of due) {
        const program = a.program_id ? programs.get(a.program_id) : undefined;
        let vars: Record<string, string> = {};
        if (program) {
          const { link } = await getOrCreateLink(tx, workspaceId, program.id, a.person_id);
          const urls = linkUrls(publicUrl, link);
          const offer = incentiveText(program.terms.friendIncentive, ws.currency, ws.country);
          vars = {
            link: urls.shareUrl,
            qr: urls.shareUrl,
            friendsLink: urls.formUrl,
            offer: offer
              ? `Your friends get ${offer.headline.charAt(0).toLowerCase()}${offer.headline.slice(1)}.`
              : '',
            programName: program.name,
          };
        }
        await queueMessage(tx, {
          workspaceId,
          kind: 'ask',
          personId: a.person_id,
          vars,
          dedupeKey: `ask:${a.id}`,
          sendAt: new Date(a.due_at).toISOString(),
        });
        await tx
          .updateTable('asks')
          .set({ outcome: 'asked', done_at: new Date(a.due_at).toISOString() })
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', a.id)
          .execute();
        sent++;
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Who to ask today

/** A person's stored address (JSON) on lines; nothing when it is missing or unreadable. */
function postalLines(json: string): string[] {
  try {
    return addressLines(JSON.parse(json));
  } catch {
    return [];
  }
}

/** Today's date and [start, end) in the workspace's time zone. */
export async function todayOf(db: Db, workspaceId: string, now = new Date(nowIso())): Promise<Day> {
  const ws = await workspaceInfo(db, workspaceId);
  return dayOf(ws.timeZone, localOf(ws.timeZone, now).date);
}

/** The due staff asks of today, with the person and why; and the postcards waiting to be printed. */
export async function askList(db: Db, workspaceId: string, now = new Date(nowIso())): Promise<TodayList> {
  const day = await todayOf(db, workspaceId, now);
  const base = () =>
    db
      .selectFrom('asks as a')
      .innerJoin('people as p', (j) =>
        j.onRef('p.workspace_id', '=', 'a.workspace_id').onRef('p.id', '=', 'a.person_id'),
      )
      .leftJoin('programs as g', (j) =>
        j.onRef('g.workspace_id', '=', 'a.workspace_id').onRef('g.id', '=', 'a.program_id'),
      )
      .leftJoin('ask_rules as r', (j) =>
        j.onRef('r.workspace_id', '=', 'a.workspace_id').onRef('r.id', '=', 'a.rule_id'),
      )
      .leftJoin('users as u', 'u.id', 'a.staff_user_id')
      .select([
        'a.id',
        'a.person_id',
        'a.reason',
        'a.question',
        'a.program_id',
        'a.channel',
        'a.staff_user_id',
        'a.due_at',
        'p.first_name',
        'p.last_name',
        'p.organisation',
        'p.email',
        'p.phone',
        'p.address',
        'g.name as program_name',
        'r.name as rule_name',
        'u.name as staff_name',
      ])
      .where('a.workspace_id', '=', workspaceId)
      .where('a.outcome', 'is', null);
  const toItem = (r: Awaited<ReturnType<ReturnType<typeof base>['execute']>>[number]): TodayAsk => ({
    id: r.id,
    personId: r.person_id,
    personName: personName(r),
    firstName: r.first_name || personName(r),
    phone: r.phone,
    email: r.email,
    address: postalLines(r.address),
    reason: r.reason,
    question: r.question,
    programId: r.program_id,
    programName: r.program_name,
    ruleName: r.rule_name,
    channel: r.channel === 'postcard' ? 'postcard' : 'task',
    staffUserId: r.staff_user_id,
    staffName: r.staff_name,
    dueAt: new Date(r.due_at).toISOString(),
  });
  const [tasks, postcards, done] = await Promise.all([
    base()
      .where('a.channel', '=', 'task')
      .where('a.due_at', '>=', day.start)
      .where('a.due_at', '<', day.end)
      .orderBy('a.due_at')
      .orderBy('a.id')
      .limit(500)
      .execute(),
    base().where('a.channel', '=', 'postcard').orderBy('a.due_at').orderBy('a.id').limit(500).execute(),
    db
      .selectFrom('asks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .where('channel', '=', 'task')
      .where('due_at', '>=', day.start)
      .where('due_at', '<', day.end)
      .where('outcome', 'is not', null)
      .where('outcome', '!=', 'missed')
      .executeTakeFirstOrThrow(),
  ]);
  return { date: day.date, items: tasks.map(toItem), postcards: postcards.map(toItem), done: Number(done.n) };
}

/** A person's staff ask due today, if they have one (the front desk shows it). */
export async function dueAskOf(db: Db, workspaceId: string, personId: string, day: Day) {
  return db
    .selectFrom('asks')
    .select(['id', 'reason', 'question', 'program_id'])
    .where('workspace_id', '=', workspaceId)
    .where('person_id', '=', personId)
    .where('outcome', 'is', null)
    .where('channel', '=', 'task')
    .where('due_at', '>=', day.start)
    .where('due_at', '<', day.end)
    .orderBy('due_at')
    .limit(1)
    .executeTakeFirst();
}
