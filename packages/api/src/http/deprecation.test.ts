import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { announceDeprecation, deprecationHeaders } from './deprecation';

describe('a deprecated route', () => {
  const deprecation = { since: '2026-03-01T00:00:00Z', sunset: '2026-09-01', link: 'https://api.example/docs#v2' };

  it('says so in RFC 9745 / RFC 8594 form', () => {
    expect(deprecationHeaders(deprecation)).toEqual({
      deprecation: '@1772323200',
      sunset: 'Tue, 01 Sep 2026 00:00:00 GMT',
      link: '<https://api.example/docs#v2>; rel="deprecation"',
    });
    expect(deprecationHeaders({ since: '2026-03-01' })).toEqual({ deprecation: '@1772323200' });
  });

  it('refuses a date that does not parse when the app is built', () => {
    expect(() => announceDeprecation({ since: 'next spring' })).toThrow(/deprecated.since/);
  });

  it('carries the headers on its answers and on its problems alike', async () => {
    const app = new Hono();
    app.onError((_error, c) => c.json({ code: 'failed' }, 409));
    app.get('/old', announceDeprecation(deprecation), (c) => c.json({ ok: true }));
    app.get('/old/fails', announceDeprecation(deprecation), () => {
      throw new Error('refused');
    });
    for (const path of ['/old', '/old/fails']) {
      const res = await app.request(path);
      expect(res.headers.get('deprecation'), path).toBe('@1772323200');
      expect(res.headers.get('sunset'), path).toBe('Tue, 01 Sep 2026 00:00:00 GMT');
    }
  });
});
