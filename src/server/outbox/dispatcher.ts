/**
 * The dispatcher: claims due outbox rows with a lease, sends them to Chaster through the client,
 * and records the outcome. Retries use exponential backoff with full jitter and never come
 * sooner than Chaster's Retry-After / X-RateLimit-Reset. A global token bucket keeps us under
 * Chaster's rate limit. On SIGTERM (`stop()`) it stops claiming and waits for in-flight sends.
 */
import type { Logger } from 'pino';
import { ChasterArgumentError, ChasterError } from '../../chaster/index.js';
import type { ChasterClient } from '../../chaster/index.js';
import type { ClaimedRequest, Repository } from '../db/types.js';
import type { OutboxRow } from './types.js';

/** Retry and pacing settings of the dispatcher. */
export interface DispatcherOptions {
  /** Most requests sent to Chaster per minute, across all rooms. Default 60 (Chaster allows 100/min per IP on its public API). */
  ratePerMinute?: number;
  /** Most sends in flight at once. Default 8. */
  concurrency?: number;
  /** Most attempts per request before it is `dead`. Default 20: enough for a 2-minute outage in a 50% fault rate. */
  maxAttempts?: number;
  /** Oldest a request may get before it is `dead`. Default 24 h. */
  maxAgeMs?: number;
  /** First backoff ceiling; doubles per attempt. Default 1 s. */
  backoffBaseMs?: number;
  /** Largest backoff ceiling. Default 5 min. */
  backoffCapMs?: number;
  /** Lease of a claimed row; a crashed sender's rows come back after it. Default 30 s. */
  leaseMs?: number;
  /** Longest sleep between looks at the outbox. Default 1 s. */
  pollMs?: number;
  /** Random source in [0, 1), for tests. */
  random?: () => number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Called with every row whose status changed. */
export type RowListener = (row: OutboxRow) => void;

/** A running dispatcher. */
export interface Dispatcher {
  /** Starts the loop. */
  start(): void;
  /** Looks at the outbox now (after a commit inserted rows). */
  kick(): void;
  /** Stops claiming and resolves once in-flight sends are recorded. */
  stop(): Promise<void>;
  /** True while the loop runs and its last pass did not fail. */
  healthy(): boolean;
}

/** The delay before retry number `attempt` (1-based): full jitter over an exponential ceiling. */
export function backoffDelay(
  attempt: number,
  { baseMs, capMs, random }: { baseMs: number; capMs: number; random: () => number },
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Creates a dispatcher over a repository and a Chaster client. */
export function createDispatcher({
  repository,
  client,
  logger,
  onChange,
  options = {},
}: {
  repository: Repository;
  client: Pick<ChasterClient, 'requestVerificationPicture'>;
  logger?: Logger;
  onChange?: RowListener;
  options?: DispatcherOptions;
}): Dispatcher {
  const {
    ratePerMinute = 60,
    concurrency = 8,
    maxAttempts = 20,
    maxAgeMs = 24 * 60 * 60 * 1000,
    backoffBaseMs = 1000,
    backoffCapMs = 5 * 60 * 1000,
    leaseMs = 30_000,
    pollMs = 1000,
    random = Math.random,
    now = Date.now,
  } = options;

  // Token bucket: `ratePerMinute` tokens, refilled continuously.
  const capacity = Math.max(1, Math.min(ratePerMinute, concurrency * 4));
  let tokens = capacity;
  let refilledAt = now();
  const refill = () => {
    const t = now();
    tokens = Math.min(capacity, tokens + ((t - refilledAt) * ratePerMinute) / 60_000);
    refilledAt = t;
  };

  const inFlight = new Set<Promise<void>>();
  let running = false;
  let passing = false;
  let again = false;
  let lastPassFailed = false;
  let timer: NodeJS.Timeout | undefined;

  const notify = (row: OutboxRow | undefined) => {
    if (row && onChange) {
      try {
        onChange(row);
      } catch (error) {
        logger?.error({ err: error }, 'verification status listener failed');
      }
    }
  };

  async function pass(): Promise<void> {
    if (!running) return;
    if (passing) {
      again = true;
      return;
    }
    passing = true;
    clearTimeout(timer);
    try {
      do {
        again = false;
        refill();
        const limit = Math.min(concurrency - inFlight.size, Math.floor(tokens));
        const { claimed, settled } = await repository.claim({
          now: now(),
          limit,
          leaseMs,
          maxAgeMs,
        });
        settled.forEach(notify);
        for (const request of claimed) {
          tokens -= 1;
          notify(request.row);
          const sending = send(request).finally(() => {
            inFlight.delete(sending);
            void pass();
          });
          inFlight.add(sending);
        }
      } while (again && running);
      lastPassFailed = false;
    } catch (error) {
      lastPassFailed = true;
      logger?.error({ err: error }, 'dispatcher pass failed; retrying');
    } finally {
      passing = false;
      await schedule();
    }
  }

  async function schedule(): Promise<void> {
    if (!running) return;
    let wait = pollMs;
    try {
      const due = await repository.nextDueAt();
      if (due !== undefined) wait = Math.min(wait, Math.max(0, due - now()));
    } catch {
      // The next pass reports storage errors.
    }
    if (tokens < 1) wait = Math.max(wait, ((1 - tokens) * 60_000) / ratePerMinute);
    clearTimeout(timer);
    timer = setTimeout(() => void pass(), Math.max(1, Math.ceil(wait)));
    timer.unref?.();
  }

  async function send({ row, sessionId, actor }: ClaimedRequest): Promise<void> {
    const t = now();
    if (row.attempts > maxAttempts) {
      notify(
        await repository.finish(row.id, {
          status: 'dead',
          message: `Gave up after ${maxAttempts} attempts.`,
          now: t,
        }),
      );
      return;
    }
    try {
      await client.requestVerificationPicture(sessionId, actor);
      notify(await repository.finish(row.id, { status: 'delivered', message: null, now: now() }));
    } catch (error) {
      notify(await repository.finish(row.id, outcome(row, error)));
    }
  }

  function outcome(row: OutboxRow, error: unknown) {
    const t = now();
    if (error instanceof ChasterError) {
      if (error.code === 'already_pending') {
        return {
          status: 'already_pending' as const,
          message: 'Chaster already had a picture request pending for this wearer.',
          now: t,
        };
      }
      if (!error.retryable) {
        logger?.warn(
          { id: row.id, code: error.code, status: error.status },
          'verification request refused by Chaster',
        );
        return { status: 'failed' as const, message: error.displayMessage, now: t };
      }
      const reason = `${error.code}${error.status ? ` ${error.status}` : ''}: ${error.displayMessage}`;
      if (row.attempts >= maxAttempts || t - row.createdAt >= maxAgeMs) {
        logger?.warn(
          { id: row.id, attempts: row.attempts, code: error.code },
          'verification request dead',
        );
        return {
          status: 'dead' as const,
          message: `Gave up after ${row.attempts} attempts; last error ${reason}`,
          now: t,
        };
      }
      const delay = Math.max(
        backoffDelay(row.attempts, { baseMs: backoffBaseMs, capMs: backoffCapMs, random }),
        error.retryAfterMs ?? 0,
      );
      logger?.info(
        { id: row.id, attempts: row.attempts, code: error.code, delay },
        'verification request will be retried',
      );
      return {
        status: 'queued' as const,
        message: `Retrying after ${reason}`,
        nextAttemptAt: t + delay,
        now: t,
      };
    }
    const message =
      error instanceof ChasterArgumentError ? error.message : 'Internal error while sending.';
    logger?.error({ err: error, id: row.id }, 'verification request could not be sent');
    return { status: 'failed' as const, message, now: t };
  }

  return {
    start() {
      if (running) return;
      running = true;
      void pass();
    },
    kick() {
      void pass();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    healthy() {
      return running && !lastPassFailed;
    },
  };
}
