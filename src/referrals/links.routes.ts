import QRCode from 'qrcode';
import { z } from 'zod';
import { requireRole } from '../auth/auth.service.ts';
import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { IdParams } from '../http/schemas.ts';
import type { App, Deps } from '../http/types.ts';
import { getProgram, listPrograms } from '../programs/programs.service.ts';
import { getWorkspace } from '../workspaces/workspaces.service.ts';
import { describeReward, referralCardsPdf } from './card.ts';
import {
  clickCounts,
  getLink,
  getOrCreateLink,
  type Link,
  linkUrls,
  listPersonLinks,
  setLinkDisabled,
} from './links.service.ts';

const LinkOut = z.object({
  id: z.string(),
  code: z.string().describe('short code, printed on cards; case-insensitive when typed'),
  shareUrl: z.string().describe('what the referrer shares: /r/:code'),
  formUrl: z.string().describe('the referrer\'s private "name your friends" form: keep it to them'),
  programId: z.string(),
  referrerId: z.string(),
  disabled: z.boolean(),
  disabledAt: z.string().nullable(),
  clicks: z.number().describe('clicks recorded so far'),
  createdAt: z.string(),
});
type LinkOut = z.infer<typeof LinkOut>;

const QR_OPTIONS = { errorCorrectionLevel: 'M', margin: 4 } as const;

export async function linkRoutes(app: App, { db, config }: Deps): Promise<void> {
  const present = async (workspaceId: string, links: Link[]): Promise<LinkOut[]> => {
    const counts = await clickCounts(
      db,
      workspaceId,
      links.map((l) => l.id),
    );
    return links.map((l) => ({
      id: l.id,
      code: l.code,
      ...linkUrls(config.publicUrl, l),
      programId: l.programId,
      referrerId: l.referrerId,
      disabled: l.disabledAt !== null,
      disabledAt: l.disabledAt,
      clicks: counts.get(l.id) ?? 0,
      createdAt: l.createdAt,
    }));
  };
  const presentOne = async (workspaceId: string, link: Link) => (await present(workspaceId, [link]))[0]!;

  app.post(
    '/programs/:id/links',
    {
      schema: {
        tags: ['links'],
        summary:
          "A referrer's link in this program, created on first use (201) or the existing one (200): one per referrer and program",
        params: IdParams,
        body: z.strictObject({ referrerId: z.uuid('must be a UUID') }),
        response: { 200: LinkOut, 201: LinkOut },
      },
    },
    async (req, reply) => {
      const { link, created } = await getOrCreateLink(
        db,
        req.actor.workspaceId,
        req.params.id,
        req.body.referrerId,
      );
      return reply.status(created ? 201 : 200).send(await presentOne(req.actor.workspaceId, link));
    },
  );

  app.get(
    '/people/:id/links',
    {
      schema: {
        tags: ['links'],
        summary: "A person's referral links in every program, with click counts",
        params: IdParams,
        response: { 200: z.array(LinkOut) },
      },
    },
    async (req) =>
      present(req.actor.workspaceId, await listPersonLinks(db, req.actor.workspaceId, req.params.id)),
  );

  app.get(
    '/links/:id',
    { schema: { tags: ['links'], summary: 'One link', params: IdParams, response: { 200: LinkOut } } },
    async (req) => presentOne(req.actor.workspaceId, await getLink(db, req.actor.workspaceId, req.params.id)),
  );

  app.patch(
    '/links/:id',
    {
      schema: {
        tags: ['links'],
        summary:
          'Disable or re-enable a link. A disabled code lands on the workspace page instead of the offer (other web processes notice within 30 s). Needs the manager role',
        params: IdParams,
        body: z.strictObject({ disabled: z.boolean() }),
        response: { 200: LinkOut },
      },
    },
    async (req) => {
      requireRole(req.actor, 'manager');
      const link = await setLinkDisabled(db, req.actor, req.params.id, req.body.disabled);
      return presentOne(req.actor.workspaceId, link);
    },
  );

  app.get(
    '/links/:id/qr.svg',
    {
      schema: {
        tags: ['links'],
        summary: "QR code of the link's share URL, as SVG (image/svg+xml)",
        params: IdParams,
      },
    },
    async (req, reply) => {
      const link = await getLink(db, req.actor.workspaceId, req.params.id);
      const svg = await QRCode.toString(linkUrls(config.publicUrl, link).shareUrl, {
        ...QR_OPTIONS,
        type: 'svg',
      });
      return reply
        .type('image/svg+xml; charset=utf-8')
        .header('cache-control', 'private, max-age=3600')
        .header('content-disposition', `inline; filename="referral-${link.code}.svg"`)
        .send(svg);
    },
  );

  app.get(
    '/links/:id/qr.png',
    {
      schema: {
        tags: ['links'],
        summary: "QR code of the link's share URL, as a 512 px PNG (image/png)",
        params: IdParams,
      },
    },
    async (req, reply) => {
      const link = await getLink(db, req.actor.workspaceId, req.params.id);
      const png = await QRCode.toBuffer(linkUrls(config.publicUrl, link).shareUrl, {
        ...QR_OPTIONS,
        type: 'png',
        width: 512,
      });
      return reply
        .type('image/png')
        .header('cache-control', 'private, max-age=3600')
        .header('content-disposition', `inline; filename="referral-${link.code}.png"`)
        .send(png);
    },
  );

  app.get(
    '/people/:id/card.pdf',
    {
      schema: {
        tags: ['links'],
        summary:
          "A printable page of 10 referral cards (85 × 55 mm, cut marks) with the person's code and QR (application/pdf). Without programId: the program of their first link in an active program, else the newest active program",
        params: IdParams,
        querystring: z.strictObject({
          programId: z.uuid('must be a UUID').optional(),
          paper: z.enum(['a4', 'letter']).default('a4'),
        }),
      },
    },
    async (req, reply) => {
      const ws = req.actor.workspaceId;
      const programId = req.query.programId ?? (await defaultProgram(db, ws, req.params.id));
      const { link } = await getOrCreateLink(db, ws, programId, req.params.id);
      const referrer = await db
        .selectFrom('people')
        .select(['first_name', 'organisation'])
        .where('workspace_id', '=', ws)
        .where('id', '=', link.referrerId)
        .executeTakeFirstOrThrow();
      if (link.disabledAt) {
        throw new AppError('conflict', `The link ${link.code} is disabled; enable it before printing cards`);
      }
      const [workspace, program] = await Promise.all([
        getWorkspace(db, ws),
        getProgram(db, ws, link.programId),
      ]);
      const pdf = await referralCardsPdf(
        {
          workspaceName: workspace.name,
          brandColor: workspace.brandColor,
          referrerFirstName: referrer.first_name || referrer.organisation || '',
          offer: describeReward(program.terms.friendIncentive, workspace.currency),
          code: link.code,
          shareUrl: linkUrls(config.publicUrl, link).shareUrl,
        },
        { paper: req.query.paper },
      );
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="referral-cards-${link.code}.pdf"`)
        .send(pdf);
    },
  );
}

/** The program a card is for when none is named: their first link's active program, else the newest active one. */
async function defaultProgram(db: Db, workspaceId: string, personId: string): Promise<string> {
  const links = await listPersonLinks(db, workspaceId, personId);
  const active = await listPrograms(db, workspaceId, { status: 'active' });
  const activeIds = new Set(active.map((p) => p.id));
  const fromLink = links.find((l) => activeIds.has(l.programId) && !l.disabledAt);
  const id = fromLink?.programId ?? active[0]?.id;
  if (!id) throw new AppError('unprocessable', 'No active program: choose one with ?programId=');
  return id;
}
