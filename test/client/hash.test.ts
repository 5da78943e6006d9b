import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChasterHash } from '../../src/client/index.js';

describe('parseChasterHash', () => {
  it('reads the hash exactly as Chaster sends it', () => {
    const hash =
      '#' +
      encodeURIComponent(JSON.stringify({ mainToken: 'abc.DEF-123', extensionSlug: 'games' }));
    expect(parseChasterHash(hash)).toEqual({
      ok: true,
      mainToken: 'abc.DEF-123',
      extensionSlug: 'games',
    });
    expect(parseChasterHash('#%7B%22mainToken%22%3A%22t0k%22%7D')).toEqual({
      ok: true,
      mainToken: 't0k',
    });
  });

  it.each([
    ['', 'without a Chaster session'],
    ['#', 'without a Chaster session'],
    ['#%E0%A4%A', 'not readable'],
    ['#not-json', 'not readable'],
    ['#null', 'not readable'],
    ['#' + encodeURIComponent('{"mainToken":42}'), 'no session token'],
    ['#' + encodeURIComponent('{"partnerConfigurationToken":"x"}'), 'no session token'],
  ])('%j says why it cannot be used', (hash, reason) => {
    const result = parseChasterHash(hash);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('never throws on any hash', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(typeof parseChasterHash('#' + s).ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});
