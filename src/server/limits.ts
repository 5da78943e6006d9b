/**
 * Per-address, per-user and global limits of the HTTP API. Rates are counted by
 * rate-limiter-flexible: in memory for one instance, or in Redis, where every instance shares one
 * count (with an in-memory limiter as insurance while Redis is unreachable). Open event streams
 * are counted per user and in all; with Redis, as leases every instance renews, so a crashed
 * instance's streams stop counting once their lease runs out.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { HttpError } from './http.js';

/** The limits of the HTTP API; see `DEFAULT_API_LIMITS`. */
export interface ApiLimits {
  /** Logins (`POST /api/login`, each a call to Chaster) per client address per minute. */
  loginsPerAddressPerMinute: number;
  /** Logins per minute in all, whatever their address: a third of the default Chaster budget. */
  loginsPerMinute: number;
  /**
   * Configuration page calls (`GET`/`PUT /api/configurations/:token`, each a call to Chaster) per
   * client address per minute.
   */
  configurationsPerAddressPerMinute: number;
  /** Configuration page calls per minute in all: a sixth of the default Chaster budget. */
  configurationsPerMinute: number;
  /** Signed-in calls (every route but login and webhooks) one user may make per minute. */
  callsPerUserPerMinute: number;
  /** Rooms one user may create per minute. */
  roomsPerUserPerMinute: number;
  /** Rooms one user may host at once (matches not over). */
  openRoomsPerUser: number;
  /** Open verification event streams per user. */
  streamsPerUser: number;
  /** Open verification event streams in all. */
  streams: number;
  /** Least cooldown (seconds) a room may set between two requests to the same wearer. */
  minCooldownSeconds: number;
  /** Most requests a room may allow per match. */
  maxRequestsPerMatch: number;
  /**
   * How often an open stream renews its place and checks that its login still holds: the longest
   * a stream outlives a logout made on another instance.
   */
  streamRecheckMs: number;
}

/** Default API limits. */
export const DEFAULT_API_LIMITS: ApiLimits = {
  // Each ceiling in all is several addresses' shares: one address alone never fills it.
  loginsPerAddressPerMinute: 10,
  loginsPerMinute: 60,
  configurationsPerAddressPerMinute: 5,
  configurationsPerMinute: 30,
  callsPerUserPerMinute: 600,
  roomsPerUserPerMinute: 5,
  openRoomsPerUser: 5,
  streamsPerUser: 4,
  streams: 1000,
  minCooldownSeconds: 0,
  maxRequestsPerMatch: 100,
  streamRecheckMs: 15_000,
};

/** How long a stream's lease lasts without renewal: three rechecks (at least 45 s). */
const streamLeaseMs = (settings: ApiLimits) => Math.max(45_000, 3 * settings.streamRecheckMs);

/** One rate: `consume(key)` throws a 429 HttpError once `key` has used up its minute. */
export interface Rate {
  consume(key: string): Promise<void>;
}

/** An open stream's place; `release` gives it back, `renew` keeps it past its lease. */
export interface StreamSlot {
  release(): Promise<void>;
  renew(): Promise<void>;
}

/** The API's rates and stream slots. */
export interface Limits {
  readonly settings: ApiLimits;
  loginsByAddress: Rate;
  logins: Rate;
  configurationsByAddress: Rate;
  configurations: Rate;
  callsByUser: Rate;
  roomsByUser: Rate;
  /** A place for one more stream of `userId`; throws a 429 HttpError when none is free. */
  openStream(userId: string): Promise<StreamSlot>;
}

/**
 * Builds the limits, on Redis when given one (shared by every instance), else in memory. `scope`
 * names the deployment in Redis keys: instances of one database share counts, others never mix.
 */
export function createLimits(settings: ApiLimits, redis?: Redis, scope = 'default'): Limits {
  const rate = (keyPrefix: string, points: number, what: string): Rate => {
    const memory = new RateLimiterMemory({ keyPrefix, points, duration: 60 });
    const limiter: RateLimiterAbstract = redis
      ? new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `bgio-chaster:${scope}:${keyPrefix}`,
          points,
          duration: 60,
          insuranceLimiter: memory,
        })
      : memory;
    return {
      async consume(key) {
        try {
          await limiter.consume(key);
        } catch (error) {
          if (!(error instanceof RateLimiterRes)) throw error;
          throw tooMany(
            `${what} (${points} a minute); try again in ${Math.ceil(error.msBeforeNext / 1000)} s.`,
            error.msBeforeNext,
          );
        }
      },
    };
  };
  const inMemory = memoryStreams(settings.streamsPerUser, settings.streams);
  const onRedis = redis && redisStreams(redis, settings, scope);
  // While Redis is unreachable, this instance counts its own streams.
  const streams: Limits['openStream'] = onRedis
    ? (userId) =>
        onRedis(userId).catch((error: unknown) => {
          if (error instanceof HttpError) throw error;
          return inMemory(userId);
        })
    : inMemory;
  return {
    settings,
    loginsByAddress: rate(
      'logins-address',
      settings.loginsPerAddressPerMinute,
      'Too many logins from your address',
    ),
    logins: rate('logins', settings.loginsPerMinute, 'Too many logins on this server right now'),
    configurationsByAddress: rate(
      'configurations-address',
      settings.configurationsPerAddressPerMinute,
      'Too many configuration page calls from your address',
    ),
    configurations: rate(
      'configurations',
      settings.configurationsPerMinute,
      'Too many configuration page calls on this server right now',
    ),
    callsByUser: rate('calls-user', settings.callsPerUserPerMinute, 'You are calling too often'),
    roomsByUser: rate(
      'rooms-user',
      settings.roomsPerUserPerMinute,
      'You are creating rooms too fast',
    ),
    openStream: streams,
  };
}

function tooMany(message: string, retryAfterMs: number): HttpError {
  const error = new HttpError(429, 'rate_limited', message);
  error.headers = { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) };
  return error;
}

function streamsFull(perUser: boolean, cap: number): HttpError {
  return new HttpError(
    429,
    'too_many_streams',
    perUser
      ? `You already have ${cap} live verification feeds open; close one (another tab or device) and try again.`
      : 'This server has as many live verification feeds open as it allows; try again in a minute.',
  );
}

function memoryStreams(perUser: number, total: number): Limits['openStream'] {
  const open = new Map<string, number>();
  let all = 0;
  return async (userId) => {
    const mine = open.get(userId) ?? 0;
    if (mine >= perUser) throw streamsFull(true, perUser);
    if (all >= total) throw streamsFull(false, total);
    open.set(userId, mine + 1);
    all += 1;
    let released = false;
    return {
      async release() {
        if (released) return;
        released = true;
        all -= 1;
        const left = (open.get(userId) ?? 1) - 1;
        if (left > 0) open.set(userId, left);
        else open.delete(userId);
      },
      async renew() {},
    };
  };
}

/**
 * Streams as leases in two Redis sorted sets (member: stream id, score: lease end), one per user
 * and one for all: a place is free when fewer unexpired leases than the cap are there.
 */
function redisStreams(redis: Redis, settings: ApiLimits, scope: string): Limits['openStream'] {
  const allKey = `bgio-chaster:${scope}:streams`;
  return async (userId) => {
    const userKey = `${allKey}:${userId}`;
    const id = randomUUID();
    const now = Date.now();
    const until = now + streamLeaseMs(settings);
    // Add first, then count: two instances adding at once both see each other and one backs off.
    const counted = await redis
      .multi()
      .zremrangebyscore(userKey, '-inf', now)
      .zremrangebyscore(allKey, '-inf', now)
      .zadd(userKey, until, id)
      .zadd(allKey, until, id)
      .pexpire(userKey, streamLeaseMs(settings))
      .zrank(userKey, id)
      .zrank(allKey, id)
      .exec();
    const rank = (i: number) => Number(counted?.[i]?.[1] ?? Infinity);
    const release = async () => {
      await redis.multi().zrem(userKey, id).zrem(allKey, id).exec();
    };
    // Ranked by lease end: a new lease ends last, so its rank is how many were there before it.
    if (rank(5) >= settings.streamsPerUser || rank(6) >= settings.streams) {
      await release();
      throw streamsFull(
        rank(5) >= settings.streamsPerUser,
        rank(5) >= settings.streamsPerUser ? settings.streamsPerUser : settings.streams,
      );
    }
    return {
      release,
      async renew() {
        const next = Date.now() + streamLeaseMs(settings);
        await redis
          .multi()
          .zadd(userKey, 'XX', next, id)
          .zadd(allKey, 'XX', next, id)
          .pexpire(userKey, streamLeaseMs(settings))
          .exec();
      },
    };
  };
}
