import { IdParams } from '../http/schemas.ts';
import type { App, Deps } from '../http/types.ts';
import { confirmIntakeMatch, dismissIntakeMatch, listIntakeMatches } from './intake-matches.service.ts';
import {
  CodeParams,
  ConfirmedMatch,
  ConfirmMatchInput,
  CouponAtCounter,
  CreatedReferral,
  IntakeMatch,
  IntakeMatchList,
  IntakeMatchQuery,
  Network,
  NetworkQuery,
  NoteInput,
  OptedInInput,
  OptionalNote,
  ReferralDetail,
  ReferralList,
  ReferralPatch,
  ReferralQuery,
  StaffReferralInput,
} from './pipeline.schema.ts';
import {
  addNote,
  clearFlag,
  enterReferral,
  getCoupon,
  getNetwork,
  getReferralDetail,
  listReferrals,
  recordIntroduced,
  recordOptIn,
  redeemCoupon,
  updateReferral,
} from './pipeline.service.ts';
import { Referral } from './referrals.schema.ts';

/** The referral pipeline for staff and integrations: entry, lists, changes, coupons, intake matches. */
export async function referralRoutes(app: App, { db, config }: Deps): Promise<void> {
  const tags = ['referrals'];

  app.post(
    '/referrals',
    {
      schema: {
        tags,
        summary:
          'Enter a referral by hand ("who sent you?"), a partner’s lead or a "how did you hear" answer; ' +
          '201 when created, 200 with a message when the friend already has a referrer in the program',
        body: StaffReferralInput,
        response: { 200: CreatedReferral, 201: CreatedReferral },
      },
    },
    async (req, reply) => {
      const result = await enterReferral(db, req.actor, req.body);
      return reply.status(result.created ? 201 : 200).send(result);
    },
  );

  app.get(
    '/referrals',
    {
      schema: {
        tags,
        summary: 'List referrals: by status, program, people, assignment, overdue, waiting, flagged, search',
        querystring: ReferralQuery,
        response: { 200: ReferralList },
      },
    },
    (req) => listReferrals(db, req.actor, req.query),
  );

  app.get(
    '/referrals/:id',
    {
      schema: {
        tags,
        summary: 'One referral with its timeline, coupon and the program terms it was made under',
        params: IdParams,
        response: { 200: ReferralDetail },
      },
    },
    (req) => getReferralDetail(db, req.actor.workspaceId, req.params.id),
  );

  app.patch(
    '/referrals/:id',
    {
      schema: {
        tags,
        summary:
          'Move through the pipeline (new → contacted → appointment → won | lost, or void), assign, ' +
          'set the follow-up or appointment time; every change goes on the timeline',
        description:
          'From new, contacted or appointment to any other status; lost only back to contacted; won only ' +
          'to void; void is final. "lost" needs lostReason, "void" needs voidReason, "appointment" needs ' +
          'appointmentAt. A friend named by a referrer cannot be moved to contacted or appointment before ' +
          'the referrer introduced them or they opted in.',
        params: IdParams,
        body: ReferralPatch,
        response: { 200: Referral },
      },
    },
    (req) => updateReferral(db, req.actor, req.params.id, req.body),
  );

  app.post(
    '/referrals/:id/introduced',
    {
      schema: {
        tags,
        summary: 'Record that the referrer told the friend about us: the friend may now be contacted',
        params: IdParams,
        body: OptionalNote.nullish(),
        response: { 200: Referral },
      },
    },
    (req) => recordIntroduced(db, req.actor, req.params.id, req.body?.note),
  );

  app.post(
    '/referrals/:id/opted-in',
    {
      schema: {
        tags,
        summary:
          'Record that the friend agreed to be contacted (also their marketing consent if they had none)',
        params: IdParams,
        body: OptedInInput,
        response: { 200: Referral },
      },
    },
    (req) => recordOptIn(db, req.actor, req.params.id, req.body.source, config.publicUrl),
  );

  app.post(
    '/referrals/:id/notes',
    {
      schema: {
        tags,
        summary: 'Add a note to the timeline',
        params: IdParams,
        body: NoteInput,
        response: { 201: ReferralDetail },
      },
    },
    async (req, reply) => reply.status(201).send(await addNote(db, req.actor, req.params.id, req.body.note)),
  );

  app.post(
    '/referrals/:id/flag/clear',
    {
      schema: {
        tags,
        summary: 'Clear a review flag after looking at the referral (to refuse it, PATCH status "void")',
        params: IdParams,
        body: OptionalNote.nullish(),
        response: { 200: Referral },
      },
    },
    (req) => clearFlag(db, req.actor, req.params.id, req.body?.note),
  );

  app.get(
    '/people/:id/network',
    {
      schema: {
        tags: ['people', 'referrals'],
        summary: 'Who referred this person (back to the source of influence) and whom they referred',
        params: IdParams,
        querystring: NetworkQuery,
        response: { 200: Network },
      },
    },
    (req) => getNetwork(db, req.actor.workspaceId, req.params.id, req.query.depth),
  );

  app.get(
    '/coupons/:code',
    {
      schema: {
        tags: ['coupons'],
        summary: 'Look up a friend’s coupon at the counter (case, spaces and dashes do not matter)',
        params: CodeParams,
        response: { 200: CouponAtCounter },
      },
    },
    (req) => getCoupon(db, req.actor.workspaceId, req.params.code),
  );

  app.post(
    '/coupons/:code/redeem',
    {
      schema: {
        tags: ['coupons'],
        summary:
          'Redeem a coupon at the counter: once (409 says when and by whom), not after it expired (422)',
        params: CodeParams,
        body: OptionalNote.nullish(),
        response: { 200: CouponAtCounter },
      },
    },
    (req) => redeemCoupon(db, req.actor, req.params.code, req.body?.note),
  );

  app.get(
    '/intake-matches',
    {
      schema: {
        tags: ['intake'],
        summary: 'Intake answers whose "who referred you?" needs a person to pick the referrer',
        querystring: IntakeMatchQuery,
        response: { 200: IntakeMatchList },
      },
    },
    (req) => listIntakeMatches(db, req.actor, req.query),
  );

  app.post(
    '/intake-matches/:id/confirm',
    {
      schema: {
        tags: ['intake'],
        summary: 'Confirm who referred them: makes the referral (channel "how_heard")',
        params: IdParams,
        body: ConfirmMatchInput,
        response: { 200: ConfirmedMatch, 201: ConfirmedMatch },
      },
    },
    async (req, reply) => {
      const result = await confirmIntakeMatch(db, req.actor, req.params.id, req.body.referrerId);
      return reply.status(result.created ? 201 : 200).send(result);
    },
  );

  app.post(
    '/intake-matches/:id/dismiss',
    {
      schema: {
        tags: ['intake'],
        summary: 'Dismiss an intake answer: nobody in the list referred them',
        params: IdParams,
        response: { 200: IntakeMatch },
      },
    },
    (req) => dismissIntakeMatch(db, req.actor, req.params.id),
  );
}
