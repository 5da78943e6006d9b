/**
 * The Chaster budget: one token bucket (token-bucket.ts) of `ratePerMinute`, holding at most
 * `capacity`, for every call this server makes to Chaster — deliveries take tokens and refund
 * those they do not use, logins spend one. In memory for one instance; in Redis for instances
 * that share a database, so that together they stay within one budget (with Redis's clock, not
 * each instance's). While Redis is unreachable an instance falls back to its own bucket.
 */
import type { Redis } from 'ioredis';
import { TokenBucket, msUntilSpendable, msUntilTokens } from './token-bucket.js';
import type { BucketSize } from './token-bucket.js';

/** The token bucket every Chaster call spends from. */
export interface ChasterBudget {
  /**
   * Takes up to `want` tokens now, leaving at least `keep` in the bucket; the number granted (a
   * number when it is known at once).
   */
  take(want: number, keep?: number): number | Promise<number>;
  /** Gives back tokens taken and not used. */
  refund(n: number): void;
  /** Spends one token for a call ahead of the deliveries (a login): 0, or the ms until it may. */
  spend(): Promise<number>;
  /** The ms until a token is free (0 when one is); a shared budget answers as of its last reply. */
  msUntilToken(): number;
}

/** A budget in this process. */
export function localBudget(size: BucketSize, now: () => number = Date.now): ChasterBudget {
  const bucket = new TokenBucket(size, now);
  return {
    take: (want, keep) => bucket.take(want, keep),
    refund: (n) => bucket.refund(n),
    spend: async () => bucket.spend(),
    msUntilToken: () => bucket.msUntilToken(),
  };
}

// One atomic step of TokenBucket's arithmetic, on Redis's clock. ARGV: rate per ms, capacity,
// mode, n, keep. mode 'take': grant up to n, leaving keep; 'refund': add n; 'spend': one token,
// down to -capacity / 2.
// Returns {granted, tokens after} (tokens as a string: Lua numbers lose their fraction in replies).
const BUCKET_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
if now > at then
  tokens = math.min(capacity, tokens + (now - at) * rate)
  at = now
end
local n = tonumber(ARGV[4])
local granted = 0
if ARGV[3] == 'take' then
  granted = math.max(0, math.min(n, math.floor(tokens - tonumber(ARGV[5]))))
  tokens = tokens - granted
elseif ARGV[3] == 'refund' then
  tokens = math.min(capacity, tokens + n)
elseif tokens > -capacity / 2 then
  tokens = tokens - 1
  granted = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], 3600000)
return {granted, tostring(tokens)}
`;

/** A budget in Redis under `key`, shared by every instance that uses the same key. */
export function redisBudget(
  redis: Redis,
  key: string,
  size: BucketSize,
  onError: (error: unknown) => void = () => {},
): ChasterBudget {
  const fallback = localBudget(size);
  let lastTokens = size.capacity;
  let failing = false;
  const step = async (mode: 'take' | 'refund' | 'spend', n: number, keep = 0): Promise<number> => {
    const [granted, tokens] = (await redis.eval(
      BUCKET_SCRIPT,
      1,
      key,
      String(size.ratePerMinute / 60_000),
      String(size.capacity),
      mode,
      String(n),
      String(keep),
    )) as [number, string];
    lastTokens = Number(tokens);
    failing = false;
    return granted;
  };
  const failed = (error: unknown) => {
    if (!failing) onError(error);
    failing = true;
  };
  return {
    async take(want, keep = 0) {
      if (want <= 0) return 0;
      try {
        return await step('take', want, keep);
      } catch (error) {
        failed(error);
        return fallback.take(want, keep);
      }
    },
    refund(n) {
      if (n <= 0) return;
      step('refund', n).catch((error: unknown) => {
        failed(error);
        fallback.refund(n);
      });
    },
    async spend() {
      try {
        if ((await step('spend', 1)) === 1) return 0;
        return msUntilSpendable(lastTokens, size);
      } catch (error) {
        failed(error);
        return fallback.spend();
      }
    },
    msUntilToken() {
      if (failing) return fallback.msUntilToken();
      return msUntilTokens(lastTokens, 1, size.ratePerMinute);
    },
  };
}
