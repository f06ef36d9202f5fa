import type { Db } from '../db/connect.ts';
import { type JobCtx, PermanentJobError } from '../jobs/registry.ts';
import { nowIso } from '../lib/ids.ts';
import type { MessageStatus } from './messaging.table.ts';
import { compose, type DeliverPayload, type MessageRow, suppress, suppressionOf } from './outbox.ts';

async function lockMessage(tx: Db, workspaceId: string, id: string): Promise<MessageRow | undefined> {
  let q = tx.selectFrom('messages').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id);
  if (tx.dialect === 'postgres') q = q.forUpdate();
  return q.executeTakeFirst();
}

async function setStatus(
  db: Db,
  m: MessageRow,
  status: MessageStatus,
  extra: {
    last_error?: string | null;
    sent_at?: string;
    provider_message_id?: string;
    attempts?: number;
  } = {},
) {
  await db
    .updateTable('messages')
    .set({ status, ...extra, updated_at: nowIso() })
    .where('workspace_id', '=', m.workspace_id)
    .where('id', '=', m.id)
    .execute();
}

type SmtpError = Error & { responseCode?: number; command?: string; code?: string };

/** A 5xx answer: trying again will not help. */
const permanent = (err: SmtpError) => (err.responseCode ?? 0) >= 500;
/** The server refused the recipient itself: the mailbox does not exist (a hard bounce). */
const hardBounce = (err: SmtpError) =>
  [550, 551, 553].includes(err.responseCode ?? 0) && /RCPT/i.test(err.command ?? '');

/**
 * Delivers one message: the `deliver-message` job.
 *
 * Exactly once where the SMTP server acknowledged: the attempt is committed (status sending)
 * before talking to SMTP, and "sent" is committed right after the server's 250. A
 * worker that dies before the 250 leaves the message sending and its job leased; once the
 * lease runs out another worker sends it again, which is right, as the server never accepted it.
 * Only a death in the instant between the 250 and that commit can send it twice, and then both
 * copies carry the same Message-ID (from the message id), which lets receiving systems drop one.
 * The suppression list is checked again here, at send time.
 */
export async function deliverMessage(ctx: JobCtx, payload: unknown): Promise<void> {
  const { workspaceId, messageId } = payload as DeliverPayload;
  const { db, services, job, commit } = ctx;
  const m = await commit(async (tx) => {
    const m = await lockMessage(tx, workspaceId, messageId);
    // Gone (erased), or already settled: nothing to do.
    if (!m || !['queued', 'sending', 'failed'].includes(m.status)) return null;
    const blocked = await suppressionOf(tx, workspaceId, m.email_key);
    const dnc = m.person_id
      ? await tx
          .selectFrom('people')
          .select('do_not_contact_at')
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', m.person_id)
          .executeTakeFirst()
      : undefined;
    if (blocked || dnc?.do_not_contact_at) {
      await setStatus(tx, m, 'suppressed', {
        last_error: blocked ? `suppressed: ${blocked.reason}` : 'suppressed: do not contact',
      });
      return null;
    }
    if (!services.mailer) {
      await setStatus(tx, m, 'kept', { last_error: 'No SMTP settings (SMTP_URL): kept in the outbox' });
      return null;
    }
    await setStatus(tx, m, 'sending', { attempts: m.attempts + 1 });
    return m;
  });
  if (!m || !services.mailer) return;
  const mailer = services.mailer;
  const mail = await compose(db, m, {
    publicUrl: services.config.publicUrl,
    fromAddress: mailer.fromAddress,
  });
  let response: string;
  try {
    ({ response } = await mailer.send({
      fromName: mail.fromName,
      to: m.to_address,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      headers: mail.headers,
      messageId: mail.messageId,
      attachments: mail.attachments,
    }));
  } catch (e) {
    const err = e as SmtpError;
    const error = `${err.responseCode ? `SMTP ${err.responseCode}: ` : ''}${err.message}`.slice(0, 2000);
    const last = permanent(err) || job.attempts >= job.max_attempts;
    await commit(async (tx) => {
      await setStatus(tx, m, last ? 'failed' : 'queued', { last_error: error });
      if (hardBounce(err))
        await suppress(tx, workspaceId, m.email_key, 'hard_bounce', error.slice(0, 200), m.id);
    });
    throw permanent(err) ? new PermanentJobError(error) : err;
  }
  // Right after the 250 (sharing its commit with other deliveries that finish at the same moment):
  // the time this commit takes is the one window in which a crash sends twice.
  await commit(async (tx) => {
    await setStatus(tx, m, 'sent', {
      sent_at: nowIso(),
      provider_message_id: response.slice(0, 500),
      last_error: null,
    });
    await ctx.completeIn(tx);
  });
}
