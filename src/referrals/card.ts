import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { Reward } from '../programs/programs.schema.ts';

/** Points per millimetre (PDF user space is 1/72 inch). */
const MM = 72 / 25.4;
/** ISO/EU business card. */
export const CARD_WIDTH_MM = 85;
export const CARD_HEIGHT_MM = 55;
export const CARDS_PER_PAGE = 10;

const PAPER = {
  a4: [595.28, 841.89],
  letter: [612, 792],
} as const;
export type Paper = keyof typeof PAPER;

export type CardContent = {
  workspaceName: string;
  /** #rrggbb */
  brandColor: string;
  referrerFirstName: string;
  /** what the friend gets, e.g. "a complimentary adjustment" (null: no incentive) */
  offer: string | null;
  code: string;
  shareUrl: string;
};

/** Minor units as money in the workspace currency ("$20", "€12.50"). */
export function formatMoney(minor: number, currency: string, locale = 'en'): string {
  const f = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  const value = minor / 10 ** digits;
  return Number.isInteger(value)
    ? new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 0 }).format(value)
    : f.format(value);
}

/** A reward in a few words: "$20 credit", "15% off (up to $30)", "a complimentary adjustment". */
export function describeReward(reward: Reward | null, currency: string): string | null {
  if (!reward) return null;
  switch (reward.type) {
    case 'credit':
      return reward.description || `${formatMoney(reward.amount, currency)} credit`;
    case 'cash':
      return reward.description || `${formatMoney(reward.amount, currency)} cash`;
    case 'percent':
      return (
        reward.description ||
        `${reward.percent}% off${reward.maxAmount ? ` (up to ${formatMoney(reward.maxAmount, currency)})` : ''}`
      );
    default:
      return reward.description;
  }
}

// The 14 standard PDF fonts only know WinAnsi (Latin-1 and a few more): letters outside it lose
// their accents ("Łukasz" → "Lukasz") rather than print as garbage.
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
export function winAnsi(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) || WIN_ANSI_EXTRA.has(ch)) out += ch;
    else {
      const base = ch.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
      if (/^[\x20-\x7e]+$/.test(base)) out += base;
      else if (ch === 'ł') out += 'l';
      else if (ch === 'Ł') out += 'L';
      else if (ch === 'ß') out += 'ss';
    }
  }
  return out.replace(/\s+/g, ' ').trim();
}

/** Black or white, whichever reads better on the brand colour. */
function contrastOn(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return lum > 0.4 ? '#111111' : '#ffffff';
}

/**
 * Draws a QR code as vector rectangles (runs of dark modules per row, one filled path), so it
 * stays sharp at any print resolution.
 */
function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number) {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = modules.size;
  const m = size / n;
  for (let row = 0; row < n; row++) {
    let col = 0;
    while (col < n) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < n && modules.get(row, col)) col++;
      // A hair of overlap hides the seams some viewers draw between touching rectangles.
      doc.rect(x + start * m, y + row * m, (col - start) * m, m + 0.01);
    }
  }
  doc.fill('#000000');
}

function drawCard(doc: PDFKit.PDFDocument, c: CardContent, x: number, y: number) {
  const w = CARD_WIDTH_MM * MM;
  const h = CARD_HEIGHT_MM * MM;
  const pad = 4 * MM;
  const band = 11 * MM;
  const qr = 25 * MM;

  doc.save();
  doc.rect(x, y, w, band).fill(c.brandColor);
  doc
    .fillColor(contrastOn(c.brandColor))
    .font('Helvetica-Bold')
    .fontSize(10)
    .text(winAnsi(c.workspaceName), x + pad, y + (band - 10) / 2 + 1, {
      width: w - 2 * pad,
      height: 12,
      lineBreak: false,
      ellipsis: true,
    });

  const qrX = x + w - pad - qr;
  const qrY = y + band + (h - band - qr) / 2;
  drawQr(doc, c.shareUrl, qrX, qrY, qr);

  const textW = qrX - x - pad - 3 * MM;
  let ty = y + band + 3.5 * MM;
  doc
    .fillColor('#111111')
    .font('Helvetica-Bold')
    .fontSize(9)
    .text(`Referred by ${winAnsi(c.referrerFirstName) || 'a friend'}`, x + pad, ty, {
      width: textW,
      height: 11,
      lineBreak: false,
      ellipsis: true,
    });
  ty += 4.5 * MM;
  const offer = c.offer
    ? `Bring this card for ${winAnsi(c.offer)}.`
    : 'Bring this card and mention the code.';
  doc
    .font('Helvetica')
    .fontSize(7.5)
    .fillColor('#333333')
    .text(offer, x + pad, ty, { width: textW, height: 28, ellipsis: true, lineGap: 0.5 });

  const codeY = y + h - pad - 13 * MM;
  doc
    .fontSize(6)
    .fillColor('#666666')
    .text('YOUR CODE', x + pad, codeY, { width: textW, lineBreak: false });
  doc
    .font('Helvetica-Bold')
    .fontSize(17)
    .fillColor('#111111')
    .text(c.code, x + pad, codeY + 2.5 * MM, { width: textW, lineBreak: false, characterSpacing: 1.2 });
  const url = c.shareUrl.replace(/^https?:\/\//, '');
  doc
    .font('Helvetica')
    .fontSize(5.5)
    .fillColor('#666666')
    .text(url, x + pad, y + h - pad - 2.2 * MM, { width: textW, lineBreak: false, ellipsis: true });
  doc.restore();
}

function drawCutMarks(doc: PDFKit.PDFDocument, x0: number, y0: number, cols: number, rows: number) {
  const w = CARD_WIDTH_MM * MM;
  const h = CARD_HEIGHT_MM * MM;
  const [pageW, pageH] = [doc.page.width, doc.page.height];
  const marginX = x0;
  const marginY = y0;
  // Marks stay in the margins, clear of the cards; a narrow margin (Letter) gets short marks.
  const mark = (margin: number) => {
    const gap = Math.min(2 * MM, margin / 3);
    return { gap, len: Math.min(5 * MM, margin - gap - 0.3 * MM) };
  };
  doc.save().lineWidth(0.3).strokeColor('#000000');
  const v = mark(marginY);
  if (v.len > 0.5 * MM) {
    for (let i = 0; i <= cols; i++) {
      const x = x0 + i * w;
      doc
        .moveTo(x, y0 - v.gap)
        .lineTo(x, y0 - v.gap - v.len)
        .stroke();
      doc
        .moveTo(x, pageH - y0 + v.gap)
        .lineTo(x, pageH - y0 + v.gap + v.len)
        .stroke();
    }
  }
  const hm = mark(marginX);
  if (hm.len > 0.5 * MM) {
    for (let j = 0; j <= rows; j++) {
      const y = y0 + j * h;
      doc
        .moveTo(x0 - hm.gap, y)
        .lineTo(x0 - hm.gap - hm.len, y)
        .stroke();
      doc
        .moveTo(pageW - x0 + hm.gap, y)
        .lineTo(pageW - x0 + hm.gap + hm.len, y)
        .stroke();
    }
  }
  doc.restore();
}

/**
 * One page of ten identical business cards (85 × 55 mm, 2 × 5, edge to edge so one guillotine
 * cut serves two cards) with cut marks in the margins, on A4 or Letter.
 */
export function referralCardsPdf(
  card: CardContent,
  opts: { paper?: Paper; compress?: boolean } = {},
): Promise<Buffer> {
  const [pageW, pageH] = PAPER[opts.paper ?? 'a4'];
  const doc = new PDFDocument({
    size: [pageW, pageH],
    margin: 0,
    compress: opts.compress ?? true,
    info: {
      Title: `Referral cards: ${winAnsi(card.referrerFirstName)} (${card.code})`,
      Author: winAnsi(card.workspaceName),
      Creator: 'Vouch',
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (b: Buffer) => chunks.push(b));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const cols = 2;
  const rows = CARDS_PER_PAGE / cols;
  const x0 = (pageW - cols * CARD_WIDTH_MM * MM) / 2;
  const y0 = (pageH - rows * CARD_HEIGHT_MM * MM) / 2;
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < cols; i++)
      drawCard(doc, card, x0 + i * CARD_WIDTH_MM * MM, y0 + j * CARD_HEIGHT_MM * MM);
  }
  // Thin guides where the cards meet, for anyone cutting with scissors.
  doc.save().lineWidth(0.2).strokeColor('#cccccc').dash(2, { space: 2 });
  for (let i = 0; i <= cols; i++) {
    const x = x0 + i * CARD_WIDTH_MM * MM;
    doc
      .moveTo(x, y0)
      .lineTo(x, y0 + rows * CARD_HEIGHT_MM * MM)
      .stroke();
  }
  for (let j = 0; j <= rows; j++) {
    const y = y0 + j * CARD_HEIGHT_MM * MM;
    doc
      .moveTo(x0, y)
      .lineTo(x0 + cols * CARD_WIDTH_MM * MM, y)
      .stroke();
  }
  doc.undash().restore();
  drawCutMarks(doc, x0, y0, cols, rows);
  doc.end();
  return done;
}
