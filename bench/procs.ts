/**
 * Child processes for the benchmarks (the game server and the emulator each run in their own
 * process, so their CPU is measured apart from the clients'), with a tiny request/answer protocol
 * over Node's IPC channel.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A message from parent to child. */
interface Call {
  id: number;
  type: string;
  payload?: unknown;
}

/** A message from child to parent: an answer, or the `ready` notice. */
type Answer =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { ready: unknown };

/** The same process's monotonic clock in ms; CLOCK_MONOTONIC is shared by every process of the box. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** CPU time (user + system) of this process in ms. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** In a child: answers calls from the parent with `handlers`, and tells the parent it is ready. */
export function serveParent(
  handlers: Record<string, (payload: unknown) => unknown>,
  ready: unknown,
): void {
  if (!process.send)
    throw new Error('this script must be started by bench/run.ts (no IPC channel)');
  process.on('message', (message: Call) => {
    const handler = handlers[message.type];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`no handler for ${message.type}`);
        return handler(message.payload);
      })
      .then(
        (result) => process.send!({ id: message.id, ok: true, result } satisfies Answer),
        (error: unknown) =>
          process.send!({
            id: message.id,
            ok: false,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          } satisfies Answer),
      );
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready } satisfies Answer);
}

/** A running child process that answers calls. */
export interface Child<R = unknown> {
  readonly process: ChildProcess;
  /** What the child sent when it was ready (e.g. its URL). */
  readonly ready: R;
  call<T = unknown>(type: string, payload?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks the child to exit (so a CPU profile gets written), then kills it if it lingers. */
  stop(): Promise<void>;
  /** The last lines the child wrote to stderr. */
  stderr(): string;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts `script` (relative to bench/) under tsx with `env`; resolves once it says it is ready. */
export async function startChild<R>(
  script: string,
  env: Record<string, string>,
  { nodeArgs = [], startTimeoutMs = 30_000 }: { nodeArgs?: string[]; startTimeoutMs?: number } = {},
): Promise<Child<R>> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = spawn(process.execPath, ['--expose-gc', ...nodeArgs, '--import', 'tsx', path], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8000);
    if (process.env.BENCH_VERBOSE) process.stderr.write(d);
  });
  let next = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const ready = await new Promise<R>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start within ${startTimeoutMs} ms:\n${err}`));
    }, startTimeoutMs);
    child.on('message', (message: Answer) => {
      if ('ready' in message) {
        clearTimeout(timer);
        resolve(message.ready as R);
        return;
      }
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${script}: ${message.error}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const error = new Error(`${script} exited (${code ?? signal}):\n${err}`);
      reject(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
  });
  return {
    process: child,
    ready,
    call<T>(type: string, payload?: unknown, timeoutMs = 120_000): Promise<T> {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${script}: ${type} got no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ id, type, payload } satisfies Call);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    stderr: () => err,
  };
}
