/**
 * Delivery throughput (issue 6, item 3): our dispatcher draining a backlog of outbox rows to the
 * emulator with the rate limit lifted, against a bare undici loop that sends the same requests
 * over the same number of connections. Both run in this process, one after the other, alternating;
 * the emulator runs in its own process and clears each request once answered, so the same locks
 * accept every round.
 *
 * The backlog is made the way the server makes it: matches of two wearer seats bound to emulated
 * sessions (cooldown 0, cap 100), and one `lose` per seat through the game reducer and
 * `SqliteStore.setState`, so each session has exactly one row. Timing starts at
 * `dispatcher.start()` and stops when the last row is final (`delivered`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry, State } from 'boardgame.io';
import type * as InternalModule from 'boardgame.io/internal';
import { Pool } from 'undici';
import { createChasterClient } from '../src/chaster/index.js';
import type { CreatedLock } from '../src/emulator/index.js';
import { createMatch } from '../src/server/bgio.js';
import type { AnyGame } from '../src/server/bgio.js';
import {
  FINAL_STATUSES,
  SqliteRepository,
  SqliteStore,
  createDispatcher,
  openSqlite,
} from '../src/server/index.js';
import type { SqliteSynchronous } from '../src/server/index.js';
import { startCheckpointer } from '../src/server/db/checkpointer.js';
import { OutboxChanges } from '../src/server/outbox/changes.js';
import type { EmulatorChild } from './clients.js';
import { PluginGame } from './games.js';
import { cpuMs } from './procs.js';
import { summarize } from './stats.js';
import type { Summary } from './stats.js';

const internal = createRequire(import.meta.url)('boardgame.io/internal') as typeof InternalModule;

const TIMEOUT_MS = 120_000;

/** Sizes of the delivery benchmark. */
export interface DeliveryConfig {
  /** Requests per round (one per emulated session). */
  requests: number;
  /** Connections (and in-flight sends) on both sides. */
  connections: number;
  reps: number;
  /** SQLite `synchronous` of the dispatcher's database; undefined = the library's default. */
  synchronous?: SqliteSynchronous;
}

/** What the delivery benchmark reports. */
export interface DeliveryResult {
  config: DeliveryConfig;
  dispatcherPerSecond: Summary;
  undiciPerSecond: Summary;
  /** dispatcher / undici, paired per repetition. */
  ratio: Summary;
  /** Mean number of the dispatcher's sends in flight (of `connections`). */
  meanInFlight: Summary;
  /** CPU ms of this process per request, each side. */
  dispatcherCpuMsPerRequest: Summary;
  undiciCpuMsPerRequest: Summary;
}

/** Fills a fresh database with one outbox row per session; returns the open store. */
function seed(path: string, locks: CreatedLock[], synchronous?: SqliteSynchronous) {
  const db = openSqlite(path, synchronous);
  const store = new SqliteStore(db);
  const repository = new SqliteRepository(db);
  const game = internal.ProcessGameConfig(PluginGame as AnyGame);
  const reducer = internal.CreateGameReducer({ game });
  const now = Date.now();
  for (let m = 0; m * 2 < locks.length; m++) {
    const matchID = `d${m}`;
    const match = createMatch({
      game: PluginGame as AnyGame,
      numPlayers: 2,
      setupData: undefined,
      unlisted: false,
    });
    if ('setupDataError' in match) throw new Error(String(match.setupDataError));
    store.createMatch(matchID, match);
    void repository.createRoom(matchID, { cooldownMs: 0, maxRequestsPerMatch: 100 }, now);
    let state = match.initialState;
    for (const seat of [0, 1]) {
      const lock = locks[2 * m + seat];
      if (!lock) continue;
      void repository.bindSeat(
        {
          matchID,
          playerID: String(seat),
          loginId: `auth-${lock.sessionId}`,
          sessionId: lock.sessionId,
          role: 'wearer',
          userId: `user-${lock.sessionId}`,
          lockId: lock.lockId,
          credentialsHash: 'x',
        },
        now,
      );
      const next = reducer(state, {
        type: 'MAKE_MOVE',
        payload: { type: 'lose', args: [String(seat)], playerID: String(seat) },
      }) as State & { deltalog?: LogEntry[] };
      const { deltalog, ...rest } = next;
      store.setState(matchID, rest as State, deltalog);
      state = rest as State;
    }
  }
  store.flush();
  return { db, repository };
}

export async function dispatcherRound(
  emulator: EmulatorChild,
  locks: CreatedLock[],
  config: DeliveryConfig,
): Promise<{ perSecond: number; meanInFlight: number; cpuMsPerRequest: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-delivery-'));
  const { db } = seed(join(dir, 'delivery.sqlite'), locks, config.synchronous);
  const queued = (db.prepare(`SELECT COUNT(*) AS n FROM outbox`).get() as { n: number }).n;
  if (queued !== locks.length)
    throw new Error(`seeded ${queued} rows for ${locks.length} sessions`);
  // As the game server runs it: the seed's WAL checkpointed away, checkpoints in a worker thread.
  db.pragma('wal_checkpoint(TRUNCATE)');
  const checkpointer = startCheckpointer(db);
  const client = createChasterClient({
    baseUrl: emulator.ready.url,
    token: emulator.ready.token,
    connections: config.connections,
    timeoutMs: 10_000,
  });
  // How many sends are in flight on average: the dispatcher's own pacing, next to the loop's.
  let inFlight = 0;
  let area = 0;
  let last = performance.now();
  const tick = () => {
    const t = performance.now();
    area += inFlight * (t - last);
    last = t;
  };
  // History logs (if the dispatcher writes any) go to the real client, uncounted.
  const counted = {
    createCustomLog: client.createCustomLog.bind(client),
    searchLogs: client.searchLogs.bind(client),
    async requestVerificationPicture(
      sessionId: string,
      actor: 'extension' | 'keyholder' | 'wearer',
    ) {
      tick();
      inFlight += 1;
      try {
        await client.requestVerificationPicture(sessionId, actor);
      } finally {
        tick();
        inFlight -= 1;
      }
    },
  };
  let final = 0;
  let bad = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  // The repository announces every row it changes, as the game server's does.
  const changes = new OutboxChanges();
  changes.subscribe((rows) => {
    for (const row of rows) {
      if (!FINAL_STATUSES.has(row.status)) continue;
      final += 1;
      if (row.status !== 'delivered') bad += 1;
    }
    if (final >= queued) done();
  });
  const dispatcher = createDispatcher({
    repository: new SqliteRepository(db, { changes }),
    client: counted,
    options: { ratePerMinute: 1_000_000_000, concurrency: config.connections },
  });
  try {
    const start = performance.now();
    const cpu0 = cpuMs();
    last = start;
    dispatcher.start();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`dispatcher: ${final}/${queued} final in time`)),
          TIMEOUT_MS,
        );
      }),
    ]);
    clearTimeout(timer);
    const seconds = (performance.now() - start) / 1000;
    if (bad > 0) throw new Error(`dispatcher: ${bad} rows did not end delivered`);
    tick();
    return {
      perSecond: queued / seconds,
      meanInFlight: area / (seconds * 1000),
      cpuMsPerRequest: (cpuMs() - cpu0) / queued,
    };
  } finally {
    await dispatcher.stop();
    await client.close();
    await checkpointer?.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function undiciRound(
  emulator: EmulatorChild,
  locks: CreatedLock[],
  config: DeliveryConfig,
): Promise<{ perSecond: number; cpuMsPerRequest: number }> {
  const origin = new URL(emulator.ready.url).origin;
  const pool = new Pool(origin, { connections: config.connections });
  const headers = {
    authorization: `Bearer ${emulator.ready.token}`,
    accept: 'application/json',
    'content-type': 'application/json',
  };
  let next = 0;
  let bad = 0;
  try {
    const start = performance.now();
    const cpu0 = cpuMs();
    await Promise.all(
      Array.from({ length: config.connections }, async () => {
        while (next < locks.length) {
          const lock = locks[next++]!;
          const res = await pool.request({
            method: 'POST',
            path: `/api/extensions/sessions/${lock.sessionId}/verification-picture/request`,
            headers,
            body: JSON.stringify({ actor: 'extension' }),
            signal: AbortSignal.timeout(10_000),
          });
          await res.body.text();
          if (res.statusCode !== 201) bad += 1;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    if (bad > 0) throw new Error(`undici loop: ${bad} answers were not 201`);
    return { perSecond: locks.length / seconds, cpuMsPerRequest: (cpuMs() - cpu0) / locks.length };
  } finally {
    await pool.close();
  }
}

/** Lets the emulator clear the last pending requests before the next round. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

/** Runs the delivery benchmark. */
export async function runDelivery(
  config: DeliveryConfig,
  emulator: EmulatorChild,
  log: (line: string) => void,
): Promise<DeliveryResult> {
  const locks = await emulator.call<CreatedLock[]>('locks', { n: config.requests });
  // Warm both paths (JIT, sockets, and the emulator child) with a whole round each first: rounds
  // of a few thousand requests last a fraction of a second, and a cold first rep was a third of
  // the later ones' rate.
  await dispatcherRound(emulator, locks, config);
  await settle();
  await undiciRound(emulator, locks, config);
  await settle();
  await emulator.call('arrivals');
  const d: number[] = [];
  const u: number[] = [];
  const ratio: number[] = [];
  const inFlight: number[] = [];
  const cpuD: number[] = [];
  const cpuU: number[] = [];
  for (let rep = 0; rep < config.reps; rep++) {
    let dispatched = 0;
    let bare = 0;
    const order = rep % 2 === 0 ? ['dispatcher', 'undici'] : ['undici', 'dispatcher'];
    for (const side of order) {
      if (side === 'dispatcher') {
        const round = await dispatcherRound(emulator, locks, config);
        dispatched = round.perSecond;
        inFlight.push(round.meanInFlight);
        cpuD.push(round.cpuMsPerRequest);
      } else {
        const round = await undiciRound(emulator, locks, config);
        bare = round.perSecond;
        cpuU.push(round.cpuMsPerRequest);
      }
      await settle();
    }
    await emulator.call('arrivals');
    d.push(dispatched);
    u.push(bare);
    ratio.push(dispatched / bare);
    log(
      `  rep ${rep + 1}: dispatcher ${dispatched.toFixed(0)} req/s, undici loop ${bare.toFixed(0)} req/s, ratio ${(dispatched / bare).toFixed(3)}; CPU ms/request ` +
        `${cpuD[cpuD.length - 1]!.toFixed(3)} vs ${cpuU[cpuU.length - 1]!.toFixed(3)}; ` +
        `dispatcher's mean sends in flight ${inFlight[inFlight.length - 1]!.toFixed(1)} of ${config.connections}`,
    );
  }
  return {
    config,
    dispatcherPerSecond: summarize(d),
    undiciPerSecond: summarize(u),
    ratio: summarize(ratio),
    meanInFlight: summarize(inFlight),
    dispatcherCpuMsPerRequest: summarize(cpuD),
    undiciCpuMsPerRequest: summarize(cpuU),
  };
}
