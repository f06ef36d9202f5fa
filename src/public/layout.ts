import { type Html, html, raw } from './html.ts';

/** A business's look on its public pages. */
export type Theme = {
  /** the brand colour, as set (#rrggbb) */
  brand: string;
  /** text on the brand colour: white or near-black, whichever reads better */
  onBrand: string;
  /** the brand colour darkened until it reads on white (links, focus rings, headings) */
  accent: string;
  name: string;
  logoUrl: string | null;
};

const DEFAULT_BRAND = '#2f6f5e';
const INK = '#1b1f23';

function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
const toHex = (c: [number, number, number]) =>
  `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;

/** WCAG 2 relative luminance. */
export function luminance(hex: string): number {
  const [r, g, b] = rgb(hex).map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

export function theme(w: { name: string; brandColor: string; logoUrl: string | null }): Theme {
  const brand = /^#[0-9a-f]{6}$/i.test(w.brandColor) ? w.brandColor.toLowerCase() : DEFAULT_BRAND;
  const onBrand = contrast(brand, '#ffffff') >= contrast(brand, INK) ? '#ffffff' : INK;
  let c = rgb(brand);
  let accent = brand;
  for (let i = 0; i < 20 && contrast(accent, '#ffffff') < 4.5; i++) {
    c = c.map((v) => v * 0.85) as [number, number, number];
    accent = toHex(c);
  }
  const logoUrl = w.logoUrl && /^https?:\/\//i.test(w.logoUrl) ? w.logoUrl : null;
  return { brand, onBrand, accent, name: w.name, logoUrl };
}

/** Pages with no business behind them (an unknown code). */
export const neutralTheme: Theme = {
  brand: '#3d4f5c',
  onBrand: '#ffffff',
  accent: '#3d4f5c',
  name: 'Referral offers',
  logoUrl: null,
};

// One small stylesheet, inline: no extra request, no web fonts, readable on a phone.
const CSS = `*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:${INK};background:#f4f5f3}
a{color:var(--accent)}
header.brand{background:var(--brand);color:var(--on-brand);padding:14px 18px}
header.brand .in{max-width:36rem;margin:0 auto;display:flex;align-items:center;gap:12px}
header.brand img{height:40px;width:auto;max-width:120px;border-radius:6px;background:#fff}
header.brand .name{font-weight:650;font-size:1.05rem}
main{max-width:36rem;margin:0 auto;padding:18px 16px 40px}
.card{background:#fff;border-radius:14px;padding:20px 18px;box-shadow:0 1px 3px rgba(0,0,0,.08);margin:0 0 16px}
h1{font-size:1.55rem;line-height:1.25;margin:0 0 10px;color:${INK}}
h2{font-size:1.15rem;margin:0 0 10px}
p{margin:0 0 12px}
.muted{color:#555d66;font-size:.93rem}
.from{color:#555d66;margin:0 0 6px;font-size:.95rem}
.offer{border:2px solid var(--accent);border-radius:12px;padding:14px 16px;margin:14px 0}
.offer .big{font-size:1.35rem;font-weight:700;color:var(--accent);display:block}
.hero{width:100%;height:auto;border-radius:12px;margin:0 0 14px;display:block}
blockquote{margin:0 0 12px;padding:10px 14px;border-left:4px solid var(--accent);background:#f7f8f6;border-radius:0 8px 8px 0}
blockquote footer{font-size:.9rem;color:#555d66;margin-top:4px}
label{display:block;font-weight:600;margin:14px 0 4px}
.opt{font-weight:400;color:#555d66}
input[type=text],input[type=email],input[type=tel],select{width:100%;font:inherit;padding:11px 12px;border:1.5px solid #8a939b;border-radius:9px;background:#fff;color:${INK}}
input:focus,select:focus,button:focus,a:focus{outline:3px solid var(--accent);outline-offset:2px}
.check{display:flex;gap:10px;align-items:flex-start;margin:16px 0 4px;font-weight:400}
.check input{width:22px;height:22px;margin:2px 0 0;flex:none}
.hint{font-size:.9rem;color:#555d66;margin:4px 0 0}
.err{color:#b00020;font-size:.93rem;font-weight:600;margin:4px 0 0}
[aria-invalid=true]{border-color:#b00020!important}
button,.button{display:inline-block;font:inherit;font-weight:650;background:var(--brand);color:var(--on-brand);border:0;border-radius:10px;padding:13px 20px;margin-top:18px;cursor:pointer;text-decoration:none;min-height:48px}
.full{width:100%}
.notice{background:#eef6ee;border:1px solid #b9d8b9;border-radius:10px;padding:12px 14px;margin:0 0 14px}
.problem{background:#fdf0f0;border:1px solid #e6b8b8;border-radius:10px;padding:12px 14px;margin:0 0 14px}
fieldset{border:0;margin:0;padding:0;min-width:0}legend{padding:0}
.row{box-shadow:inset 0 1px 0 #e3e6e8;padding:6px 0 12px}
.row label{margin-top:8px}
address{font-style:normal}
.row:first-of-type{box-shadow:none}
.row legend{float:left;width:100%}
.row .grid{clear:both}
.row h3{font-size:1rem;margin:8px 0 0;color:#555d66}
.grid{display:grid;gap:0 12px}
@media(min-width:560px){.grid{grid-template-columns:1fr 1fr 1fr}}
.coupon{text-align:center;border:2px dashed var(--accent);border-radius:14px;padding:18px}
.coupon svg{width:220px;height:220px;max-width:100%}
.code{font:700 1.5rem/1.2 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.12em;margin:6px 0}
ul.plain{padding-left:20px;margin:0 0 12px}
footer.site{max-width:36rem;margin:0 auto;padding:0 16px 30px;font-size:.85rem;color:#555d66}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media print{body{background:#fff}header.brand{background:#fff;color:#000;border-bottom:2px solid #000}.noprint{display:none!important}.card{box-shadow:none;border:1px solid #999}}`;

export function page(opts: {
  title: string;
  theme: Theme;
  body: Html;
  /** keep search engines away from personal pages (coupons, friends forms) */
  noindex?: boolean;
  /** a page's own styles, written by us, added after the common ones */
  css?: string;
}): string {
  const t = opts.theme;
  const vars = `:root{--brand:${t.brand};--on-brand:${t.onBrand};--accent:${t.accent}}`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${opts.title}</title>
${opts.noindex ? raw('<meta name="robots" content="noindex,nofollow">') : ''}
<meta name="theme-color" content="${t.brand}">
<style>${raw(vars)}
${raw(CSS)}${opts.css ? raw(`\n${opts.css}`) : ''}</style></head>
<body><header class="brand"><div class="in">${
    t.logoUrl ? html`<img src="${t.logoUrl}" alt="" width="40" height="40">` : ''
  }<span class="name">${t.name}</span></div></header>
<main id="main">${opts.body}</main>
</body></html>`.value;
}

/** A text, email or tel input with its label, hint and error, linked for screen readers. */
export function field(f: {
  name: string;
  label: string;
  value?: string | null;
  error?: string | null;
  hint?: string | null;
  type?: 'text' | 'email' | 'tel';
  required?: boolean;
  optional?: boolean;
  autocomplete?: string;
  id?: string;
  maxlength?: number;
}): Html {
  const id = f.id ?? f.name;
  const hintId = f.hint ? `${id}-hint` : null;
  const errId = f.error ? `${id}-err` : null;
  const described = [hintId, errId].filter(Boolean).join(' ');
  return html`<label for="${id}">${f.label}${f.optional ? html` <span class="opt">(optional)</span>` : ''}</label>
<input type="${f.type ?? 'text'}" id="${id}" name="${f.name}" value="${f.value ?? ''}" maxlength="${f.maxlength ?? 200}"${
    f.autocomplete ? html` autocomplete="${f.autocomplete}"` : ''
  }${f.required ? raw(' required') : ''}${described ? html` aria-describedby="${described}"` : ''}${
    f.error ? raw(' aria-invalid="true"') : ''
  }${f.type === 'email' ? raw(' autocapitalize="off" spellcheck="false"') : ''}>
${f.hint ? html`<p class="hint" id="${hintId}">${f.hint}</p>` : ''}${
  f.error ? html`<p class="err" id="${errId}">${f.error}</p>` : ''
}`;
}

/** A friendly page for anything that went wrong: right status, never JSON, never a stack. */
export function messagePage(opts: {
  theme?: Theme;
  title: string;
  message: string | Html;
  links?: Array<{ href: string; label: string }>;
}): string {
  return page({
    title: opts.title,
    theme: opts.theme ?? neutralTheme,
    noindex: true,
    body: html`<div class="card"><h1>${opts.title}</h1>${
      typeof opts.message === 'string' ? html`<p>${opts.message}</p>` : opts.message
    }${(opts.links ?? []).map((l) => html`<p><a href="${l.href}">${l.label}</a></p>`)}</div>`,
  });
}
