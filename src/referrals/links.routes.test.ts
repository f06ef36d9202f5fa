import { inflateSync } from 'node:zlib';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type Client, type TestApp, testApp } from '../../test/http.ts';
import { createProgram } from '../programs/programs.service.ts';
import { createClickRecorder, trackClick } from './clicks.ts';

// jsqr is CommonJS whose types declare an ES default export: take the function either way.
const jsQR = ((jsQRModule as { default?: unknown }).default ?? jsQRModule) as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;

/** The text a PDF shows, one string per TJ/Tj operator (streams inflated, hex strings decoded). */
function pdfText(pdf: Buffer): string[] {
  const raw = pdf.toString('latin1');
  const out: string[] = [];
  // Streams are cut by their declared /Length: compressed bytes may contain "endstream".
  const streams = /\/Length (\d+)[^>]*>>\s*stream\r?\n/g;
  for (const m of raw.matchAll(streams)) {
    const start = m.index! + m[0].length;
    const body = pdf.subarray(start, start + Number(m[1]));
    let content: string;
    try {
      content = inflateSync(body).toString('latin1');
    } catch {
      content = body.toString('latin1');
    }
    for (const op of content.matchAll(
      /\[((?:[^\]\\]|\\.)*)\]\s*TJ|(<[0-9a-fA-F]*>|\((?:[^)\\]|\\.)*\))\s*Tj/g,
    )) {
      const parts = (op[1] ?? op[2]!).matchAll(/<([0-9a-fA-F]*)>|\(((?:[^)\\]|\\.)*)\)/g);
      out.push(
        [...parts]
          .map((p) => (p[1] !== undefined ? Buffer.from(p[1], 'hex').toString('latin1') : p[2]!))
          .join(''),
      );
    }
  }
  return out;
}

describe.each(dialects)('referral links API on %s', (dialect) => {
  let t: TestApp;
  let owner: Client;
  let programId: string;
  let referrerId: string;
  beforeAll(async () => {
    t = await testApp(dialect);
    owner = await t.signIn({ workspaceName: 'Elm Street Chiropractic' });
    await owner.req('PATCH', '/api/v1/workspace', { brandColor: '#aa3355' });
    programId = (
      await owner.req('POST', '/api/v1/programs', {
        name: 'Friends feel better',
        status: 'active',
        terms: {
          friendIncentive: { type: 'service', description: 'a complimentary adjustment', value: 6500 },
        },
      })
    ).json().id;
    referrerId = (
      await owner.req('POST', '/api/v1/people', {
        firstName: 'Rita',
        lastName: 'Ross',
        email: 'rita@example.com',
      })
    ).json().id;
  });
  afterAll(() => t.close());

  it('creates a link on demand, once per referrer and program', async () => {
    const first = await owner.req('POST', `/api/v1/programs/${programId}/links`, { referrerId });
    expect(first.statusCode, first.body).toBe(201);
    const link = first.json();
    expect(link).toMatchObject({
      programId,
      referrerId,
      disabled: false,
      clicks: 0,
      shareUrl: `http://127.0.0.1:3000/r/${link.code}`,
    });
    expect(link.formUrl).toMatch(/^http:\/\/127\.0\.0\.1:3000\/f\/[\w-]{40,}$/);
    const again = await owner.req('POST', `/api/v1/programs/${programId}/links`, { referrerId });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(link);
    expect((await owner.req('GET', `/api/v1/people/${referrerId}/links`)).json()).toEqual([link]);
    expect((await owner.req('GET', `/api/v1/links/${link.id}`)).json()).toEqual(link);
  });

  it('counts clicks recorded for the link', async () => {
    const link = (await owner.req('POST', `/api/v1/programs/${programId}/links`, { referrerId })).json();
    const recorder = createClickRecorder(t.db);
    for (let i = 0; i < 3; i++)
      await trackClick(t.db, recorder, link.code, { ip: `192.0.2.${i}`, userAgent: 'x' });
    await recorder.close();
    expect((await owner.req('GET', `/api/v1/links/${link.id}`)).json().clicks).toBe(3);
  });

  it('refuses a referrer or program that does not exist', async () => {
    const nobody = '0190a3c4-0000-7000-8000-000000000000';
    expect(
      (await owner.req('POST', `/api/v1/programs/${programId}/links`, { referrerId: nobody })).statusCode,
    ).toBe(404);
    expect((await owner.req('POST', `/api/v1/programs/${nobody}/links`, { referrerId })).statusCode).toBe(
      404,
    );
    expect((await owner.req('POST', `/api/v1/programs/${programId}/links`, {})).statusCode).toBe(400);
  });

  it('disables and re-enables a link (managers only)', async () => {
    const link = (await owner.req('POST', `/api/v1/programs/${programId}/links`, { referrerId })).json();
    const off = await owner.req('PATCH', `/api/v1/links/${link.id}`, { disabled: true });
    expect(off.json()).toMatchObject({ disabled: true, disabledAt: expect.any(String) });
    const on = await owner.req('PATCH', `/api/v1/links/${link.id}`, { disabled: false });
    expect(on.json()).toMatchObject({ disabled: false, disabledAt: null });

    // Staff may make links and print cards, but not switch links off.
    const staff = await t.signIn({ role: 'staff' });
    const staffRef = (await staff.req('POST', '/api/v1/people', { firstName: 'Sam' })).json();
    const staffProgram = await createProgram(
      t.db,
      { workspaceId: staff.workspaceId, role: 'owner', userId: null, via: 'api_key' },
      { name: 'Staff test', status: 'active' },
    );
    const made = await staff.req('POST', `/api/v1/programs/${staffProgram.id}/links`, {
      referrerId: staffRef.id,
    });
    expect(made.statusCode, made.body).toBe(201);
    expect((await staff.req('PATCH', `/api/v1/links/${made.json().id}`, { disabled: true })).statusCode).toBe(
      403,
    );
    expect((await staff.req('GET', `/api/v1/people/${staffRef.id}/card.pdf`)).statusCode).toBe(200);
  });

  it('serves the QR code as PNG and SVG, encoding the share URL', async () => {
    const link = (await owner.req('POST', `/api/v1/programs/${programId}/links`, { referrerId })).json();
    const png = await owner.req('GET', `/api/v1/links/${link.id}/qr.png`);
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    const image = PNG.sync.read(png.rawPayload);
    expect(image.width).toBe(512);
    const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
    expect(decoded?.data).toBe(link.shareUrl);

    const svg = await owner.req('GET', `/api/v1/links/${link.id}/qr.svg`);
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(svg.body).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.body).toContain('<path');
  });

  it('prints a page of ten referral cards with the name, offer, code and QR', async () => {
    const link = (await owner.req('POST', `/api/v1/programs/${programId}/links`, { referrerId })).json();
    for (const paper of ['a4', 'letter']) {
      const res = await owner.req(
        'GET',
        `/api/v1/people/${referrerId}/card.pdf?programId=${programId}&paper=${paper}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      const pdf = res.rawPayload;
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      const raw = pdf.toString('latin1');
      expect(raw.match(/\/Type \/Page\b/g)).toHaveLength(1);
      expect(raw).toContain(paper === 'a4' ? '595.28 841.89' : '612 792');
      const text = pdfText(pdf);
      expect(text.filter((s) => s === link.code)).toHaveLength(10);
      expect(text.filter((s) => s === 'Referred by Rita')).toHaveLength(10);
      const all = text.join(' ').replace(/\s+/g, ' ');
      expect(all).toContain('Elm Street Chiropractic');
      expect(all).toContain('Bring this card for a complimentary adjustment.');
    }
    // Without programId: the program of their link.
    const plain = await owner.req('GET', `/api/v1/people/${referrerId}/card.pdf`);
    expect(pdfText(plain.rawPayload)).toContain(link.code);
    expect((await owner.req('GET', `/api/v1/people/${referrerId}/card.pdf?paper=a3`)).statusCode).toBe(400);
  });

  it('hides links, QR codes and cards of another workspace', async () => {
    const link = (await owner.req('POST', `/api/v1/programs/${programId}/links`, { referrerId })).json();
    const other = await t.signIn();
    for (const url of [
      `/api/v1/links/${link.id}`,
      `/api/v1/links/${link.id}/qr.png`,
      `/api/v1/links/${link.id}/qr.svg`,
      `/api/v1/people/${referrerId}/links`,
      `/api/v1/people/${referrerId}/card.pdf`,
      `/api/v1/people/${referrerId}/card.pdf?programId=${programId}`,
    ]) {
      expect((await other.req('GET', url)).statusCode, url).toBe(404);
    }
    expect((await other.req('PATCH', `/api/v1/links/${link.id}`, { disabled: true })).statusCode).toBe(404);
    expect((await other.req('POST', `/api/v1/programs/${programId}/links`, { referrerId })).statusCode).toBe(
      404,
    );
    expect((await owner.req('GET', `/api/v1/links/${link.id}`)).json().disabled).toBe(false);
  });
});
