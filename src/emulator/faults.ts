/**
 * Fault injection for the emulator: shares of error answers, rate limiting, added latency,
 * stalled answers and connections dropped mid-response, drawn from a seeded generator so a test
 * run can be repeated exactly.
 */
import { z } from 'zod';

const Share = z.number().min(0).max(1);

/** The fault settings accepted by `POST /__emulator/faults` and `emulator.setFaults`. */
export const FaultsSchema = z
  .strictObject({
    /** Share of calls answered with `errorStatus` (default 503). */
    errorRate: Share.default(0),
    errorStatus: z.number().int().min(100).max(999).default(503),
    /** Raw body of those answers; default a NestJS JSON error. Use it for a proxy's HTML or text. */
    errorBody: z.string().max(65_536).optional(),
    /** Share of calls answered 429 with a wait hint. */
    rateLimitRate: Share.default(0),
    retryAfterSeconds: z.number().min(0).max(86_400).default(1),
    /** How the 429 says when to come back: `Retry-After` in seconds or as a date, or `X-RateLimit-Reset`. */
    retryAfterStyle: z.enum(['seconds', 'date', 'reset']).default('seconds'),
    /** Share of calls whose connection is dropped after part of the answer was written. */
    dropRate: Share.default(0),
    /** Share of calls that get no answer for `stallMs`, then a dropped connection. */
    stallRate: Share.default(0),
    stallMs: z.number().int().min(0).max(600_000).default(30_000),
    /**
     * Share of calls carried out (their effect happens: a request asked, a log written) whose
     * connection is then dropped before any answer: the caller cannot tell whether it landed.
     */
    lostAnswerRate: Share.default(0),
    /** Share of calls answered 200 with a body that is not JSON. */
    garbleRate: Share.default(0),
    /** Delay added before every answer in scope. */
    latencyMs: z.number().int().min(0).max(600_000).default(0),
    /**
     * Which routes the faults hit: only verification requests, only the lock history (custom logs
     * and their search), or every `/api` route.
     */
    scope: z.enum(['verification', 'history', 'api']).default('api'),
    /** Seed of the generator that draws which call gets which fault. */
    seed: z.number().int().default(1),
  })
  .refine(
    (f) =>
      f.errorRate + f.rateLimitRate + f.dropRate + f.stallRate + f.garbleRate + f.lostAnswerRate <=
      1,
    {
      message:
        'errorRate + rateLimitRate + dropRate + stallRate + garbleRate + lostAnswerRate must not exceed 1',
    },
  );

/** Fault settings as given (every field optional). */
export type FaultsInput = z.input<typeof FaultsSchema>;
/** Fault settings with defaults filled in. */
export type Faults = z.output<typeof FaultsSchema>;

/** The fault drawn for one call. */
export type FaultKind =
  'none' | 'drop' | 'stall' | 'rate_limit' | 'error' | 'garble' | 'lost_answer';

/** Draws one fault per call; shares are laid end to end on [0, 1) so they are exact in the long run. */
export function createFaultPicker(faults: Faults): () => FaultKind {
  const random = mulberry32(faults.seed);
  const bands: Array<[number, FaultKind]> = [
    [faults.dropRate, 'drop'],
    [faults.stallRate, 'stall'],
    [faults.rateLimitRate, 'rate_limit'],
    [faults.errorRate, 'error'],
    [faults.garbleRate, 'garble'],
    [faults.lostAnswerRate, 'lost_answer'],
  ];
  return () => {
    let r = random();
    for (const [share, kind] of bands) {
      if (r < share) return kind;
      r -= share;
    }
    return 'none';
  };
}

/** The headers a rate-limited answer carries, in the configured style. */
export function rateLimitHeaders(faults: Faults, now: number): Record<string, string> {
  const waitMs = faults.retryAfterSeconds * 1000;
  switch (faults.retryAfterStyle) {
    case 'seconds':
      return { 'retry-after': String(faults.retryAfterSeconds) };
    case 'date':
      // HTTP dates have whole seconds: round up so the client never comes back early.
      return { 'retry-after': new Date(Math.ceil((now + waitMs) / 1000) * 1000).toUTCString() };
    case 'reset':
      return {
        'x-ratelimit-limit': '100',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.ceil((now + waitMs) / 1000)),
      };
  }
}

/** A small seeded PRNG (mulberry32): deterministic fault sequences for tests. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
