/**
 * The dispatcher: claims due outbox rows with a lease, sends them to Chaster through the client,
 * and records the outcome. Retries use exponential backoff with full jitter and never come
 * sooner than Chaster's Retry-After / X-RateLimit-Reset. The Chaster budget (a token bucket, see
 * budget.ts; shared by instances on Redis) keeps us under Chaster's rate limit. On SIGTERM (`stop()`) it stops claiming, sends the rows it has already
 * claimed and waits for their outcomes.
 *
 * Storage work is batched per turn of the event loop: the outcomes of the sends that finished
 * are written in one transaction, then one claim fills every free slot and a queue of up to
 * `concurrency` more leased rows, from which a finished send's slot is refilled at once.
 */
import type { Logger } from 'pino';
import { ChasterArgumentError, ChasterError } from '../../chaster/index.js';
import type { ChasterClient } from '../../chaster/index.js';
import type { ClaimedRequest, OutcomeUpdate, Repository } from '../db/types.js';
import { localBudget } from './budget.js';
import type { ChasterBudget } from './budget.js';
import type { OutboxRow } from './types.js';

/** Retry and pacing settings of the dispatcher. */
export interface DispatcherOptions {
  /** Most requests sent to Chaster per minute, across all rooms. Default 60 (Chaster allows 100/min per IP on its public API). */
  ratePerMinute?: number;
  /** Most sends in flight at once. Default 8; a claim leases up to as many more, sent as slots free. */
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
  /**
   * The bucket every Chaster call spends from; default one in this process of `ratePerMinute`
   * holding `budgetCapacity(options)` tokens (`redisBudget` shares one between instances).
   */
  budget?: ChasterBudget;
}

/** The size of the Chaster budget's bucket: a burst of at most the rate, or four per send slot. */
export function budgetCapacity({ ratePerMinute = 60, concurrency = 8 }: DispatcherOptions): number {
  return Math.max(1, Math.min(ratePerMinute, concurrency * 4));
}

/** A finished send waiting to be written, and what settles its send once it is. */
interface Outcome {
  row: OutboxRow;
  update: OutcomeUpdate;
  recorded: () => void;
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
  /**
   * Charges another Chaster call (a login) to the budget the deliveries use: 0 when charged, else
   * the ms until it can be. A login may go ahead of deliveries by about half a bucket (the bucket
   * then owes it, and deliveries wait), so a backlog of deliveries never locks people out.
   */
  spendToken(): Promise<number>;
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

  const budget =
    options.budget ??
    localBudget({ ratePerMinute, capacity: budgetCapacity({ ratePerMinute, concurrency }) }, now);

  /** Sends whose outcome is not written yet (what `stop()` waits for). */
  const inFlight = new Set<Promise<void>>();
  /** Sends talking to Chaster now: at most `concurrency`. */
  let sending = 0;
  /**
   * Leased rows waiting for a slot. A finished send's slot is refilled from here in its own
   * microtask: waiting for the next pass (in the check phase) would leave the slot empty for a
   * whole turn, since undici defers a write on a reused socket to setImmediate.
   */
  const ready: ClaimedRequest[] = [];
  /** Rows a claim may take now: free slots plus room in the ready queue. */
  const room = () => 2 * concurrency - sending - ready.length;
  /** Outcomes waiting for the next tick, which writes them in its claim's transaction. */
  let outcomes: Outcome[] = [];
  /** The last claim took all it was allowed to: more rows are due than fit. */
  let backlog = false;
  let running = false;
  let queued = false;
  let kicked = false;
  let again = false;
  let current: Promise<void> | undefined;
  let lastPassFailed = false;
  /** When the outbox may next hold a row this instance can claim (undefined: only at the poll). */
  let dueAt: number | undefined;
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

  // One pass per turn of the event loop: the outcomes and commits of one turn share one
  // transaction, whose claim fills every free slot at once.
  function wake(): void {
    if (queued) return;
    queued = true;
    setImmediate(() => {
      queued = false;
      tick();
    });
  }

  function tick(): void {
    if (current) {
      again = true;
      return;
    }
    clearTimeout(timer);
    current = (async () => {
      do {
        again = false;
        await pass();
      } while (again);
    })().finally(() => {
      current = undefined;
      arm();
    });
  }

  async function pass(): Promise<void> {
    const batch = outcomes;
    outcomes = [];
    let limit = 0;
    try {
      const want = running ? Math.max(0, room()) : 0;
      if (want > 0) {
        const granted = budget.take(want);
        limit = typeof granted === 'number' ? granted : await granted;
      }
      if (batch.length === 0 && limit === 0) return;
      const { finished, claimed, settled, nextDueAt } = await repository.claim({
        now: now(),
        limit,
        leaseMs,
        maxAgeMs,
        outcomes: batch.map((o) => o.update),
      });
      finished.forEach((written, i) => {
        if (!written) return;
        // The row as the update left it: nobody else touched it while our lease held.
        const { row, update } = batch[i]!;
        const nextAttemptAt = update.nextAttemptAt ?? row.nextAttemptAt;
        notify({
          ...row,
          status: update.status,
          message: update.message,
          nextAttemptAt,
          leaseUntil: null,
          updatedAt: update.now,
        });
        if (update.status === 'queued') dueAt = Math.min(dueAt ?? Infinity, nextAttemptAt);
      });
      if (limit > 0) {
        dueAt = nextDueAt;
        backlog = claimed.length >= limit;
      }
      settled.forEach(notify);
      budget.refund(limit - claimed.length);
      limit = 0;
      for (const request of claimed) {
        notify(request.row);
        ready.push(request);
      }
      while (sending < concurrency && ready.length > 0) start(ready.shift()!);
      lastPassFailed = false;
    } catch (error) {
      budget.refund(limit);
      lastPassFailed = true;
      dueAt = undefined;
      logger?.error(
        { err: error, unrecorded: batch.map((o) => o.update.id) },
        'dispatcher pass failed; unrecorded outcomes are sent again when their lease ends',
      );
    } finally {
      for (const o of batch) o.recorded();
    }
  }

  // The timer is for due times, backoff, the token bucket and the poll (rows other instances
  // made due); with every slot taken the next outcome wakes the loop instead.
  function arm(): void {
    if (!running) return;
    let wait = pollMs;
    // One millisecond late: timers and Date.now() round apart, and a wake a hair early claims
    // nothing and has to arm again.
    if (dueAt !== undefined && room() > 0) wait = Math.min(wait, dueAt - now() + 1);
    wait = Math.max(wait, budget.nextTokenMs());
    clearTimeout(timer);
    timer = setTimeout(wake, Math.max(1, Math.ceil(wait)));
    timer.unref?.();
  }

  function start(request: ClaimedRequest): void {
    let recorded!: () => void;
    const written = new Promise<void>((resolve) => (recorded = resolve));
    inFlight.add(written);
    sending += 1;
    const done = (update: OutcomeUpdate) => {
      sending -= 1;
      outcomes.push({
        row: request.row,
        update,
        recorded: () => {
          inFlight.delete(written);
          recorded();
        },
      });
      // Claimed rows are sent even after stop(): their lease promised it.
      if (ready.length > 0) start(ready.shift()!);
      // Draining a backlog, a pass waits until half the queue behind the slots is sent: its one
      // transaction then writes a batch of outcomes and claims a batch of rows, where a pass per
      // answer would commit for one or two. Otherwise every outcome is written in its own turn.
      if (!backlog || !running || ready.length * 2 <= concurrency) wake();
    };
    send(request).then(done, (error: unknown) => {
      logger?.error({ err: error, id: request.row.id }, 'verification request could not be sent');
      done({
        id: request.row.id,
        status: 'failed',
        message: 'Internal error while sending.',
        now: now(),
      });
    });
  }

  async function send({ row, sessionId, actor }: ClaimedRequest): Promise<OutcomeUpdate> {
    if (row.attempts > maxAttempts) {
      return {
        id: row.id,
        status: 'dead',
        message: `Gave up after ${maxAttempts} attempts.`,
        now: now(),
      };
    }
    try {
      await client.requestVerificationPicture(sessionId, actor);
      return { id: row.id, status: 'delivered', message: null, now: now() };
    } catch (error) {
      return outcome(row, error);
    }
  }

  function outcome(row: OutboxRow, error: unknown): OutcomeUpdate {
    const t = now();
    const id = row.id;
    if (error instanceof ChasterError) {
      if (error.code === 'already_pending') {
        return {
          id,
          status: 'already_pending',
          message: 'Chaster already had a picture request pending for this wearer.',
          now: t,
        };
      }
      if (!error.retryable) {
        logger?.warn(
          { id: row.id, code: error.code, status: error.status },
          'verification request refused by Chaster',
        );
        return { id, status: 'failed', message: error.displayMessage, now: t };
      }
      const reason = `${error.code}${error.status ? ` ${error.status}` : ''}: ${error.displayMessage}`;
      if (row.attempts >= maxAttempts || t - row.createdAt >= maxAgeMs) {
        logger?.warn(
          { id: row.id, attempts: row.attempts, code: error.code },
          'verification request dead',
        );
        return {
          id,
          status: 'dead',
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
        id,
        status: 'queued',
        message: `Retrying after ${reason}`,
        nextAttemptAt: t + delay,
        now: t,
      };
    }
    const message =
      error instanceof ChasterArgumentError ? error.message : 'Internal error while sending.';
    logger?.error({ err: error, id: row.id }, 'verification request could not be sent');
    return { id, status: 'failed', message, now: t };
  }

  return {
    start() {
      if (running) return;
      running = true;
      wake();
    },
    kick() {
      if (!running || kicked) return;
      // Commits come while the loop polls sockets. Claiming at once (not in the check phase,
      // even when a pass for finished sends is waiting there) lets undici, which defers a write
      // on a reused socket to setImmediate, send in this turn instead of the next one.
      kicked = true;
      queueMicrotask(() => {
        kicked = false;
        tick();
      });
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      // Outcomes held back for a batch are written now.
      if (outcomes.length > 0) wake();
      // A send resolves once its outcome is written; a claim under way may still start sends.
      while (current || inFlight.size > 0) {
        await current;
        await Promise.allSettled([...inFlight]);
      }
    },
    healthy() {
      return running && !lastPassFailed;
    },
    spendToken: () => budget.charge(),
  };
}
