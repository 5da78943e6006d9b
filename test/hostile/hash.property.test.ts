/**
 * Malformed iframe hashes in the client (issue 5, item 3), beyond test/client/hash.test.ts (which
 * checks that random strings never throw): huge hashes, JSON with `__proto__`/`constructor`
 * keys, every JSON type, broken and double percent-encoding. Invariants: never throws, the
 * answer is one of the two documented shapes, a refusal never echoes the input, a session token is
 * only ever an own string property of the hash's object, and Object.prototype stays untouched.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChasterHash } from '../../src/client/index.js';
import type { ChasterHash } from '../../src/client/index.js';
import { expectPrototypeIntact, jsonTree, treeWithForbiddenKey, writeTree } from './helpers.js';
import { RUNS, params } from './runs.js';

const REASONS = [
  'This page was opened without a Chaster session.',
  'The link is damaged: its session part is not readable.',
  'The link carries no session token.',
];

/** What the hash must give, computed independently of the parser. */
function expected(hash: string): ChasterHash | 'refused' {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  let data: unknown;
  try {
    data = JSON.parse(decodeURIComponent(raw));
  } catch {
    return 'refused';
  }
  if (data === null || typeof data !== 'object') return 'refused';
  const own = (key: string) =>
    Object.prototype.hasOwnProperty.call(data, key)
      ? (data as Record<string, unknown>)[key]
      : undefined;
  const mainToken = own('mainToken');
  const slug = own('extensionSlug');
  if (typeof mainToken !== 'string' || mainToken.length === 0 || mainToken.length > 4096)
    return 'refused';
  return typeof slug === 'string'
    ? { ok: true, mainToken, extensionSlug: slug }
    : { ok: true, mainToken };
}

/** Checks one hash against the invariants and the independent expectation. */
function check(hash: string): ChasterHash {
  const context = hash.length > 300 ? `${hash.slice(0, 300)}… (${hash.length} chars)` : hash;
  let result: ChasterHash | undefined;
  expect(() => (result = parseChasterHash(hash)), context).not.toThrow();
  const want = expected(hash);
  if (want === 'refused') {
    expect(result, context).toEqual({ ok: false, reason: expect.any(String) });
    expect(REASONS, context).toContain((result as { reason: string }).reason);
  } else {
    expect(result, context).toEqual(want);
  }
  expectPrototypeIntact(context);
  return result!;
}

const hashOf = (text: string) => '#' + encodeURIComponent(text);

/** A token of any characters (lone surrogates excluded: encodeURIComponent refuses them). */
const token = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 });

describe('parseChasterHash with hostile hashes', () => {
  it('JSON of any shape, with prototype keys written as raw text: only an own string mainToken counts', () => {
    let cases = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          jsonTree.map(writeTree),
          treeWithForbiddenKey.map(writeTree),
          // A mainToken hidden behind a prototype key, or next to one.
          fc
            .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), token, fc.boolean())
            .map(([key, t, alsoOwn]) =>
              alsoOwn
                ? `{"${key}":{"mainToken":${JSON.stringify(t)}},"mainToken":${JSON.stringify(t)}}`
                : `{"${key}":{"mainToken":${JSON.stringify(t)},"extensionSlug":"x"}}`,
            ),
          fc
            .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }))
            .map(([mainToken, extensionSlug]) => JSON.stringify({ mainToken, extensionSlug })),
        ),
        fc.constantFrom('#', ''),
        (text, prefix) => {
          cases += 1;
          check(prefix + encodeURIComponent(text));
        },
      ),
      params(),
    );
    expect(cases).toBe(RUNS);
    // The prototype keys were really there: the parser saw a __proto__ key and ignored it.
    expect(parseChasterHash(hashOf('{"__proto__":{"mainToken":"abc"}}')).ok).toBe(false);
    expect(parseChasterHash(hashOf('{"constructor":{"mainToken":"abc"}}')).ok).toBe(false);
  });

  it('huge hashes (up to 2 MB) and tokens around the 4,096-character limit: refused or read exactly, fast', () => {
    let cases = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 4_090, max: 4_100 }).map((n) => ({ n, pad: 0 })),
          fc.integer({ min: 1, max: 4_096 }).map((n) => ({ n, pad: 0 })),
          fc.integer({ min: 10_000, max: 2_000_000 }).map((pad) => ({ n: 8, pad })),
        ),
        fc.constantFrom('x', 'é', '%', '"', '\u{1F600}'),
        ({ n, pad }, char) => {
          cases += 1;
          // n UTF-16 code units (one less for an odd n of a two-unit character).
          const mainToken = char.repeat(Math.max(1, Math.floor(n / char.length)));
          const body = { mainToken, ...(pad ? { padding: 'p'.repeat(pad) } : {}) };
          const started = performance.now();
          const result = check(hashOf(JSON.stringify(body)));
          expect(performance.now() - started).toBeLessThan(1_000);
          expect(result.ok, `${n} chars`).toBe(mainToken.length <= 4_096);
        },
      ),
      params(RUNS),
    );
    expect(cases).toBe(RUNS);
    // Garbage of the same size is refused as unreadable, not thrown.
    expect(check('#' + '%'.repeat(2_000_000)).ok).toBe(false);
    expect(check('#' + '{'.repeat(1_000_000)).ok).toBe(false);
    expect(check('#' + encodeURIComponent('['.repeat(100_000) + ']'.repeat(100_000))).ok).toBe(
      false,
    );
  });

  it('broken, partial, double and raw (unencoded) percent-encoding, any characters: never throws', () => {
    let cases = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 60 }).map((t) => JSON.stringify({ mainToken: t })),
          token.map((t) => encodeURIComponent(JSON.stringify({ mainToken: t }))),
          token.map((t) =>
            encodeURIComponent(encodeURIComponent(JSON.stringify({ mainToken: t }))),
          ),
          fc.tuple(token, fc.nat()).map(([t, cut]) => {
            const full = encodeURIComponent(JSON.stringify({ mainToken: t }));
            return full.slice(0, cut % (full.length + 1));
          }),
          fc
            .array(
              fc.constantFrom('%', '%E0', '%A4', '%2', '%%', '%7B', '%22', '%FF', '%C0%AF', '#'),
              {
                maxLength: 20,
              },
            )
            .map((parts) => parts.join('')),
        ),
        fc.constantFrom('#', '', '##'),
        (text, prefix) => {
          cases += 1;
          check(prefix + text);
        },
      ),
      params(),
    );
    expect(cases).toBe(RUNS);
  });

  it('round trip: any token and slug, encoded as Chaster does, are read back exactly', () => {
    let cases = 0;
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }),
        fc.option(fc.string({ unit: 'grapheme', maxLength: 40 }), { nil: undefined }),
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
        (mainToken, extensionSlug, extra) => {
          cases += 1;
          const { mainToken: _m, extensionSlug: _s, ...rest } = extra;
          const result = check(hashOf(JSON.stringify({ ...rest, mainToken, extensionSlug })));
          expect(result).toEqual(
            extensionSlug === undefined
              ? { ok: true, mainToken }
              : { ok: true, mainToken, extensionSlug },
          );
        },
      ),
      params(),
    );
    expect(cases).toBe(RUNS);
  });
});
