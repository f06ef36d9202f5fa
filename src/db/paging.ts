import type { SelectQueryBuilder } from 'kysely';

/**
 * One page of a list and the count of the whole list: `filtered` holds the list's filters (its
 * selection, if any, is dropped for the count), `rows` the same query with its selection and
 * order. Both run at once.
 */
export async function pageOf<DB, TB extends keyof DB, O>(
  filtered: SelectQueryBuilder<DB, TB, unknown>,
  rows: SelectQueryBuilder<DB, TB, O>,
  q: { page: number; pageSize: number },
): Promise<{ rows: O[]; total: number }> {
  const [{ total }, page] = await Promise.all([
    // Kysely cannot follow a selection over a generic table set; the count is one row of one number.
    filtered
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow() as Promise<{ total: number | string }>,
    rows
      .limit(q.pageSize)
      .offset((q.page - 1) * q.pageSize)
      .execute(),
  ]);
  return { rows: page, total: Number(total) };
}
