/**
 * What a move to Appointment, Lost or Void asks for before the server takes it: the time, or
 * the reason. Shared by the board's move dialog and the referral page's status dialog.
 */
import { Textarea, TextInput } from '@mantine/core';
import type { ReferralPatch, ReferralStatus } from '../../api/types.ts';
import { fromLocalInput } from '../../format.ts';

/** What a move to `to` needs first: a reason (lost, void), a time (appointment) or nothing. */
export const statusNeeds = (to: ReferralStatus | null | undefined) =>
  to === 'lost' || to === 'void' ? 'reason' : to === 'appointment' ? 'when' : null;

/** Whether what the move needs is filled in. */
export function statusReady(to: ReferralStatus | null | undefined, reason: string, when: string) {
  const needs = statusNeeds(to);
  return needs === 'reason' ? reason.trim() !== '' : needs === 'when' ? when !== '' : true;
}

/** The change that moves a referral to `to`, with the reason or time typed for it. */
export function statusPatch(to: ReferralStatus, reason: string, when: string): ReferralPatch {
  const patch: ReferralPatch = { status: to };
  if (to === 'lost') patch.lostReason = reason.trim();
  if (to === 'void') patch.voidReason = reason.trim();
  if (to === 'appointment') patch.appointmentAt = fromLocalInput(when);
  return patch;
}

/** The reason or appointment field of a move (nothing for a move that needs neither). */
export function StatusFields({
  to,
  reason,
  onReason,
  when,
  onWhen,
}: {
  to: ReferralStatus | null | undefined;
  reason: string;
  onReason: (v: string) => void;
  when: string;
  onWhen: (v: string) => void;
}) {
  const needs = statusNeeds(to);
  if (needs === 'when')
    return (
      <TextInput
        type="datetime-local"
        label="Appointment"
        value={when}
        onChange={(e) => onWhen(e.currentTarget.value)}
        required
        data-autofocus
      />
    );
  if (needs === 'reason')
    return (
      <Textarea
        label={to === 'lost' ? 'Why was it lost?' : 'Why void it?'}
        description={to === 'void' ? 'Void is final (fraud, duplicate, test).' : undefined}
        value={reason}
        onChange={(e) => onReason(e.currentTarget.value)}
        required
        data-autofocus
      />
    );
  return null;
}
