/** The token bucket's arithmetic on a fake clock. */
import { describe, expect, it } from 'vitest';
import {
  TokenBucket,
  debtFloor,
  msUntilSpendable,
  msUntilTokens,
} from '../../src/server/outbox/token-bucket.js';

/** A bucket of 60 a minute (one a second) holding 4, on a clock the test moves. */
function bucket(size = { ratePerMinute: 60, capacity: 4 }) {
  const clock = { now: 1_000_000 };
  return { bucket: new TokenBucket(size, () => clock.now), clock };
}

describe('token bucket', () => {
  it('starts full and grants whole tokens, at most what it holds', () => {
    const { bucket: b } = bucket();
    expect(b.take(10)).toBe(4);
    expect(b.take(1)).toBe(0);
  });

  it('refills at its rate, a whole token at a time, never above capacity', () => {
    const { bucket: b, clock } = bucket();
    b.take(4);
    clock.now += 1500;
    expect(b.take(10)).toBe(1);
    clock.now += 500;
    expect(b.take(10)).toBe(1);
    clock.now += 60_000;
    expect(b.take(10)).toBe(4);
  });

  it('a take that keeps tokens grants only what is above them', () => {
    const { bucket: b } = bucket();
    expect(b.take(10, 3)).toBe(1);
    expect(b.take(10, 3)).toBe(0);
    expect(b.take(10)).toBe(3);
    expect(b.take(1, 5)).toBe(0);
  });

  it('takes back refunds, never above capacity', () => {
    const { bucket: b } = bucket();
    b.take(4);
    b.refund(3);
    expect(b.take(10)).toBe(3);
    b.refund(10);
    expect(b.take(10)).toBe(4);
  });

  it('says how long until a whole token is free', () => {
    const { bucket: b, clock } = bucket();
    expect(b.msUntilToken()).toBe(0);
    b.take(4);
    expect(b.msUntilToken()).toBe(1000);
    clock.now += 400;
    expect(b.msUntilToken()).toBe(600);
  });

  it('spends into debt down to half a bucket, then says how long until it may', () => {
    const { bucket: b, clock } = bucket();
    // 4 tokens, then down to the floor of −2: six spends.
    expect(Array.from({ length: 6 }, () => b.spend())).toEqual([0, 0, 0, 0, 0, 0]);
    // At the floor a spend is refused, told to wait until the bucket is a whole token above it.
    expect(b.spend()).toBe(1000);
    // Any refill above the floor lets one more through; the next is told to wait longer.
    clock.now += 500;
    expect(b.spend()).toBe(0);
    expect(b.spend()).toBe(1500);
  });

  it('makes takers wait out the debt that spends ran up', () => {
    const { bucket: b, clock } = bucket();
    for (let i = 0; i < 6; i++) b.spend();
    expect(b.take(1)).toBe(0);
    expect(b.msUntilToken()).toBe(3000);
    clock.now += 2999;
    expect(b.take(1)).toBe(0);
    clock.now += 1;
    expect(b.take(1)).toBe(1);
  });

  it('shares its arithmetic with the Redis budget through pure helpers', () => {
    expect(debtFloor(4)).toBe(-2);
    expect(msUntilTokens(1.5, 1, 60)).toBe(0);
    expect(msUntilTokens(-0.5, 1, 60)).toBe(1500);
    expect(msUntilSpendable(-2, { ratePerMinute: 60, capacity: 4 })).toBe(1000);
    expect(msUntilSpendable(-2.5, { ratePerMinute: 120, capacity: 4 })).toBe(750);
  });
});
