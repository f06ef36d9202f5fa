import type { Actor } from '../auth/auth.service.ts';
import type { Db } from '../db/connect.ts';
import { AppError, notFound } from '../errors.ts';
import { newId, nowIso } from '../lib/ids.ts';
import { isOpen, listPrograms } from '../programs/programs.service.ts';
import { personName } from '../referrals/referrals.service.ts';
import {
  candidates,
  dayOf,
  dueAt,
  forgetRules,
  ordinal,
  PASS_HOUR,
  parseRule,
  type RuleRow,
  workspaceInfo,
} from './engine.ts';
import { feedbackFor } from './feedback.ts';
import {
  type AskRule,
  AskRuleInput,
  type AskRulePatch,
  type AskTrigger,
  EVENT_TRIGGERS,
  type RulePreview,
} from './rules.schema.ts';
import { addDays, localOf, zonedToUtc } from './schedule.ts';

const CHANNEL_WORDS = {
  task: 'staff ask',
  email: 'email',
  postcard: 'postcard',
  survey: 'feedback survey',
} as const;

export function triggerText(t: AskTrigger): string {
  switch (t.type) {
    case 'purchase':
      return 'a purchase';
    case 'first_purchase':
      return 'a first purchase';
    case 'nth_visit':
      return `${ordinal(t.n)} visit`;
    case 'days_after':
      return `${t.days} day${t.days === 1 ? '' : 's'} after ${t.of === 'any' ? 'a visit or purchase' : `a ${t.of}`}`;
    case 'survey_score':
      return `a survey score of ${t.min}${t.min < 10 ? '+' : ''}`;
    case 'every_months':
      return `every ${t.months} month${t.months === 1 ? '' : 's'}`;
    case 'ticket_resolved':
      return 'a resolved support ticket';
  }
}

function toRule(r: RuleRow & { program_name: string }): AskRule {
  const rule = parseRule(r);
  return {
    id: r.id,
    name: r.name,
    programId: r.program_id,
    programName: r.program_name,
    active: Number(r.active) === 1,
    trigger: rule.trigger,
    conditions: rule.conditions,
    channel: r.channel,
    timing: rule.timing,
    summary: `${triggerText(rule.trigger)} → ${CHANNEL_WORDS[r.channel]}`,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

const selectRules = (db: Db, workspaceId: string) =>
  db
    .selectFrom('ask_rules as r')
    .innerJoin('programs as g', (j) =>
      j.onRef('g.workspace_id', '=', 'r.workspace_id').onRef('g.id', '=', 'r.program_id'),
    )
    .selectAll('r')
    .select('g.name as program_name')
    .where('r.workspace_id', '=', workspaceId);

export async function listRules(db: Db, workspaceId: string): Promise<AskRule[]> {
  return (await selectRules(db, workspaceId).orderBy('r.created_at').orderBy('r.id').execute()).map(toRule);
}

export async function getRule(db: Db, workspaceId: string, id: string): Promise<AskRule> {
  const row = await selectRules(db, workspaceId).where('r.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Ask rule');
  return toRule(row);
}

async function checkProgram(db: Db, workspaceId: string, programId: string) {
  const p = await db
    .selectFrom('programs')
    .select(['id', 'audience'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', programId)
    .executeTakeFirst();
  if (!p)
    throw new AppError('validation', 'programId: no such program in this workspace', [
      { path: 'programId', message: 'no such program in this workspace' },
    ]);
  if (p.audience === 'staff')
    throw new AppError('validation', 'programId: a staff program takes no names from customers', [
      { path: 'programId', message: 'a staff program takes no names from customers' },
    ]);
}

const rowOf = (r: AskRuleInput) => ({
  name: r.name,
  program_id: r.programId,
  active: r.active ? 1 : 0,
  trigger_type: r.trigger.type,
  trigger: JSON.stringify(r.trigger),
  conditions: JSON.stringify({
    ...r.conditions,
    tagsAny: r.conditions.tagsAny.map((t) => t.toLowerCase()),
    tagsNone: r.conditions.tagsNone.map((t) => t.toLowerCase()),
  }),
  channel: r.channel,
  timing: JSON.stringify(r.timing),
});

export async function createRule(db: Db, actor: Actor, input: AskRuleInput): Promise<AskRule> {
  await checkProgram(db, actor.workspaceId, input.programId);
  const now = nowIso();
  const id = newId();
  await db
    .insertInto('ask_rules')
    .values({ workspace_id: actor.workspaceId, id, ...rowOf(input), created_at: now, updated_at: now })
    .execute();
  forgetRules(actor.workspaceId);
  return getRule(db, actor.workspaceId, id);
}

/** A partial change: the fields given replace the rule's (trigger, conditions and timing whole). */
export async function updateRule(db: Db, actor: Actor, id: string, patch: AskRulePatch): Promise<AskRule> {
  const current = await getRule(db, actor.workspaceId, id);
  const merged = AskRuleInput.parse({
    name: patch.name ?? current.name,
    programId: patch.programId ?? current.programId,
    active: patch.active ?? current.active,
    trigger: patch.trigger ?? current.trigger,
    conditions: patch.conditions ?? current.conditions,
    channel: patch.channel ?? current.channel,
    timing: patch.timing ?? current.timing,
  });
  if (patch.programId) await checkProgram(db, actor.workspaceId, merged.programId);
  await db
    .updateTable('ask_rules')
    .set({ ...rowOf(merged), updated_at: nowIso() })
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .execute();
  forgetRules(actor.workspaceId);
  return getRule(db, actor.workspaceId, id);
}

/** Deletes a rule; the asks it made stay (they lose the link to it). */
export async function deleteRule(db: Db, actor: Actor, id: string): Promise<void> {
  await getRule(db, actor.workspaceId, id);
  await db
    .deleteFrom('ask_rules')
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .execute();
  forgetRules(actor.workspaceId);
}

/**
 * "This rule would ask these 37 people this week": for a time-based rule, the next `days`
 * nightly passes as things stand (today's included, unless it ran); for an event-driven one,
 * whom the last `days` days' events would have asked. Guards and conditions as of each day;
 * each person once. Reads only.
 */
export async function previewRule(
  db: Db,
  workspaceId: string,
  id: string,
  days: number,
  now = new Date(nowIso()),
): Promise<RulePreview> {
  const row = await db
    .selectFrom('ask_rules')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Ask rule');
  const rule = parseRule(row);
  const ws = await workspaceInfo(db, workspaceId);
  const today = localOf(ws.timeZone, now).date;
  const eventDriven = (EVENT_TRIGGERS as readonly string[]).includes(rule.trigger.type);
  const dates = Array.from({ length: days }, (_, i) => addDays(today, eventDriven ? i - days + 1 : i));
  const base = {
    basis: eventDriven ? ('recent' as const) : ('upcoming' as const),
    from: dates[0]!,
    to: dates.at(-1)!,
  };
  const program = (await listPrograms(db, workspaceId)).find((p) => p.id === rule.programId);
  if (!program || !isOpen(program, today))
    return { ...base, count: 0, people: [], note: 'The program does not take referrals now.' };
  const feedback = await feedbackFor(db);
  const seen = new Map<string, { reason: string; at: Date }>();
  for (const date of dates) {
    // Each day as its pass (or, for events, the day's end) would see it.
    const at = eventDriven
      ? new Date(Math.min(now.getTime(), Date.parse(dayOf(ws.timeZone, date).end) - 1))
      : new Date(Math.max(now.getTime(), zonedToUtc(ws.timeZone, date, PASS_HOUR).getTime()));
    const found = await candidates(db, ws, rule, dayOf(ws.timeZone, date), {
      workspaceId,
      at: at.toISOString(),
      coolingOffDays: ws.coolingOffDays,
      feedback,
    });
    for (const c of found)
      if (!seen.has(c.person_id))
        seen.set(c.person_id, { reason: c.reason, at: dueAt(ws, rule, at, eventDriven) });
  }
  const first = [...seen.entries()].sort((a, b) => a[1].at.getTime() - b[1].at.getTime()).slice(0, 50);
  const names = new Map<string, string>();
  for (let i = 0; i < first.length; i += 500) {
    const rows = await db
      .selectFrom('people')
      .select(['id', 'first_name', 'last_name', 'organisation', 'email'])
      .where('workspace_id', '=', workspaceId)
      .where(
        'id',
        'in',
        first.slice(i, i + 500).map(([pid]) => pid),
      )
      .execute();
    for (const r of rows) names.set(r.id, personName(r));
  }
  return {
    ...base,
    count: seen.size,
    people: first.map(([personId, v]) => ({
      personId,
      name: names.get(personId) ?? '',
      reason: v.reason,
      at: v.at.toISOString(),
    })),
    note: Number(row.active) === 1 ? null : 'The rule is paused: this is what it would do when active.',
  };
}
