import { describe, expect, it } from 'vitest';
import { ChasterArgumentError, ChasterError } from '../../src/chaster/index.js';
import type { ChasterErrorCode } from '../../src/chaster/index.js';
import { backoffDelay } from '../../src/server/index.js';
import { outcomeOf } from '../../src/server/outbox/dispatcher.js';
import type { OutboxRow } from '../../src/server/index.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import {
  api,
  connect,
  host,
  join,
  requests,
  settled,
  startStack,
  until,
} from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';
import type { DispatcherOptions } from '../../src/server/index.js';

/** A two-wearer room whose seat 1 is connected; `lose(target)` records one request. */
async function room(stack: Stack, rules: Record<string, unknown> = {}, seats = 2) {
  const locks = Array.from({ length: seats }, () => stack.emulator.createLock());
  const { matchID, seat } = await host(stack, locks[0]!.tokens.wearer, {
    game: 'penalty',
    numPlayers: seats,
    rules: { cooldownSeconds: 0, maxRequestsPerMatch: 100, ...rules },
  });
  for (const lock of locks.slice(1)) await join(stack, lock.tokens.wearer, matchID);
  const client = await connect(stack, PenaltyGame, matchID, seat);
  const lose = async (target = '0') => {
    const before = client.getState()!._stateID;
    client.moves.lose!(target);
    await until(() => client.getState()!._stateID > before, 'move applied');
  };
  return { matchID, token: seat.token, locks, lose };
}

const start = (dispatcher: DispatcherOptions = {}) =>
  startStack({ games: [PenaltyGame], dispatcher });

/** The dispatcher's bucket (`budgetCapacity` in src/server/outbox/dispatcher.ts): min(ratePerMinute, 4 × concurrency). */
const bucketOf = ({ ratePerMinute, concurrency }: { ratePerMinute: number; concurrency: number }) =>
  Math.max(1, Math.min(ratePerMinute, concurrency * 4));

/** POST /api/login once: the status, the JSON answer and its Retry-After header. */
async function tryLogin(stack: Stack, mainToken: string) {
  const res = await fetch(`${stack.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mainToken }),
  });
  return {
    status: res.status,
    json: (await res.json()) as Record<string, string>,
    retryAfter: res.headers.get('retry-after'),
  };
}

/**
 * A login refused because it would run the Chaster budget more than half a bucket into debt: 503
 * `chaster_budget_spent`, with a Retry-After of at most the two tokens the debt can lack.
 */
function expectBudgetSpent(
  answer: Awaited<ReturnType<typeof tryLogin>>,
  ratePerMinute: number,
): number {
  expect(answer.status, JSON.stringify(answer.json)).toBe(503);
  expect(answer.json.error).toBe('chaster_budget_spent');
  expect(answer.json.message).toMatch(/Chaster budget/);
  const seconds = Number(answer.retryAfter);
  expect(Number.isInteger(seconds), String(answer.retryAfter)).toBe(true);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(Math.ceil((2 * 60) / ratePerMinute));
  return seconds;
}

describe('backoff schedule', () => {
  it('is full jitter over a doubling ceiling, capped', () => {
    const opts = { baseMs: 1000, capMs: 10_000 };
    expect(
      [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { ...opts, random: () => 0.999999 })),
    ).toEqual([999, 1999, 3999, 7999, 9999, 9999]);
    expect(backoffDelay(4, { ...opts, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { ...opts, random: () => 0.5 })).toBe(2000);
  });
});

describe('the outcome of a send', () => {
  const rules = {
    maxAttempts: 5,
    maxAgeMs: 60_000,
    backoffBaseMs: 1000,
    backoffCapMs: 10_000,
    random: () => 0.5,
  };
  const NOW = 1_000_000;
  const row = (attempts: number, createdAt = NOW - 1000) =>
    ({ id: 'm:1:0', attempts, createdAt, nextAttemptAt: createdAt }) as OutboxRow;
  const chaster = (
    code: ChasterErrorCode,
    extra: { status?: number; retryAfterMs?: number } = {},
  ) =>
    new ChasterError({
      code,
      message: `summary of ${code}`,
      serverMessage: `Chaster says ${code}`,
      operation: 'POST /x',
      ...extra,
    });
  const answer = (error: unknown, attempts = 1, createdAt?: number) =>
    outcomeOf(row(attempts, createdAt), { type: 'error', error }, NOW, rules);

  it('201 is delivered', () => {
    expect(outcomeOf(row(1), { type: 'sent' }, NOW, rules)).toEqual({
      id: 'm:1:0',
      status: 'delivered',
      message: null,
      now: NOW,
    });
  });

  it('"already pending" is already_pending', () => {
    expect(answer(chaster('already_pending', { status: 400 }))).toMatchObject({
      status: 'already_pending',
      message: 'Chaster already had a picture request pending for this wearer.',
    });
  });

  it('a retryable error is queued after full jitter over the doubling ceiling', () => {
    expect(answer(chaster('server_error', { status: 503 }), 3)).toEqual({
      id: 'm:1:0',
      status: 'queued',
      message: 'Retrying after server_error 503: Chaster says server_error',
      nextAttemptAt: NOW + 2000,
      now: NOW,
    });
  });

  it('a retry never comes before Chaster’s wait, and the backoff wins when longer', () => {
    const limited = (retryAfterMs: number) =>
      answer(chaster('rate_limited', { status: 429, retryAfterMs }), 3).nextAttemptAt! - NOW;
    expect(limited(30_000)).toBe(30_000);
    expect(limited(10)).toBe(2000);
  });

  it('is dead with the last reason after maxAttempts or maxAgeMs', () => {
    expect(answer(chaster('timeout'), 5)).toMatchObject({
      status: 'dead',
      message: 'Gave up after 5 attempts; last error timeout: Chaster says timeout',
    });
    expect(answer(chaster('network'), 2, NOW - 60_000)).toMatchObject({
      status: 'dead',
      message: 'Gave up after 2 attempts; last error network: Chaster says network',
    });
    expect(outcomeOf(row(6), { type: 'exhausted' }, NOW, rules)).toMatchObject({
      status: 'dead',
      message: 'Gave up after 5 attempts.',
    });
  });

  it('any other refusal is failed, with Chaster’s message', () => {
    expect(answer(chaster('no_keyholder', { status: 400 }))).toMatchObject({
      status: 'failed',
      message: 'Chaster says no_keyholder',
    });
  });

  it('an error that is not Chaster’s is failed: a bad argument says which, anything else says nothing', () => {
    expect(answer(new ChasterArgumentError('sessionId', 'empty'))).toMatchObject({
      status: 'failed',
      message: 'Invalid sessionId: empty',
    });
    expect(answer(new Error('secret detail'))).toMatchObject({
      status: 'failed',
      message: 'Internal error while sending.',
    });
  });
});

describe('dispatcher against the emulator', () => {
  it('retries 5xx until Chaster answers, then records delivered', async () => {
    const stack = await start();
    stack.emulator.setFaults({ errorRate: 1, scope: 'verification' });
    const { matchID, token, lose } = await room(stack);
    await lose();
    await until(() => stack.emulator.requests().length >= 3, 'three failed attempts');
    const [retrying] = await requests(stack, matchID, token);
    expect(retrying).toMatchObject({ status: expect.stringMatching(/queued|sending/) });
    stack.emulator.clearFaults();
    const [done] = await settled(stack, matchID, token, 1);
    expect(done!.status).toBe('delivered');
    const statuses = stack.emulator.requests().map((r) => r.status);
    expect(statuses.at(-1)).toBe(201);
    expect(statuses.slice(0, -1).every((s) => s === 503)).toBe(true);
  });

  it.each(['seconds', 'date', 'reset'] as const)(
    'never retries a 429 sooner than its wait (%s style)',
    async (retryAfterStyle) => {
      const stack = await start();
      stack.emulator.setFaults({
        rateLimitRate: 1,
        retryAfterSeconds: 1,
        retryAfterStyle,
        scope: 'verification',
      });
      const { matchID, token, lose } = await room(stack);
      await lose();
      await until(() => stack.emulator.requests().length >= 1, 'first attempt');
      stack.emulator.clearFaults();
      await settled(stack, matchID, token, 1);
      const [first, second] = stack.emulator.requests();
      expect(first!.status).toBe(429);
      expect(second!.status).toBe(201);
      // Every style says "not before first + 1 s" (date styles are rounded up to whole seconds).
      const gap = Date.parse(second!.at) - Date.parse(first!.at);
      expect(gap).toBeGreaterThanOrEqual(1000);
      expect(gap).toBeLessThan(3000);
    },
    10_000,
  );

  it('gives up after maxAttempts with the last reason: dead', async () => {
    const stack = await start({ maxAttempts: 3 });
    stack.emulator.setFaults({ errorRate: 1, errorStatus: 502, scope: 'verification' });
    const { matchID, token, lose } = await room(stack);
    await lose();
    const [dead] = await settled(stack, matchID, token, 1);
    expect(dead).toMatchObject({ status: 'dead' });
    expect(dead!.message).toContain('Gave up after 3 attempts');
    expect(dead!.message).toContain('server_error 502');
    expect(stack.emulator.requests()).toHaveLength(3);
  });

  it('delivers through added latency', async () => {
    const stack = await start();
    stack.emulator.setFaults({ latencyMs: 300, scope: 'verification' });
    const { matchID, token, lose } = await room(stack);
    await lose();
    const [row] = await settled(stack, matchID, token, 1);
    expect(row!.status).toBe('delivered');
  });

  it('a second request while one is pending is already_pending, which counts as delivered', async () => {
    const stack = await start();
    const { matchID, token, lose } = await room(stack);
    await lose('1');
    await settled(stack, matchID, token, 1);
    await lose('1');
    const list = await settled(stack, matchID, token, 2);
    expect(list.map((r) => r.status)).toEqual(['delivered', 'already_pending']);
  });

  it('suppresses requests over the room cap, with the reason', async () => {
    const stack = await start();
    const { matchID, token, lose } = await room(stack, { maxRequestsPerMatch: 2 }, 4);
    for (const target of ['0', '1', '2', '3']) await lose(target);
    const list = await settled(stack, matchID, token, 4);
    expect(list.map((r) => r.status)).toEqual([
      'delivered',
      'delivered',
      'suppressed',
      'suppressed',
    ]);
    expect(list[2]!.message).toBe('This room allows 2 requests per match; the limit is reached.');
    expect(stack.emulator.requests()).toHaveLength(2);
  });

  it('suppresses a request to the same wearer within the cooldown', async () => {
    const stack = await start();
    const { matchID, token, lose, locks } = await room(stack, { cooldownSeconds: 60 });
    await lose('1');
    await settled(stack, matchID, token, 1);
    await stack.emulator.submit(locks[1]!.sessionId);
    await lose('1');
    await lose('0');
    const list = await settled(stack, matchID, token, 3);
    expect(list.map((r) => r.status)).toEqual(['delivered', 'suppressed', 'delivered']);
    expect(list[1]!.message).toMatch(
      /^Cooldown: this wearer was asked \d+ s ago; the room waits 60 s/,
    );
  });

  it('keeps under the global rate limit, which the logins share', async () => {
    // 240/min with a burst of 4: ten wearers log in (ten Chaster calls charged to the same bucket,
    // the last ones running it into debt or told to come back later), then ten requests to them
    // cannot all go out at once.
    const options = { ratePerMinute: 240, concurrency: 1 };
    const burst = bucketOf(options);
    const started = Date.now(); // before the bucket is made: its refill counts from later
    const stack = await start(options);
    const locks = Array.from({ length: 10 }, () => stack.emulator.createLock());
    const tokens: string[] = [];
    for (const lock of locks) {
      for (;;) {
        const answer = await tryLogin(stack, lock.tokens.wearer);
        if (answer.status === 201) {
          tokens.push(answer.json.token!);
          break;
        }
        const wait = expectBudgetSpent(answer, options.ratePerMinute);
        await new Promise((r) => setTimeout(r, wait * 1000));
      }
    }
    // Refused logins never reached Chaster: every charged login is one call.
    const logins = stack.emulator.authCalls();
    expect(logins).toBe(10);
    const hosted = await api(stack.url, 'POST', '/api/rooms', {
      token: tokens[0],
      body: {
        game: 'penalty',
        numPlayers: 10,
        rules: { cooldownSeconds: 0, maxRequestsPerMatch: 100 },
      },
    });
    expect(hosted.status, JSON.stringify(hosted.json)).toBe(201);
    const matchID = hosted.json.matchID as string;
    for (const token of tokens.slice(1)) {
      const joined = await api(stack.url, 'POST', `/api/rooms/${matchID}/join`, { token });
      expect(joined.status, JSON.stringify(joined.json)).toBe(200);
    }
    const client = await connect(stack, PenaltyGame, matchID, {
      playerID: hosted.json.playerID,
      credentials: hosted.json.credentials,
    });
    for (let i = 0; i < 10; i++) {
      const before = client.getState()!._stateID;
      client.moves.lose!(String(i));
      await until(() => client.getState()!._stateID > before, 'move applied');
    }
    await until(() => stack.emulator.requests().length >= 5, 'five sent', 10_000);
    const sent = stack.emulator.requests();
    // Every call to Chaster, logins first, spent a token: the k-th request went out only once the
    // bucket had refilled enough for it and all ten logins.
    const early = sent
      .map((r, i) => ({ k: i + 1, ms: Date.parse(r.at) - started }))
      .filter(({ k, ms }) => k + logins > burst + (options.ratePerMinute * ms) / 60_000);
    expect(early, JSON.stringify(sent)).toEqual([]);
    expect(sent.length).toBeLessThan(10);
    expect((await requests(stack, matchID, tokens[0]!)).length).toBe(10);
  }, 15_000);

  it('a login spends a token of the same budget: past half a bucket of debt it is told to wait, and deliveries wait for the debt', async () => {
    // 6/min with a burst of 4: what the logins owe is not paid back during this test.
    const options = { ratePerMinute: 6, concurrency: 1 };
    const burst = bucketOf(options);
    const stack = await start(options);
    // Logins go ahead of deliveries down to −burst/2: burst + burst/2 of them in all.
    const allowed = burst + Math.ceil(burst / 2);
    const locks = Array.from({ length: allowed + 2 }, () => stack.emulator.createLock());
    // The first login hosts a one-seat room, leaving burst − 1 tokens.
    const { matchID, seat } = await host(stack, locks[0]!.tokens.wearer, {
      game: 'penalty',
      numPlayers: 1,
    });
    const client = await connect(stack, PenaltyGame, matchID, seat);
    for (const lock of locks.slice(1, allowed)) {
      const answer = await tryLogin(stack, lock.tokens.wearer);
      expect(answer.status, JSON.stringify(answer.json)).toBe(201);
    }
    // The next one gets through only on what refilled meanwhile (the bucket is then half a
    // bucket in debt); the one after it is refused at the latest, without asking Chaster.
    let calls = stack.emulator.authCalls();
    let answer = await tryLogin(stack, locks[allowed]!.tokens.wearer);
    if (answer.status === 201) {
      calls += 1;
      answer = await tryLogin(stack, locks[allowed + 1]!.tokens.wearer);
    }
    expectBudgetSpent(answer, options.ratePerMinute);
    expect(await tryLogin(stack, locks[allowed + 1]!.tokens.wearer)).toMatchObject({
      status: 503,
    });
    expect(stack.emulator.authCalls()).toBe(calls);
    // A request recorded now waits for the bucket: it stays queued and Chaster hears nothing.
    client.moves.lose!();
    await until(
      async () => (await requests(stack, matchID, seat.token)).length === 1,
      'request recorded',
    );
    await new Promise((r) => setTimeout(r, 500));
    const [row] = await requests(stack, matchID, seat.token);
    expect(row!.status).toBe('queued');
    expect(stack.emulator.requests()).toEqual([]);
  });

  it('stop() waits for an in-flight request and records its outcome', async () => {
    const stack = await start();
    stack.emulator.setFaults({ latencyMs: 400, scope: 'verification' });
    const { matchID, token, lose } = await room(stack);
    await lose();
    await until(
      async () => (await requests(stack, matchID, token))[0]?.status === 'sending',
      'sending',
    );
    await stack.server.dispatcher.stop();
    const [row] = await requests(stack, matchID, token);
    expect(row!.status).toBe('delivered');
    expect(stack.server.dispatcher.healthy()).toBe(false);
  });
});
