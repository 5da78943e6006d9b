/**
 * The fault matrix: the dispatcher against an emulator answering 30% 503, 10% 429 with
 * Retry-After, dropping 5% of connections and stalling 5% past the deadline, plus a full outage
 * (3 s here; 2 minutes with FULL_RUN=1). Every deliverable request ends delivered, no attempt comes
 * before its Retry-After, attempts never exceed the maximum. The backoff schedule is checked on a
 * fake clock.
 */
import { describe, expect, it } from 'vitest';
import { createChasterClient } from '../../src/chaster/index.js';
import {
  SqliteRepository,
  backoffDelay,
  createDispatcher,
  openSqlite,
} from '../../src/server/index.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { startEmulator } from '../helpers/emulator.js';
import { connect, host, join, requests, startStack, until } from '../helpers/stack.js';

const FULL = Boolean(process.env.FULL_RUN);

describe('backoff schedule on a fake clock', () => {
  it('full jitter over a doubling ceiling, Retry-After as a floor, dead after the last attempt', async () => {
    const emulator = await startEmulator();
    const lock = emulator.createLock();
    emulator.setFaults({ errorRate: 1, errorStatus: 503, scope: 'verification' });
    const db = openSqlite(':memory:');
    const repository = new SqliteRepository(db);
    // One queued row for a seated wearer in a room, as setState would have written it.
    db.prepare(
      `INSERT INTO rooms (match_id, policy, created_at) VALUES ('m', '{"cooldownMs":0,"maxRequestsPerMatch":100}', 0)`,
    ).run();
    db.prepare(
      `INSERT INTO seats (match_id, player_id, login_id, session_id, role, user_id, lock_id, credentials_hash, created_at)
       VALUES ('m', '0', 'a', ?, 'wearer', 'u', 'l', 'h', 0)`,
    ).run(lock.sessionId);
    db.prepare(
      `INSERT INTO outbox (id, match_id, state_id, idx, player_id, reason, requested_by, actor, status,
                           next_attempt_at, created_at, updated_at)
       VALUES ('m:1:0', 'm', 1, 0, '0', 'lost', 'rules', 'extension', 'queued', 0, 0, 0)`,
    ).run();
    let now = 1_000_000;
    const draws = [0.5, 0.25, 0.999, 0.1, 0.75];
    let drawn = 0;
    const random = () => draws[drawn++ % draws.length]!;
    const client = createChasterClient({
      baseUrl: emulator.url,
      token: emulator.token,
      timeoutMs: 1000,
    });
    const dispatcher = createDispatcher({
      repository,
      client,
      options: {
        now: () => now,
        random,
        maxAttempts: 5,
        backoffBaseMs: 1000,
        backoffCapMs: 5000,
        maxAgeMs: 1e12,
        pollMs: 10_000,
      },
    });
    const row = () =>
      db.prepare(`SELECT status, attempts, next_attempt_at, message FROM outbox`).get() as {
        status: string;
        attempts: number;
        next_attempt_at: number;
        message: string;
      };
    dispatcher.start();
    try {
      const expected: number[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        await until(
          () => row().attempts === attempt && row().status === 'queued',
          `attempt ${attempt} recorded`,
        );
        expected.push(row().next_attempt_at - now);
        now = row().next_attempt_at;
        if (attempt < 3) dispatcher.kick();
      }
      // Ceilings 1 s, 2 s, 4 s with the draws 0.5, 0.25, 0.999: full jitter, floored.
      expect(expected).toEqual([500, 500, 3996]);
      expect(expected).toEqual(
        [1, 2, 3].map((n) =>
          backoffDelay(n, { baseMs: 1000, capMs: 5000, random: () => draws[n - 1]! }),
        ),
      );
      // Chaster now says "come back in 30 s": that wait beats the backoff (ceiling 5 s).
      emulator.setFaults({ rateLimitRate: 1, retryAfterSeconds: 30, scope: 'verification' });
      dispatcher.kick();
      await until(() => row().attempts === 4 && row().status === 'queued', 'attempt 4 recorded');
      expect(row().next_attempt_at - now).toBeGreaterThanOrEqual(30_000);
      now = row().next_attempt_at;
      dispatcher.kick();
      await until(() => row().status === 'dead', 'dead after the fifth attempt');
      expect(row().attempts).toBe(5);
      expect(row().message).toMatch(/^Gave up after 5 attempts; last error rate_limited 429/);
      expect(emulator.requests()).toHaveLength(5);
    } finally {
      await dispatcher.stop();
      await client.close();
      db.close();
    }
  });
});

describe('fault matrix', () => {
  it(
    `30% 503, 10% 429, 5% drops, 5% stalls and a ${FULL ? '2-minute' : '3-second'} outage: every request delivered, Retry-After and attempt limits kept`,
    async () => {
      const maxAttempts = 30;
      const stack = await startStack({
        games: [PenaltyGame],
        dispatcher: {
          maxAttempts,
          backoffBaseMs: 50,
          backoffCapMs: FULL ? 30_000 : 1000,
          leaseMs: 5000,
          pollMs: 50,
        },
      });
      const rooms = await Promise.all(
        Array.from({ length: FULL ? 20 : 6 }, async () => {
          const locks = Array.from({ length: 5 }, () => stack.emulator.createLock());
          const { matchID, seat } = await host(stack, locks[0]!.tokens.wearer, {
            game: 'penalty',
            numPlayers: 5,
          });
          for (const lock of locks.slice(1)) await join(stack, lock.tokens.wearer, matchID);
          return { matchID, seat, locks };
        }),
      );
      stack.emulator.setFaults({
        errorRate: 0.3,
        rateLimitRate: 0.1,
        retryAfterSeconds: 1,
        dropRate: 0.05,
        stallRate: 0.05,
        stallMs: 3000, // past the 2 s deadline of the test stack's client
        scope: 'verification',
        seed: 11,
      });
      // One loss per wearer: each request goes to its own lock.
      for (const { matchID, seat } of rooms) {
        const client = await connect(stack, PenaltyGame, matchID, seat);
        for (let target = 0; target < 5; target++) {
          const before = client.getState()!._stateID;
          client.moves.lose!(String(target));
          await until(() => client.getState()!._stateID > before, 'move applied');
        }
      }
      // A full outage of Chaster in the middle of it.
      await until(() => stack.emulator.requests().length >= 10, 'deliveries under way');
      const port = Number(new URL(stack.emulator.url).port);
      await stack.emulator.close();
      await new Promise((r) => setTimeout(r, FULL ? 120_000 : 3000));
      await stack.emulator.listen(port, '127.0.0.1');

      const total = rooms.length * 5;
      let last: unknown;
      await until(
        async () => {
          const all = (
            await Promise.all(rooms.map((r) => requests(stack, r.matchID, r.seat.token)))
          ).flat();
          last = all.filter((r) => r.status !== 'delivered' && r.status !== 'already_pending');
          return (
            all.length === total &&
            all.every((r) => r.status === 'delivered' || r.status === 'already_pending')
          );
        },
        'every request delivered',
        FULL ? 300_000 : 60_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; not delivered: ${JSON.stringify(last)}`);
      });
      const received = stack.emulator.requests();
      for (const lock of rooms.flatMap((r) => r.locks)) {
        const mine = received.filter((r) => r.sessionId === lock.sessionId);
        expect(mine.length, 'attempts of one request').toBeLessThanOrEqual(maxAttempts);
        expect(mine.filter((r) => r.status === 201)).toHaveLength(1);
        mine.forEach((r, i) => {
          if (r.status === 429 && mine[i + 1]) {
            expect(
              Date.parse(mine[i + 1]!.at) - Date.parse(r.at),
              'wait after a 429',
            ).toBeGreaterThanOrEqual(1000);
          }
        });
      }
      // The mix really happened.
      const statuses = received.map((r) => r.status);
      for (const status of [503, 429, 0]) expect(statuses).toContain(status);
    },
    FULL ? 600_000 : 120_000,
  );
});
