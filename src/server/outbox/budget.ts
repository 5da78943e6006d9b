/**
 * The Chaster budget: one token bucket of `ratePerMinute` (holding at most `capacity`) for every
 * call this server makes to Chaster — deliveries take tokens, logins are charged. In memory for
 * one instance; in Redis for instances that share a database, so that together they stay within
 * one budget (with Redis's clock, not each instance's). While Redis is unreachable an instance
 * falls back to its own bucket.
 *
 *   tokens ──take(n)──▶ deliveries (unused ones are refunded)
 *      ▲  └─charge()──▶ a login (may run the bucket down to −capacity/2: deliveries then wait)
 *      └── refilled at ratePerMinute, up to capacity
 */
import type { Redis } from 'ioredis';

/** A token bucket shared by every Chaster call. */
export interface ChasterBudget {
  /** Takes up to `want` tokens now; the number granted (a number when it is known at once). */
  take(want: number): number | Promise<number>;
  /** Gives back tokens taken and not used. */
  refund(n: number): void;
  /** Charges one call that goes ahead of the deliveries (a login): 0, or the ms until it may. */
  charge(): Promise<number>;
  /** The ms until a token is free, as last seen (0 when one is). */
  nextTokenMs(): number;
}

/** The bucket's size: a burst of at most `capacity` calls. */
export interface BudgetSize {
  ratePerMinute: number;
  capacity: number;
}

/** A bucket in this process. */
export function localBudget(
  { ratePerMinute, capacity }: BudgetSize,
  now: () => number = Date.now,
): ChasterBudget {
  let tokens = capacity;
  let refilledAt = now();
  const refill = () => {
    const t = now();
    tokens = Math.min(capacity, tokens + ((t - refilledAt) * ratePerMinute) / 60_000);
    refilledAt = t;
  };
  const budget: ChasterBudget = {
    take(want) {
      refill();
      const granted = Math.max(0, Math.min(want, Math.floor(tokens)));
      tokens -= granted;
      return granted;
    },
    refund(n) {
      tokens = Math.min(capacity, tokens + n);
    },
    async charge() {
      refill();
      if (tokens <= -capacity / 2) {
        return Math.ceil(((1 - capacity / 2 - tokens) * 60_000) / ratePerMinute);
      }
      tokens -= 1;
      return 0;
    },
    nextTokenMs() {
      return tokens >= 1 ? 0 : ((1 - tokens) * 60_000) / ratePerMinute;
    },
  };
  return budget;
}

// One atomic step of the bucket, on Redis's clock. ARGV: rate per ms, capacity, mode, n.
// mode 'take': grant up to n; 'refund': add n; 'charge': one token, down to -capacity / 2.
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
  granted = math.max(0, math.min(n, math.floor(tokens)))
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

/** A bucket in Redis under `key`, shared by every instance that uses the same key. */
export function redisBudget(
  redis: Redis,
  key: string,
  size: BudgetSize,
  onError: (error: unknown) => void = () => {},
): ChasterBudget {
  const fallback = localBudget(size);
  const rate = size.ratePerMinute / 60_000;
  let lastTokens = size.capacity;
  let failing = false;
  const step = async (mode: 'take' | 'refund' | 'charge', n: number): Promise<number> => {
    const [granted, tokens] = (await redis.eval(
      BUCKET_SCRIPT,
      1,
      key,
      String(rate),
      String(size.capacity),
      mode,
      String(n),
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
    async take(want) {
      if (want <= 0) return 0;
      try {
        return await step('take', want);
      } catch (error) {
        failed(error);
        return fallback.take(want);
      }
    },
    refund(n) {
      if (n <= 0) return;
      step('refund', n).catch((error: unknown) => {
        failed(error);
        fallback.refund(n);
      });
    },
    async charge() {
      try {
        if ((await step('charge', 1)) === 1) return 0;
        return Math.ceil((1 - size.capacity / 2 - lastTokens) / rate);
      } catch (error) {
        failed(error);
        return fallback.charge();
      }
    },
    nextTokenMs() {
      if (failing) return fallback.nextTokenMs();
      return lastTokens >= 1 ? 0 : (1 - lastTokens) / rate;
    },
  };
}
