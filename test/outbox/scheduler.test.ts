/**
 * The dispatcher's scheduler alone, on a fake event loop: the test runs the microtasks, the check
 * phase and the timer itself, and ends each pass, so every transition of the state diagram in
 * src/server/outbox/scheduler.ts is checked without real time.
 */
import { describe, expect, it } from 'vitest';
import { PassScheduler } from '../../src/server/outbox/scheduler.js';
import type { EventLoop, PassReport } from '../../src/server/outbox/scheduler.js';

/** An event loop whose callbacks run only when the test says so. */
function fakeLoop() {
  const microtasks: Array<() => void> = [];
  const checkPhase: Array<() => void> = [];
  const timers: Array<{ ms: number; fn: () => void; cancelled: boolean }> = [];
  const loop: EventLoop = {
    microtask: (fn) => void microtasks.push(fn),
    checkPhase: (fn) => void checkPhase.push(fn),
    after(ms, fn) {
      const timer = { ms, fn, cancelled: false };
      timers.push(timer);
      return () => (timer.cancelled = true);
    },
  };
  const armed = () => timers.filter((t) => !t.cancelled);
  return {
    loop,
    pending: () => ({ microtasks: microtasks.length, checkPhase: checkPhase.length }),
    runMicrotasks: () => microtasks.splice(0).forEach((fn) => fn()),
    runCheckPhase: () => checkPhase.splice(0).forEach((fn) => fn()),
    /** The delays of the timers armed and not cancelled. */
    armed: () => armed().map((t) => t.ms),
    fireTimer() {
      const [timer] = armed();
      if (!timer) throw new Error('no timer armed');
      timer.cancelled = true;
      timer.fn();
    },
  };
}

/** Lets the scheduler's own promises run (the fake loop's callbacks still wait for the test). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A scheduler whose passes wait for `end(report?)`; `world` is what it asks the dispatcher. */
function harness({ queueSize = 8, pollMs = 1000 } = {}) {
  const fake = fakeLoop();
  const world = { now: 10_000, canClaim: true, budgetWaitMs: 0 };
  const running: Array<(report?: PassReport, fail?: boolean) => void> = [];
  let passCount = 0;
  const scheduler = new PassScheduler({
    pass: () => {
      passCount += 1;
      return new Promise<void>((resolve, reject) =>
        running.push((report, fail) => {
          if (report) scheduler.learned(report);
          if (fail) reject(new Error('pass threw'));
          else resolve();
        }),
      );
    },
    pollMs,
    queueSize,
    canClaim: () => world.canClaim,
    budgetWaitMs: () => world.budgetWaitMs,
    now: () => world.now,
    loop: fake.loop,
  });
  /** Ends the running pass, reporting `report`, and lets the scheduler react. */
  const end = async (report?: PassReport, fail = false) => {
    const finish = running.shift();
    if (!finish) throw new Error('no pass running');
    finish(report, fail);
    await settle();
  };
  /** Starts the scheduler and runs its first pass to the end, claiming with `report`. */
  const started = async (report: PassReport = { ok: true }) => {
    scheduler.start();
    fake.runCheckPhase();
    await end(report);
  };
  return { scheduler, fake, world, end, started, passes: () => passCount };
}

const claimed = (backlog: boolean, nextDueAt?: number): PassReport => ({
  ok: true,
  claim: { backlog, nextDueAt },
});

describe('scheduler: waking', () => {
  it('start() queues the first pass for the check phase; its end leaves it idle with the poll armed', async () => {
    const { scheduler, fake, end, passes } = harness();
    expect(scheduler.phase).toBe('idle');
    scheduler.start();
    expect(scheduler.phase).toBe('queued');
    expect(fake.pending()).toEqual({ microtasks: 0, checkPhase: 1 });
    fake.runCheckPhase();
    expect(scheduler.phase).toBe('passing');
    expect(passes()).toBe(1);
    await end(claimed(false));
    expect(scheduler.phase).toBe('idle');
    expect(fake.armed()).toEqual([1000]);
  });

  it('a kick (a commit) queues a pass in a microtask, not in the check phase; before start() it does nothing', async () => {
    const { scheduler, fake, started, passes } = harness();
    scheduler.kick();
    expect(scheduler.phase).toBe('idle');
    expect(fake.pending()).toEqual({ microtasks: 0, checkPhase: 0 });
    await started();
    scheduler.kick();
    expect(scheduler.phase).toBe('queued');
    expect(fake.pending()).toEqual({ microtasks: 1, checkPhase: 0 });
    fake.runMicrotasks();
    expect(scheduler.phase).toBe('passing');
    expect(passes()).toBe(2);
  });

  it('wakes of one kind coalesce into one callback', async () => {
    const { scheduler, fake, started, passes } = harness();
    await started();
    scheduler.kick();
    scheduler.kick();
    scheduler.sent(0);
    scheduler.sent(0);
    expect(fake.pending()).toEqual({ microtasks: 1, checkPhase: 1 });
    fake.runMicrotasks();
    expect(passes()).toBe(2);
  });

  it('a callback that fires mid-pass asks again: the next pass starts as soon as this one ends', async () => {
    const { scheduler, fake, started, end, passes } = harness();
    await started();
    scheduler.kick();
    fake.runMicrotasks();
    scheduler.sent(0);
    expect(scheduler.phase).toBe('passing');
    fake.runCheckPhase();
    expect(scheduler.phase).toBe('again');
    expect(passes()).toBe(2);
    await end({ ok: true });
    // No callback ran in between: the loop went straight on.
    expect(fake.pending()).toEqual({ microtasks: 0, checkPhase: 0 });
    expect(passes()).toBe(3);
    expect(scheduler.phase).toBe('passing');
    await end({ ok: true });
    expect(scheduler.phase).toBe('idle');
  });

  it('a callback still pending when a pass ends leaves it queued, and runs the next pass when it fires', async () => {
    const { scheduler, fake, started, end, passes } = harness();
    await started();
    scheduler.kick();
    fake.runMicrotasks();
    scheduler.sent(0);
    await end({ ok: true });
    expect(scheduler.phase).toBe('queued');
    expect(passes()).toBe(2);
    fake.runCheckPhase();
    expect(scheduler.phase).toBe('passing');
    expect(passes()).toBe(3);
  });
});

describe('scheduler: the timer', () => {
  it('is armed for the next due time, one millisecond late, while a claim has room', async () => {
    const { fake, world, started } = harness();
    await started(claimed(false, world.now + 250));
    expect(fake.armed()).toEqual([251]);
  });

  it('waits for the poll instead when no claim could take a row, however soon a row is due', async () => {
    const { fake, world, started } = harness();
    world.canClaim = false;
    await started(claimed(false, world.now + 250));
    expect(fake.armed()).toEqual([1000]);
  });

  it('never fires before the budget has a token', async () => {
    const { fake, world, started } = harness();
    world.budgetWaitMs = 4000.2;
    await started(claimed(false, world.now + 250));
    expect(fake.armed()).toEqual([4001]);
  });

  it('waits at least a millisecond for a row already due', async () => {
    const { fake, world, started } = harness();
    await started(claimed(true, world.now - 50));
    expect(fake.armed()).toEqual([1]);
  });

  it('fires a wake in the check phase, and the pass it starts cancels any timer left', async () => {
    const { scheduler, fake, started, passes } = harness();
    await started();
    fake.fireTimer();
    expect(scheduler.phase).toBe('queued');
    expect(fake.pending()).toEqual({ microtasks: 0, checkPhase: 1 });
    fake.runCheckPhase();
    expect(passes()).toBe(2);
    expect(fake.armed()).toEqual([]);
  });

  it('a queued wake does not cancel the timer; the pass it starts does', async () => {
    const { scheduler, fake, started } = harness();
    await started();
    scheduler.kick();
    expect(fake.armed()).toEqual([1000]);
    fake.runMicrotasks();
    expect(fake.armed()).toEqual([]);
  });
});

describe('scheduler: what passes report', () => {
  it('a claim replaces the due time; a recorded retry only brings it forward', async () => {
    const { scheduler, fake, world, started, end } = harness();
    await started(claimed(false, world.now + 600));
    expect(fake.armed()).toEqual([601]);
    // A pass that only wrote outcomes (it claimed nothing) with a retry due sooner.
    scheduler.sent(0);
    fake.runCheckPhase();
    await end({ ok: true, earliestRetryAt: world.now + 300 });
    expect(fake.armed()).toEqual([301]);
    // A retry due later changes nothing.
    scheduler.sent(0);
    fake.runCheckPhase();
    await end({ ok: true, earliestRetryAt: world.now + 900 });
    expect(fake.armed()).toEqual([301]);
    // A claim knows better: nothing due at all.
    scheduler.sent(0);
    fake.runCheckPhase();
    await end(claimed(false, undefined));
    expect(fake.armed()).toEqual([1000]);
  });

  it('a failed pass makes it unhealthy and forgets the due time: the retry comes at the poll', async () => {
    const { scheduler, fake, world, started, end } = harness();
    await started(claimed(false, world.now + 250));
    expect(scheduler.healthy()).toBe(true);
    fake.fireTimer();
    fake.runCheckPhase();
    await end({ ok: false });
    expect(scheduler.healthy()).toBe(false);
    expect(fake.armed()).toEqual([1000]);
    // A pass with nothing to do (it reports nothing) proves nothing either way.
    fake.fireTimer();
    fake.runCheckPhase();
    await end();
    expect(scheduler.healthy()).toBe(false);
    fake.fireTimer();
    fake.runCheckPhase();
    await end(claimed(false, undefined));
    expect(scheduler.healthy()).toBe(true);
  });

  it('a pass that throws counts as failed, and the loop goes on', async () => {
    const { scheduler, fake, started, end, passes } = harness();
    await started();
    scheduler.kick();
    fake.runMicrotasks();
    await end(undefined, true);
    expect(scheduler.healthy()).toBe(false);
    expect(scheduler.phase).toBe('idle');
    expect(fake.armed()).toEqual([1000]);
    scheduler.kick();
    fake.runMicrotasks();
    expect(passes()).toBe(3);
  });
});

describe('scheduler: batching while a backlog drains', () => {
  it('with a backlog, outcomes are held until at most half the queue behind the slots waits', async () => {
    const { scheduler, fake, started } = harness({ queueSize: 8 });
    await started(claimed(true));
    scheduler.sent(7);
    scheduler.sent(5);
    expect(fake.pending()).toEqual({ microtasks: 0, checkPhase: 0 });
    expect(scheduler.phase).toBe('idle');
    scheduler.sent(4);
    expect(fake.pending()).toEqual({ microtasks: 0, checkPhase: 1 });
  });

  it('without a backlog every outcome wakes a pass', async () => {
    const { scheduler, fake, started } = harness({ queueSize: 8 });
    await started(claimed(false));
    scheduler.sent(8);
    expect(fake.pending()).toEqual({ microtasks: 0, checkPhase: 1 });
  });

  it('a failed pass keeps the backlog the last claim saw', async () => {
    const { scheduler, fake, started, end } = harness({ queueSize: 8 });
    await started(claimed(true));
    scheduler.kick();
    fake.runMicrotasks();
    await end({ ok: false });
    scheduler.sent(8);
    expect(fake.pending()).toEqual({ microtasks: 0, checkPhase: 0 });
  });
});

describe('scheduler: stop()', () => {
  it('cancels the timer, ignores kicks, and arms nothing after the last pass', async () => {
    const { scheduler, fake, started, end } = harness();
    await started();
    scheduler.sent(0);
    fake.runCheckPhase();
    scheduler.stop();
    expect(scheduler.running).toBe(false);
    expect(scheduler.healthy()).toBe(false);
    scheduler.kick();
    expect(fake.pending()).toEqual({ microtasks: 0, checkPhase: 0 });
    expect(scheduler.passing).toBe(true);
    await end({ ok: true });
    expect(scheduler.passing).toBe(false);
    expect(fake.armed()).toEqual([]);
  });

  it('wakes a pass for the outcomes held back for a batch', async () => {
    const { scheduler, fake, started } = harness({ queueSize: 8 });
    await started(claimed(true));
    scheduler.sent(7);
    expect(fake.pending()).toEqual({ microtasks: 0, checkPhase: 0 });
    scheduler.stop();
    expect(fake.pending()).toEqual({ microtasks: 0, checkPhase: 1 });
  });

  it('queues nothing when no outcome is held, and every later outcome wakes a pass despite the backlog', async () => {
    const { scheduler, fake, started, end } = harness({ queueSize: 8 });
    await started(claimed(true));
    scheduler.sent(7);
    fake.fireTimer();
    fake.runCheckPhase();
    // The pass that started took the held outcome.
    await end({ ok: true });
    scheduler.stop();
    expect(fake.pending()).toEqual({ microtasks: 0, checkPhase: 0 });
    scheduler.sent(8);
    expect(fake.pending()).toEqual({ microtasks: 0, checkPhase: 1 });
  });

  it('passesDone() resolves once the running pass ends', async () => {
    const { scheduler, fake, started, end } = harness();
    await started();
    scheduler.kick();
    fake.runMicrotasks();
    let done = false;
    const waiting = scheduler.passesDone().then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    await end({ ok: true });
    await waiting;
    expect(done).toBe(true);
  });
});
