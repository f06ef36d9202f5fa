import { AppError } from '../errors.ts';
import { escapeHtml } from '../public/html.ts';
import type { Theme } from '../public/layout.ts';
import type { MessageKind } from './messaging.table.ts';

/**
 * Email templates: a subject and a body of plain text with `{{variables}}`. In the body a blank
 * line starts a paragraph and `[words](url)` is a link (a paragraph that is only a link becomes a
 * button; a paragraph that is only `{{qr}}` becomes the QR code of `{{link}}`, an image sent with
 * the email). Everything is HTML-escaped: variables are filled in after the template is parsed, so
 * a value can never become markup or a link. The footer (the workspace's name and postal
 * address, why the email came, the unsubscribe link) is added on sending and cannot be edited
 * away.
 */
export type Template = { subject: string; body: string };

export const MESSAGE_KINDS = [
  'ask',
  'friend_coupon',
  'thank_you',
  'reward_available',
  'survey_invite',
  'friend_intro',
] as const satisfies readonly MessageKind[];

const COMMON = ['firstName', 'lastName', 'workspaceName'] as const;

type KindSpec = {
  label: string;
  /**
   * marketing (the ask, the introduction): only to a person with marketing consent recorded.
   * The others answer something the person did or asked for (a claimed coupon, a visit, a
   * reward). Every email has one-click unsubscribe all the same.
   */
  marketing: boolean;
  variables: readonly string[];
  sample: Record<string, string>;
  template: Template;
};

export const KINDS: Record<MessageKind, KindSpec> = {
  ask: {
    label: 'The ask: personal link and friends form',
    marketing: true,
    variables: ['link', 'qr', 'friendsLink', 'offer', 'programName'],
    sample: {
      link: 'https://example.com/r/K7M2QX',
      friendsLink: 'https://example.com/f/sample-form-token',
      offer: 'Your friends get their first adjustment free, and you get $20 credit for each.',
      programName: 'Friends and family',
    },
    template: {
      subject: '{{firstName}}, do you know someone we could help?',
      body: `Hi {{firstName}},

Thank you for choosing {{workspaceName}}. Most of our new clients come because someone like you told a friend about us, and we would be grateful if you did too.

{{offer}}

[Share your personal link]({{link}})

{{qr}}

Would you rather we reached out? [Tell us who might like to hear from us]({{friendsLink}}) and we will only get in touch once they are happy for us to.

Thank you,
{{workspaceName}}`,
    },
  },
  friend_coupon: {
    label: "The friend's coupon",
    marketing: false,
    variables: ['referrerName', 'offer', 'couponCode', 'link'],
    sample: {
      referrerName: 'Sue',
      offer: 'Your first adjustment free',
      couponCode: 'H4T9PW',
      link: 'https://example.com/c/H4T9PW',
    },
    template: {
      subject: 'A welcome gift from {{workspaceName}}, thanks to {{referrerName}}',
      body: `Hi {{firstName}},

{{referrerName}} thought you would like {{workspaceName}}, so here is a welcome gift: {{offer}}.

Your code: {{couponCode}}

[Show your coupon]({{link}})

We look forward to meeting you,
{{workspaceName}}`,
    },
  },
  thank_you: {
    label: 'Thank-you note to a referrer',
    marketing: false,
    variables: ['friendName', 'reward'],
    sample: { friendName: 'Alex', reward: '$20 credit' },
    template: {
      subject: 'Thank you, {{firstName}}!',
      body: `Hi {{firstName}},

{{friendName}} came to us because of you, and we wanted to say thank you. A recommendation from a client is the best compliment we can get.

{{reward}}

With gratitude,
{{workspaceName}}`,
    },
  },
  reward_available: {
    label: 'Reward available',
    marketing: false,
    variables: ['reward', 'link'],
    sample: { reward: '$20 credit', link: '' },
    template: {
      subject: 'Your reward from {{workspaceName}} is ready',
      body: `Hi {{firstName}},

Good news: your reward is ready to use: {{reward}}.

Just mention it on your next visit and we will take care of the rest.

Thank you for spreading the word,
{{workspaceName}}`,
    },
  },
  survey_invite: {
    label: 'Feedback survey invitation',
    marketing: false,
    variables: ['link'],
    sample: { link: 'https://example.com/s/sample-survey' },
    template: {
      subject: 'How did we do, {{firstName}}?',
      body: `Hi {{firstName}},

Thank you for your visit to {{workspaceName}}. We would love to know how we did and what would make us better. It takes a minute.

[Tell us how we did]({{link}})

Thank you,
{{workspaceName}}`,
    },
  },
  friend_intro: {
    label: '"Your friend suggested we get in touch" (only after the friend opted in)',
    marketing: true,
    variables: ['referrerName', 'offer', 'link'],
    sample: {
      referrerName: 'Sue',
      offer: 'Your first adjustment free',
      link: 'https://example.com/p/K7M2QX',
    },
    template: {
      subject: '{{referrerName}} suggested we get in touch',
      body: `Hi {{firstName}},

Your friend {{referrerName}} suggested we get in touch, and you told us you would be happy to hear from us.

As a friend of {{referrerName}}, you are welcome to: {{offer}}.

[See the offer]({{link}})

Best wishes,
{{workspaceName}}`,
    },
  },
};

export const isMessageKind = (k: string): k is MessageKind => k in KINDS;

export const allowedVariables = (kind: MessageKind) => [...COMMON, ...KINDS[kind].variables];

const VAR = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

/** Variables a template uses that its kind does not know, as a 422 naming them. */
export function validateTemplate(kind: MessageKind, t: Template): void {
  const allowed = new Set<string>(allowedVariables(kind));
  const details: Array<{ path: string; message: string; variable: string }> = [];
  for (const field of ['subject', 'body'] as const) {
    for (const m of t[field].matchAll(VAR)) {
      if (!allowed.has(m[1]!) && !details.some((d) => d.variable === m[1] && d.path === field))
        details.push({
          path: field,
          variable: m[1]!,
          message: `unknown variable {{${m[1]}}}; this template knows ${[...allowed].map((v) => `{{${v}}}`).join(', ')}`,
        });
    }
  }
  if (details.length)
    throw new AppError(
      'unprocessable',
      `Unknown template variable(s): ${[...new Set(details.map((d) => d.variable))].join(', ')}`,
      details,
    );
}

const fill = (s: string, vars: Record<string, string>) =>
  s.replace(VAR, (_m, name: string) => vars[name] ?? '');

type Piece = { text: string } | { link: string; href: string };

/** A paragraph's text and `[words](url)` links, as written in the template (variables unfilled). */
function pieces(paragraph: string): Piece[] {
  const out: Piece[] = [];
  const re = /\[([^\]\n]+)\]\(([^)\s]+)\)/g;
  let at = 0;
  for (const m of paragraph.matchAll(re)) {
    if (m.index > at) out.push({ text: paragraph.slice(at, m.index) });
    out.push({ link: m[1]!, href: m[2]! });
    at = m.index + m[0].length;
  }
  if (at < paragraph.length) out.push({ text: paragraph.slice(at) });
  return out;
}

const safeUrl = (u: string) => (/^https?:\/\/[^\s<>"]+$/i.test(u) ? u : null);
const htmlText = (s: string) => escapeHtml(s).replace(/\r?\n/g, '<br>\n');

export type Rendered = {
  subject: string;
  html: string;
  text: string;
  /** the address the `{{qr}}` image encodes, when the body has one */
  qr: string | null;
};

/** The content id of the QR image in an email. */
export const QR_CID = 'qr@vouch';

/**
 * Fills a template. Paragraphs that come out empty (an offer the program does not have) and
 * links whose address is not http(s) (a missing variable) are left out.
 */
export function render(t: Template, vars: Record<string, string>, theme: Theme): Rendered {
  const subject = fill(t.subject, vars).replace(/\s+/g, ' ').trim();
  const html: string[] = [];
  const text: string[] = [];
  let qr: string | null = null;
  for (const para of t.body.replace(/\r\n/g, '\n').split(/\n[ \t]*\n/)) {
    if (/^\{\{\s*qr\s*\}\}$/.test(para.trim())) {
      qr = safeUrl((vars.link ?? '').trim());
      if (qr)
        html.push(
          `<p style="margin:0 0 16px"><img src="cid:${QR_CID}" alt="QR code of your link" width="160" height="160" style="display:block;width:160px;height:160px"></p>`,
        );
      continue;
    }
    const ps = pieces(para.trim());
    const links = ps.filter((p) => 'link' in p);
    const button = links.length === 1 && ps.every((p) => 'link' in p || !p.text.trim());
    let h = '';
    let x = '';
    for (const p of ps) {
      if ('text' in p) {
        const v = fill(p.text, vars);
        h += htmlText(v);
        x += v;
        continue;
      }
      const words = fill(p.link, vars);
      const href = safeUrl(fill(p.href, vars).trim());
      if (!href) {
        if (!button) {
          h += htmlText(words);
          x += words;
        }
        continue;
      }
      const style = button
        ? `display:inline-block;background:${theme.brand};color:${theme.onBrand};padding:12px 20px;border-radius:8px;text-decoration:none;font-weight:600`
        : `color:${theme.accent}`;
      h += `<a href="${escapeHtml(href)}" style="${style}">${escapeHtml(words)}</a>`;
      x += button ? `${words}:\n${href}` : `${words} (${href})`;
    }
    if (!x.trim()) continue;
    html.push(`<p style="margin:0 0 16px">${h.trim()}</p>`);
    text.push(x.trim());
  }
  return { subject, html: html.join('\n'), text: text.join('\n\n'), qr };
}
