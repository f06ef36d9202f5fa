import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { type Actor, requireRole } from '../auth/auth.service.ts';
import { type Db, transaction } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { nowIso } from '../lib/ids.ts';
import { headerKey, unguardCell } from '../people/csv-columns.ts';
import { type Chunk, ImportFileError, utf8Chunks } from '../people/csv-input.ts';
import { addRejectPart } from '../people/import-write.ts';
import { type ImportSummary, startImport, toImport } from '../people/people.import.ts';
import { fractionDigits } from '../public/format.ts';
import { byOf } from '../referrals/pipeline.service.ts';
import { EventInput } from './events.schema.ts';
import { type EventContext, recordEvent } from './events.service.ts';

type Field =
  | 'type'
  | 'source'
  | 'externalId'
  | 'occurredAt'
  | 'amount'
  | 'currency'
  | 'refundOf'
  | 'personId'
  | 'customerId'
  | 'email'
  | 'phone'
  | 'firstName'
  | 'lastName'
  | 'name'
  | 'note';

/** Header names of the Vouch template and of common point-of-sale exports, by field. */
const HEADERS: Record<Field, string[]> = {
  type: ['type', 'event', 'kind'],
  source: ['source'],
  externalId: ['externalid', 'id', 'transactionid', 'orderid', 'paymentid', 'invoice', 'name'],
  occurredAt: ['occurredat', 'date', 'createdat', 'paidat', 'processedat', 'time'],
  amount: ['amount', 'total', 'grosssales', 'netsales', 'totalcollected'],
  currency: ['currency'],
  refundOf: ['refundof', 'refundedorder', 'originaltransactionid'],
  personId: ['personid', 'vouchid'],
  customerId: ['customerexternalid', 'customerid', 'customerreferenceid'],
  email: ['email', 'customeremail'],
  phone: ['phone', 'customerphone', 'phonenumber'],
  firstName: ['firstname', 'customerfirstname'],
  lastName: ['lastname', 'customerlastname'],
  name: ['customername', 'customer'],
  note: ['note', 'notes', 'description'],
};

const TYPES: Record<string, EventInput['type']> = {
  purchase: 'purchase',
  sale: 'purchase',
  order: 'purchase',
  payment: 'purchase',
  visit: 'visit',
  checkin: 'visit',
  refund: 'refund',
  return: 'refund',
  appointmentkept: 'appointment_kept',
  appointment: 'appointment_kept',
  ticketresolved: 'ticket_resolved',
  ticket: 'ticket_resolved',
};

const ROWS_PER_TRANSACTION = 500;

/** Major units as written in exports ("1,234.50", "$12") to integer minor units of `currency`. */
export function minorUnits(raw: string, currency: string): number | string {
  const s = raw.replace(/[\s,$€£¥]/g, '');
  if (!/^\d+(\.\d+)?$/.test(s)) return `"${raw}" is not an amount (like 12.50)`;
  const digits = fractionDigits(currency);
  const [whole = '0', fraction = ''] = s.split('.');
  if (fraction.length > digits) return `"${raw}" has more decimals than ${currency} has`;
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || 0);
}

/** "2026-11-02 14:05:01 -0500" (Shopify), ISO 8601, or a bare date (noon UTC). */
export function timestamp(raw: string): string | null {
  const s = raw.trim();
  const shopify = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?) ?([+-]\d{2}):?(\d{2})$/.exec(s);
  const iso = shopify
    ? `${shopify[1]}T${shopify[2]}${shopify[3]}:${shopify[4]}`
    : /^\d{4}-\d{2}-\d{2}$/.test(s)
      ? `${s}T12:00:00Z`
      : s;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(iso)) return null;
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? null : t.toISOString();
}

/**
 * Imports transactions (purchases, visits, refunds…) from a CSV file: the Vouch template
 * (type, external_id, occurred_at, amount, currency, refund_of, customer_external_id, email,
 * phone, first_name, last_name, note) or a point-of-sale export with similar headers. Each row
 * goes through the same checks and the same exactly-once recording as `POST /events`, so
 * importing a file again changes nothing; refused rows go to the reject file with their line.
 */
export async function importTransactions(
  db: Db,
  actor: Actor,
  input: Readable | AsyncIterable<Chunk> | Iterable<Chunk> | Chunk,
  opts: { filename: string; source?: string; now?: Date },
): Promise<ImportSummary> {
  requireRole(actor, 'manager');
  const ws = await db
    .selectFrom('workspaces')
    .select(['id', 'currency', 'country'])
    .where('id', '=', actor.workspaceId)
    .executeTakeFirstOrThrow();
  const by = await byOf(db, actor);
  const ctx: EventContext = {
    workspace: ws,
    by: { ...by, label: `${by.label} (import ${opts.filename})` },
    now: opts.now ?? new Date(),
  };
  const row = await startImport(db, actor, 'transactions', opts.filename);

  const counts = { accepted: 0, duplicates: 0, rejected: 0 };
  let rejects: string[][] = [];
  let header: string[] | null = null;
  let columns: Partial<Record<Field, number>> = {};
  let pending: Array<{ line: number; fields: string[] }> = [];
  let failure: ImportFileError | null = null;

  const flush = async () => {
    const rows = pending;
    pending = [];
    await transaction(db, async (tx) => {
      for (const { line, fields } of rows) {
        const reason = await recordRow(tx, ctx, columns, fields, opts.source);
        if (reason === 'accepted') counts.accepted++;
        else if (reason === 'duplicate') counts.duplicates++;
        else {
          counts.rejected++;
          rejects.push([String(line), reason, ...fields]);
        }
      }
      const firstLine = Number(rejects[0]?.[0]);
      const csv = rejects.length
        ? stringify(
            counts.rejected === rejects.length
              ? [['line', 'reason', ...(header ?? [])], ...rejects]
              : rejects,
          )
        : '';
      rejects = [];
      await tx
        .updateTable('imports')
        .set({
          rows_total: counts.accepted + counts.duplicates + counts.rejected,
          rows_created: counts.accepted,
          rows_unchanged: counts.duplicates,
          rows_rejected: counts.rejected,
        })
        .where('workspace_id', '=', ws.id)
        .where('id', '=', row.id)
        .execute();
      if (csv) await addRejectPart(tx, ws.id, row.id, firstLine, csv);
    });
  };

  try {
    const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
    const feed = (async () => {
      try {
        for await (const chunk of utf8Chunks(input as AsyncIterable<Chunk>))
          if (!parser.write(chunk)) await new Promise((r) => parser.once('drain', r));
        parser.end();
      } catch (err) {
        parser.destroy(err as Error);
      }
    })();
    for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = record.info.lines;
      if (!header) {
        header = record.record;
        columns = mapColumns(header);
        if (columns.externalId === undefined)
          throw new ImportFileError(
            'No column for the transaction id (external_id, id, order_id, transaction_id…)',
            line,
          );
        continue;
      }
      pending.push({ line, fields: record.record });
      if (pending.length >= ROWS_PER_TRANSACTION) await flush();
    }
    await feed;
    if (!header) throw new ImportFileError('The file is empty');
    await flush();
  } catch (err) {
    // A problem with the file stops the import where it is; the rows read before it are kept.
    const code = (err as { code?: string }).code ?? '';
    if (!(err instanceof ImportFileError) && !code.startsWith('CSV_')) {
      await db
        .updateTable('imports')
        .set({ status: 'failed', error: 'internal error', finished_at: nowIso() })
        .where('workspace_id', '=', ws.id)
        .where('id', '=', row.id)
        .execute();
      throw err;
    }
    failure = err instanceof ImportFileError ? err : new ImportFileError((err as Error).message);
    if (pending.length) await flush();
  }
  const finished = nowIso();
  await db
    .updateTable('imports')
    .set({ status: failure ? 'failed' : 'done', error: failure?.message ?? null, finished_at: finished })
    .where('workspace_id', '=', ws.id)
    .where('id', '=', row.id)
    .execute();
  const saved = await db
    .selectFrom('imports')
    .selectAll()
    .where('workspace_id', '=', ws.id)
    .where('id', '=', row.id)
    .executeTakeFirstOrThrow();
  return {
    ...toImport(saved),
    source: null,
    columns: (header ?? []).map((h, i) => ({
      header: h,
      field: (Object.entries(columns).find(([, c]) => c === i)?.[0] as string | undefined) ?? null,
    })),
    failure: failure ? { code: failure.code, line: failure.line } : null,
  } as ImportSummary;
}

function mapColumns(header: string[]): Partial<Record<Field, number>> {
  const keys = header.map(headerKey);
  const out: Partial<Record<Field, number>> = {};
  for (const [field, names] of Object.entries(HEADERS) as Array<[Field, string[]]>)
    for (const name of names) {
      const i = keys.indexOf(name);
      if (i !== -1 && !Object.values(out).includes(i)) {
        out[field] = i;
        break;
      }
    }
  return out;
}

/** One row through the events door; returns the outcome or the reason it was refused. */
async function recordRow(
  tx: Db,
  ctx: EventContext,
  columns: Partial<Record<Field, number>>,
  fields: string[],
  source?: string,
): Promise<'accepted' | 'duplicate' | string> {
  const get = (f: Field) => {
    const i = columns[f];
    return i === undefined ? '' : unguardCell((fields[i] ?? '').trim());
  };
  const typeText = get('type')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
  const type = typeText ? TYPES[typeText] : 'purchase';
  if (!type)
    return `type: "${get('type')}" is not purchase, visit, refund, appointment_kept or ticket_resolved`;
  const currency = (get('currency') || ctx.workspace.currency).toUpperCase();
  let amount: number | undefined;
  if (get('amount')) {
    const a = minorUnits(
      get('amount').replace(/^-/, ''),
      /^[A-Z]{3}$/.test(currency) ? currency : ctx.workspace.currency,
    );
    if (typeof a === 'string') return `amount: ${a}`;
    if (get('amount').startsWith('-') && type !== 'refund')
      return 'amount: negative; a refund is a row of type refund';
    if (type === 'purchase' || type === 'refund') amount = a;
  }
  let occurredAt: string | undefined;
  if (get('occurredAt')) {
    const t = timestamp(get('occurredAt'));
    if (!t)
      return `occurred_at: "${get('occurredAt')}" is not a date (like 2026-11-02 or 2026-11-02T14:05:00-05:00)`;
    occurredAt = t;
  }
  const [first = '', ...rest] = get('name').split(/\s+/);
  const person = {
    ...(get('personId') ? { id: get('personId') } : {}),
    ...(get('customerId') ? { externalId: get('customerId') } : {}),
    ...(get('email') ? { email: get('email') } : {}),
    ...(get('phone') ? { phone: get('phone') } : {}),
    firstName: get('firstName') || first,
    lastName: get('lastName') || rest.join(' '),
  };
  const parsed = EventInput.safeParse({
    type,
    source: get('source') || source || 'csv',
    externalId: get('externalId').replace(/^#/, ''),
    ...(occurredAt ? { occurredAt } : {}),
    ...(type === 'refund' ? {} : { person }),
    ...(amount !== undefined ? { amount } : {}),
    ...(get('currency') ? { currency } : {}),
    ...(get('refundOf') ? { refundOf: get('refundOf').replace(/^#/, '') } : {}),
    ...(get('note') ? { note: get('note') } : {}),
  });
  if (!parsed.success)
    return parsed.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ');
  try {
    return (await recordEvent(tx, ctx, parsed.data)).status;
  } catch (err) {
    if (err instanceof AppError && err.code !== 'internal') return err.message;
    throw err;
  }
}
