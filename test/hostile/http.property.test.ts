/**
 * Hostile HTTP input, property-based (issue 5, item 3). Every route of the API gets random
 * bodies (any JSON, wrong types per field, `__proto__`/`constructor`/`prototype` keys written as
 * raw JSON text, invalid JSON, bodies nested too deep, bodies around and over the size limits,
 * chunked or not) and random headers (content types, Authorization garbage). Invariants, per case:
 * a 4xx (never a 5xx) with a JSON `{error, message}` whose message says what was wrong, and
 * nothing stored changed (matches, log, outbox, seats, logins, rooms, webhook ids); per property:
 * /healthz still answers 200 and Object.prototype is untouched. boardgame.io's Lobby routes are not
 * served at all (rooms are made only through POST /api/rooms): they, and any other path our routes
 * do not answer, get a JSON 404 `not_found`.
 *
 * `npm test` runs a sample; `FULL_RUN=1 npx vitest run test/hostile` runs 1,000 cases per surface.
 */
import { Agent } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { games, validateDiceDuelSetup, validateVerifyCardsSetup } from '../../game/index.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { connect, host, join, login, settled, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';
import {
  FORBIDDEN_KEYS,
  authorizationGarbage,
  contentType,
  describeRequest,
  expectClientError,
  expectHealthy,
  expectPrototypeIntact,
  fingerprint,
  isHeaderValue,
  jsonLeaf,
  jsonTree,
  notJson,
  padded,
  parsesAsJson,
  send,
  sendOnce,
  sendWithBearer,
  tooDeep,
  treeWithForbiddenKey,
  writeTree,
} from './helpers.js';
import type { Answer, RawRequest, Tree } from './helpers.js';
import { RUNS, TIMEOUT, params } from './runs.js';

const LIMIT = 16 * 1024;
const WEBHOOK_LIMIT = 256 * 1024;
const HOOK = { user: 'hook-user', password: 'hook-password-3f9c2e' };
const GAME_NAMES = ['penalty', 'dice-duel', 'verify-cards'];

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A server with the real games and the penalty game, a room, and three logins. */
async function world() {
  const stack = await startStack({ games: [...games, PenaltyGame], webhook: HOOK });
  const alice = stack.emulator.createLock({ wearerName: 'alice', keyholderName: 'kim' });
  const bob = stack.emulator.createLock({ wearerName: 'bob' });
  const { matchID, seat } = await host(stack, alice.tokens.wearer, {
    game: 'penalty',
    numPlayers: 3,
  });
  // A full room: whoever else joins it gets 409 after their body was read.
  const full = await host(stack, alice.tokens.wearer, { game: 'penalty', numPlayers: 1 });
  const outsider = await login(stack, bob.tokens.wearer);
  const keyholder = await login(stack, alice.tokens.keyholder!);
  return { stack, alice, bob, matchID, seat, full, outsider, keyholder };
}

/** Runs a property whose every case must be refused with a 4xx and leave the store as it was. */
async function refusedProperty<T>(
  stack: Stack,
  arbitrary: fc.Arbitrary<T>,
  toRequest: (value: T) => RawRequest,
  check?: (res: Answer, value: T, context: string) => void,
  numRuns = RUNS,
): Promise<number> {
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      cases += 1;
      const req = toRequest(value);
      const context = describeRequest(req);
      const before = fingerprint(stack);
      const res = await send(stack.url, req);
      expectClientError(res, context, undefined, req.path.length);
      check?.(res, value, context);
      expect(fingerprint(stack), context).toEqual(before);
      expectPrototypeIntact(context);
    }),
    params(numRuns),
  );
  await expectHealthy(stack);
  return cases;
}

// --- bodies --------------------------------------------------------------------------------------

/** A body as sent: raw text, content type, chunked or not. */
interface Body {
  text: string | undefined;
  type: string | undefined;
  chunked: boolean;
  /** What kind of hostile body this is, for the expected error. */
  kind: 'json' | 'forbidden' | 'invalid' | 'deep' | 'huge' | 'binary' | 'blank';
}

const JSON_TYPES = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/merge-patch+json',
);

/** Any hostile body: mostly with a JSON content type (so it reaches parsing), sometimes not. */
function hostileBody(limit: number, json: fc.Arbitrary<string> = jsonTree.map(writeTree)) {
  const type = fc.oneof(
    { weight: 3, arbitrary: JSON_TYPES },
    { weight: 1, arbitrary: contentType },
  );
  return fc.oneof(
    fc.record({ text: json, type, chunked: fc.boolean(), kind: fc.constant('json' as const) }),
    fc.record({
      text: treeWithForbiddenKey.map(writeTree),
      type: JSON_TYPES,
      chunked: fc.boolean(),
      kind: fc.constant('forbidden' as const),
    }),
    fc.record({
      text: notJson,
      type,
      chunked: fc.boolean(),
      kind: fc.constant('invalid' as const),
    }),
    fc.record({
      text: tooDeep,
      type: JSON_TYPES,
      chunked: fc.boolean(),
      kind: fc.constant('deep' as const),
    }),
    fc.record({
      text: fc.integer({ min: limit + 1, max: limit * 4 }).map((n) => padded(n)),
      type,
      chunked: fc.boolean(),
      kind: fc.constant('huge' as const),
    }),
    fc.record({
      text: fc
        .uint8Array({ minLength: 1, maxLength: 300 })
        .map((b) => Buffer.from(b).toString('latin1')),
      type,
      chunked: fc.boolean(),
      kind: fc.constant('binary' as const),
    }),
    fc.record({
      text: fc.constantFrom(undefined, '', '   ', '\n'),
      type,
      chunked: fc.constant(false),
      kind: fc.constant('blank' as const),
    }),
  );
}

function withBody(body: Body, headers: Record<string, string> = {}) {
  const all: Record<string, string> = { ...headers };
  if (body.type !== undefined) all['content-type'] = body.type;
  return { headers: all, body: body.text, chunked: body.chunked };
}

/** The error a body must get when the route reads it before anything else could fail. */
function expectBodyError(res: Answer, body: Body, context: string, routeCodes: string[]): void {
  const blank = body.text === undefined || body.text.trim() === '';
  if (body.kind === 'huge') {
    expect(res.status, context).toBe(413);
    expect(res.json.error, context).toBe('body_too_large');
  } else if (!blank && !isJsonType(body.type)) {
    expect(res.status, context).toBe(415);
    expect(res.json.error, context).toBe('unsupported_media_type');
  } else if (body.kind === 'forbidden') {
    expect(res.json.error, context).toBe('invalid_request');
    expect(res.json.message, context).toMatch(/__proto__|constructor|prototype/);
  } else if (body.kind === 'invalid') {
    expect(res.json.error, context).toBe('invalid_json');
  } else if (body.kind === 'deep') {
    expect(res.json.error, context).toBe('invalid_request');
    expect(res.json.message, context).toContain('32 levels');
  } else {
    expect([...routeCodes, 'invalid_json', 'invalid_request'], context).toContain(res.json.error);
  }
}

// --- POST /api/login ----------------------------------------------------------------------------

/** A mainToken of the wrong type or shape, or a well-formed one Chaster does not know. */
const badMainToken: fc.Arbitrary<unknown> = fc.oneof(
  jsonLeaf.filter((v) => typeof v !== 'string'),
  fc.array(jsonLeaf, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), jsonLeaf, { maxKeys: 3 }),
  fc.constantFrom('', ' ', 'has space', 'tab\there', 'a'.repeat(4097), 'ünïcödé', 'line\nbreak'),
  // Printable ASCII: passes our schema, reaches the emulator, which knows no such token.
  fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength: 1,
    maxLength: 80,
  }),
  fc.constantFrom('..', '.', '../../__emulator/requests', '%2e%2e', '?x=1', '#frag', '%00', 'a/b'),
);

describe('POST /api/login', () => {
  it(
    'random bodies and headers: 4xx JSON saying what was wrong, no login created',
    async () => {
      const { stack } = await world();
      const arbitrary = fc.oneof(
        hostileBody(LIMIT).map((body) => ({ body, token: undefined as unknown })),
        fc
          .tuple(
            badMainToken,
            fc.dictionary(fc.string({ maxLength: 8 }), jsonLeaf, { maxKeys: 2 }),
            JSON_TYPES,
            fc.boolean(),
          )
          .map(([token, extra, type, chunked]) => {
            const tree: Tree = {
              entries: [
                ['mainToken', { leaf: null }],
                ...Object.entries(extra).map(([k, v]): [string, Tree] => [k, { leaf: v }]),
              ],
            };
            // A function, not a string: a token holding `$&` must not be expanded by replace().
            const text = writeTree(tree).replace(
              '"mainToken":null',
              () => `"mainToken":${JSON.stringify(token)}`,
            );
            return { body: { text, type, chunked, kind: 'json' as const }, token };
          }),
      );
      const cases = await refusedProperty(
        stack,
        fc.tuple(arbitrary, authorizationGarbage),
        ([{ body }, authorization]) => ({
          method: 'POST',
          path: '/api/login',
          ...withBody(body, authorization === undefined ? {} : { authorization }),
        }),
        (res, [{ body, token }], context) => {
          expectBodyError(res, body, context, ['invalid_main_token']);
          const wellFormed = typeof token === 'string' && /^[\x21-\x7e]{1,4096}$/.test(token);
          if (token !== undefined && !wellFormed) {
            // The message names the field that is wrong.
            expect(res.status, context).toBe(400);
            expect(res.json.message, context).toContain('mainToken');
          }
        },
      );
      expect(cases).toBe(RUNS);
    },
    TIMEOUT,
  );
});

// --- POST /api/rooms --------------------------------------------------------------------------------

/** A value of another type than `typeof`/`kind` given. */
function wrongType(not: 'string' | 'number' | 'boolean' | 'object'): fc.Arbitrary<unknown> {
  return fc
    .oneof(
      fc.string({ maxLength: 10 }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(jsonLeaf, { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 5 }), jsonLeaf, { maxKeys: 2 }),
    )
    .filter((v) => {
      if (not === 'object') return v === null || typeof v !== 'object' || Array.isArray(v);
      return typeof v !== not;
    });
}

const MISSING = Symbol('missing');

/** One thing wrong with a room body, whatever the rest holds. */
const roomBreak: fc.Arbitrary<[string, unknown | typeof MISSING]> = fc.oneof(
  fc.tuple(
    fc.constant('game'),
    fc.oneof(
      wrongType('string'),
      fc.constantFrom('', 'x'.repeat(65), 'Penalty', 'penalty ', 'chess'),
      fc.string({ maxLength: 64 }).filter((s) => !GAME_NAMES.includes(s)),
    ),
  ),
  fc.tuple(
    fc.constant('numPlayers'),
    fc.oneof(
      wrongType('number'),
      fc.constantFrom(0, -1, 17, 1.5, 1e9, -0.5, 2 ** 53),
      fc.integer().filter((n) => n < 1 || n > 16),
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
      fc.constantFrom('2', '0x2', '2.0'),
    ),
  ),
  fc.tuple(
    fc.constant('rules'),
    fc.oneof(
      wrongType('object'),
      fc.constant(Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]))),
      fc.constant({ ['k'.repeat(65)]: 1 }),
      fc
        .tuple(
          fc.constantFrom('cooldownSeconds', 'maxRequestsPerMatch'),
          fc.oneof(wrongType('number'), fc.constantFrom(-1, 1.5, 86_401, 101, 1e12, -1e-9)),
        )
        .map(([k, v]) => ({ [k]: v })),
    ),
  ),
  fc.tuple(fc.constant('keyholderSeat'), wrongType('boolean')),
  fc.tuple(
    fc.constantFrom('extra', 'role', 'playerID', 'credentials', 'setupData', 'seats'),
    jsonLeaf,
  ),
  fc.tuple(fc.constantFrom('game', 'numPlayers'), fc.constant(MISSING)),
);

/** A room body with at least one thing wrong (as a tree, so a forbidden key may be added too). */
const brokenRoomBody: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...GAME_NAMES),
    fc.integer({ min: 1, max: 6 }),
    fc.array(roomBreak, { minLength: 1, maxLength: 3 }),
  )
  .map(([game, numPlayers, breaks]) => {
    const body: Record<string, unknown> = { game, numPlayers, rules: { cooldownSeconds: 0 } };
    for (const [key, value] of breaks) {
      if (value === MISSING) delete body[key];
      else body[key] = value;
    }
    return JSON.stringify(body);
  });

/** A rule value: usually valid, often wrong. */
function ruleValue(min: number, max: number, validOnly: boolean): fc.Arbitrary<unknown> {
  if (validOnly) return fc.integer({ min, max });
  return fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min, max }) },
    { weight: 1, arbitrary: fc.integer({ min: min - 5, max: max + 5 }) },
    { weight: 1, arbitrary: wrongType('number') },
    { weight: 1, arbitrary: fc.constantFrom(min - 1, max + 1, 0.5, 1e21, -0) },
  );
}

/** Rules for `game`: only valid values (the result may still be invalid as a whole), or any. */
function rulesFor(game: string, validOnly: boolean): fc.Arbitrary<unknown> {
  const chance = validOnly
    ? fc.double({ min: 0, max: 1, noNaN: true })
    : fc.oneof(
        fc.double({ min: 0, max: 1, noNaN: true }),
        wrongType('number'),
        fc.constantFrom(-0.1, 1.1, 2),
      );
  const common: Record<string, fc.Arbitrary<unknown>> = {
    cooldownSeconds: ruleValue(0, 86_400, validOnly),
    maxRequestsPerMatch: ruleValue(0, 100, validOnly),
    randomCheckChance: chance,
    keyholderDemands: ruleValue(0, 5, validOnly),
  };
  const deck = fc.record(
    {
      safe: ruleValue(0, 30, validOnly),
      verify: ruleValue(0, 30, validOnly),
      skip: ruleValue(0, 30, validOnly),
      double: ruleValue(0, 30, validOnly),
      shield: ruleValue(0, 30, validOnly),
      ...(validOnly ? {} : { joker: jsonLeaf }),
    },
    { requiredKeys: [] },
  );
  const own: Record<string, fc.Arbitrary<unknown>> = game === 'dice-duel'
    ? {
        rounds: ruleValue(1, 9, validOnly),
        loserRequest: validOnly ? fc.boolean() : fc.oneof(fc.boolean(), wrongType('boolean')),
      }
    : { deck: validOnly ? deck : fc.oneof(deck, wrongType('object')) };
  const other: Record<string, fc.Arbitrary<unknown>> = game === 'dice-duel'
    ? { deck }
    : { rounds: ruleValue(1, 9, true), loserRequest: fc.boolean() };
  return validOnly
    ? fc.record({ ...common, ...own }, { requiredKeys: [] })
    : fc.oneof(
        fc.record({ ...common, ...own, ...other, unknownRule: jsonLeaf }, { requiredKeys: [] }),
        wrongType('object'),
        fc.constant(undefined),
      );
}

/** A room request for a real game from a wearer or a keyholder, rules valid or not. */
const roomRequest = fc.constantFrom('dice-duel', 'verify-cards').chain((game) =>
  fc.record({
    game: fc.constant(game),
    numPlayers: fc.integer({ min: 1, max: 8 }),
    keyholderSeat: fc.constantFrom(undefined, true, false),
    role: fc.constantFrom('wearer' as const, 'keyholder' as const),
    rules: fc.oneof(rulesFor(game, true), rulesFor(game, false)),
  }),
);

describe('POST /api/rooms', () => {
  it(
    'random and broken bodies with a valid token: 4xx JSON, no match created',
    async () => {
      const { stack, outsider } = await world();
      const cases = await refusedProperty(
        stack,
        hostileBody(LIMIT, fc.oneof(brokenRoomBody, jsonTree.map(writeTree))),
        (body) => ({
          method: 'POST',
          path: '/api/rooms',
          ...withBody(body, { authorization: `Bearer ${outsider}` }),
        }),
        (res, body, context) => {
          expectBodyError(res, body, context, [
            'unknown_game',
            'invalid_rules',
            'no_seat_for_host',
          ]);
          if (res.json.error === 'unknown_game') {
            expect(res.json.message, context).toContain('penalty');
          }
        },
      );
      expect(cases).toBe(RUNS);
    },
    TIMEOUT,
  );

  it(
    'random rules (setupData) for the real games: 201 exactly when valid, else 400 with a readable message',
    async () => {
      const { stack, outsider, keyholder } = await world();
      const cases = { n: 0, created: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(roomRequest, async ({ game, numPlayers, keyholderSeat, role, rules }) => {
          cases.n += 1;
          const body = { game, numPlayers, rules, keyholderSeat };
          const context = JSON.stringify({ ...body, role });
          const expected = expectedRoom(body, role);
          const before = await stack.server.store.listMatches();
          const res = await send(stack.url, {
            method: 'POST',
            path: '/api/rooms',
            headers: {
              authorization: `Bearer ${role === 'wearer' ? outsider : keyholder}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify(body),
          });
          const after = await stack.server.store.listMatches();
          if (expected === undefined) {
            expect(res.status, `${context} → ${res.text}`).toBe(201);
            expect(after, context).toHaveLength(before.length + 1);
            cases.created += 1;
          } else {
            expectClientError(res, context, [
              'invalid_rules',
              'invalid_request',
              'no_seat_for_host',
            ]);
            expect(res.status, context).toBe(400);
            expect(after, context).toEqual(before);
            cases.refused += 1;
          }
        }),
        params(),
      );
      expect(cases.n).toBe(RUNS);
      // Both outcomes were exercised, so the oracle was tested both ways.
      expect(cases.created, JSON.stringify(cases)).toBeGreaterThan(0);
      expect(cases.refused, JSON.stringify(cases)).toBeGreaterThan(0);
      await expectHealthy(stack);
    },
    TIMEOUT,
  );
});

/**
 * Whether the server must create the room: the host needs a seat of their role, and the game's
 * own `validateSetupData` must accept `{rules (policy defaults filled in), seats}`. Returns a
 * reason when it must not.
 */
function expectedRoom(
  body: { game: string; numPlayers: number; rules: unknown; keyholderSeat?: boolean },
  role: 'wearer' | 'keyholder',
): string | undefined {
  const { game, numPlayers, rules } = body;
  const keyholderSeat = body.keyholderSeat ?? role === 'keyholder';
  const seats: Array<'wearer' | 'keyholder'> = Array.from({ length: numPlayers }, () => 'wearer');
  if (keyholderSeat) seats[role === 'keyholder' ? 0 : numPlayers - 1] = 'keyholder';
  if (!seats.includes(role)) return 'no seat for the host';
  if (rules !== undefined && (typeof rules !== 'object' || rules === null || Array.isArray(rules)))
    return 'rules not an object';
  const full = { cooldownSeconds: 120, maxRequestsPerMatch: 5, ...(rules ?? {}) };
  const validate = game === 'dice-duel' ? validateDiceDuelSetup : validateVerifyCardsSetup;
  return validate({ rules: full, seats }, numPlayers);
}

// --- rooms by id: join, view, verifications --------------------------------------------------------

/** A string as one URL path segment (lone surrogates as the bytes of an invalid sequence). */
function encodeSegment(text: string): string {
  return Array.from(text, (c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      return '%ED%A0%80';
    }
  }).join('');
}

/** A path segment that is not this server's room id: random, encoded, traversal, huge. */
const badRoomID: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }).map(encodeSegment),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '%2F',
    '%00',
    '%E0%A4%A',
    'a'.repeat(65),
    'a'.repeat(2_000),
    '%252e',
    ';',
    "'",
    '"',
    '<x>'.replace(/[<>]/g, encodeURIComponent),
  ),
);

describe('rooms by id', () => {
  it(
    'unknown, malformed or huge room ids, with valid or garbage tokens: 4xx JSON, nothing changed',
    async () => {
      const { stack, outsider } = await world();
      const cases = await refusedProperty(
        stack,
        fc.tuple(
          badRoomID,
          fc.constantFrom(
            ['POST', '/join'],
            ['GET', ''],
            ['GET', '/verifications'],
            ['POST', ''],
            ['GET', '/join'],
            ['DELETE', ''],
            ['PUT', '/join'],
            ['GET', '/verifications/extra'],
          ),
          fc.oneof(fc.constant(`Bearer ${outsider}`), authorizationGarbage),
          fc.constantFrom(undefined, 'text/event-stream', 'application/json'),
        ),
        ([id, [method, suffix], authorization, accept]) => ({
          method,
          path: `/api/rooms/${id}${suffix}`,
          headers: {
            ...(authorization === undefined ? {} : { authorization }),
            ...(accept === undefined ? {} : { accept }),
          },
        }),
      );
      expect(cases).toBe(RUNS);
    },
    TIMEOUT,
  );

  it(
    'joining a real room with a hostile body: refused before any seat is taken',
    async () => {
      const { stack, matchID, outsider } = await world();
      // Only bodies the body reader itself must refuse: any acceptable JSON would be a valid join.
      const unreadable = hostileBody(LIMIT).filter((b) => {
        if (b.text === undefined || b.text.trim() === '') return false;
        if (b.kind === 'huge' || !isJsonType(b.type)) return true;
        return (
          b.kind === 'invalid' ||
          b.kind === 'forbidden' ||
          b.kind === 'deep' ||
          !parsesAsJson(b.text)
        );
      });
      const cases = await refusedProperty(
        stack,
        unreadable,
        (body) => ({
          method: 'POST',
          path: `/api/rooms/${matchID}/join`,
          ...withBody(body, { authorization: `Bearer ${outsider}` }),
        }),
        (res, body, context) => expectBodyError(res, body, context, []),
      );
      expect(cases).toBe(RUNS);
    },
    TIMEOUT,
  );

  it(
    'a real room with garbage tokens on every route, and an unseated user on the feed: 401/403',
    async () => {
      const { stack, matchID, outsider } = await world();
      const cases = await refusedProperty(
        stack,
        fc.tuple(
          fc.oneof(
            { weight: 4, arbitrary: authorizationGarbage },
            { weight: 1, arbitrary: fc.constant('unseated') },
          ),
          fc.constantFrom(
            ['POST', '/api/rooms'],
            ['GET', '/api/rooms'],
            ['GET', `/api/rooms/${matchID}`],
            ['POST', `/api/rooms/${matchID}/join`],
            ['GET', `/api/rooms/${matchID}/verifications`],
          ),
          fc.constantFrom(undefined, 'text/event-stream'),
          fc.dictionary(
            fc.constantFrom(
              'origin',
              'cookie',
              'x-forwarded-for',
              'x-real-ip',
              'accept-language',
              'x-player-id',
              'x-role',
            ),
            fc.string({ maxLength: 40 }).filter(isHeaderValue),
            { maxKeys: 3 },
          ),
        ),
        ([authorization, [method, path], accept, extra]) => {
          if (authorization === 'unseated') {
            return {
              method: 'GET',
              path: `/api/rooms/${matchID}/verifications`,
              headers: {
                authorization: `Bearer ${outsider}`,
                ...(accept ? { accept } : {}),
                ...extra,
              },
            };
          }
          const body =
            method === 'POST' ? JSON.stringify({ game: 'penalty', numPlayers: 2 }) : undefined;
          return {
            method: method!,
            path: path!,
            headers: {
              ...extra,
              ...(authorization === undefined ? {} : { authorization }),
              ...(accept ? { accept } : {}),
              ...(body ? { 'content-type': 'application/json' } : {}),
            },
            body,
          };
        },
        (res, [authorization], context) => {
          if (authorization === 'unseated') {
            expect(res.status, context).toBe(403);
            expect(res.json.error, context).toBe('not_seated');
          } else {
            expect(res.status, context).toBe(401);
            expect(['unauthorized', 'token_expired'], context).toContain(res.json.error);
          }
        },
      );
      expect(cases).toBe(RUNS);
    },
    TIMEOUT,
  );
});

function isJsonType(type: string | undefined): boolean {
  return type !== undefined && /^application\/(.+\+)?json\b/i.test(type);
}

// --- body size limits ----------------------------------------------------------------------------------

describe('body size limits', () => {
  it(
    'bodies around and over the limit on every POST route: 413 exactly when over, chunked or not',
    async () => {
      const { stack, full, outsider } = await world();
      const routes = [
        { path: '/api/login', limit: LIMIT, authorization: undefined },
        { path: '/api/rooms', limit: LIMIT, authorization: `Bearer ${outsider}` },
        // A full room: a join that got past the body would answer 409 no_free_seat.
        {
          path: `/api/rooms/${full.matchID}/join`,
          limit: LIMIT,
          authorization: `Bearer ${outsider}`,
        },
        {
          path: '/api/chaster/webhooks',
          limit: WEBHOOK_LIMIT,
          authorization: basic(HOOK.user, HOOK.password),
        },
      ];
      let over = 0;
      const cases = await refusedProperty(
        stack,
        fc.tuple(
          fc.constantFrom(...routes),
          fc.oneof(
            fc.integer({ min: -3, max: 3 }),
            fc.integer({ min: -1024, max: 1024 }),
            fc.integer({ min: 1, max: 3 }).map((k) => k * 16 * 1024),
          ),
          fc.boolean(),
        ),
        ([route, delta, chunked]) => {
          const size = Math.max(16, route.limit + delta);
          return {
            method: 'POST',
            path: route.path,
            headers: {
              'content-type': 'application/json',
              ...(route.authorization ? { authorization: route.authorization } : {}),
            },
            body: padded(size),
            chunked,
          };
        },
        (res, [route, delta], context) => {
          const size = Math.max(16, route.limit + delta);
          if (size > route.limit) {
            over += 1;
            expect(res.status, context).toBe(413);
            expect(res.json.error, context).toBe('body_too_large');
            expect(res.json.message, context).toContain(String(route.limit));
          } else {
            expect(res.status, context).not.toBe(413);
          }
        },
      );
      expect(cases).toBe(RUNS);
      expect(over).toBeGreaterThan(0);
    },
    TIMEOUT,
  );
  it(
    'after a 413, the next request on the same kept-alive connection is answered at once',
    async () => {
      const { stack } = await world();
      const problems: string[] = [];
      for (const size of [3 * LIMIT, 48 * LIMIT]) {
        for (const chunked of [false, true]) {
          const agent = new Agent({ keepAlive: true, maxSockets: 1 });
          try {
            const big = await sendOnce(
              stack.url,
              {
                method: 'POST',
                path: '/api/login',
                headers: { 'content-type': 'application/json' },
                body: padded(size),
                chunked,
              },
              agent,
            );
            expect(big.status).toBe(413);
            const started = Date.now();
            const next = await Promise.race([
              sendOnce(stack.url, { method: 'GET', path: '/healthz' }, agent).then(
                (res) => `${res.status}`,
                (error: { code?: string }) => `error ${error.code ?? String(error)}`,
              ),
              new Promise<string>((resolve) => setTimeout(() => resolve('no answer'), 1_000)),
            ]);
            if (next !== '200') {
              problems.push(
                `${size} B${chunked ? ' chunked' : ''} → 413 (connection: ${String(big.headers.connection)}), then GET /healthz on the same connection: ${next} after ${Date.now() - started} ms`,
              );
            }
          } finally {
            agent.destroy();
          }
        }
      }
      expect(problems).toEqual([]);
    },
    TIMEOUT,
  );
});

// --- webhooks --------------------------------------------------------------------------------------------

describe('POST /api/chaster/webhooks', () => {
  /** A room where wearer bob (seat 1) has a delivered request, ready to be marked submitted. */
  async function delivered(): Promise<{
    stack: Stack;
    sessionId: string;
    status: () => Promise<string>;
    /** When the request was delivered (its row's updated_at). */
    deliveredAt: number;
  }> {
    const { stack, bob, matchID, seat } = await world();
    const seatB = await join(stack, bob.tokens.wearer, matchID);
    const client = await connect(stack, PenaltyGame, matchID, seatB);
    client.moves.lose!();
    const [row] = await settled(stack, matchID, seat.token, 1);
    expect(row!.status).toBe('delivered');
    const first = async () => (await stack.server.repository.requestsOf(matchID))[0]!;
    const status = async () => (await first()).status;
    return { stack, sessionId: bob.sessionId, status, deliveredAt: (await first()).updatedAt };
  }

  /** A submission webhook; the picture was submitted at `createdAt` (by default now). */
  const envelope = (
    sessionId: string,
    requestId: string,
    createdAt: string | typeof MISSING = new Date().toISOString(),
  ) => ({
    event: 'action_log.created',
    data: {
      sessionId,
      actionLog: {
        _id: 'log1',
        type: 'verification_picture_submitted',
        role: 'user',
        ...(createdAt === MISSING ? {} : { createdAt }),
      },
    },
    sentAt: new Date().toISOString(),
    requestId,
  });

  /** Basic auth headers that are not exactly the configured user and password. */
  const badBasic: fc.Arbitrary<string | undefined> = fc.oneof(
    authorizationGarbage,
    fc
      .tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 30 }))
      .filter(([u, p]) => !(u === HOOK.user && p === HOOK.password))
      .map(([u, p]) => basic(u, p)),
    fc.constantFrom(
      basic(HOOK.user, HOOK.password + ' '),
      basic(HOOK.user, HOOK.password.toUpperCase()),
      basic(HOOK.user.toUpperCase(), HOOK.password),
      basic('', HOOK.password),
      basic(HOOK.user, ''),
      basic(`${HOOK.user}:${HOOK.password}`, ''),
      `basic ${Buffer.from(`${HOOK.user}:${HOOK.password}`).toString('base64')}`,
      `Basic  ${Buffer.from(`${HOOK.user}:${HOOK.password}`).toString('base64')}`,
      `Bearer ${HOOK.password}`,
      `Basic ${Buffer.from(`${HOOK.user}:${HOOK.password}`).toString('base64')}, Basic x`,
    ),
  );

  it(
    'random Basic auth: 401 whatever the body, nothing marked submitted',
    async () => {
      const { stack, sessionId, status } = await delivered();
      let n = 0;
      const cases = await refusedProperty(
        stack,
        fc.tuple(badBasic, fc.oneof(fc.constant('valid'), fc.constant('random'))),
        ([authorization, kind]) => ({
          method: 'POST',
          path: '/api/chaster/webhooks',
          headers: {
            'content-type': 'application/json',
            ...(authorization === undefined ? {} : { authorization }),
          },
          body:
            kind === 'valid'
              ? JSON.stringify(envelope(sessionId, `auth-${n++}`))
              : writeTree({ entries: [['event', { leaf: 'x' }]] }),
        }),
        (res, _value, context) => {
          expect(res.status, context).toBe(401);
          expect(res.json.error, context).toBe('unauthorized');
          expect(String(res.headers['www-authenticate']), context).toMatch(/^Basic/);
        },
      );
      expect(cases).toBe(RUNS);
      expect(await status()).toBe('delivered');
    },
    TIMEOUT,
  );

  it(
    'random bodies with valid auth: 400, or 200 without marking anything; only a valid submission marks',
    async () => {
      const { stack, sessionId, status, deliveredAt } = await delivered();
      /** One thing wrong with an otherwise valid submission. */
      const mutation = fc.oneof(
        fc.tuple(
          fc.constant('event'),
          fc.oneof(
            wrongType('string'),
            fc.constantFrom('action_log.updated', 'ACTION_LOG.CREATED', '', 'x'.repeat(129)),
          ),
        ),
        fc.tuple(fc.constant('data'), wrongType('object')),
        fc.tuple(
          fc.constant('data.sessionId'),
          fc.oneof(
            wrongType('string'),
            fc.constantFrom(
              '',
              'x'.repeat(129),
              sessionId + 'x',
              sessionId.toUpperCase(),
              ` ${sessionId}`,
            ),
          ),
        ),
        fc.tuple(fc.constant('data.actionLog'), wrongType('object')),
        fc.tuple(
          fc.constant('data.actionLog.type'),
          fc.oneof(
            wrongType('string'),
            fc.constantFrom('verification_picture_requested', 'VERIFICATION_PICTURE_SUBMITTED', ''),
          ),
        ),
        // No submission time, not an ISO datetime, or a picture submitted before the delivery:
        // it answers no request that is delivered now.
        fc.tuple(
          fc.constant('data.actionLog.createdAt'),
          fc.oneof(
            wrongType('string'),
            fc.constantFrom(
              MISSING,
              '',
              'now',
              '2025-13-01T00:00:00Z',
              '2025-01-01',
              '2025-01-01T00:00:00',
              String(Date.now()),
              new Date().toUTCString(),
              new Date(0).toISOString(),
              '1999-12-31T23:59:59+01:00',
              new Date(deliveredAt - 1).toISOString(),
            ),
          ),
        ),
        fc.tuple(
          fc.constant('requestId'),
          fc.oneof(wrongType('string'), fc.constantFrom('', 'x'.repeat(129))),
        ),
        fc.tuple(fc.constant('sentAt'), fc.oneof(wrongType('string'), fc.constant('x'.repeat(65)))),
        fc.tuple(
          fc.constantFrom(
            ...FORBIDDEN_KEYS.map((k) => `data.${k}`),
            ...FORBIDDEN_KEYS.map((k) => `data.actionLog.${k}`),
          ),
          jsonLeaf,
        ),
      );
      let id = 0;
      const arbitrary = fc.oneof(
        fc.array(mutation, { minLength: 1, maxLength: 3 }).map((mutations) => {
          const tree = toTree(envelope(sessionId, `mut-${id++}`));
          for (const [path, value] of mutations) setPath(tree, path.split('.'), value);
          return {
            kind: 'mutated' as const,
            body: {
              text: writeTree(tree),
              type: 'application/json',
              chunked: false,
              kind: 'json' as const,
            },
          };
        }),
        hostileBody(WEBHOOK_LIMIT).map((body) => ({ kind: 'random' as const, body })),
      );
      let cases = 0;
      await fc.assert(
        fc.asyncProperty(arbitrary, async ({ body }) => {
          cases += 1;
          const req = {
            method: 'POST',
            path: '/api/chaster/webhooks',
            ...withBody(body, { authorization: basic(HOOK.user, HOOK.password) }),
          };
          const context = describeRequest(req);
          const before = fingerprint(stack);
          const res = await send(stack.url, req);
          if (res.status === 200) {
            // A well-formed envelope that is not a submission of a known session: taken, no effect.
            expect(res.json, context).toMatchObject({ ok: true });
            expect(res.json.handled === false || res.json.updated === 0, context).toBe(true);
            expect({ ...fingerprint(stack), webhooks: [] }, context).toEqual({
              ...before,
              webhooks: [],
            });
          } else {
            expectClientError(res, context);
            expectBodyError(res, body, context, []);
            expect(fingerprint(stack), context).toEqual(before);
          }
          expect(await status(), context).toBe('delivered');
          expectPrototypeIntact(context);
        }),
        params(),
      );
      expect(cases).toBe(RUNS);
      const hook = (body: unknown) =>
        send(stack.url, {
          method: 'POST',
          path: '/api/chaster/webhooks',
          headers: {
            authorization: basic(HOOK.user, HOOK.password),
            'content-type': 'application/json',
          },
          body: JSON.stringify(body),
        });
      // A submission without its time settles nothing; one from before the delivery is handled
      // but answers nothing delivered after it.
      const untimed = await hook(envelope(sessionId, 'no-time', MISSING));
      expect(untimed.status, untimed.text).toBe(200);
      expect(untimed.json).toEqual({ ok: true, handled: false });
      expect(await status()).toBe('delivered');
      const early = await hook(
        envelope(sessionId, 'too-early', new Date(deliveredAt - 1).toISOString()),
      );
      expect(early.status, early.text).toBe(200);
      expect(early.json).toMatchObject({ ok: true, handled: true, updated: 0 });
      expect(await status()).toBe('delivered');
      // The positive control: the same route takes a valid submission, made at (or after) the
      // delivery, and marks the request.
      const ok = await hook(
        envelope(sessionId, 'the-real-one', new Date(deliveredAt).toISOString()),
      );
      expect(ok.status, ok.text).toBe(200);
      expect(ok.json).toMatchObject({ ok: true, handled: true, updated: 1 });
      expect(await status()).toBe('submitted');
      await expectHealthy(stack);
    },
    TIMEOUT,
  );
});

/** A JSON value as a tree (keys kept as they are). */
function toTree(value: unknown): Tree {
  if (Array.isArray(value)) return { list: value.map(toTree) };
  if (value !== null && typeof value === 'object')
    return { entries: Object.entries(value).map(([k, v]): [string, Tree] => [k, toTree(v)]) };
  return { leaf: value as string | number | boolean | null };
}

/**
 * Sets (or adds) `path` in a tree, or removes it when `value` is MISSING; a path through a
 * non-object replaces it with an object.
 */
function setPath(tree: Tree, path: string[], value: unknown): void {
  if (!('entries' in tree)) return;
  const [key, ...rest] = path as [string, ...string[]];
  const at = tree.entries.findIndex(([k]) => k === key);
  if (rest.length === 0) {
    if (value === MISSING) {
      if (at !== -1) tree.entries.splice(at, 1);
    } else if (at === -1) tree.entries.push([key, toTree(value)]);
    else tree.entries[at] = [key, toTree(value)];
    return;
  }
  let child = at === -1 ? undefined : tree.entries[at]![1];
  if (child === undefined || !('entries' in child)) {
    child = { entries: [] };
    if (at === -1) tree.entries.push([key, child]);
    else tree.entries[at] = [key, child];
  }
  setPath(child, rest, value);
}

// --- everything else under /api, the boardgame.io Lobby, and any other path -------------------------------

/** How a Lobby path is spelled: letters' case and escapes (by position), a doubled first slash, a tail. */
interface Spelling {
  upper: boolean[];
  escaped: boolean[];
  doubled: boolean;
  tail: string;
}

/** The plain spelling (as boardgame.io's own client sends it), or a random one. */
const lobbySpelling: fc.Arbitrary<Spelling> = fc.oneof(
  fc.constant<Spelling>({ upper: [], escaped: [], doubled: false, tail: '' }),
  fc.record({
    upper: fc.array(fc.boolean(), { maxLength: 80 }),
    escaped: fc.array(
      fc.nat(9).map((n) => n === 0),
      { maxLength: 80 },
    ),
    doubled: fc.boolean(),
    tail: fc.constantFrom('', '/', '//', '/.', '?x=1', ';'),
  }),
);

/** `path` in the given spelling (`/games/penalty/create` → e.g. `//gAmes/%70enalty/create/`). */
function spell(path: string, how: Spelling): string {
  const letters = [...path].map((c, i) => {
    if (!/[a-z]/i.test(c)) return c;
    const cased = how.upper[i] ? c.toUpperCase() : c;
    return how.escaped[i] ? `%${cased.charCodeAt(0).toString(16)}` : cased;
  });
  return (how.doubled ? '/' : '') + letters.join('') + how.tail;
}

describe('unknown routes and the Lobby', () => {
  it(
    'unknown paths and methods under /api: 4xx JSON, nothing changed',
    async () => {
      const { stack, outsider } = await world();
      const cases = await refusedProperty(
        stack,
        fc
          .tuple(
            fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
            fc.oneof(
              fc
                .array(fc.string({ unit: 'binary', maxLength: 12 }).map(encodeSegment), {
                  minLength: 1,
                  maxLength: 4,
                })
                .map((parts) => `/api/${parts.join('/')}`),
              fc.constantFrom(
                '/api/login',
                '/api/rooms',
                '/api/chaster/webhooks',
                '/api/healthz',
                '/api/',
                '/api/rooms/',
                '/api//rooms',
                '/api/login/x',
                '/api/chaster',
                '/api/chaster/webhooks/x',
              ),
            ),
            fc.oneof(fc.constant(`Bearer ${outsider}`), authorizationGarbage),
          )
          .filter(
            // The room list and the logout with a valid token are the requests here that are not
            // hostile (the logout is tried on its own below).
            ([method, path, authorization]) =>
              !(
                ((method === 'GET' && path === '/api/rooms') ||
                  (method === 'DELETE' && path === '/api/login')) &&
                authorization === `Bearer ${outsider}`
              ),
          ),
        ([method, path, authorization]) => ({
          method,
          path,
          headers: authorization === undefined ? ({} as Record<string, string>) : { authorization },
        }),
      );
      expect(cases).toBe(RUNS);
    },
    TIMEOUT,
  );

  it('DELETE /api/login with a valid token: 200, that login is gone, its token answers 401 token_expired', async () => {
    const { stack, matchID, seat, outsider, keyholder } = await world();
    const before = fingerprint(stack);
    const out = await sendWithBearer(stack.url, outsider, {
      method: 'DELETE',
      path: '/api/login',
    });
    expect(out.status, out.text).toBe(200);
    expect(out.json).toEqual({ ok: true });
    // One login row less, nothing else changed.
    const after = fingerprint(stack);
    expect(after.logins).toHaveLength(before.logins.length - 1);
    expect(before.logins).toEqual(expect.arrayContaining(after.logins));
    expect({ ...after, logins: [] }).toEqual({ ...before, logins: [] });
    // The revoked token is refused everywhere, the logout itself included.
    const routes: Array<[string, string, string | undefined]> = [
      ['GET', '/api/rooms', undefined],
      ['POST', '/api/rooms', JSON.stringify({ game: 'penalty', numPlayers: 2 })],
      ['GET', `/api/rooms/${matchID}`, undefined],
      ['POST', `/api/rooms/${matchID}/join`, undefined],
      ['GET', `/api/rooms/${matchID}/verifications`, undefined],
      ['DELETE', '/api/login', undefined],
    ];
    for (const [method, path, body] of routes) {
      const res = await sendWithBearer(stack.url, outsider, { method, path, body });
      const context = `${method} ${path}`;
      expectClientError(res, context, ['token_expired']);
      expect(res.status, context).toBe(401);
    }
    expect(fingerprint(stack)).toEqual(after);
    // Other logins are untouched.
    for (const token of [keyholder, seat.token]) {
      const res = await send(stack.url, {
        method: 'GET',
        path: '/api/rooms',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status, res.text).toBe(200);
    }
    await expectHealthy(stack);
  });

  it(
    'the Lobby write routes (create, join, leave, update, rename, playAgain) with random bodies, in any spelling: JSON 404 not_found, no match created or joined',
    async () => {
      const { stack, matchID, seat } = await world();
      const cases = await refusedProperty(
        stack,
        fc.tuple(
          fc.constantFrom('penalty', 'dice-duel', 'verify-cards', 'nogame'),
          fc.constantFrom(
            'create',
            `${matchID}/join`,
            `${matchID}/leave`,
            `${matchID}/playAgain`,
            `${matchID}/update`,
            `${matchID}/rename`,
            'x/join',
            'create/',
          ),
          lobbySpelling,
          // Methods with a body (Node's client sends a DELETE body unframed, as a second request).
          fc.oneof(
            { weight: 3, arbitrary: fc.constant('POST') },
            { weight: 1, arbitrary: fc.constantFrom('PUT', 'PATCH') },
          ),
          hostileBody(
            LIMIT,
            fc.oneof(
              jsonTree.map(writeTree),
              fc.constant(
                JSON.stringify({
                  numPlayers: 2,
                  playerID: '1',
                  playerName: 'mallory',
                  credentials: seat.credentials,
                  newName: 'x',
                }),
              ),
            ),
          ),
        ),
        ([game, action, spelling, method, body]) => ({
          method,
          path: spell(`/games/${game}/${action}`, spelling),
          ...withBody(body),
        }),
        (res, _value, context) => {
          expect(res.status, context).toBe(404);
          expect(res.json.error, context).toBe('not_found');
        },
      );
      expect(cases).toBe(RUNS);
      // Nobody took a seat or renamed one: the room's metadata is what POST /api/rooms made.
      const { metadata } = stack.server.store.fetch(matchID, { metadata: true });
      expect(Object.values(metadata!.players).map((p) => p.name)).toEqual([
        'alice',
        undefined,
        undefined,
      ]);
    },
    TIMEOUT,
  );

  it(
    'the Lobby read routes, for real and unknown games and matches, in any spelling: JSON 404 not_found, nothing listed',
    async () => {
      const { stack, matchID, full } = await world();
      const cases = await refusedProperty(
        stack,
        fc.tuple(
          fc.oneof(
            fc.constantFrom('', '/penalty', '/dice-duel', '/verify-cards', '/nogame'),
            fc
              .tuple(
                fc.constantFrom('penalty', 'dice-duel', 'nogame'),
                fc.oneof(
                  fc.constantFrom(matchID, full.matchID),
                  fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/),
                  badRoomID,
                ),
              )
              .map(([game, id]) => `/${game}/${id}`),
          ),
          lobbySpelling,
        ),
        ([rest, spelling]) => ({ method: 'GET', path: spell(`/games${rest}`, spelling) }),
        (res, _value, context) => {
          expect(res.status, context).toBe(404);
          expect(res.json.error, context).toBe('not_found');
          // The answer is `{error, message}` only (expectClientError): no match list, no players.
          expect(res.text, context).not.toMatch(/"players"|"matches"|"gameName"|"setupData"/);
        },
      );
      expect(cases).toBe(RUNS);
    },
    TIMEOUT,
  );

  it(
    'any other path our routes do not answer, with any method: JSON 404 not_found, nothing changed',
    async () => {
      const { stack } = await world();
      const cases = await refusedProperty(
        stack,
        fc.tuple(
          fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
          fc.oneof(
            fc
              .array(fc.string({ unit: 'binary', maxLength: 12 }).map(encodeSegment), {
                minLength: 1,
                maxLength: 4,
              })
              .map((parts) => `/${parts.join('/')}`),
            fc.constantFrom(
              '/',
              '/index.html',
              '/games/',
              '/Games',
              '/lobby',
              '/healthz/',
              '/HEALTHZ',
              '/api',
              '/socket.io',
              '/.env',
              '/%2e%2e/%2e%2e/etc/passwd',
            ),
          ),
        ),
        ([method, path]) => ({ method, path }),
        (res, _value, context) => {
          expect(res.status, context).toBe(404);
          expect(res.json.error, context).toBe('not_found');
        },
      );
      expect(cases).toBe(RUNS);
    },
    TIMEOUT,
  );
});
