import { describe, expect, it } from 'vitest';
import { negotiateConsoleLocale } from './i18n';
import { consoleKeys, seal, unseal } from './keys';
import { insideConsole } from './render';
import { isoToWallClock, wallClockToIso } from './time';

describe('where an action may send the browser back to', () => {
  it.each([
    ['/console', true],
    ['/console/home', true],
    ['/console/desk?q=DEMO-0001', true],
    ['/consoleevil', false],
    ['//evil.example/console', false],
    ['https://evil.example/console/home', false],
    ['/console//evil.example', false],
    ['/console/\\evil', false],
    ['/openapi.json', false],
    [undefined, false],
  ])('%s → %s', (path, inside) => {
    expect(insideConsole(path)).toBe(inside);
  });
});

describe("the console's language", () => {
  it.each([
    ['en', 'zh-CN', 'zh-CN', 'en'],
    [undefined, 'en-GB,en;q=0.9', 'zh-CN', 'en'],
    [undefined, 'fr-FR, zh-TW;q=0.8, en;q=0.5', 'en', 'zh-CN'],
    [undefined, 'en;q=0.2, zh;q=0.9', 'en', 'zh-CN'],
    [undefined, 'de-DE', 'en', 'en'],
    ['klingon', undefined, 'zh-CN', 'zh-CN'],
  ] as const)('switch %s, Accept-Language %s, default %s → %s', (chosen, accept, fallback, expected) => {
    expect(negotiateConsoleLocale(chosen, accept, fallback)).toBe(expected);
  });
});

describe('call times typed on the bank clock', () => {
  it('reads a datetime-local value in Asia/Shanghai and shows an instant back in it', () => {
    expect(wallClockToIso('2026-11-23T09:00')).toBe('2026-11-23T01:00:00.000Z');
    expect(isoToWallClock(Date.parse('2026-11-23T01:00:00.000Z'))).toBe('2026-11-23T09:00');
    expect(wallClockToIso('2026-11-23 09:00')).toBeUndefined();
    expect(wallClockToIso(undefined)).toBeUndefined();
  });

  it('follows a zone with daylight saving time', () => {
    expect(wallClockToIso('2026-07-01T12:00', 'Europe/London')).toBe('2026-07-01T11:00:00.000Z');
    expect(wallClockToIso('2026-01-01T12:00', 'Europe/London')).toBe('2026-01-01T12:00:00.000Z');
  });
});

describe('the sealed session cookie', () => {
  it('opens only with the same secret and for the same cookie name', async () => {
    const keys = await consoleKeys('a-secret-that-is-long-enough-for-hkdf-000');
    const other = await consoleKeys('another-secret-that-is-long-enough-000000');
    const sealed = await seal(keys.seal, 'cc_session', { sid: 's', idToken: 't', since: 1 });
    expect(await unseal(keys.seal, 'cc_session', sealed)).toEqual({ sid: 's', idToken: 't', since: 1 });
    expect(await unseal(other.seal, 'cc_session', sealed)).toBeUndefined();
    expect(await unseal(keys.seal, 'cc_oauth', sealed)).toBeUndefined();
    expect(await unseal(keys.seal, 'cc_session', 'not-a-sealed-value')).toBeUndefined();
  });
});
