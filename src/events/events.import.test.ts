import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../../test/db.ts';
import { type Client, type TestApp, testApp } from '../../test/http.ts';
import { minorUnits, timestamp } from './events.import.ts';

describe('transaction CSV values', () => {
  it('reads amounts in major units into minor units, exactly', () => {
    expect(minorUnits('12.50', 'USD')).toBe(1250);
    expect(minorUnits('$1,234.5', 'USD')).toBe(123_450);
    expect(minorUnits('0.07', 'USD')).toBe(7);
    expect(minorUnits('1200', 'JPY')).toBe(1200);
    expect(minorUnits('12.345', 'USD')).toMatch(/more decimals than USD has/);
    expect(minorUnits('twelve', 'USD')).toMatch(/is not an amount/);
  });
  it('reads ISO, Shopify and bare dates', () => {
    expect(timestamp('2026-11-02 14:05:01 -0500')).toBe('2026-11-02T19:05:01.000Z');
    expect(timestamp('2026-11-02T14:05:00+01:00')).toBe('2026-11-02T13:05:00.000Z');
    expect(timestamp('2026-11-02')).toBe('2026-11-02T12:00:00.000Z');
    expect(timestamp('02/11/2026')).toBeNull();
  });
});

describe.each(dialects)('transaction CSV import on %s', (dialect) => {
  let t: TestApp;
  let c: Client;
  const upload = (csv: string | Buffer, query = '') =>
    c.req('POST', `/api/v1/imports/transactions?filename=sales.csv${query}`, csv as string, {
      'content-type': 'text/csv',
    });
  const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    t = await testApp(dialect);
    c = await t.signIn({ workspaceName: 'Import Clinic' });
  });
  afterAll(() => t.close());

  it('imports purchases, visits and refunds once, rejecting bad rows with line and reason', async () => {
    const program = (
      await c.req('POST', '/api/v1/programs', {
        name: 'Refer a friend',
        status: 'active',
        terms: { referrerReward: { type: 'credit', amount: 2000 }, holdDays: 0 },
      })
    ).json();
    const rita = (
      await c.req('POST', '/api/v1/people', { firstName: 'Rita', email: 'rita@example.com' })
    ).json();
    await c.req('POST', '/api/v1/referrals', {
      programId: program.id,
      referrer: { personId: rita.id },
      friend: { firstName: 'Fay', email: 'fay@example.com' },
    });
    const csv = [
      'type,external_id,occurred_at,amount,currency,refund_of,customer_external_id,email,first_name,last_name,note',
      'purchase,#1001,,$120.00,USD,,,fay@example.com,Fay,,first visit',
      `visit,V-1,${day(3)},,,,POS-7,,Gus,Green,`,
      `purchase,#1002,${day(2)},45.5,USD,,POS-7,,,,`,
      `refund,R-1,${day(1)},10,USD,#1002,,,,,`,
      `purchase,#1003,${day(1)},12.345,USD,,POS-7,,,,`,
      `refund,R-2,${day(1)},5,USD,#9999,,,,,`,
      `purchase,#1004,2099-01-01,10,USD,,POS-7,,,,`,
      `purchase,#1005,${day(1)},-10,USD,,POS-7,,,,`,
      `purchase,#1006,${day(1)},10,EUR,,POS-7,,,,`,
    ].join('\n');
    const res = await upload(csv);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      kind: 'transactions',
      status: 'done',
      rowsCreated: 4,
      rowsRejected: 5,
      rowsUnchanged: 0,
    });
    const rejects = (await c.req('GET', res.json().rejectsUrl)).body.trim().split('\n');
    expect(rejects[0]).toMatch(/^line,reason,type,external_id/);
    expect(rejects.slice(1).map((l) => l.split(',')[0])).toEqual(['6', '7', '8', '9', '10']);
    expect(rejects[1]).toMatch(/more decimals than USD has/);
    expect(rejects[2]).toMatch(/no purchase/);
    expect(rejects[3]).toMatch(/in the future/);
    expect(rejects[4]).toMatch(/negative; a refund is a row of type refund/);
    expect(rejects[5]).toMatch(/EUR differs/);

    // Fay's purchase won Rita's referral, by the same door as the API.
    const wallet = (await c.req('GET', `/api/v1/people/${rita.id}/wallet`)).json();
    expect(wallet.balances[0]).toMatchObject({ available: 2000 });
    const gus = (await c.req('GET', '/api/v1/people?q=Gus')).json().items[0];
    expect(gus).toMatchObject({ kind: 'customer', externalId: 'POS-7' });
    const events = (await c.req('GET', `/api/v1/events?personId=${gus.id}`)).json().items;
    expect(events.map((e: { type: string; amount: number | null }) => [e.type, e.amount])).toEqual([
      ['refund', 1000],
      ['purchase', 4550],
      ['visit', null],
    ]);

    const again = await upload(csv);
    expect(again.json()).toMatchObject({ rowsCreated: 0, rowsUnchanged: 4, rowsRejected: 5 });
  });

  it('stops at a broken quote naming the line, keeping the rows before it', async () => {
    const csv = `external_id,amount,email\nQ-1,10,q1@example.com\nQ-2,"10,q2@example.com\nQ-3,10,q3@example.com\n`;
    const res = await upload(csv, '&source=till');
    expect(res.statusCode).toBe(422);
    const err = res.json();
    expect(err.title).toMatch(/1 row\(s\) before the problem were imported/);
    const list = (await c.req('GET', '/api/v1/events?source=till')).json();
    expect(list.items.map((e: { externalId: string }) => e.externalId)).toEqual(['Q-1']);
  });

  it('refuses a file that is not UTF-8, and one without an id column', async () => {
    const latin1 = Buffer.from('external_id,amount,first_name\nL-1,10,Jos\xe9\n', 'latin1');
    const res = await upload(latin1);
    expect(res.statusCode).toBe(422);
    expect(res.json().title).toMatch(/UTF-8/);
    const noId = await upload('amount,email\n10,a@example.com\n');
    expect(noId.statusCode).toBe(422);
    expect(noId.json().title).toMatch(/No column for the transaction id/);
  });
});
