/**
 * The game server's HTTP API (docs/design.md "Contracts") against a real server and the Chaster
 * emulator over loopback: sessions, bearer tokens, rooms and seats, boardgame.io's Lobby routes
 * (not served: a JSON 404 in any spelling), the verification feed (JSON and SSE), Chaster webhooks,
 * health and unknown routes. No mocks.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signToken } from '../../src/server/auth.js';
import { createGameServer } from '../../src/server/index.js';
import type { VerificationStatus } from '../../src/server/index.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { twoWearerRoom } from '../helpers/rooms.js';
import {
  connect,
  host,
  join,
  login,
  requests,
  settled,
  startStack,
  until,
} from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

// --- helpers ------------------------------------------------------------------------------------

interface Answer {
  status: number;
  type: string;
  text: string;
  json: any;
  headers: Headers;
}

/** One HTTP call with full control of headers and the raw body. */
async function call(
  stack: Stack,
  method: string,
  path: string,
  {
    token,
    json,
    raw,
    headers = {},
  }: { token?: string; json?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const body = raw ?? (json === undefined ? undefined : JSON.stringify(json));
  const res = await fetch(stack.url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined && !('content-type' in headers)
        ? { 'content-type': 'application/json' }
        : {}),
      ...headers,
    },
    body,
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    text,
    json: parsed,
    headers: res.headers,
  };
}

/** Asserts the error contract: `status`, JSON `{error: code, message: text}`. */
function expectError(res: Answer, status: number, code?: string): void {
  const context = `${res.status} ${res.text}`;
  expect(res.status, context).toBe(status);
  expect(res.type, context).toMatch(/^application\/json/);
  expect(typeof res.json?.error, context).toBe('string');
  expect(typeof res.json?.message, context).toBe('string');
  expect(res.json.message.length, context).toBeGreaterThan(0);
  if (code !== undefined) expect(res.json.error, context).toBe(code);
}

/** Every key anywhere in a JSON value. */
function keysDeep(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => keysDeep(v, into));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      keysDeep(v, into);
    }
  }
  return into;
}

/** Replaces the character at `i` with another one from the base64url alphabet. */
function flipAt(text: string, i: number): string {
  const c = text[i]!;
  return text.slice(0, i) + (c === 'A' ? 'B' : 'A') + text.slice(i + 1);
}

/** `until` for a value that is there once found. */
async function found<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
): Promise<T> {
  return (await until(check, what)) as T;
}

/** `settled` for a room that must end up with `count` requests. */
async function settledList(
  stack: Stack,
  matchID: string,
  token: string,
  count: number,
): Promise<VerificationStatus[]> {
  return (await settled(stack, matchID, token, count)) as VerificationStatus[];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Server-side G.moves of a match, straight from storage. */
function movesOf(stack: Stack, matchID: string): number {
  const { state } = stack.server.store.fetch(matchID, { state: true });
  return (state!.G as { moves: number }).moves;
}

interface SseEvent {
  event: string;
  data: any;
}

/** Opens the SSE feed with fetch and collects `event:` blocks until `close()`. */
async function openFeed(stack: Stack, matchID: string, token: string) {
  const controller = new AbortController();
  const res = await fetch(`${stack.url}/api/rooms/${matchID}/verifications`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const pump = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event: string | undefined;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (event !== undefined) events.push({ event, data: JSON.parse(data.join('\n')) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    res,
    events,
    async close() {
      controller.abort();
      await pump;
    },
  };
}

const STATUS_KEYS = [
  'actor',
  'createdAt',
  'id',
  'message',
  'playerID',
  'reason',
  'status',
  'updatedAt',
];

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const HOOK = { user: 'hook', password: 'pw' };

// --- POST /api/login -------------------------------------------------------------------------

describe('POST /api/login', () => {
  it('exchanges a wearer’s and a keyholder’s mainToken for a bearer token, without any sessionId', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const lock = stack.emulator.createLock({
      title: 'Chastity challenge',
      wearerName: 'alice',
      keyholderName: 'kate',
    });
    const before = Date.now();
    for (const [role, mainToken, username] of [
      ['wearer', lock.tokens.wearer, 'alice'],
      ['keyholder', lock.tokens.keyholder!, 'kate'],
    ] as const) {
      const res = await call(stack, 'POST', '/api/login', { json: { mainToken } });
      expect(res.status, res.text).toBe(201);
      expect(res.json).toEqual({
        token: expect.stringMatching(/^[A-Za-z0-9._-]+$/),
        expiresAt: expect.any(String),
        role,
        user: { id: expect.any(String), username },
        lock: {
          id: lock.lockId,
          title: 'Chastity challenge',
          status: 'locked',
          wearer: 'alice',
          keyholder: 'kate',
          verificationPicture: true,
        },
        houseRules: null,
      });
      const expiresAt = Date.parse(res.json.expiresAt);
      expect(expiresAt).toBeGreaterThan(before);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 12 * 60 * 60 * 1000);
      expect(keysDeep(res.json).has('sessionId')).toBe(false);
      expect(res.text).not.toContain(lock.sessionId);
      expect(res.text).not.toContain(stack.emulator.token);
      expect(res.text).not.toContain(mainToken);
    }
  });

  it('reports a lock without keyholder or Verification Picture extension as such', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const lock = stack.emulator.createLock({ keyholder: false, verificationPicture: false });
    const res = await call(stack, 'POST', '/api/login', {
      json: { mainToken: lock.tokens.wearer },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json.lock).toMatchObject({ keyholder: null, verificationPicture: false });
  });

  it('refuses an unknown or expired mainToken with 401 invalid_main_token', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const unknown = await call(stack, 'POST', '/api/login', {
      json: { mainToken: 'no-such-main-token' },
    });
    expectError(unknown, 401, 'invalid_main_token');

    const lock = stack.emulator.createLock({ tokenTtlMs: 1 });
    await sleep(10);
    const expired = await call(stack, 'POST', '/api/login', {
      json: { mainToken: lock.tokens.wearer },
    });
    expectError(expired, 401, 'invalid_main_token');
  });

  it('refuses malformed bodies with 400, naming mainToken', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { tokens } = stack.emulator.createLock();
    for (const json of [
      {},
      { mainToken: '' },
      { mainToken: 42 },
      { mainToken: null },
      { mainToken: ['x'] },
      { mainToken: 'has spaces in it' },
      [tokens.wearer],
      'just a string',
    ]) {
      const res = await call(stack, 'POST', '/api/login', { json });
      expectError(res, 400, 'invalid_request');
      if (json && typeof json === 'object' && !Array.isArray(json)) {
        expect(res.json.message, res.text).toContain('mainToken');
      }
    }
    const extra = await call(stack, 'POST', '/api/login', {
      json: { mainToken: tokens.wearer, role: 'keyholder' },
    });
    expectError(extra, 400, 'invalid_request');
    expect(extra.json.message).toContain('role');
    const empty = await call(stack, 'POST', '/api/login');
    expectError(empty, 400, 'invalid_request');
  });

  it('refuses invalid JSON (400), a non-JSON content type (415) and a body over 16 KiB (413)', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { tokens } = stack.emulator.createLock();
    expectError(
      await call(stack, 'POST', '/api/login', { raw: '{"mainToken": ' }),
      400,
      'invalid_json',
    );
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      expectError(
        await call(stack, 'POST', '/api/login', {
          raw: JSON.stringify({ mainToken: tokens.wearer }),
          headers: { 'content-type': type },
        }),
        415,
        'unsupported_media_type',
      );
    }
    const big = JSON.stringify({ mainToken: tokens.wearer, pad: 'x'.repeat(16 * 1024) });
    expectError(await call(stack, 'POST', '/api/login', { raw: big }), 413, 'body_too_large');

    // Without a Content-Length (chunked), the limit holds while reading.
    const chunks = [Buffer.from('{"mainToken":"'), Buffer.alloc(20 * 1024, 'a'), Buffer.from('"}')];
    const res = await fetch(`${stack.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(new Uint8Array(chunk));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    const text = await res.text();
    expectError(
      {
        status: res.status,
        type: res.headers.get('content-type') ?? '',
        text,
        json: JSON.parse(text),
        headers: res.headers,
      },
      413,
      'body_too_large',
    );
  });

  it('answers 503 chaster_unavailable when Chaster is down', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { tokens } = stack.emulator.createLock();
    stack.emulator.setFaults({ errorRate: 1 });
    const res = await call(stack, 'POST', '/api/login', { json: { mainToken: tokens.wearer } });
    expectError(res, 503, 'chaster_unavailable');
    stack.emulator.clearFaults();
    const again = await call(stack, 'POST', '/api/login', {
      json: { mainToken: tokens.wearer },
    });
    expect(again.status, again.text).toBe(201);
  });
});

// --- bearer tokens ------------------------------------------------------------------------------

describe('bearer tokens', () => {
  it('a valid token opens the routes; a missing or non-Bearer one is 401 unauthorized', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { tokens } = stack.emulator.createLock();
    const token = await login(stack, tokens.wearer);
    const ok = await call(stack, 'POST', '/api/rooms', {
      token,
      json: { game: 'penalty', numPlayers: 2 },
    });
    expect(ok.status, ok.text).toBe(201);

    expectError(
      await call(stack, 'POST', '/api/rooms', { json: { game: 'penalty', numPlayers: 2 } }),
      401,
      'unauthorized',
    );
    expectError(
      await call(stack, 'POST', '/api/rooms', {
        json: { game: 'penalty', numPlayers: 2 },
        headers: { authorization: `Basic ${token}` },
      }),
      401,
      'unauthorized',
    );
    expectError(
      await call(stack, 'GET', `/api/rooms/${ok.json.matchID}/verifications`),
      401,
      'unauthorized',
    );
  });

  it('a token with a flipped character in its signature or payload is 401 unauthorized', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { tokens } = stack.emulator.createLock();
    const token = await login(stack, tokens.wearer);
    const [version, payload, signature] = token.split('.') as [string, string, string];
    const forgeries = [
      `${version}.${payload}.${flipAt(signature, 5)}`,
      `${version}.${payload}.${flipAt(signature, signature.length - 1)}`,
      `${version}.${flipAt(payload, 3)}.${signature}`,
      `${version}.${payload}.`,
      `v2.${payload}.${signature}`,
      `${version}.${payload}`,
    ];
    for (const forged of forgeries) {
      expect(forged).not.toBe(token);
      const res = await call(stack, 'POST', '/api/rooms', {
        token: forged,
        json: { game: 'penalty', numPlayers: 2 },
      });
      expectError(res, 401, 'unauthorized');
    }
  });

  it('an expired token is 401 token_expired; one for a login row that does not exist is 401', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { tokens } = stack.emulator.createLock();
    const token = await login(stack, tokens.wearer);
    const secret = await stack.server.repository.getSetting('token_secret');
    expect(secret).toEqual(expect.any(String));
    const { login: loginId } = JSON.parse(
      Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'),
    );

    // Same login row, properly signed, but past its expiry.
    const expired = signToken(secret!, { login: loginId, exp: Date.now() - 1000 });
    expectError(
      await call(stack, 'POST', '/api/rooms', {
        token: expired,
        json: { game: 'penalty', numPlayers: 2 },
      }),
      401,
      'token_expired',
    );

    // A validly signed token that names no login row.
    const ghost = signToken(secret!, { login: 'no-such-login-row', exp: Date.now() + 60_000 });
    const res = await call(stack, 'POST', '/api/rooms', {
      token: ghost,
      json: { game: 'penalty', numPlayers: 2 },
    });
    expectError(res, 401);
    expect(['unauthorized', 'token_expired']).toContain(res.json.error);

    // The control: the same row with a future expiry, signed the same way, works.
    const fresh = signToken(secret!, { login: loginId, exp: Date.now() + 60_000 });
    const ok = await call(stack, 'POST', '/api/rooms', {
      token: fresh,
      json: { game: 'penalty', numPlayers: 2 },
    });
    expect(ok.status, ok.text).toBe(201);
  });
});

// --- POST /api/rooms ----------------------------------------------------------------------------

describe('POST /api/rooms', () => {
  it('creates a match and seats a keyholder host at seat 0 with the keyholder role', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const lock = stack.emulator.createLock({ keyholderName: 'kate', wearerName: 'alice' });
    const token = await login(stack, lock.tokens.keyholder!);
    const res = await call(stack, 'POST', '/api/rooms', {
      token,
      json: { game: 'penalty', numPlayers: 3, rules: { cooldownSeconds: 30 } },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toEqual({
      matchID: expect.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
      playerID: '0',
      credentials: expect.any(String),
    });
    expect(res.text).not.toContain(lock.sessionId);

    const room = await call(stack, 'GET', `/api/rooms/${res.json.matchID}`, { token: token });
    expect(room.status, room.text).toBe(200);
    expect(room.json).toEqual({
      matchID: res.json.matchID,
      game: 'penalty',
      rules: { cooldownSeconds: 30, maxRequestsPerMatch: 5 },
      gameover: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      seats: [
        { playerID: '0', role: 'keyholder', name: 'kate', taken: true },
        { playerID: '1', role: 'wearer', name: null, taken: false },
        { playerID: '2', role: 'wearer', name: null, taken: false },
      ],
    });
    expect(room.text).not.toContain(res.json.credentials);
    expect(room.text).not.toContain(lock.sessionId);
  });

  it('a wearer host gets seat 0 and wearer seats only, unless a keyholder seat is asked for', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const lock = stack.emulator.createLock({ wearerName: 'alice' });
    const token = await login(stack, lock.tokens.wearer);
    const plain = await call(stack, 'POST', '/api/rooms', {
      token,
      json: { game: 'penalty', numPlayers: 2 },
    });
    expect(plain.status, plain.text).toBe(201);
    expect(plain.json.playerID).toBe('0');
    const room = await call(stack, 'GET', `/api/rooms/${plain.json.matchID}`, { token: token });
    expect(room.json.seats.map((s: any) => s.role)).toEqual(['wearer', 'wearer']);

    const withKeyholder = await call(stack, 'POST', '/api/rooms', {
      token,
      json: { game: 'penalty', numPlayers: 2, keyholderSeat: true },
    });
    expect(withKeyholder.status, withKeyholder.text).toBe(201);
    const room2 = await call(stack, 'GET', `/api/rooms/${withKeyholder.json.matchID}`, {
      token: token,
    });
    expect(room2.json.seats).toEqual([
      { playerID: '0', role: 'wearer', name: 'alice', taken: true },
      { playerID: '1', role: 'keyholder', name: null, taken: false },
    ]);
  });

  it('fills the rule defaults (cooldownSeconds 120, maxRequestsPerMatch 5) when omitted', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { tokens } = stack.emulator.createLock();
    const token = await login(stack, tokens.wearer);
    for (const body of [
      { game: 'penalty', numPlayers: 2 },
      { game: 'penalty', numPlayers: 2, rules: {} },
      { game: 'penalty', numPlayers: 2, rules: { theme: 'dice' } },
    ]) {
      const res = await call(stack, 'POST', '/api/rooms', { token, json: body });
      expect(res.status, res.text).toBe(201);
      const room = await call(stack, 'GET', `/api/rooms/${res.json.matchID}`, { token: token });
      expect(room.json.rules).toEqual({
        ...body.rules,
        cooldownSeconds: 120,
        maxRequestsPerMatch: 5,
      });
    }
  });

  it('refuses an unknown game with 400 unknown_game', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { tokens } = stack.emulator.createLock();
    const token = await login(stack, tokens.wearer);
    const res = await call(stack, 'POST', '/api/rooms', {
      token,
      json: { game: 'chess', numPlayers: 2 },
    });
    expectError(res, 400, 'unknown_game');
    expect(res.json.message).toContain('penalty');
  });

  it('refuses numPlayers out of range or of the wrong type with a 400 naming the field', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { tokens } = stack.emulator.createLock();
    const token = await login(stack, tokens.wearer);
    for (const numPlayers of [0, -1, 17, 1000, 1.5, '2', null, true]) {
      const res = await call(stack, 'POST', '/api/rooms', {
        token,
        json: { game: 'penalty', numPlayers },
      });
      expectError(res, 400, 'invalid_request');
      expect(res.json.message, `numPlayers ${JSON.stringify(numPlayers)}`).toContain('numPlayers');
    }
    const missing = await call(stack, 'POST', '/api/rooms', { token, json: { game: 'penalty' } });
    expectError(missing, 400, 'invalid_request');
    expect(missing.json.message).toContain('numPlayers');
    const badRule = await call(stack, 'POST', '/api/rooms', {
      token,
      json: { game: 'penalty', numPlayers: 2, rules: { cooldownSeconds: -5 } },
    });
    expectError(badRule, 400, 'invalid_request');
    expect(badRule.json.message).toContain('cooldownSeconds');
  });

  /** Posts raw JSON texts as room bodies; each must be a 400 that creates nothing and pollutes nothing. */
  async function expectRefusedRules(raws: string[]) {
    const stack = await startStack({ games: [PenaltyGame] });
    const { tokens } = stack.emulator.createLock();
    const token = await login(stack, tokens.wearer);
    const roomsBefore = await stack.server.store.listMatches();
    for (const raw of raws) {
      const res = await call(stack, 'POST', '/api/rooms', { token, raw });
      expect(({} as Record<string, unknown>).x, raw).toBeUndefined();
      expect(({} as Record<string, unknown>).cooldownSeconds, raw).toBeUndefined();
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'x'), raw).toBe(false);
      expectError(res, 400, 'invalid_request');
      expect(res.json.message, raw).toContain('rules');
    }
    expect(await stack.server.store.listMatches()).toEqual(roomsBefore);
  }

  it('refuses rules with constructor or prototype keys and leaves Object.prototype alone', async () => {
    await expectRefusedRules([
      '{"game":"penalty","numPlayers":2,"rules":{"constructor":{"prototype":{"x":1}}}}',
      '{"game":"penalty","numPlayers":2,"rules":{"prototype":{"x":1}}}',
    ]);
  });

  it('refuses rules with a __proto__ key and leaves Object.prototype alone', async () => {
    await expectRefusedRules([
      '{"game":"penalty","numPlayers":2,"rules":{"__proto__":{"x":1}}}',
      '{"game":"penalty","numPlayers":2,"rules":{"__proto__":{"cooldownSeconds":1}}}',
    ]);
  });
});

// --- POST /api/rooms/:matchID/join --------------------------------------------------------------

describe('POST /api/rooms/:matchID/join', () => {
  it('seats a second wearer at seat 1; a full room is 409 no_free_seat', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const a = stack.emulator.createLock({ wearerName: 'alice' });
    const b = stack.emulator.createLock({ wearerName: 'bob' });
    const c = stack.emulator.createLock({ wearerName: 'carol' });
    const { matchID } = await host(stack, a.tokens.wearer, { game: 'penalty', numPlayers: 2 });
    const tokenB = await login(stack, b.tokens.wearer);
    const res = await call(stack, 'POST', `/api/rooms/${matchID}/join`, { token: tokenB });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toEqual({ playerID: '1', credentials: expect.any(String) });
    expect(res.text).not.toContain(b.sessionId);

    const room = await call(stack, 'GET', `/api/rooms/${matchID}`, { token: tokenB });
    expect(room.json.seats).toEqual([
      { playerID: '0', role: 'wearer', name: 'alice', taken: true },
      { playerID: '1', role: 'wearer', name: 'bob', taken: true },
    ]);

    const tokenC = await login(stack, c.tokens.wearer);
    expectError(
      await call(stack, 'POST', `/api/rooms/${matchID}/join`, { token: tokenC }),
      409,
      'no_free_seat',
    );
  });

  it('joining again gives the same seat with new credentials; the old ones stop working', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { b, matchID, seatB: first } = await twoWearerRoom(stack);
    expect(first.playerID).toBe('1');
    // A client on the first device, connected while its credentials were valid.
    const oldClient = await connect(stack, PenaltyGame, matchID, first);

    const second = await join(stack, b.tokens.wearer, matchID); // a new login, same user
    expect(second.playerID).toBe('1');
    expect(second.credentials).not.toBe(first.credentials);
    const room = await call(stack, 'GET', `/api/rooms/${matchID}`, { token: second.token });
    expect(room.json.seats.filter((s: any) => s.taken)).toHaveLength(2);

    const refusalsBefore = stack.logs.filter((l) => l.includes('bad credentials')).length;
    oldClient.moves.pass!();
    await until(
      () => stack.logs.filter((l) => l.includes('bad credentials')).length > refusalsBefore,
      'the stale move to be refused',
    );
    expect(movesOf(stack, matchID)).toBe(0);

    const newClient = await connect(stack, PenaltyGame, matchID, second);
    newClient.moves.pass!();
    await until(() => movesOf(stack, matchID) === 1, 'the fresh move to be committed');
  });

  it('a wearer cannot take the keyholder seat; the keyholder can', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const a = stack.emulator.createLock();
    const b = stack.emulator.createLock();
    const { matchID } = await host(stack, a.tokens.wearer, {
      game: 'penalty',
      numPlayers: 2,
      keyholderSeat: true,
    });
    const tokenB = await login(stack, b.tokens.wearer);
    expectError(
      await call(stack, 'POST', `/api/rooms/${matchID}/join`, { token: tokenB }),
      409,
      'no_free_seat',
    );
    const room = await call(stack, 'GET', `/api/rooms/${matchID}`, { token: tokenB });
    expect(room.json.seats[1]).toEqual({
      playerID: '1',
      role: 'keyholder',
      name: null,
      taken: false,
    });
    const keyholder = await join(stack, a.tokens.keyholder!, matchID);
    expect(keyholder.playerID).toBe('1');
  });

  it('an unknown room is 404 room_not_found; a malformed matchID is a 400/404 JSON, never 500', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { tokens } = stack.emulator.createLock();
    const token = await login(stack, tokens.wearer);
    expectError(
      await call(stack, 'POST', '/api/rooms/doesNotExist1/join', { token }),
      404,
      'room_not_found',
    );
    expectError(
      await call(stack, 'GET', '/api/rooms/doesNotExist1', { token }),
      404,
      'room_not_found',
    );
    expectError(
      await call(stack, 'GET', '/api/rooms/doesNotExist1/verifications', { token }),
      404,
      'room_not_found',
    );

    const bad = [
      encodeURIComponent('../x'),
      encodeURIComponent('../../etc/passwd'),
      'a'.repeat(200),
      '%00',
      '%E0%A4%A',
      encodeURIComponent("x' OR 1=1 --"),
      encodeURIComponent('<script>'),
    ];
    for (const id of bad) {
      for (const [method, path] of [
        ['POST', `/api/rooms/${id}/join`],
        ['GET', `/api/rooms/${id}`],
        ['GET', `/api/rooms/${id}/verifications`],
      ] as const) {
        const res = await call(stack, method, path, { token });
        expectError(res, res.status);
        expect([400, 404], `${method} ${path}: ${res.status} ${res.text}`).toContain(res.status);
      }
    }
  });
});

// --- raw boardgame.io Lobby -----------------------------------------------------------------------

describe('raw boardgame.io Lobby routes', () => {
  it('boardgame.io’s Lobby routes answer 404 and create/join nothing, in any spelling', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const lock = stack.emulator.createLock({ wearerName: 'alice' });
    const { matchID, seat } = await host(stack, lock.tokens.wearer, {
      game: 'penalty',
      numPlayers: 2,
    });
    const before = await stack.server.store.listMatches();
    const metadataBefore = stack.server.store.fetch(matchID, { metadata: true }).metadata;
    const asSeat0 = { playerID: '0', credentials: seat.credentials };
    const attempts: Array<[string, unknown]> = [
      ['/games/penalty/create', { numPlayers: 2 }],
      [`/games/penalty/${matchID}/join`, { playerID: '1', playerName: 'mallory' }],
      [`/games/penalty/${matchID}/leave`, asSeat0],
      [`/games/penalty/${matchID}/playAgain`, asSeat0],
      [`/games/penalty/${matchID}/update`, { ...asSeat0, newName: 'x' }],
      [`/games/penalty/${matchID}/rename`, { ...asSeat0, newName: 'x' }],
      // Other spellings the Lobby router would have matched.
      ['/games/penalty/create/', { numPlayers: 2 }],
      ['/Games/Penalty/Create', { numPlayers: 2 }],
      ['/games/%70enalty/create', { numPlayers: 2 }],
      ['/games/penalty/create?numPlayers=2', { numPlayers: 2 }],
      [`/GAMES/penalty/${matchID}/join/`, { playerID: '1', playerName: 'mallory' }],
    ];
    for (const [path, json] of attempts) {
      for (const token of [undefined, seat.token]) {
        const res = await call(stack, 'POST', path, { json, token });
        expectError(res, 404, 'not_found');
        expect(res.text).not.toContain(seat.credentials);
      }
    }
    // Nothing was created, joined, left or renamed.
    expect(await stack.server.store.listMatches()).toEqual(before);
    expect(stack.server.store.fetch(matchID, { metadata: true }).metadata).toEqual(metadataBefore);
    const room = await call(stack, 'GET', `/api/rooms/${matchID}`, { token: seat.token });
    expect(room.json.seats).toEqual([
      { playerID: '0', role: 'wearer', name: 'alice', taken: true },
      { playerID: '1', role: 'wearer', name: null, taken: false },
    ]);
  });

  it('GET /games, /games/penalty and /games/penalty/:id answer 404 and show no match', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const lock = stack.emulator.createLock({ wearerName: 'alice' });
    const { matchID, seat } = await host(stack, lock.tokens.wearer, {
      game: 'penalty',
      numPlayers: 2,
    });
    for (const path of [
      '/games',
      '/games/',
      '/games/penalty',
      '/Games/penalty',
      '/games/penalty?isGameover=false',
      `/games/penalty/${matchID}`,
      `/games/%70enalty/${matchID}/`,
    ]) {
      for (const token of [undefined, seat.token]) {
        const res = await call(stack, 'GET', path, { token });
        expectError(res, 404, 'not_found');
        expect(keysDeep(res.json)).toEqual(new Set(['error', 'message']));
        for (const secret of ['alice', 'gameName', seat.credentials, lock.sessionId]) {
          expect(res.text, path).not.toContain(secret);
        }
      }
    }
    // Rooms are listed and read only through our own API, signed in.
    expectError(await call(stack, 'GET', '/api/rooms'), 401, 'unauthorized');
    const rooms = await call(stack, 'GET', '/api/rooms', { token: seat.token });
    expect(rooms.json.rooms.map((r: { matchID: string }) => r.matchID)).toEqual([matchID]);
  });
});

// --- GET /api/rooms/:matchID/verifications ------------------------------------------------------

describe('GET /api/rooms/:matchID/verifications', () => {
  it('shows a seated player the room’s requests; anyone else gets 403 not_seated', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { b, matchID, seat, seatB } = await twoWearerRoom(stack);
    const outsider = stack.emulator.createLock();
    expect(await requests(stack, matchID, seat.token)).toEqual([]);

    const client = await connect(stack, PenaltyGame, matchID, seatB);
    client.moves.lose!();
    await settled(stack, matchID, seat.token, 1);

    const res = await call(stack, 'GET', `/api/rooms/${matchID}/verifications`, {
      token: seatB.token,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    expect(Object.keys(res.json)).toEqual(['requests']);
    expect(res.json.requests).toHaveLength(1);
    const [request] = res.json.requests as VerificationStatus[];
    expect(Object.keys(request!).sort()).toEqual(STATUS_KEYS);
    expect(request).toEqual({
      id: expect.any(String),
      playerID: '1',
      reason: 'seat 1 lost',
      actor: 'extension',
      status: 'delivered',
      message: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(request!.message === null || typeof request!.message === 'string').toBe(true);
    expect(Number.isNaN(Date.parse(request!.createdAt))).toBe(false);
    expect(Date.parse(request!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(request!.createdAt));
    expect(res.text).not.toContain(b.sessionId);

    const outsiderToken = await login(stack, outsider.tokens.wearer);
    expectError(
      await call(stack, 'GET', `/api/rooms/${matchID}/verifications`, { token: outsiderToken }),
      403,
      'not_seated',
    );
    expectError(
      await call(stack, 'GET', `/api/rooms/${matchID}/verifications`, {
        token: outsiderToken,
        headers: { accept: 'text/event-stream' },
      }),
      403,
      'not_seated',
    );
    expect(stack.server.feed.size).toBe(0);
  });

  it('streams existing and new requests as SSE, live through delivery, and frees the listener on abort', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { a, matchID, seat, seatB } = await twoWearerRoom(stack);
    const clientB = await connect(stack, PenaltyGame, matchID, seatB);
    clientB.moves.lose!();
    const [existing] = await settledList(stack, matchID, seat.token, 1);
    expect(stack.server.feed.size).toBe(0);

    const feed = await openFeed(stack, matchID, seat.token);
    try {
      expect(feed.res.status).toBe(200);
      expect(feed.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      await until(() => feed.events.length >= 1, 'the existing request on the stream');
      expect(feed.events[0]).toEqual({ event: 'verification', data: existing });
      expect(stack.server.feed.size).toBe(1);

      // A new request after connecting: seat 0 loses a round.
      const clientA = await connect(stack, PenaltyGame, matchID, seat);
      clientA.moves.lose!();
      const live = await found(
        () => feed.events.find((e) => e.data.playerID === '0' && e.data.status === 'delivered'),
        'the new request to arrive delivered on the stream',
      );
      expect(live.event).toBe('verification');
      expect(Object.keys(live.data).sort()).toEqual(STATUS_KEYS);
      expect(live.data).toMatchObject({
        playerID: '0',
        reason: 'seat 0 lost',
        actor: 'extension',
      });
      expect(live.data.id).not.toBe(existing!.id);
      const statuses = feed.events
        .filter((e) => e.data.id === live.data.id)
        .map((e) => e.data.status);
      // Order of what arrived: every status seen is a step on queued → sending → delivered.
      const order = ['queued', 'sending', 'delivered'];
      expect(statuses.every((s) => order.includes(s))).toBe(true);
      expect(statuses.map((s) => order.indexOf(s))).toEqual(
        [...statuses.map((s) => order.indexOf(s))].sort((x, y) => x - y),
      );
      expect(statuses.at(-1)).toBe('delivered');
      expect(feed.events.every((e) => e.event === 'verification')).toBe(true);
      expect(JSON.stringify(feed.events)).not.toContain(a.sessionId);
    } finally {
      await feed.close();
    }
    await until(() => stack.server.feed.size === 0, 'the SSE listener to be released');
  });

  it('several streams share the feed and each releases its listener', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { matchID, seat, seatB } = await twoWearerRoom(stack);
    const feeds = await Promise.all([
      openFeed(stack, matchID, seat.token),
      openFeed(stack, matchID, seatB.token),
      openFeed(stack, matchID, seat.token),
    ]);
    await until(() => stack.server.feed.size === 3, 'three listeners');
    await feeds[0]!.close();
    await until(() => stack.server.feed.size === 2, 'one listener released');
    await Promise.all(feeds.slice(1).map((f) => f.close()));
    await until(() => stack.server.feed.size === 0, 'every listener released');
  });
});

// --- POST /api/chaster/webhooks -----------------------------------------------------------------

describe('POST /api/chaster/webhooks', () => {
  /** A room where seat 1 (wearer B) has a delivered request. */
  async function deliveredRoom(stack: Stack) {
    const { a, b, matchID, seat, seatB } = await twoWearerRoom(stack);
    const clientB = await connect(stack, PenaltyGame, matchID, seatB);
    clientB.moves.lose!();
    const [row] = await settledList(stack, matchID, seat.token, 1);
    expect(row!.status).toBe('delivered');
    return { a, b, matchID, seat, seatB, clientB };
  }

  const envelope = (
    sessionId: string,
    requestId: string,
    type = 'verification_picture_submitted',
  ) => ({
    event: 'action_log.created',
    data: {
      sessionId,
      actionLog: { _id: 'log1', type, role: 'user', createdAt: new Date().toISOString() },
    },
    sentAt: new Date().toISOString(),
    requestId,
  });

  const hook = (stack: Stack, json: unknown, authorization = basic(HOOK.user, HOOK.password)) =>
    call(stack, 'POST', '/api/chaster/webhooks', { json, headers: { authorization } });

  it('refuses a missing or wrong Basic auth with 401', async () => {
    const stack = await startStack({ games: [PenaltyGame], webhook: HOOK });
    const { b, matchID, seat } = await deliveredRoom(stack);
    const body = envelope(b.sessionId, 'req-auth');
    const none = await call(stack, 'POST', '/api/chaster/webhooks', { json: body });
    expectError(none, 401, 'unauthorized');
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    expectError(await hook(stack, body, basic('hook', 'wrong')), 401, 'unauthorized');
    expectError(await hook(stack, body, basic('other', 'pw')), 401, 'unauthorized');
    expectError(await hook(stack, body, 'Bearer pw'), 401, 'unauthorized');
    expectError(await hook(stack, body, 'Basic !!!'), 401, 'unauthorized');
    const list = await requests(stack, matchID, seat.token);
    expect(list.map((r) => r.status)).toEqual(['delivered']);
    // The same body with the right auth is taken: the refusals above were about auth alone.
    const ok = await hook(stack, body);
    expect(ok.status, ok.text).toBe(200);
  });

  it('marks the delivered request submitted; the same requestId again is a no-op duplicate', async () => {
    const stack = await startStack({ games: [PenaltyGame], webhook: HOOK });
    const { b, matchID, seat, clientB } = await deliveredRoom(stack);

    const first = await hook(stack, envelope(b.sessionId, 'req-1'));
    expect(first.status, first.text).toBe(200);
    expect(first.json).toMatchObject({ ok: true, handled: true, updated: 1 });
    const afterFirst = await requests(stack, matchID, seat.token);
    expect(afterFirst).toEqual([expect.objectContaining({ playerID: '1', status: 'submitted' })]);

    // A second request for B: the emulator still holds B's first one pending → already_pending,
    // which the same webhook would mark submitted if it were processed again.
    clientB.moves.lose!();
    const two = await settledList(stack, matchID, seat.token, 2);
    expect(two.map((r) => r.status)).toEqual(['submitted', 'already_pending']);

    const again = await hook(stack, envelope(b.sessionId, 'req-1'));
    expect(again.status, again.text).toBe(200);
    expect(again.json).toMatchObject({ duplicate: true });
    expect(await requests(stack, matchID, seat.token)).toEqual(two);

    // A new requestId is processed.
    const next = await hook(stack, envelope(b.sessionId, 'req-2'));
    expect(next.json).toMatchObject({ handled: true, updated: 1 });
    expect((await requests(stack, matchID, seat.token)).map((r) => r.status)).toEqual([
      'submitted',
      'submitted',
    ]);
  });

  it('answers 200 handled:false to other events and leaves the requests alone', async () => {
    const stack = await startStack({ games: [PenaltyGame], webhook: HOOK });
    const { b, matchID, seat } = await deliveredRoom(stack);
    for (const body of [
      { event: 'extension_session.updated', data: { session: {} }, requestId: 'other-1' },
      envelope(b.sessionId, 'other-2', 'verification_picture_requested'),
      { ...envelope(b.sessionId, 'other-3'), event: 'action_log.updated' },
      { event: 'action_log.created', data: { sessionId: b.sessionId }, requestId: 'other-4' },
    ]) {
      const res = await hook(stack, body);
      expect(res.status, res.text).toBe(200);
      expect(res.json).toMatchObject({ handled: false });
    }
    expect((await requests(stack, matchID, seat.token)).map((r) => r.status)).toEqual([
      'delivered',
    ]);
  });

  it('refuses malformed bodies with 400', async () => {
    const stack = await startStack({ games: [PenaltyGame], webhook: HOOK });
    const { b, matchID, seat } = await deliveredRoom(stack);
    const good = envelope(b.sessionId, 'bad-x');
    const { requestId: _r, ...noRequestId } = good;
    const { event: _e, ...noEvent } = good;
    for (const json of [
      noRequestId,
      noEvent,
      { ...good, requestId: '' },
      { ...good, requestId: 42 },
      { ...good, event: 7 },
      { ...good, data: 'x' },
      { ...good, data: null },
      [good],
      'text',
      { ...good, requestId: 'r'.repeat(500) },
    ]) {
      expectError(await hook(stack, json), 400);
    }
    const notJson = await call(stack, 'POST', '/api/chaster/webhooks', {
      raw: '{"event":',
      headers: {
        authorization: basic(HOOK.user, HOOK.password),
        'content-type': 'application/json',
      },
    });
    expectError(notJson, 400, 'invalid_json');
    expect((await requests(stack, matchID, seat.token)).map((r) => r.status)).toEqual([
      'delivered',
    ]);
  });

  it('end to end: the emulator’s webhook after the wearer submits marks the request submitted', async () => {
    const stack = await startStack({ games: [PenaltyGame], webhook: HOOK });
    stack.emulator.setWebhook({ url: `${stack.url}/api/chaster/webhooks`, ...HOOK });
    const { b, matchID, seat } = await deliveredRoom(stack);
    const feed = await openFeed(stack, matchID, seat.token);
    try {
      await until(() => feed.events.length >= 1, 'the delivered request on the stream');
      const result = await stack.emulator.submit(b.sessionId);
      expect(result.webhook?.status).toBe(200);
      const submitted = await found(
        () => feed.events.find((e) => e.data.status === 'submitted'),
        'the submitted status on the stream',
      );
      expect(submitted.data).toMatchObject({ playerID: '1', status: 'submitted' });
      expect(await requests(stack, matchID, seat.token)).toEqual([
        expect.objectContaining({ playerID: '1', status: 'submitted' }),
      ]);
    } finally {
      await feed.close();
    }
  });

  it('without webhook config the route answers 503 webhooks_disabled', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { b, matchID, seat } = await deliveredRoom(stack);
    expectError(await hook(stack, envelope(b.sessionId, 'disabled-1')), 503, 'webhooks_disabled');
    expect((await requests(stack, matchID, seat.token)).map((r) => r.status)).toEqual([
      'delivered',
    ]);
  });
});

// --- health and unknown routes ------------------------------------------------------------------

describe('health and unknown routes', () => {
  it('GET /healthz answers 200 {ok:true}', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const res = await call(stack, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    expect(res.json).toEqual({ ok: true });
  });

  it('unknown routes and methods, in /api and outside it, answer 404 JSON', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/nope'],
      ['POST', '/healthz'],
      ['DELETE', '/games'],
      ['GET', '/api/nope'],
      ['GET', '/api/'],
      ['GET', '/api/login'],
      ['DELETE', '/api/rooms/abc'],
      ['PUT', '/api/rooms/abc/join'],
      ['GET', '/api/rooms/abc/seats'],
      ['GET', '/api/chaster/webhooks'],
    ] as const) {
      expectError(await call(stack, method, path), 404, 'not_found');
    }
  });
});

describe('GET /api/rooms', () => {
  it('lists open rooms newest first, with seats, for a logged-in user only', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const a = stack.emulator.createLock({ wearerName: 'ann' });
    const b = stack.emulator.createLock({ wearerName: 'ben' });
    const first = await host(stack, a.tokens.wearer, { game: 'penalty', numPlayers: 2 });
    const second = await host(stack, b.tokens.wearer, { game: 'penalty', numPlayers: 3 });
    expect((await call(stack, 'GET', '/api/rooms')).status).toBe(401);
    expect((await call(stack, 'GET', `/api/rooms/${first.matchID}`)).status).toBe(401);
    const res = await call(stack, 'GET', '/api/rooms', { token: first.seat.token });
    expect(res.status).toBe(200);
    expect(res.json.rooms.map((r: { matchID: string }) => r.matchID)).toEqual([
      second.matchID,
      first.matchID,
    ]);
    expect(res.json.rooms[0].seats).toEqual([
      { playerID: '0', role: 'wearer', name: 'ben', taken: true },
      { playerID: '1', role: 'wearer', name: null, taken: false },
      { playerID: '2', role: 'wearer', name: null, taken: false },
    ]);
    expect(res.text).not.toContain(a.sessionId);
    expect(res.text).not.toContain(first.seat.credentials);
  });
});

describe('createGameServer options', () => {
  it('refuses a lease not longer than two Chaster deadlines, before opening any storage', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'bgio-chaster-options-'));
    const database = joinPath(dir, 'game.sqlite');
    try {
      await expect(
        createGameServer({
          games: [PenaltyGame],
          chaster: { baseUrl: 'http://127.0.0.1:1', token: 'dev-token', timeoutMs: 15_000 },
          database,
          dispatcher: { leaseMs: 30_000 },
        }),
      ).rejects.toThrow(
        /dispatcher\.leaseMs \(30000\) must be longer than twice chaster\.timeoutMs \(15000\)/,
      );
      expect(existsSync(database)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
