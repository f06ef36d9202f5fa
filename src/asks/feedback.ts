/**
 * What the ask engine needs from feedback surveys (src/surveys), behind one small interface:
 * the praise that triggers an ask ("gave us a 10 yesterday") and the open complaint that stops
 * every ask. Both are SQL over the `surveys` table, to be used inside set-based queries where the
 * person is `p`; the complaint is the same as `openComplaint` in src/surveys/surveys.service.ts
 * (a low score opened it, nobody resolved it yet), written as SQL so thousands are checked at once.
 */
import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../db/connect.ts';

export type Feedback = {
  /** true where person `p` has a complaint nobody has resolved yet */
  openComplaint(workspaceId: string): RawBuilder<unknown>;
  /**
   * Rows (person_id, score) of answers given in [from, to) scoring at least `min`: the best score
   * per person.
   */
  praise(workspaceId: string, from: string, to: string, min: number): RawBuilder<unknown>;
};

/** On the `surveys` table: complaints are opened by low scores (complaint_at) until resolved. */
export const surveysFeedback: Feedback = {
  openComplaint: (ws) =>
    sql`exists (select 1 from surveys sv where sv.workspace_id = ${ws} and sv.person_id = p.id
      and sv.complaint_at is not null and sv.complaint_resolved_at is null)`,
  praise: (ws, from, to, min) =>
    sql`select sv.person_id, max(sv.score) as score from surveys sv
      where sv.workspace_id = ${ws} and sv.answered_at >= ${from} and sv.answered_at < ${to}
        and sv.score >= ${sql.raw(String(Math.trunc(min)))}
      group by sv.person_id`,
};

let override: Feedback | null = null;
/** Lets a test or a later feedback source define complaints and praise (null: the surveys table). */
export function setFeedback(f: Feedback | null): void {
  override = f;
}

/** The feedback source: the `surveys` table unless overridden. */
export async function feedbackFor(_db: Db): Promise<Feedback> {
  return override ?? surveysFeedback;
}
