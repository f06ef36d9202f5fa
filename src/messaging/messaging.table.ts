export type MessageKind =
  | 'ask'
  | 'friend_coupon'
  | 'thank_you'
  | 'reward_available'
  | 'survey_invite'
  | 'friend_intro';

/**
 * queued: waiting for the worker · sending: handed to SMTP, no answer yet · sent: the SMTP server
 * accepted it · failed: refused for good or out of attempts · suppressed: the address is on the
 * suppression list (or the person asked not to be contacted) · kept: no SMTP settings, so it stays
 * in the outbox viewer and is never sent
 */
export type MessageStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'suppressed' | 'kept';

export interface MessagesTable {
  workspace_id: string;
  id: string;
  person_id: string | null;
  to_address: string;
  /** normalised (src/people/normalize.ts emailKey): what the suppression list is keyed by */
  email_key: string;
  kind: MessageKind;
  subject: string;
  /** the body as rendered from the template; the footer and unsubscribe link are added on sending */
  html: string;
  text: string;
  /** JSON: extra headers */
  headers: string;
  marketing: number;
  status: MessageStatus;
  attempts: number;
  last_error: string | null;
  /** what the SMTP server answered on acceptance (its queue id) */
  provider_message_id: string | null;
  dedupe_key: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

export type SuppressionReason = 'unsubscribe' | 'hard_bounce' | 'complaint' | 'manual';

export interface SuppressionsTable {
  workspace_id: string;
  email_key: string;
  reason: SuppressionReason;
  source: string;
  message_id: string | null;
  created_at: string;
}

export interface MessageTemplatesTable {
  workspace_id: string;
  kind: MessageKind;
  subject: string;
  body: string;
  updated_by: string | null;
  updated_at: string;
}
