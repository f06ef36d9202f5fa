import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { AppError } from './errors.ts';

describe('config', () => {
  it('defaults to an embedded SQLite file under ./data on 127.0.0.1:3000', () => {
    const c = loadConfig({});
    expect(c.database).toEqual({ kind: 'sqlite', file: './data/vouch.db' });
    expect([c.host, c.port, c.publicUrl]).toEqual(['127.0.0.1', 3000, 'http://127.0.0.1:3000']);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('switches to PostgreSQL with DATABASE_URL and takes PUBLIC_URL for printed links', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://u@db/vouch',
      PUBLIC_URL: 'https://refer.example.com/',
      PORT: '8080',
    });
    expect(c.database).toMatchObject({ kind: 'postgres', url: 'postgres://u@db/vouch' });
    expect(c.publicUrl).toBe('https://refer.example.com');
  });

  it('reports every problem at once, naming each variable', () => {
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', PORT: 'eighty', PUBLIC_URL: 'ftp://x', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      const paths = (err as AppError).details!.map((d) => d.path).sort();
      expect(paths).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT', 'PUBLIC_URL']);
    }
  });

  it('sends email only with SMTP_URL and MAIL_FROM together', () => {
    expect(loadConfig({}).smtp).toBeNull();
    expect(
      loadConfig({ SMTP_URL: 'smtp://u:p@mail.example.com:587', MAIL_FROM: 'Vouch <v@example.com>' }).smtp,
    ).toEqual({ url: 'smtp://u:p@mail.example.com:587', from: 'Vouch <v@example.com>' });
    expect(() => loadConfig({ SMTP_URL: 'smtp://mail.example.com' })).toThrow('MAIL_FROM is required');
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example.com', MAIL_FROM: 'v@example.com' })).toThrow(
      'SMTP_URL',
    );
    expect(() => loadConfig({ SMTP_URL: 'smtp://m.example.com', MAIL_FROM: 'nobody' })).toThrow('MAIL_FROM');
  });
});
