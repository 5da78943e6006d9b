/**
 * The dispatcher: claims due outbox rows with a lease, sends them to Chaster through the client,
 * and records each outcome. It composes pieces with one job each:
 *
 * - the Chaster budget (budget.ts, over token-bucket.ts): how many calls Chaster's rate limit
 *   allows now, shared with logins (`spendToken`) and, on Redis, with other instances;
 * - the scheduler (scheduler.ts): when a pass runs — wake-ups, the due-time timer, batching while
 *   a backlog drains, the retry after a failed pass;
 * - the send slots (here): at most `concurrency` sends in flight, and a queue of up to as many more
 *   claimed rows, from which a finished send's slot is refilled at once;
 * - `outcomeOf` (here): what Chaster's answer makes of the row.
 *
 * A pass: take budget for every free slot and queue place → `repository.recordAndClaim` (one
 * transaction: the outcomes of the sends that finished, then a claim of due rows) → refund the
 * tokens no row used → start sends within `concurrency`. A failed pass refunds everything; its
 * unwritten outcomes are sent again once their lease ends. The repository announces every row it
 * changes through `OutboxChanges`. On SIGTERM (`stop()`) it stops claiming, sends the requests it
 * has already claimed (history logs not yet started are left to their leases) and waits for
 * their outcomes to be written.
 *
 * History logs (history-log.ts) have passes of their own, on a second scheduler, so they never
 * change when requests are claimed: a transaction records their outcomes and leases due logs, with
 * budget taken only above half the bucket (a burst of picture requests always finds tokens); they
 * hold one send slot at most, and wait behind every request. A log claim takes a batch, whose
 * outcomes one transaction writes once the batch has been sent.
 */
import type { Logger } from 'pino';
import { ChasterArgumentError, ChasterError } from '../../chaster/index.js';
import type { ChasterClient } from '../../chaster/index.js';
import type { ClaimedRequest, OutcomeUpdate, Repository } from '../db/types.js';
import { customLogOf, historyHolds, logOutcomeOf } from './history-log.js';
import type { ClaimedLog, HistoryLogRow, LogJobResult, LogOutcome } from './history-log.js';
import { retryAfter } from './backoff.js';
import type { RetryRules } from './backoff.js';
import { localBudget } from './budget.js';
import type { ChasterBudget } from './budget.js';
import { PassScheduler } from './scheduler.js';
import type { OutboxRow } from './types.js';

export { backoffDelay } from './backoff.js';
export type { RetryRules } from './backoff.js';

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
   * The budget every Chaster call spends from; default one in this process of `ratePerMinute`
   * holding `budgetCapacity(options)` tokens (`redisBudget` shares one between instances).
   */
  budget?: ChasterBudget;
}

/** The options with their defaults filled in. */
function withDefaults(options: DispatcherOptions) {
  return {
    ratePerMinute: options.ratePerMinute ?? 60,
    concurrency: options.concurrency ?? 8,
    maxAttempts: options.maxAttempts ?? 20,
    maxAgeMs: options.maxAgeMs ?? 24 * 60 * 60 * 1000,
    backoffBaseMs: options.backoffBaseMs ?? 1000,
    backoffCapMs: options.backoffCapMs ?? 5 * 60 * 1000,
    leaseMs: options.leaseMs ?? 30_000,
    pollMs: options.pollMs ?? 1000,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
}

/** The size of the Chaster budget's bucket: a burst of at most the rate, or four per send slot. */
export function budgetCapacity(options: DispatcherOptions): number {
  const { ratePerMinute, concurrency } = withDefaults(options);
  return Math.max(1, Math.min(ratePerMinute, concurrency * 4));
}

/** A running dispatcher. */
export interface Dispatcher {
  /** Starts the loop. */
  start(): void;
  /** Looks at the outbox now (after a commit inserted rows). */
  kick(): void;
  /** Stops claiming and resolves once in-flight and claimed sends are recorded. */
  stop(): Promise<void>;
  /** True while the loop runs and its last pass did not fail. */
  healthy(): boolean;
  /**
   * Spends a token of the budget the deliveries use for another Chaster call (a login): 0 when
   * spent, else the ms until it can be. A login may go ahead of deliveries by about half a bucket
   * (the bucket then owes it, and deliveries wait): a backlog of deliveries never locks anyone out.
   */
  spendToken(): Promise<number>;
}

/**
 * How one send ended: Chaster took it, the call threw `error`, or it was never made because the
 * row was claimed past `maxAttempts` (a lost outcome's lease ran out on the last attempt).
 */
export type SendResult =
  { type: 'sent' } | { type: 'error'; error: unknown } | { type: 'exhausted' };

/**
 * What a send makes of its row, at `now`: 201 → `delivered`; "already pending" →
 * `already_pending`; a retryable error → `queued` again after a full-jitter backoff, never
 * sooner than Chaster's `retryAfterMs`, unless `maxAttempts` or `maxAgeMs` is reached (→ `dead`,
 * with the last reason); any other refusal → `failed` with Chaster's message.
 */
export function outcomeOf(
  row: OutboxRow,
  result: SendResult,
  now: number,
  rules: RetryRules,
): OutcomeUpdate {
  const id = row.id;
  if (result.type === 'sent') return { id, status: 'delivered', message: null, now };
  if (result.type === 'exhausted') {
    return { id, status: 'dead', message: `Gave up after ${rules.maxAttempts} attempts.`, now };
  }
  const { error } = result;
  if (!(error instanceof ChasterError)) {
    const message =
      error instanceof ChasterArgumentError ? error.message : 'Internal error while sending.';
    return { id, status: 'failed', message, now };
  }
  if (error.code === 'already_pending') {
    return {
      id,
      status: 'already_pending',
      message: 'Chaster already had a picture request pending for this wearer.',
      now,
    };
  }
  if (!error.retryable) return { id, status: 'failed', message: error.displayMessage, now };
  return { id, ...retryAfter(row, error, now, rules), now };
}

/** A finished send waiting for a pass to write it, and what settles its send once it is. */
interface FinishedSend<U> {
  update: U;
  recorded: () => void;
}

/** Claimed work waiting for a send slot: a picture request, or a history log. */
type Job = { kind: 'request'; request: ClaimedRequest } | { kind: 'log'; log: ClaimedLog };

/** How long the history logs of deliveries wait to be claimed together. */
const LOG_BATCH_MS = 200;

/** Entries of the lock history a look for an unsure log reads (one call, one token). */
const HISTORY_LOOK_LIMIT = 100;

/** Whether the lock history holds `row`'s log (one page of its newest extension entries). */
async function historyHoldsLog(
  client: Pick<ChasterClient, 'searchLogs'>,
  row: HistoryLogRow,
): Promise<boolean> {
  const page = await client.searchLogs(row.sessionId, {
    role: 'keyholder',
    limit: HISTORY_LOOK_LIMIT,
    showOnlyExtensionActions: true,
  });
  return historyHolds(page.results, row);
}

/** Creates a dispatcher over a repository and a Chaster client. */
export function createDispatcher({
  repository,
  client,
  logger,
  options = {},
}: {
  repository: Repository;
  client: Pick<ChasterClient, 'requestVerificationPicture' | 'createCustomLog' | 'searchLogs'>;
  logger?: Logger;
  options?: DispatcherOptions;
}): Dispatcher {
  const settings = withDefaults(options);
  const { concurrency, leaseMs, maxAgeMs, now } = settings;
  const budget =
    options.budget ??
    localBudget({ ratePerMinute: settings.ratePerMinute, capacity: budgetCapacity(options) }, now);
  /** Tokens history logs leave in the bucket: half of it is kept for picture requests. */
  const keptForRequests = Math.ceil(budgetCapacity(options) / 2);

  // The send slots.
  /** Sends talking to Chaster now: at most `concurrency`, of which at most `logSlots` logs. */
  let sending = 0;
  let sendingLogs = 0;
  /**
   * History logs hold one slot at most: however slow Chaster is with logs (a stall lasts until
   * the client's deadline), requests have every other slot, and a request arriving while a log
   * is out waits for no log (with more slots for logs, bursts of requests did: BENCHMARKS.md).
   */
  const logSlots = 1;
  /**
   * Claimed logs waiting behind that slot. A claim takes several and their outcomes are written
   * together once the queue has drained: one transaction per batch of logs, not one per log.
   */
  const logQueue = 8;
  /**
   * Claimed rows waiting for a slot. A finished send's slot is refilled from here in its own
   * microtask: waiting for the next pass (in the check phase) would leave the slot empty for a
   * whole turn, since undici defers a write on a reused socket to setImmediate. Requests go first.
   */
  const waitingRequests: ClaimedRequest[] = [];
  const waitingLogs: ClaimedLog[] = [];
  /** Outcomes waiting for the next pass, which writes them in its claim's transaction. */
  let finished: Array<FinishedSend<OutcomeUpdate>> = [];
  /** Log outcomes waiting for the next pass, which writes them in its log transaction. */
  let finishedLogs: Array<FinishedSend<LogOutcome>> = [];
  /** Sends whose outcome is not written yet (what `stop()` waits for). */
  const unrecorded = new Set<Promise<void>>();
  /**
   * Requests a claim may take now: the slots logs may not hold, plus as many places in the queue
   * behind them, less the requests out or waiting.
   */
  const room = () =>
    2 * (concurrency - sendingLogs) - (sending - sendingLogs) - waitingRequests.length;
  /** Logs a claim may take now: their own slots and the queue behind them. */
  const logRoom = () => logSlots + logQueue - sendingLogs - waitingLogs.length;
  /**
   * Whether a claimed log may still start: before `stop()` (a stopping server does not wait for
   * logs) and only in the first half of its lease, so that its send (bounded by the client's
   * deadline, shorter than that half) ends before the lease does. A log left out keeps its lease,
   * which runs out; a later claim (after a restart, too) takes it again and, since it is marked
   * unsure, looks for it in the lock history before sending it.
   */
  const mayStart = ({ row }: ClaimedLog) =>
    logScheduler.running && row.leaseUntil !== null && now() < row.leaseUntil - leaseMs / 2;
  /** Starts waiting work while slots are free: requests first, then logs within their slots. */
  const fillSlots = () => {
    while (sending < concurrency) {
      const request = waitingRequests.shift();
      if (request) {
        startSend({ kind: 'request', request });
        continue;
      }
      if (sendingLogs >= logSlots || waitingLogs.length === 0) return;
      const log = waitingLogs.shift()!;
      if (mayStart(log)) startSend({ kind: 'log', log });
      else if (waitingLogs.length === 0 && sendingLogs === 0) logScheduler.sent(0);
    }
  };

  const scheduler = new PassScheduler({
    pass,
    pollMs: settings.pollMs,
    queueSize: concurrency,
    canClaim: () => room() > 0,
    budgetWaitMs: () => budget.msUntilToken(),
    now,
  });
  const logScheduler = new PassScheduler({
    pass: logPass,
    pollMs: settings.pollMs,
    queueSize: logQueue,
    holdWhileQueued: true,
    canClaim: () => logRoom() > 0,
    budgetWaitMs: () => budget.msUntilToken(),
    now,
  });

  async function pass(): Promise<void> {
    const batch = finished;
    finished = [];
    let limit = 0;
    try {
      const want = scheduler.running ? Math.max(0, room()) : 0;
      if (want > 0) {
        const granted = budget.take(want);
        // A local budget answers at once; awaiting it anyway would claim a microtask later.
        limit = typeof granted === 'number' ? granted : await granted;
      }
      // Rows may be due but the budget granted nothing (instances sharing one take tokens and
      // refund what they did not use a moment later): look again once it may have a token,
      // not at the poll; nobody kicks for a wearer freed by another instance's outcome.
      const starved = want > 0 && limit === 0;
      if (batch.length === 0 && limit === 0) {
        if (starved) scheduler.learned({ ok: true, claim: { backlog: true, nextDueAt: now() } });
        return;
      }
      const { recorded, claimed, nextDueAt } = await repository.recordAndClaim({
        now: now(),
        limit,
        leaseMs,
        maxAgeMs,
        outcomes: batch.map((f) => f.update),
      });
      let earliestRetryAt: number | undefined;
      let delivered = false;
      recorded.forEach((written, i) => {
        const { status, nextAttemptAt } = batch[i]!.update;
        if (written && status === 'queued' && nextAttemptAt !== undefined) {
          earliestRetryAt = Math.min(earliestRetryAt ?? Infinity, nextAttemptAt);
        }
        delivered ||= written && status === 'delivered';
      });
      scheduler.learned({
        ok: true,
        earliestRetryAt,
        claim:
          limit > 0
            ? { backlog: claimed.length >= limit, nextDueAt }
            : starved
              ? { backlog: true, nextDueAt: now() }
              : undefined,
      });
      budget.refund(limit - claimed.length);
      limit = 0;
      waitingRequests.push(...claimed);
      fillSlots();
      // A delivery wrote its history log in the same transaction.
      if (delivered) logsWritten();
    } catch (error) {
      budget.refund(limit);
      scheduler.learned({ ok: false });
      logger?.error(
        { err: error, unrecorded: batch.map((f) => f.update.id) },
        'dispatcher pass failed; unrecorded outcomes are sent again when their lease ends',
      );
    } finally {
      for (const f of batch) f.recorded();
    }
  }

  /**
   * Deliveries made history logs: their pass runs a moment later, so that they go out in
   * batches (they are not urgent, and each pass is a transaction).
   */
  let logBatchTimer: NodeJS.Timeout | undefined;
  function logsWritten(): void {
    if (logBatchTimer) return;
    logBatchTimer = setTimeout(() => {
      logBatchTimer = undefined;
      logScheduler.kick();
    }, LOG_BATCH_MS);
    logBatchTimer.unref?.();
  }

  /**
   * A pass of history logs, on its own scheduler so that logs never change when requests are
   * claimed: the log outcomes of finished sends, then due logs with the budget above what is kept
   * for requests, up to the log slots and places behind them.
   */
  async function logPass(): Promise<void> {
    const batch = finishedLogs;
    finishedLogs = [];
    let limit = 0;
    try {
      const want = logScheduler.running ? Math.max(0, logRoom()) : 0;
      if (want > 0) {
        const granted = budget.take(want, keptForRequests);
        limit = typeof granted === 'number' ? granted : await granted;
      }
      if (batch.length === 0 && limit === 0) {
        // Logs may be due while the spare budget is spent: look again at the poll.
        logScheduler.learned({ ok: true, claim: { backlog: false, nextDueAt: undefined } });
        return;
      }
      const { claimed, nextDueAt } = await repository.recordAndClaimLogs({
        now: now(),
        limit,
        leaseMs,
        outcomes: batch.map((f) => f.update),
      });
      logScheduler.learned({
        ok: true,
        claim: limit > 0 ? { backlog: claimed.length >= limit, nextDueAt } : undefined,
      });
      budget.refund(limit - claimed.length);
      limit = 0;
      waitingLogs.push(...claimed);
      fillSlots();
    } catch (error) {
      budget.refund(limit);
      logScheduler.learned({ ok: false });
      logger?.error(
        { err: error, unrecorded: batch.map((f) => f.update.id) },
        'history log pass failed; unrecorded outcomes are sent again when their lease ends',
      );
    } finally {
      for (const f of batch) f.recorded();
    }
  }

  /** Starts a claimed job in a send slot; its outcome is held for the next pass to write. */
  function startSend(job: Job): void {
    let markRecorded!: () => void;
    const written = new Promise<void>((resolve) => (markRecorded = resolve));
    unrecorded.add(written);
    const isLog = job.kind === 'log';
    sending += 1;
    if (isLog) sendingLogs += 1;
    const recorded = () => {
      unrecorded.delete(written);
      markRecorded();
    };
    const freeSlot = () => {
      sending -= 1;
      if (isLog) sendingLogs -= 1;
      // Claimed rows are sent even after stop(): their lease promised it.
      fillSlots();
      if (isLog) logScheduler.sent(waitingLogs.length);
      else scheduler.sent(waitingRequests.length);
    };
    const id = job.kind === 'request' ? job.request.row.id : job.log.row.id;
    const failed = (error: unknown) => {
      logger?.error(
        { err: error, id },
        `${job.kind === 'request' ? 'verification request' : 'history log'} could not be sent`,
      );
      return { status: 'failed' as const, message: 'Internal error while sending.', now: now() };
    };
    if (job.kind === 'request') {
      send(job.request).then(
        (update) => (finished.push({ update, recorded }), freeSlot()),
        (error: unknown) => (
          finished.push({ update: { id, ...failed(error) }, recorded }),
          freeSlot()
        ),
      );
    } else {
      sendLog(job.log).then(
        (update) => (finishedLogs.push({ update, recorded }), freeSlot()),
        (error: unknown) => (
          finishedLogs.push({ update: { id, unsure: true, ...failed(error) }, recorded }),
          freeSlot()
        ),
      );
    }
  }

  /** Sends a log, or looks for it in the lock history first when an earlier send may have landed. */
  async function sendLog({ row, job }: ClaimedLog): Promise<LogOutcome> {
    if (row.attempts > settings.maxAttempts) {
      return logOutcomeOf(row, job, { type: 'exhausted' }, now(), settings);
    }
    let result: LogJobResult;
    try {
      if (job === 'check') {
        result = (await historyHoldsLog(client, row)) ? { type: 'found' } : { type: 'not_found' };
      } else {
        await client.createCustomLog(row.sessionId, customLogOf(row));
        result = { type: 'posted' };
      }
    } catch (error) {
      result = { type: 'error', error };
    }
    const update = logOutcomeOf(row, job, result, now(), settings);
    if (result.type === 'error' && update.status !== 'queued') {
      logger?.warn({ id: row.id, status: update.status }, 'history log not written');
    }
    return update;
  }

  async function send({ row, sessionId, actor }: ClaimedRequest): Promise<OutcomeUpdate> {
    if (row.attempts > settings.maxAttempts) {
      return outcomeOf(row, { type: 'exhausted' }, now(), settings);
    }
    let result: SendResult;
    try {
      await client.requestVerificationPicture(sessionId, actor);
      result = { type: 'sent' };
    } catch (error) {
      result = { type: 'error', error };
    }
    const update = outcomeOf(row, result, now(), settings);
    if (result.type === 'error') logOutcome(row, result.error, update);
    return update;
  }

  function logOutcome(row: OutboxRow, error: unknown, update: OutcomeUpdate): void {
    const id = row.id;
    if (!(error instanceof ChasterError)) {
      logger?.error({ err: error, id }, 'verification request could not be sent');
    } else if (update.status === 'failed') {
      logger?.warn(
        { id, code: error.code, status: error.status },
        'verification request refused by Chaster',
      );
    } else if (update.status === 'dead') {
      logger?.warn({ id, attempts: row.attempts, code: error.code }, 'verification request dead');
    } else if (update.status === 'queued') {
      const delay = update.nextAttemptAt! - update.now;
      logger?.info(
        { id, attempts: row.attempts, code: error.code, delay },
        'verification request will be retried',
      );
    }
  }

  return {
    start: () => {
      scheduler.start();
      logScheduler.start();
    },
    kick: () => scheduler.kick(),
    async stop() {
      scheduler.stop();
      logScheduler.stop();
      clearTimeout(logBatchTimer);
      // A send resolves once its outcome is written; a claim under way may still start sends.
      while (scheduler.passing || logScheduler.passing || unrecorded.size > 0) {
        await Promise.all([scheduler.passesDone(), logScheduler.passesDone()]);
        await Promise.allSettled([...unrecorded]);
      }
    },
    healthy: () => scheduler.healthy() && logScheduler.healthy(),
    spendToken: () => budget.spend(),
  };
}
