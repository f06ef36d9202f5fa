export type BusinessEventType = 'purchase' | 'visit' | 'refund' | 'appointment_kept' | 'ticket_resolved';

/** What happened at the business, as a point-of-sale, booking system or staff reported it. */
export interface BusinessEventsTable {
  workspace_id: string;
  id: string;
  type: BusinessEventType;
  /** the sending system, e.g. "square"; with external_id the exactly-once key */
  source: string;
  external_id: string;
  person_id: string;
  occurred_at: string;
  /** minor units; purchases and refunds */
  amount: number | null;
  currency: string | null;
  /** a refund's purchase */
  refund_of_id: string | null;
  /** the won referral that brought this customer: their revenue stays with its chain */
  referral_id: string | null;
  note: string | null;
  /** "API key POS", "Jamie Ortiz", "import transactions.csv" */
  actor_label: string;
  created_at: string;
}

export interface IdempotencyKeysTable {
  workspace_id: string;
  key: string;
  /** hash of method, path and body: the same key with another request is refused */
  request_hash: string;
  status: number;
  /** JSON body of the first response */
  response: string;
  created_at: string;
}
