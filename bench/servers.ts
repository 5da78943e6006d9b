/**
 * Starting the processes under test: the emulator child, and a game server child on either side
 * (bare boardgame.io, or ours on a fresh SQLite file in a temporary folder, or on a Postgres
 * database the caller made, optionally with Redis between instances).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorChild } from './clients.js';
import type { PeerStore } from './peers.js';
import { startChild } from './procs.js';
import type { Child } from './procs.js';
import type { Usage } from './server-child.js';

/**
 * Which server a run measures: plain boardgame.io with InMemory and the game without the plugin
 * (`bare`, side a) or with it (`bgio-plugin`: what boardgame.io itself charges for a plugin),
 * plain boardgame.io on a peer's durable store (`flatfile`, `flatfile-noqueue`, `bgio-postgres`:
 * bench/peers.ts), or this project's server (`plugin`, side b).
 */
export type Side = 'bare' | 'bgio-plugin' | 'plugin' | PeerStore;

/** What a server child says once it listens. */
export interface ServerReady {
  url: string;
  side: Side;
  /** The SQLite `synchronous` level, or Postgres's `synchronous_commit`, in effect (plugin side). */
  synchronous?: string;
  /** Where the server keeps its state. */
  storage?: 'memory' | 'sqlite' | 'postgres' | PeerStore;
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

/** How to start a game server child. */
export interface ServerOptions {
  /** Needed by the plugin side. */
  emulator?: EmulatorChild;
  /** SQLite `synchronous` (plugin side on SQLite). */
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * A `postgres://` URL instead of a fresh SQLite file (plugin side), or the database of the
   * `bgio-postgres` side (required there); the caller owns it.
   */
  database?: string;
  /** `redis://` URL: boardgame.io's pub/sub between instances (plugin side). */
  redisUrl?: string;
}

/** Starts a game server child; the plugin side needs the emulator. */
export async function startServer(
  side: Side,
  { emulator, synchronous, database, redisUrl }: ServerOptions = {},
): Promise<ServerChild> {
  const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-bench-'));
  // REDIS_URL is always set, empty unless asked for, so a value in the caller's environment
  // never leaks into a SQLite side.
  const env: Record<string, string> = { BENCH_SIDE: side, LOG_LEVEL: 'warn', REDIS_URL: '' };
  if (side === 'plugin') {
    if (!emulator) throw new Error('the plugin side needs the emulator');
    env.CHASTER_API_URL = emulator.ready.url;
    env.CHASTER_TOKEN = emulator.ready.token;
    env.BENCH_DB = database ?? join(dir, 'bench.sqlite');
    if (synchronous) env.BENCH_SYNC = synchronous;
    if (redisUrl) env.REDIS_URL = redisUrl;
  } else if (side === 'bgio-postgres') {
    if (!database) throw new Error('the bgio-postgres side needs a database');
    env.BENCH_DB = database;
  } else if (side === 'flatfile' || side === 'flatfile-noqueue') {
    env.BENCH_DB = join(dir, 'flatfile');
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
