import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { negotiate, type Format } from './negotiate';

async function chosen(accept: string | undefined, explicit?: Format, offered: Format[] = ['json', 'csv', 'svg']) {
  const app = new Hono();
  app.get('/', (c) => c.text(negotiate(c, explicit, offered)));
  const res = await app.request('/', { headers: accept === undefined ? {} : { accept } });
  return res.text();
}

describe('negotiate', () => {
  it.each([
    [undefined, 'json'],
    ['*/*', 'json'],
    ['text/csv', 'csv'],
    ['image/svg+xml', 'svg'],
    ['image/*', 'svg'],
    ['application/json;q=0.5, text/csv', 'csv'],
    ['text/html, application/xhtml+xml, */*;q=0.8', 'json'],
    ['text/csv;q=0', 'json'],
  ])('Accept %s → %s', async (accept, format) => {
    expect(await chosen(accept)).toBe(format);
  });

  it('?format= wins over Accept; a format not offered by the route falls back to the first', async () => {
    expect(await chosen('text/csv', 'json')).toBe('json');
    expect(await chosen('image/svg+xml', undefined, ['json', 'csv'])).toBe('json');
  });
});
