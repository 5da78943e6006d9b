/**
 * The game server under test, in its own process so that its CPU time is its own. Configured by
 * environment:
 * - `BENCH_SIDE=bare`: plain boardgame.io `Server` with InMemory storage and `BareGame` (no
 *   plugin); matches are made through the open Lobby routes. `BENCH_SIDE=bgio-plugin`: the same
 *   with `PluginGame`, so the plugin runs but nothing reads its intents.
 * - `BENCH_SIDE=flatfile` | `flatfile-noqueue` | `bgio-postgres`: the same plain server and
 *   `BareGame` on a peer's durable store (bench/peers.ts) at `BENCH_DB` (a folder, or a
 *   `postgres://` URL).
 * - `BENCH_SIDE=plugin`: `createGameServer` with `PluginGame`, SQLite at `BENCH_DB`
 *   (`BENCH_SYNC` = NORMAL | FULL, default the library's) or Postgres when `BENCH_DB` is a
 *   `postgres://` URL (a non-empty `REDIS_URL` adds the Redis pub/sub between instances), the
 *   outbox and
 *   dispatcher delivering to
 *   `CHASTER_API_URL` with the rate limit lifted (`BENCH_CONNECTIONS`, for experiments, sets the
 *   client's connections and the dispatcher's concurrency; `BENCH_LOG_LEVEL` its pino level).
 * Calls: `usage` (CPU ms and memory), `gc` (collects, then `usage`), `commits` (outbox rows
 * committed since the last call, with the monotonic time of their commit), `sends` (the
 * dispatcher's calls to the Chaster client), `writes` (undici writing those requests to the
 * socket), `calls` (the dispatcher's calls in flight and their durations since the last call),
 * `outbox` (rows by status), `undelivered` (up to 20 rows not delivered, oldest first),
 * `loopDelay` (event-loop delay percentiles since the last call).
 */
import { subscribe } from 'node:diagnostics_channel';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Server as HttpServer } from 'node:http';
import { pino } from 'pino';
import { Server } from '../src/server/bgio.js';
import { createChasterClient } from '../src/chaster/index.js';
import type { ChasterClient } from '../src/chaster/index.js';
import { createGameServer } from '../src/server/index.js';
import type {
  OutboxRow,
  PostgresStore,
  SqliteStore,
  SqliteSynchronous,
} from '../src/server/index.js';
import { BareGame, PluginGame } from './games.js';
import { openPeer } from './peers.js';
import type { PeerStore } from './peers.js';
import { cpuMs, monotonicMs, serveParent } from './procs.js';
import type { Side } from './servers.js';

/** An outbox row's commit, as the parent matches it with the emulator's arrivals. */
export interface Commit {
  id: string;
  matchID: string;
  playerID: string;
  /** monotonicMs() right after the transaction that inserted the row committed. */
  t: number;
}

/** The dispatcher calling the Chaster client for a session. */
export interface Send {
  sessionId: string;
  /** monotonicMs() when `requestVerificationPicture` was called. */
  t: number;
}

/** What `usage` answers. */
export interface Usage {
  cpuMs: number;
  rss: number;
  heapUsed: number;
  external: number;
}

const env = process.env;
const PEERS: readonly string[] = ['flatfile', 'flatfile-noqueue', 'bgio-postgres'];
const side: Side =
  env.BENCH_SIDE === 'bare' || env.BENCH_SIDE === 'bgio-plugin' || PEERS.includes(env.BENCH_SIDE!)
    ? (env.BENCH_SIDE as Side)
    : 'plugin';
let commits: Commit[] = [];
let sends: Send[] = [];
let writes: Send[] = [];

/** The dispatcher's calls to the client: how many at once, and how long each took. */
const calls = {
  inFlight: 0,
  maxInFlight: 0,
  area: 0,
  last: monotonicMs(),
  since: monotonicMs(),
  durations: [] as number[],
  tick(now: number) {
    this.area += this.inFlight * (now - this.last);
    this.last = now;
  },
  enter(now: number) {
    this.tick(now);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
  },
  leave(start: number) {
    const now = monotonicMs();
    this.tick(now);
    this.inFlight -= 1;
    this.durations.push(now - start);
  },
  /** Since the last report: mean and max calls in flight, and call durations (ms). */
  report() {
    const now = monotonicMs();
    this.tick(now);
    const sorted = this.durations.sort((a, b) => a - b);
    const out = {
      calls: sorted.length,
      meanInFlight: this.area / Math.max(1e-9, now - this.since),
      maxInFlight: this.maxInFlight,
      durationP50: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
      durationP99: sorted[Math.floor(sorted.length * 0.99)] ?? Number.NaN,
    };
    this.area = 0;
    this.since = now;
    this.maxInFlight = this.inFlight;
    this.durations = [];
    return out;
  },
};
let outboxCounts: () => Promise<Record<string, number>> | Record<string, number> = () => ({});
/** Outbox rows not delivered (at most 20), to say what became of a missing request. */
let undelivered: () => Promise<unknown[]> | unknown[] = () => [];
const UNDELIVERED = `SELECT id, status, attempts, message, next_attempt_at, lease_until, created_at, updated_at
  FROM outbox WHERE status <> 'delivered' ORDER BY created_at LIMIT 20`;
let url: string;
let synchronous: string | undefined;
let storage: 'memory' | 'sqlite' | 'postgres' | PeerStore = 'memory';
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

if (side !== 'plugin') {
  // Game<BenchState, WithVerification> does not widen to Game<any>: boardgame.io's plugin context.
  const game = side === 'bgio-plugin' ? (PluginGame as unknown as typeof BareGame) : BareGame;
  const peer = PEERS.includes(side) ? (side as PeerStore) : undefined;
  if (peer) storage = peer;
  const server = Server({
    games: [game],
    origins: [],
    ...(peer ? { db: openPeer(peer, env.BENCH_DB!) } : {}),
  });
  const { appServer } = (await server.run({ port: 0 })) as { appServer: HttpServer };
  // run() listens on every interface: rebind to loopback only.
  await new Promise<void>((resolve) => appServer.close(() => resolve()));
  await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
} else {
  // When undici writes a verification request's headers to the socket.
  const PATH = /\/sessions\/([^/]+)\/verification-picture\/request$/;
  subscribe('undici:client:sendHeaders', (message) => {
    const m = PATH.exec((message as { request: { path: string } }).request.path);
    if (m) writes.push({ sessionId: decodeURIComponent(m[1]!), t: monotonicMs() });
  });
  // The project's client, noting when the dispatcher calls it.
  const client = createChasterClient({
    baseUrl: env.CHASTER_API_URL!,
    token: env.CHASTER_TOKEN!,
    timeoutMs: 5000,
    // BENCH_CONNECTIONS (experiments): sockets to Chaster and sends in flight; default the library's.
    ...(env.BENCH_CONNECTIONS ? { connections: Number(env.BENCH_CONNECTIONS) } : {}),
  });
  const timed: ChasterClient = {
    ...client,
    async requestVerificationPicture(sessionId, actor, options) {
      const t = monotonicMs();
      sends.push({ sessionId, t });
      calls.enter(t);
      try {
        return await client.requestVerificationPicture(sessionId, actor, options);
      } finally {
        calls.leave(t);
      }
    },
  };
  const server = await createGameServer({
    games: [PluginGame],
    chaster: timed,
    database: env.BENCH_DB!,
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    synchronous: (env.BENCH_SYNC as SqliteSynchronous | undefined) || undefined,
    logger: pino({ level: env.BENCH_LOG_LEVEL ?? 'warn' }, pino.destination(2)),
    // Every benchmark client connects from loopback: one address for thousands of sockets.
    sockets: { maxSocketsPerAddress: 100_000, maxSockets: 100_000 },
    limits: {
      loginsPerAddressPerMinute: 1e9,
      loginsPerMinute: 1e9,
      callsPerUserPerMinute: 1e9,
      roomsPerUserPerMinute: 1e9,
      openRoomsPerUser: 1e9,
    },
    dispatcher: {
      ratePerMinute: 10_000_000,
      ...(env.BENCH_CONNECTIONS ? { concurrency: Number(env.BENCH_CONNECTIONS) } : {}),
    },
  });
  const record = (rows: OutboxRow[]) => {
    const t = monotonicMs();
    for (const row of rows)
      commits.push({ id: row.id, matchID: row.matchID, playerID: row.playerID, t });
  };
  if ('pool' in server.store) {
    // Postgres: a row is heard through NOTIFY once its commit is visible, as the dispatcher
    // hears it; its first announcement (queued, never attempted) is its commit.
    storage = 'postgres';
    const pool = (server.store as PostgresStore).pool;
    server.changes.subscribe((rows) =>
      record(rows.filter((row) => row.status === 'queued' && row.attempts === 0)),
    );
    outboxCounts = async () => {
      const { rows } = await pool.query<{ status: string; n: number }>(
        'SELECT status, COUNT(*)::int AS n FROM outbox GROUP BY status',
      );
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    };
    undelivered = async () => (await pool.query(UNDELIVERED)).rows;
    const { rows } = await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    synchronous = `synchronous_commit=${rows[0]?.synchronous_commit ?? '?'}`;
  } else {
    // SQLite: time each move's commit as its statements run in the turn's transaction, which
    // commits in the same synchronous run, before any change listener runs (the dispatcher's
    // kick runs inside one).
    storage = 'sqlite';
    const sqlite = server.store as SqliteStore;
    const store = sqlite as unknown as {
      commitState?: (write: unknown) => OutboxRow[] | undefined;
    };
    const inner = store.commitState;
    if (typeof inner !== 'function')
      throw new Error('SqliteStore.commitState is gone: update the bench');
    store.commitState = (write) => {
      const rows = inner(write);
      if (rows && rows.length > 0) record(rows);
      return rows;
    };
    const byStatus = sqlite.db.prepare(`SELECT status, COUNT(*) AS n FROM outbox GROUP BY status`);
    outboxCounts = () =>
      Object.fromEntries(
        (byStatus.all() as Array<{ status: string; n: number }>).map((r) => [r.status, r.n]),
      );
    const stuck = sqlite.db.prepare(UNDELIVERED);
    undelivered = () => stuck.all();
    const level = sqlite.db.pragma('synchronous', { simple: true }) as number;
    synchronous = ['OFF', 'NORMAL', 'FULL', 'EXTRA'][level] ?? String(level);
  }
  url = await server.listen(0, '127.0.0.1');
}

function usage(): Usage {
  const m = process.memoryUsage();
  return { cpuMs: cpuMs(), rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

const gc = (globalThis as { gc?: () => void }).gc;

serveParent(
  {
    usage,
    gc: async () => {
      for (let i = 0; i < 3; i++) {
        gc?.();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return usage();
    },
    commits: () => {
      const out = commits;
      commits = [];
      return out;
    },
    sends: () => {
      const out = sends;
      sends = [];
      return out;
    },
    calls: () => calls.report(),
    writes: () => {
      const out = writes;
      writes = [];
      return out;
    },
    outbox: () => outboxCounts(),
    undelivered: () => undelivered(),
    /** Event-loop delay since the last call (ms): how long ready work waited for the loop. */
    loopDelay: () => {
      const out = {
        p50: loop.percentile(50) / 1e6,
        p99: loop.percentile(99) / 1e6,
        max: loop.max / 1e6,
      };
      loop.reset();
      return out;
    },
  },
  { url, side, synchronous, storage },
);
