/**
 * The dispatcher's scheduler: decides when a pass runs, and nothing else. A pass (the
 * dispatcher's) writes the finished sends' outcomes and claims rows in one transaction; the
 * scheduler runs one at a time, coalesces the reasons to run one, and sleeps until the next.
 *
 *         wake: kick, start, an outcome,
 *         the timer, stop                  a callback fires
 *   idle ─────────────────────────▶ queued ─────────────────▶ passing ◀─────────┐
 *    ▲                                ▲                         │   │             │ pass ends:
 *    │                                │  pass ends, a callback  │   │ a callback  │ the next
 *    │                                └────── still pending ────┤   ▼ fires       │ starts
 *    │                                                          │  again ─────────┘ at once
 *    └───────────────── pass ends, none pending ────────────────┘
 *                     (both arm the timer while running)
 *
 * Transitions, and why:
 * - idle → queued on `kick()` (a commit): the callback is a microtask, so the claim runs in the
 *   commit's own turn and undici, which defers a write on a reused socket to setImmediate, still
 *   sends in that turn.
 * - idle → queued on `start()`, an outcome (`sent`), the timer, or `stop()` with held outcomes:
 *   the callback runs in the check phase, so every outcome of this turn shares one transaction.
 * - queued → queued on any wake: at most one callback of each kind is pending.
 * - queued → passing when a callback fires: the timer is cleared, since the pass ends by arming it.
 * - passing → again when a callback fires mid-pass: the pass already took its outcomes, so what
 *   woke us must be looked at after it.
 * - again → passing when the pass ends: the next pass starts at once.
 * - passing → idle (or queued, if a callback is still pending) when the pass ends: the timer is
 *   armed for the due time (only while a claim has room), else the poll, never before the budget
 *   has a token. The poll also finds rows other instances made due, and retries a failed pass.
 *
 * Besides its phase the scheduler remembers what passes reported (`learned`): whether the last
 * claim took its whole limit (a backlog), when a row is next due, and whether the last pass
 * failed. While a backlog drains, an outcome does not wake a pass until half the queue of claimed
 * rows behind the send slots is sent: that pass's one transaction then writes a batch of outcomes
 * and claims a batch of rows, where a pass per answer would commit for one or two. Without a
 * backlog, and after `stop()`, every outcome wakes a pass. A scheduler made `holdWhileQueued`
 * (history logs) holds every outcome while claimed rows still wait, backlog or not. `stop()`
 * keeps the phases: it ends the timer and the kicks, passes then claim nothing (`running` is
 * false), and held outcomes are woken for.
 */

/** Where the scheduler is: see the diagram above. */
export type SchedulerPhase = 'idle' | 'queued' | 'passing' | 'again';

/** What a pass found out, reported before it starts any send. */
export type PassReport =
  | {
      ok: true;
      /** Present when the pass claimed (its limit was above 0). */
      claim?: {
        /** The claim took its whole limit: more rows are due than fit. */
        backlog: boolean;
        /** When a later claim may find a row this one did not take (undefined: none known). */
        nextDueAt: number | undefined;
      };
      /** The earliest retry among the outcomes it recorded as `queued`. */
      earliestRetryAt?: number;
    }
  | { ok: false };

/** The event loop's hooks the scheduler wakes through (fakes in tests). */
export interface EventLoop {
  /** Runs `fn` in a microtask. */
  microtask(fn: () => void): void;
  /** Runs `fn` in this turn's check phase. */
  checkPhase(fn: () => void): void;
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}

/** Node's event loop; the timer does not keep the process alive. */
const NODE_EVENT_LOOP: EventLoop = {
  microtask: queueMicrotask,
  checkPhase: (fn) => void setImmediate(fn),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};

/** What the scheduler runs and asks. */
export interface SchedulerOptions {
  /** Runs one pass; it reports through `learned` and never rejects. */
  pass: () => Promise<void>;
  /** Longest sleep between passes. */
  pollMs: number;
  /** Most claimed rows waiting behind the send slots (the dispatcher's concurrency). */
  queueSize: number;
  /**
   * Hold every outcome while claimed rows still wait for a slot, backlog or not: for work that is
   * not urgent (history logs), whose outcomes are then written a batch per transaction.
   */
  holdWhileQueued?: boolean;
  /** Whether a claim could take a row now: a due time only matters then. */
  canClaim: () => boolean;
  /** The ms until the budget has a token. */
  budgetWaitMs: () => number;
  now: () => number;
  loop?: EventLoop;
}

/** Decides when the dispatcher's passes run (see the header for its states). */
export class PassScheduler {
  private phaseNow: SchedulerPhase = 'idle';
  private isRunning = false;
  /** A callback of each kind may be pending; more wakes of that kind coalesce into it. */
  private readonly pending = { microtask: false, checkPhase: false };
  private cancelTimer: () => void = () => {};
  private passes: Promise<void> | undefined;
  private backlog = false;
  /** When the outbox may next hold a row this instance can claim (undefined: only at the poll). */
  private dueAt: number | undefined;
  private lastPassFailed = false;
  /** An outcome was held back for a batch and no pass has started since. */
  private held = false;
  private readonly loop: EventLoop;

  constructor(private readonly options: SchedulerOptions) {
    this.loop = options.loop ?? NODE_EVENT_LOOP;
  }

  /** The current phase. */
  get phase(): SchedulerPhase {
    return this.phaseNow;
  }

  /** True between `start()` and `stop()`: passes may claim. */
  get running(): boolean {
    return this.isRunning;
  }

  /** True while started and the last pass that did anything did not fail. */
  healthy(): boolean {
    return this.isRunning && !this.lastPassFailed;
  }

  /** Starts: the first pass runs in this turn's check phase. */
  start(): void {
    if (this.isRunning) return;
    this.isRunning = true;
    this.wake('checkPhase');
  }

  /** A commit added rows: a pass runs in a microtask. Ignored once stopped. */
  kick(): void {
    if (this.isRunning) this.wake('microtask');
  }

  /**
   * A send finished, `waiting` claimed rows still wait behind the slots: wakes a pass, unless its
   * outcome is held for a batch while a backlog drains (or, `holdWhileQueued`, while any wait).
   */
  sent(waiting: number): void {
    const hold = this.options.holdWhileQueued
      ? waiting > 0
      : this.backlog && waiting * 2 > this.options.queueSize;
    if (hold && this.isRunning) {
      this.held = true;
      return;
    }
    this.wake('checkPhase');
  }

  /** What the running pass found out. */
  learned(report: PassReport): void {
    if (!report.ok) {
      this.lastPassFailed = true;
      this.dueAt = undefined;
      return;
    }
    this.lastPassFailed = false;
    if (report.earliestRetryAt !== undefined) {
      this.dueAt = Math.min(this.dueAt ?? Infinity, report.earliestRetryAt);
    }
    if (report.claim) {
      this.dueAt = report.claim.nextDueAt;
      this.backlog = report.claim.backlog;
    }
  }

  /** Stops the timer and the kicks; outcomes held for a batch get their pass now. */
  stop(): void {
    this.isRunning = false;
    this.cancelTimer();
    if (this.held) this.wake('checkPhase');
  }

  /** True while a pass runs. */
  get passing(): boolean {
    return this.passes !== undefined;
  }

  /** Resolves once no pass runs. */
  async passesDone(): Promise<void> {
    await this.passes;
  }

  private wake(kind: 'microtask' | 'checkPhase'): void {
    if (this.pending[kind]) return;
    this.pending[kind] = true;
    if (this.phaseNow === 'idle') this.phaseNow = 'queued';
    this.loop[kind](() => {
      this.pending[kind] = false;
      this.fire();
    });
  }

  private fire(): void {
    if (this.passes) {
      this.phaseNow = 'again';
      return;
    }
    this.cancelTimer();
    this.passes = this.runPasses();
  }

  private async runPasses(): Promise<void> {
    do {
      this.phaseNow = 'passing';
      this.held = false;
      await this.options.pass().catch(() => this.learned({ ok: false }));
    } while (this.phase === 'again');
    this.passes = undefined;
    this.phaseNow = this.pending.microtask || this.pending.checkPhase ? 'queued' : 'idle';
    this.arm();
  }

  private arm(): void {
    if (!this.isRunning) return;
    const { pollMs, canClaim, budgetWaitMs, now } = this.options;
    let wait = pollMs;
    // One millisecond late: timers and Date.now() round apart, and a wake a hair early claims
    // nothing and has to arm again.
    if (this.dueAt !== undefined && canClaim()) wait = Math.min(wait, this.dueAt - now() + 1);
    wait = Math.max(wait, budgetWaitMs());
    this.cancelTimer();
    this.cancelTimer = this.loop.after(Math.max(1, Math.ceil(wait)), () => this.wake('checkPhase'));
  }
}
