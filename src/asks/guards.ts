/**
 * The guards every ask passes, whichever rule or screen makes it, as SQL over the person `p`,
 * so one definition serves the nightly pass (thousands at once), the event path and the front
 * desk (one person):
 * - at most one ask per cooling-off period per person across all rules and the front desk
 *   (an ask that did not happen, "not_now" or "missed", does not count; a due one does);
 * - never to someone who asked not to be contacted, who unsubscribed (or whose address is on
 *   the suppression list, for an email), or while a complaint of theirs is open;
 * - an email only to someone with an address and marketing consent on record.
 * And the rule's conditions: lifetime spend, tags, customers or partners.
 *
 * A survey rule's feedback survey is not an ask and has guards of its own ('survey'): the ask
 * cooling-off period neither counts nor stops it; at most one survey per SURVEY_COOLING_OFF_DAYS
 * (one sent by hand counts); never to someone who asked not to be contacted, whose address is
 * on the suppression list, without an address, or while a complaint of theirs is open. The
 * invitation is not marketing, so no consent is needed (src/surveys).
 */
import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { nowIso } from '../lib/ids.ts';
import { type Feedback, feedbackFor } from './feedback.ts';
import { type AskConditions, SURVEY_COOLING_OFF_DAYS } from './rules.schema.ts';

const DAY = 86_400_000;

export type Guard = {
  workspaceId: string;
  /** the moment of the ask (ISO): the cooling-off period is counted back from it */
  at: string;
  coolingOffDays: number;
  feedback: Feedback;
};

export type GuardChannel = 'front_desk' | 'task' | 'email' | 'postcard' | 'survey';

/** Reasons an ask may not be made, each as SQL true when it applies. */
export function blocks(g: Guard, channel: GuardChannel): Record<string, RawBuilder<unknown>> {
  const ws = g.workspaceId;
  if (channel === 'survey') {
    const since = new Date(Date.parse(g.at) - SURVEY_COOLING_OFF_DAYS * DAY).toISOString();
    return {
      'do not contact': sql`p.do_not_contact_at is not null`,
      'surveyed recently': sql`exists (select 1 from surveys sv where sv.workspace_id = ${ws}
        and sv.person_id = p.id and sv.created_at > ${since})`,
      unsubscribed: sql`exists (select 1 from suppressions s where s.workspace_id = ${ws}
        and s.email_key = p.email_key)`,
      'complaint open': g.feedback.openComplaint(ws),
      'no email': sql`p.email is null`,
    };
  }
  const since = new Date(Date.parse(g.at) - g.coolingOffDays * DAY).toISOString();
  // A person who unsubscribed is not asked by any channel; a bounced address only not mailed.
  const reasons = channel === 'email' ? null : sql`and s.reason in ('unsubscribe', 'complaint', 'manual')`;
  return {
    'do not contact': sql`p.do_not_contact_at is not null`,
    'asked recently': sql`exists (select 1 from asks a where a.workspace_id = ${ws} and a.person_id = p.id
      and (a.outcome is null or a.outcome not in ('not_now', 'missed'))
      and coalesce(a.done_at, a.due_at) > ${since})`,
    unsubscribed: sql`exists (select 1 from suppressions s where s.workspace_id = ${ws}
      and s.email_key = p.email_key ${reasons ?? sql``})`,
    'complaint open': g.feedback.openComplaint(ws),
    ...(channel === 'email'
      ? { 'no marketing consent': sql`(p.email is null or p.marketing_consent_at is null)` }
      : {}),
  };
}

/** True where none of the guards stops an ask. */
export function allowed(g: Guard, channel: GuardChannel): RawBuilder<unknown> {
  return sql`not (${sql.join(Object.values(blocks(g, channel)), sql` or `)})`;
}

/** True where the person meets the rule's conditions. */
export function meets(workspaceId: string, c: AskConditions): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`p.merged_into_id is null`];
  parts.push(sql`p.kind in (${sql.join(c.kinds)})`);
  if (c.tagsAny.length)
    parts.push(sql`exists (select 1 from person_tags t where t.workspace_id = ${workspaceId}
      and t.person_id = p.id and t.tag in (${sql.join(c.tagsAny.map((t) => t.toLowerCase()))}))`);
  if (c.tagsNone.length)
    parts.push(sql`not exists (select 1 from person_tags t where t.workspace_id = ${workspaceId}
      and t.person_id = p.id and t.tag in (${sql.join(c.tagsNone.map((t) => t.toLowerCase()))}))`);
  if (c.minSpend !== null && c.minSpend > 0)
    parts.push(sql`(select coalesce(sum(case when e.type = 'refund' then -e.amount else e.amount end), 0)
      from business_events e where e.workspace_id = ${workspaceId} and e.person_id = p.id
        and e.type in ('purchase', 'refund')) >= ${sql.raw(String(Math.trunc(c.minSpend)))}`);
  return sql.join(parts, sql` and `);
}

/** The workspace's cooling-off period, in days. */
export async function coolingOffDays(db: Db, workspaceId: string): Promise<number> {
  const ws = await db
    .selectFrom('workspaces')
    .select('ask_cooling_off_days')
    .where('id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(ws.ask_cooling_off_days);
}

export async function guardFor(db: Db, workspaceId: string, at = nowIso(), days?: number): Promise<Guard> {
  return {
    workspaceId,
    at,
    coolingOffDays: days ?? (await coolingOffDays(db, workspaceId)),
    feedback: await feedbackFor(db),
  };
}

/** Which guards stop an ask of this person now, in the order above (empty: none). */
export async function blockedBy(
  db: Db,
  g: Guard,
  personId: string,
  channel: GuardChannel,
): Promise<string[]> {
  const b = blocks(g, channel);
  const names = Object.keys(b);
  const cols = names.map((n, i) => sql`case when ${b[n]!} then 1 else 0 end as ${sql.ref(`b${i}`)}`);
  const r = await sql<Record<string, number>>`select ${sql.join(cols)} from people p
    where p.workspace_id = ${g.workspaceId} and p.id = ${personId}`.execute(db);
  const row = r.rows[0];
  if (!row) return [];
  return names.filter((_, i) => Number(row[`b${i}`]) === 1);
}
