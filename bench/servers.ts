/**
 * Starting the processes under test: the emulator child, and a game server child on either side
 * (bare boardgame.io, or ours on a fresh SQLite file in a temporary folder).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorChild } from './clients.js';
import { startChild } from './procs.js';
import type { Child } from './procs.js';
import type { Usage } from './server-child.js';

/** Which server a run measures. */
export type Side = 'bare' | 'plugin';

/** What a server child says once it listens. */
export interface ServerReady {
  url: string;
  side: Side;
  /** The SQLite `synchronous` level in effect (plugin side). */
  synchronous?: string;
}

/** Event-loop delay percentiles of a server child, ms. */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/** A game server child. */
export interface ServerChild {
  readonly side: Side;
  readonly url: string;
  readonly child: Child<ServerReady>;
  usage(): Promise<Usage>;
  /** Collects garbage in the child (it runs with --expose-gc), then reports usage. */
  gcUsage(): Promise<Usage>;
  /** Event-loop delay since the previous call. */
  loopDelay(): Promise<LoopDelay>;
  stop(): Promise<void>;
}

/** Extra node flags for server children (e.g. `--cpu-prof`), set by `bench/run.ts --profile`. */
export const serverNodeArgs: string[] = [];

/** Starts the emulator in its own process. */
export async function startEmulator(): Promise<EmulatorChild> {
  return startChild('./emulator-child.ts', {});
}

/** Starts a game server child; the plugin side needs the emulator. */
export async function startServer(
  side: Side,
  { emulator, synchronous }: { emulator?: EmulatorChild; synchronous?: 'NORMAL' | 'FULL' } = {},
): Promise<ServerChild> {
  const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-bench-'));
  const env: Record<string, string> = { BENCH_SIDE: side, LOG_LEVEL: 'warn' };
  if (side === 'plugin') {
    if (!emulator) throw new Error('the plugin side needs the emulator');
    env.CHASTER_API_URL = emulator.ready.url;
    env.CHASTER_TOKEN = emulator.ready.token;
    env.BENCH_DB = join(dir, 'bench.sqlite');
    if (synchronous) env.BENCH_SYNC = synchronous;
  }
  let child: Child<ServerReady>;
  try {
    child = await startChild<ServerReady>('./server-child.ts', env, {
      nodeArgs: serverNodeArgs,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    side,
    url: child.ready.url,
    child,
    usage: () => child.call<Usage>('usage'),
    gcUsage: () => child.call<Usage>('gc'),
    loopDelay: () => child.call<LoopDelay>('loopDelay'),
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
