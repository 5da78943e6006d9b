/**
 * The Chaster budget's two implementations: the local one is the token bucket, answering at once;
 * the Redis one runs the same arithmetic on Redis (shared by every instance with its key) and
 * falls back to a local bucket while Redis is unreachable.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localBudget, redisBudget } from '../../src/server/outbox/budget.js';
import type { ChasterBudget } from '../../src/server/outbox/budget.js';
import { msUntilSpendable } from '../../src/server/outbox/token-bucket.js';
import { REDIS_URL } from '../helpers/services.js';
import { needServices } from '../helpers/services-suite.js';

/** One sequence of calls, as a delivery loop and logins make them; what each answered. */
async function script(budget: ChasterBudget) {
  const answers: Array<number | string> = [];
  // History logs take only above what is kept for requests: 4 held, keep 2 → 2.
  answers.push(await budget.take(3, 2));
  budget.refund(2);
  answers.push(await budget.take(3), await budget.take(3));
  budget.refund(2);
  answers.push(await budget.take(5), budget.msUntilToken());
  answers.push(await budget.spend(), await budget.spend(), await budget.spend());
  answers.push(await budget.take(1), budget.msUntilToken() > 0 ? 'waits' : 'free');
  return answers;
}

describe('local budget', () => {
  it('grants at once (a number, not a promise), so a claim needs no extra turn', () => {
    const budget = localBudget({ ratePerMinute: 60, capacity: 4 }, () => 0);
    expect(budget.take(3)).toBe(3);
  });

  it('is the token bucket: takes, refunds and spends into half a bucket of debt', async () => {
    const size = { ratePerMinute: 60, capacity: 4 };
    expect(await script(localBudget(size, () => 0))).toEqual([
      2,
      3,
      1,
      2,
      1000,
      0,
      0,
      msUntilSpendable(-2, size),
      0,
      'waits',
    ]);
  });
});

describe('Redis budget', () => {
  const missing = needServices('the Redis budget tests');
  let redis: Redis;
  const keys: string[] = [];
  const key = () => {
    const k = `bgio-chaster:test:${randomBytes(6).toString('hex')}:chaster-budget`;
    keys.push(k);
    return k;
  };
  beforeAll(() => {
    if (missing()) return;
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    if (!redis) return;
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('answers as the local bucket does (a rate too slow to refill during the test)', async (ctx) => {
    if (missing()) return ctx.skip();
    const size = { ratePerMinute: 1e-12, capacity: 4 };
    const shared = await script(redisBudget(redis, key(), size));
    expect(shared).toEqual(await script(localBudget(size, () => 0)));
  });

  it('is one bucket for every budget with the same key', async (ctx) => {
    if (missing()) return ctx.skip();
    const size = { ratePerMinute: 1e-12, capacity: 4 };
    const k = key();
    const a = redisBudget(redis, k, size);
    const b = redisBudget(redis, k, size);
    expect(await a.take(3)).toBe(3);
    expect(await b.take(3)).toBe(1);
    expect(b.msUntilToken()).toBeGreaterThan(0);
    a.refund(2);
    expect(await b.take(5)).toBe(2);
    expect(await redisBudget(redis, key(), size).take(5)).toBe(4);
  });

  it('falls back to a bucket of its own while Redis is unreachable, reporting it once', async () => {
    const away = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    away.on('error', () => {});
    const errors: unknown[] = [];
    const budget = redisBudget(away, 'unreachable', { ratePerMinute: 60, capacity: 4 }, (error) =>
      errors.push(error),
    );
    try {
      expect(await budget.take(10)).toBe(4);
      expect(budget.msUntilToken()).toBeGreaterThan(0);
      budget.refund(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(await budget.take(10)).toBe(1);
      expect(await budget.spend()).toBe(0);
      expect(errors).toHaveLength(1);
    } finally {
      away.disconnect();
    }
  });
});
