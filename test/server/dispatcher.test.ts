import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/server/index.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { connect, host, join, requests, settled, startStack, until } from '../helpers/stack.js';
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

  it('keeps under the global rate limit', async () => {
    // 120/min with a burst of 4: ten requests to ten wearers cannot all go out at once.
    const stack = await start({ ratePerMinute: 120, concurrency: 1 });
    const { matchID, token, lose } = await room(stack, {}, 10);
    const started = Date.now();
    for (let i = 0; i < 10; i++) await lose(String(i));
    await until(() => stack.emulator.requests().length >= 5, 'five sent', 10_000);
    // The fifth needs a refilled token: at least ~500 ms after the start.
    expect(Date.parse(stack.emulator.requests()[4]!.at) - started).toBeGreaterThanOrEqual(400);
    expect(stack.emulator.requests().length).toBeLessThan(10);
    expect((await requests(stack, matchID, token)).length).toBe(10);
  }, 15_000);

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
