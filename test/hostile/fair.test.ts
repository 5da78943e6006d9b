/**
 * Fair and bounded (docs/security.md), tried by an ordinary signed-in user who wants more than
 * their share and by an anonymous caller, on one instance over SQLite and on two instances sharing
 * Postgres and Redis (where every count must hold across the instances):
 * - logins are rate-limited per address and in all, and a mainToken Chaster refused is answered
 *   from memory for a while instead of asking Chaster again;
 * - a user hosts only so many rooms, creates only so many a minute, and cannot go beyond the
 *   operator's bounds on the room policy;
 * - open event streams are capped per user and in all, and end with their login;
 * - wearers take turns for the Chaster budget, not rooms: one wearer's flood from many finished
 *   rooms delays another wearer's request by one turn, not one per room;
 * - a logout ends the token on every instance;
 * - a request recorded for an empty seat fails at once and never reaches whoever sits there later;
 * - a webhook settles only the requests delivered before the picture was submitted.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { signToken } from '../../src/server/auth.js';
import { TEST_LIMITS } from '../fixtures/limits.js';
import { DiceDuel } from '../../game/index.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { needServices } from '../helpers/services-suite.js';
import { api, makeMove, until } from '../helpers/stack.js';
import { flood, login, room, startTarget } from '../helpers/targets.js';
import type { Target, TargetKind } from '../helpers/targets.js';

const missing = needServices('The Postgres + Redis half of the fairness tests');
const WEBHOOK = { user: 'chaster', password: 'webhook-secret' };

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** Servers with these limits (the rest generous, as in every test not about them). */
function start(kind: TargetKind, limits: Record<string, number>) {
  return startTarget(kind, {
    games: [PenaltyGame],
    limits: { ...TEST_LIMITS, ...limits },
    webhook: WEBHOOK,
  });
}

/** The instance a request goes to: alternating, so a count must hold across both. */
const at = (target: Target, i: number) => target.urls[i % target.urls.length]!;

/** An open SSE stream of a room's verifications; resolves with its status and the events it gets. */
function openStream(url: string, matchID: string, token: string) {
  return new Promise<{ status: number; text: () => string; ended: Promise<void> }>(
    (resolve, reject) => {
      const req = httpRequest(`${url}/api/rooms/${matchID}/verifications`, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
      });
      req.on('response', (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        const ended = new Promise<void>((done) => res.on('close', () => done()));
        closers.push(() => req.destroy());
        resolve({ status: res.statusCode ?? 0, text: () => text, ended });
      });
      req.on('error', reject);
      req.end();
    },
  );
}

async function webhook(url: string, sessionId: string, requestId: string, createdAt: number) {
  const res = await fetch(`${url}/api/chaster/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${WEBHOOK.user}:${WEBHOOK.password}`).toString('base64')}`,
    },
    body: JSON.stringify({
      event: 'action_log.created',
      requestId,
      data: {
        sessionId,
        actionLog: {
          type: 'verification_picture_submitted',
          createdAt: new Date(createdAt).toISOString(),
        },
      },
    }),
  });
  expect(res.status).toBe(200);
}

describe.each(['sqlite', 'postgres'] as const)('on %s', (kind) => {
  const skip = () => kind === 'postgres' && missing() !== undefined;

  it('logins are limited per address and in all, with 429, Retry-After and a message, across instances', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind, { loginsPerAddressPerMinute: 3, loginsPerMinute: 1000 });
    const answers = [];
    for (let i = 0; i < 5; i++) {
      const token = target.emulator.createLock().tokens.wearer;
      answers.push(await api(at(target, i), 'POST', '/api/login', { body: { mainToken: token } }));
    }
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 429, 429]);
    expect(answers[3]!.json).toEqual({
      error: 'rate_limited',
      message: expect.stringMatching(
        /Too many logins from your address \(3 a minute\); try again in \d+ s\./,
      ),
    });
    const global = await start(kind, { loginsPerAddressPerMinute: 1000, loginsPerMinute: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const token = global.emulator.createLock().tokens.wearer;
      const res = await fetch(`${at(global, i)}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mainToken: token }),
      });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([201, 201, 429, 429]);
  });

  it('a mainToken Chaster refused is answered from memory, without asking Chaster again', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind, {});
    const bogus = 'a'.repeat(24);
    const first = await api(at(target, 0), 'POST', '/api/login', { body: { mainToken: bogus } });
    expect(first.status).toBe(401);
    expect(first.json.error).toBe('invalid_main_token');
    const calls = target.emulator.authCalls();
    for (let i = 0; i < 5; i++) {
      const again = await api(at(target, 0), 'POST', '/api/login', {
        body: { mainToken: bogus },
      });
      expect(again).toEqual(first);
    }
    expect(target.emulator.authCalls()).toBe(calls);
  });

  it('a user hosts a bounded number of rooms, creates a bounded number a minute, and keeps within the operator bounds', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind, {
      openRoomsPerUser: 2,
      roomsPerUserPerMinute: 3,
      minCooldownSeconds: 60,
      maxRequestsPerMatch: 10,
    });
    const token = await login(at(target, 0), target.emulator.createLock().tokens.wearer);
    const create = (i: number, rules: Record<string, unknown> = {}) =>
      api(at(target, i), 'POST', '/api/rooms', {
        token,
        body: { game: 'penalty', numPlayers: 2, rules },
      });
    const low = await create(0, { cooldownSeconds: 0 });
    expect(low.status).toBe(400);
    expect(low.json).toEqual({
      error: 'below_server_limit',
      message: 'This server requires cooldownSeconds of at least 60.',
    });
    const high = await create(1, { maxRequestsPerMatch: 50 });
    expect(high.json.error).toBe('above_server_limit');
    // Unset rules take the bounds: the default cooldown (120) is above the floor and stays.
    const a = await create(0, { maxRequestsPerMatch: 10 });
    expect(a.status).toBe(201);
    const view = await api(at(target, 1), 'GET', `/api/rooms/${a.json.matchID}`, { token });
    expect(view.json.rules).toMatchObject({ cooldownSeconds: 120, maxRequestsPerMatch: 10 });
    expect((await create(1)).status).toBe(201);
    const third = await create(0);
    expect(third.status).toBe(429);
    expect(third.json.error).toBe('too_many_rooms');
    // The refused ones counted against the per-minute rate too (three creates: two rooms, one refused).
    const fourth = await create(1);
    expect(fourth.status).toBe(429);
    expect(fourth.json.error).toBe('rate_limited');
  });

  it('signed-in calls are limited per user across instances; another user is not slowed', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind, { callsPerUserPerMinute: 6 });
    const heavy = await login(at(target, 0), target.emulator.createLock().tokens.wearer);
    const light = await login(at(target, 1), target.emulator.createLock().tokens.wearer);
    for (let i = 0; i < 6; i++) {
      expect((await api(at(target, i), 'GET', '/api/rooms', { token: heavy })).status).toBe(200);
    }
    const refused = await fetch(`${at(target, 6)}/api/rooms`, {
      headers: { authorization: `Bearer ${heavy}` },
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({
      error: 'rate_limited',
      message: expect.stringMatching(/calling too often \(6 a minute\); try again in \d+ s\./),
    });
    expect((await api(at(target, 7), 'GET', '/api/rooms', { token: light })).status).toBe(200);
    // Logging out is never refused for calling too often, and ends the token.
    expect((await api(at(target, 8), 'DELETE', '/api/login', { token: heavy })).status).toBe(200);
    expect((await api(at(target, 9), 'GET', '/api/rooms', { token: heavy })).status).toBe(401);
  });

  it('a room refused for its rules costs no room-creation quota', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await startTarget(kind, {
      games: [PenaltyGame, DiceDuel],
      limits: { ...TEST_LIMITS, roomsPerUserPerMinute: 2 },
    });
    const token = await login(at(target, 0), target.emulator.createLock().tokens.wearer);
    const create = (i: number, rules: Record<string, unknown>) =>
      api(at(target, i), 'POST', '/api/rooms', {
        token,
        body: { game: 'dice-duel', numPlayers: 2, rules },
      });
    for (let i = 0; i < 3; i++) {
      expect((await create(i, { cooldownSeconds: 0, nonsense: true })).json.error).toBe(
        'invalid_rules',
      );
    }
    expect((await create(0, { cooldownSeconds: 0 })).status).toBe(201);
    expect((await create(1, { cooldownSeconds: 0 })).status).toBe(201);
    const third = await create(0, { cooldownSeconds: 0 });
    expect(third.status).toBe(429);
    expect(third.json.error).toBe('rate_limited');
  });

  it('open streams are capped per user and in all, across instances, and a closed one frees its place', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind, { streamsPerUser: 2, streams: 3 });
    const r = await room(target, 'penalty', 2);
    const [a, b] = r.seats;
    const s1 = await openStream(at(target, 0), r.matchID, a!.token);
    const s2 = await openStream(at(target, 1), r.matchID, a!.token);
    expect([s1.status, s2.status]).toEqual([200, 200]);
    const s3 = await openStream(at(target, 0), r.matchID, a!.token);
    expect(s3.status).toBe(429);
    expect(s3.text()).toContain('too_many_streams');
    const s4 = await openStream(at(target, 1), r.matchID, b!.token);
    expect(s4.status).toBe(200);
    const s5 = await openStream(at(target, 0), r.matchID, b!.token);
    expect(s5.status).toBe(429);
    expect(s5.text()).toMatch(/as many live verification feeds open as it allows/);
    closers.splice(0, 1)[0]!();
    await until(
      async () => (await openStream(at(target, 1), r.matchID, b!.token)).status === 200,
      'a place to free up',
    );
  });

  it('a logout ends the token on every instance, and its streams', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind, { streamRecheckMs: 200 });
    const r = await room(target, 'penalty', 2);
    const token = r.seats[0]!.token;
    const here = await openStream(at(target, 0), r.matchID, token);
    const there = await openStream(at(target, 1), r.matchID, token);
    expect((await api(at(target, 0), 'DELETE', '/api/login', { token })).status).toBe(200);
    await Promise.all([here.ended, there.ended]);
    expect(here.text()).toContain('event: login_ended');
    for (let i = 0; i < 2; i++) {
      const res = await api(at(target, i), 'GET', '/api/rooms', { token });
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('token_expired');
    }
    // The other player is still signed in.
    expect(
      (await api(at(target, 1), 'GET', '/api/rooms', { token: r.seats[1]!.token })).status,
    ).toBe(200);
  });

  it('a request recorded for an empty seat fails at once and never reaches whoever sits there later', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind, {});
    const r = await room(target, 'penalty', 2, 0);
    const host = r.seats[0]!;
    const socket = io(`${at(target, 0)}/penalty`, { transports: ['websocket'], forceNew: true });
    closers.push(() => socket.disconnect());
    socket.emit('sync', r.matchID, '0', host.credentials, 2);
    await until(() => socket.connected, 'connected');
    socket.emit('update', makeMove('lose', host, ['1']), 0, r.matchID, '0');
    const failed = await until(async () => {
      const res = await api(at(target, 1), 'GET', `/api/rooms/${r.matchID}/verifications`, {
        token: host.token,
      });
      return res.json.requests.length === 1 ? res.json.requests[0] : undefined;
    }, 'the request');
    expect(failed.status).toBe('failed');
    expect(failed.message).toMatch(/^No wearer in seat 1/);
    const late = target.emulator.createLock();
    const joiner = await login(at(target, 1), late.tokens.wearer);
    expect(
      (await api(at(target, 1), 'POST', `/api/rooms/${r.matchID}/join`, { token: joiner })).status,
    ).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(target.emulator.requests().filter((q) => q.sessionId === late.sessionId)).toEqual([]);
  });

  it('a webhook settles only the requests delivered before the picture; late and replayed ones settle nothing else', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind, {});
    const lock = target.emulator.createLock();
    const token = await login(at(target, 0), lock.tokens.wearer);
    const created = await api(at(target, 0), 'POST', '/api/rooms', {
      token,
      body: { game: 'penalty', numPlayers: 1, rules: { cooldownSeconds: 0 } },
    });
    const matchID = created.json.matchID as string;
    const seat = { playerID: '0', credentials: created.json.credentials as string };
    const socket = io(`${at(target, 0)}/penalty`, { transports: ['websocket'], forceNew: true });
    closers.push(() => socket.disconnect());
    socket.emit('sync', matchID, '0', seat.credentials, 1);
    const statuses = async () =>
      (
        await api(at(target, 1), 'GET', `/api/rooms/${matchID}/verifications`, { token })
      ).json.requests.map((q: { status: string }) => q.status) as string[];
    socket.emit('update', makeMove('lose', seat), 0, matchID, '0');
    await until(async () => (await statuses())[0] === 'delivered', 'the first request delivered');
    const firstPicture = Date.now() + 5;
    await new Promise((resolve) => setTimeout(resolve, 20));
    target.emulator.submit(lock.sessionId).catch(() => {});
    socket.emit('update', makeMove('lose', seat), 1, matchID, '0');
    await until(async () => (await statuses())[1] === 'delivered', 'the second request delivered');
    // The first picture's webhook arrives only now: it answers the first request alone.
    await webhook(at(target, 1), lock.sessionId, 'w-1', firstPicture);
    await until(async () => (await statuses()).join() === 'submitted,delivered', 'first settled');
    // Replayed, and an earlier picture's webhook with another id: nothing else changes.
    await webhook(at(target, 0), lock.sessionId, 'w-1', Date.now());
    await webhook(at(target, 0), lock.sessionId, 'w-0', firstPicture - 10_000);
    expect(await statuses()).toEqual(['submitted', 'delivered']);
    await webhook(at(target, 0), lock.sessionId, 'w-2', Date.now());
    await until(async () => (await statuses()).join() === 'submitted,submitted', 'second settled');
  });

  it("one user's flood of requests delays another room's first request by one turn per busy room, not by the backlog", async (ctx) => {
    if (skip()) return ctx.skip();
    // 10 requests a second (in bursts of 32) for the whole server.
    const target = await startTarget(kind, {
      games: [PenaltyGame],
      limits: TEST_LIMITS,
      dispatcher: { backoffBaseMs: 20, backoffCapMs: 200, pollMs: 50, ratePerMinute: 600 },
    });
    const flooder = target.emulator.createLock();
    const token = await login(at(target, 0), flooder.tokens.wearer);
    const FLOOD_ROOMS = 3;
    const PER_ROOM = 60;
    for (let i = 0; i < FLOOD_ROOMS; i++) await flood(at(target, i), token, PER_ROOM);
    const flooded = () =>
      target.emulator.requests().filter((q) => q.sessionId === flooder.sessionId);
    await until(() => flooded().length >= 40, 'the flood to fill the budget');
    // Another user's room, one request.
    const quiet = await room(target, 'penalty', 1);
    const socket = io(`${at(target, 1)}/penalty`, { transports: ['websocket'], forceNew: true });
    closers.push(() => socket.disconnect());
    socket.emit('sync', quiet.matchID, '0', quiet.seats[0]!.credentials, 1);
    const committedAt = Date.now();
    socket.emit('update', makeMove('lose', quiet.seats[0]!), 0, quiet.matchID, '0');
    await until(
      async () => {
        const res = await api(at(target, 0), 'GET', `/api/rooms/${quiet.matchID}/verifications`, {
          token: quiet.seats[0]!.token,
        });
        return res.json.requests[0]?.status === 'delivered';
      },
      "the quiet room's request",
      10_000,
    ).catch(async (error: Error) => {
      const res = await api(at(target, 0), 'GET', `/api/rooms/${quiet.matchID}/verifications`, {
        token: quiet.seats[0]!.token,
      });
      throw new Error(
        `${error.message}: ${JSON.stringify(res.json)}; flood sent ${flooded().length}`,
      );
    });
    const delay = Date.now() - committedAt;
    const backlog = FLOOD_ROOMS * PER_ROOM - flooded().length;
    // First come, first served it would wait for the whole backlog at 10 a second.
    expect(backlog).toBeGreaterThan(60);
    // Fair: behind at most one row per flooding room, plus one pass and the round trip.
    expect(
      delay,
      `delivered ${delay} ms after its commit, ${backlog} flood rows still queued`,
    ).toBeLessThan(((FLOOD_ROOMS + 1) / 10) * 1000 + 1500);
  });

  it("one wearer's finished rooms full of queued requests take one turn between them: another wearer's request waits one turn, not one per room", async (ctx) => {
    if (skip()) return ctx.skip();
    // 2 requests a second for the whole server, in bursts of 32: the flood outlasts the burst.
    const target = await startTarget(kind, {
      games: [PenaltyGame],
      limits: { ...TEST_LIMITS, openRoomsPerUser: 1 },
      dispatcher: { backoffBaseMs: 20, backoffCapMs: 200, pollMs: 50, ratePerMinute: 120 },
    });
    const attacker = target.emulator.createLock();
    const token = await login(at(target, 0), attacker.tokens.wearer);
    const sentTo = (lock: { sessionId: string }) =>
      target.emulator.requests().filter((q) => q.sessionId === lock.sessionId).length;
    // One room open at a time: a finished room no longer counts, and its requests stay queued.
    // The first spends the burst; the others are queued behind it, at the budget's rate.
    await flood(at(target, 0), token, 40, { finish: true });
    await until(() => sentTo(attacker) >= 32, 'the flood to spend the burst');
    const ROOMS = 8;
    const PER_ROOM = 8;
    for (let i = 1; i <= ROOMS; i++) await flood(at(target, i), token, PER_ROOM, { finish: true });
    // Another wearer's room, one request.
    const quiet = await room(target, 'penalty', 1);
    const socket = io(`${at(target, 1)}/penalty`, { transports: ['websocket'], forceNew: true });
    closers.push(() => socket.disconnect());
    socket.emit('sync', quiet.matchID, '0', quiet.seats[0]!.credentials, 1);
    await until(() => socket.connected, 'connected');
    const before = target.emulator.requests().length;
    socket.emit('update', makeMove('lose', quiet.seats[0]!), 0, quiet.matchID, '0');
    const order = await until(
      () => {
        const sessions = target.emulator.requests().map((q) => q.sessionId);
        return sessions.some((id) => id !== attacker.sessionId) && sessions;
      },
      "the other wearer's request",
      20_000,
    );
    const ahead = order.slice(
      before,
      order.findIndex((id) => id !== attacker.sessionId),
    );
    // The flood was still queued: first come, first served it would wait for all of it.
    expect(40 + ROOMS * PER_ROOM - sentTo(attacker)).toBeGreaterThan(2 * ROOMS);
    // Two wearers with rows due: one attacker request at the head of the queue, and at most one
    // already on its way when the request was committed; per room it would be one per room.
    expect(ahead.length, `${ahead.length} attacker requests went first`).toBeLessThanOrEqual(2);
  });

  it('every Chaster call of every instance, logins included, spends from one budget', async (ctx) => {
    if (skip()) return ctx.skip();
    // 60 a minute in bursts of 32: two instances with a bucket each would send up to 64 at once.
    const target = await startTarget(kind, {
      games: [PenaltyGame],
      limits: TEST_LIMITS,
      dispatcher: { backoffBaseMs: 20, backoffCapMs: 200, pollMs: 50, ratePerMinute: 60 },
    });
    const t0 = Date.now();
    const flooders = [target.emulator.createLock(), target.emulator.createLock()];
    for (const [i, flooder] of flooders.entries()) {
      const url = at(target, i);
      const token = await login(url, flooder.tokens.wearer);
      for (let r = 0; r < 2; r++) await flood(url, token, 25);
    }
    const logins = target.emulator.authCalls();
    expect(logins).toBe(2);
    await until(() => target.emulator.requests().length >= 20, 'the flood to start');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const sent = target.emulator.requests().length;
    const seconds = (Date.now() - t0) / 1000;
    const bound = 32 + seconds + 1;
    expect(
      sent + logins,
      `${sent} sent and ${logins} logins in ${seconds.toFixed(1)} s`,
    ).toBeLessThanOrEqual(bound);
  });

  it('a stream ends when its login expires', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind, {});
    const lock = target.emulator.createLock();
    const signedIn = await api(at(target, 0), 'POST', '/api/login', {
      body: { mainToken: lock.tokens.wearer },
    });
    const hosted = await api(at(target, 0), 'POST', '/api/rooms', {
      token: signedIn.json.token,
      body: { game: 'penalty', numPlayers: 1, rules: {} },
    });
    // A second login of the same user that expires in a second and a half.
    const repository = target.servers[0]!.repository;
    const now = Date.now();
    const short = {
      ...(await repository.getLogin(
        JSON.parse(Buffer.from(signedIn.json.token.split('.')[1], 'base64url').toString()).login,
      ))!,
      id: 'short-lived-login',
      createdAt: now,
      expiresAt: now + 1500,
    };
    await repository.createLogin(short);
    const secret = (await repository.getSetting('token_secret'))!;
    const token = signToken(secret, { login: short.id, exp: short.expiresAt });
    const stream = await openStream(at(target, 1), hosted.json.matchID, token);
    expect(stream.status).toBe(200);
    await stream.ended;
    expect(Date.now() - now).toBeGreaterThanOrEqual(1400);
    expect(stream.text()).toContain('event: login_ended');
  });

  it('streams whose client left before they were set up give their place back', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind, { streamsPerUser: 2, streams: 1000 });
    const r = await room(target, 'penalty', 1);
    const token = r.seats[0]!.token;
    for (let i = 0; i < 30; i++) {
      const req = httpRequest(`${at(target, i)}/api/rooms/${r.matchID}/verifications`, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
      });
      req.on('error', () => {});
      req.end();
      setTimeout(() => req.destroy(), i % 4);
    }
    await until(
      async () => {
        const opened = [
          await openStream(at(target, 0), r.matchID, token),
          await openStream(at(target, 1), r.matchID, token),
        ];
        const ok = opened.every((o) => o.status === 200);
        closers.splice(0).forEach((close) => close());
        return ok;
      },
      'both places to be free again',
      5000,
    );
  });

  it('racing room creates on several instances never let a user past the open-rooms cap', async (ctx) => {
    if (skip()) return ctx.skip();
    const target = await start(kind, { openRoomsPerUser: 2 });
    const lock = target.emulator.createLock();
    const signedIn = await api(at(target, 0), 'POST', '/api/login', {
      body: { mainToken: lock.tokens.wearer },
    });
    const token = signedIn.json.token as string;
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api(at(target, i), 'POST', '/api/rooms', {
          token,
          body: { game: 'penalty', numPlayers: 1, rules: {} },
        }),
      ),
    );
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeLessThanOrEqual(2);
    for (const a of answers.filter((x) => x.status !== 201)) {
      expect(a.status).toBe(429);
      expect(a.json.error).toBe('too_many_rooms');
    }
    expect(await target.servers[0]!.repository.openRoomsHostedBy(signedIn.json.user.id)).toBe(
      created.length,
    );
  });
});
