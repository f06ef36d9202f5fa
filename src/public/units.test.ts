import { describe, expect, it } from 'vitest';
import { checkEmail, emailSuggestion } from './contact.ts';
import { formatMoney, incentiveText } from './format.ts';
import { MissLimiter } from './guard.ts';
import { html, raw } from './html.ts';
import { contrast, theme } from './layout.ts';

describe('html', () => {
  it('escapes every interpolation unless marked raw', () => {
    const name = `<script>"x" & 'y'</script>`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;">&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;</p>',
    );
    expect(html`${[html`<b>${'<i>'}</b>`, '<u>']}${null}${false}${0}`.value).toBe(
      '<b>&lt;i&gt;</b>&lt;u&gt;0',
    );
    expect(html`${raw('<svg></svg>')}`.value).toBe('<svg></svg>');
  });
});

describe('brand colours', () => {
  it('picks readable text on the brand colour, and a readable accent on white', () => {
    for (const brand of ['#2f6f5e', '#ffeb3b', '#ffffff', '#000000', '#e91e63', '#7fdbff']) {
      const t = theme({ name: 'X', brandColor: brand, logoUrl: null });
      expect(contrast(t.brand, t.onBrand)).toBeGreaterThanOrEqual(3);
      expect(contrast(t.accent, '#ffffff')).toBeGreaterThanOrEqual(4.5);
    }
    expect(theme({ name: 'X', brandColor: '#ffeb3b', logoUrl: null }).onBrand).not.toBe('#ffffff');
    expect(theme({ name: 'X', brandColor: 'red;}</style>', logoUrl: 'javascript:alert(1)' })).toMatchObject({
      brand: '#2f6f5e',
      logoUrl: null,
    });
  });
});

describe('emails typed in a hurry', () => {
  it('suggests the provider someone meant', () => {
    expect(emailSuggestion('jane@gmial.com')).toBe('jane@gmail.com');
    expect(emailSuggestion('jane@gmail.con')).toBe('jane@gmail.com');
    expect(emailSuggestion('jane@hotmial.com')).toBe('jane@hotmail.com');
    expect(emailSuggestion('jane@yaho.com')).toBe('jane@yahoo.com');
    expect(emailSuggestion('jane@example.cmo')).toBe('jane@example.com');
    expect(emailSuggestion('jane@gmail.com')).toBeNull();
    expect(emailSuggestion('jane@smith-law.com')).toBeNull();
  });
  it('lets a person confirm an unusual address by sending it again', () => {
    expect(checkEmail('jane@gmial.com', '')).toMatchObject({ ok: false, suggestion: 'jane@gmail.com' });
    expect(checkEmail('Jane@Gmial.com', 'jane@gmial.com')).toEqual({ ok: true, value: 'jane@gmial.com' });
    expect(checkEmail('jane@example', '')).toMatchObject({ ok: false });
  });
});

describe('incentives in words', () => {
  it('formats money in the workspace currency', () => {
    expect(formatMoney(2000, 'USD')).toBe('$20');
    expect(formatMoney(1950, 'USD')).toBe('$19.50');
    expect(formatMoney(2000, 'JPY', 'JP')).toBe('¥2,000');
    expect(
      incentiveText({ type: 'percent', percent: 15, maxAmount: 5000, description: '' }, 'EUR', 'IE'),
    ).toEqual({
      headline: '15% off (up to €50)',
      detail: '',
    });
    expect(
      incentiveText({ type: 'service', description: 'a complimentary adjustment', value: 6500 }, 'USD', 'US'),
    ).toEqual({
      headline: 'A complimentary adjustment',
      detail: '',
    });
  });
});

describe('miss limiter', () => {
  it('blocks an address after its misses, until the window passes', () => {
    const m = new MissLimiter(3, 1000);
    for (let i = 0; i < 3; i++) m.miss('a', 0);
    expect(m.blocked('a', 10)).toBe(true);
    expect(m.blocked('b', 10)).toBe(false);
    expect(m.blocked('a', 1001)).toBe(false);
  });
});
