/**
 * Our server on Postgres beside the same server on SQLite, and three instances on one Postgres
 * and one Redis.
 *
 * Three setups, each on fresh storage (a new SQLite file, or a new Postgres database dropped
 * afterwards) and fresh server children: `sqlite` (one instance, the library's default store),
 * `postgres` (one instance on Postgres, no Redis), `postgres3` (`instances` instances on one
 * Postgres database and one Redis). Every match has both seats connected: seat 0 makes moves one
 * after another, each waiting for its own update (the closed loop of the throughput section), and
 * seat 1 only watches. Match i is created over HTTP on instance i and joined on instance i + 1,
 * seat 0's socket goes to instance i and seat 1's to instance i + 1 (modulo the instance count):
 * with three instances the matches are spread round-robin and every watcher sees the moves through
 * Redis. (docs/scaling.md's advice, one match per instance, holds: only one instance takes a match's
 * moves.)
 *
 * Per repetition each setup warms up (one match per instance), then measures 1 match (single
 * instance setups) and `matches` concurrent matches; the setups' order rotates every repetition.
 * Server CPU is summed over the instances; on Postgres the CPU of the backends serving the
 * benchmark's database is read from /proc as well. Each window ends once the outbox has no row
 * left to send, and the emulator's arrivals are counted per wearer session against what the moves
 * asked for: `missing` and `duplicates` must be 0, however many dispatchers drain the outbox.
 */
import type { Arrival } from './emulator-child.js';
import { PluginGame, moveAt } from './games.js';
import { Player, mapLimit, pluginMatches } from './clients.js';
import type { BenchMatch, EmulatorChild } from './clients.js';
import { collectArrivals, pairLatencies } from './latency.js';
import type { Commit, Send } from './server-child.js';
import { startServer } from './servers.js';
import type { ServerChild } from './servers.js';
import { REDIS_URL, backendCpuDelta, createDatabase } from './services.js';
import type { BackendCpu, BenchDatabase } from './services.js';
import { median, percentiles, summarize } from './stats.js';
import type { Summary } from './stats.js';
import { lossesIn, play } from './throughput.js';

/** Sizes of the postgres section. */
export interface PostgresConfig {
  reps: number;
  /** Moves of the warm-up match of each instance. */
  warmupMoves: number;
  /** Moves of the single match (one-instance setups). */
  moves1: number;
  /** Concurrent matches of the main window, and moves per match. */
  matches: number;
  movesPerMatch: number;
  /** Instances of the scaled-out setup. */
  instances: number;
  /** Postgres `synchronous_commit` of the benchmark databases; undefined = the server's. */
  synchronousCommit?: 'on' | 'off';
  /**
   * Start every setup's servers at once, before measuring any (quick mode: saves seconds of a
   * smoke test; the waiting servers only poll). Off for figures: each setup runs alone.
   */
  startTogether?: boolean;
  /** Experiments: run only these setups (the ratios need all three). Default all. */
  setups?: Setup[];
}

/** Which server setup a window measured. */
export type Setup = 'sqlite' | 'postgres' | 'postgres3';

/** Requests the emulator received in a window, against what the moves asked for. */
export interface DeliveryCount {
  expected: number;
  arrived: number;
  /** Expected requests that never arrived. */
  missing: number;
  /** Requests that arrived more often than asked for (or for a session nobody asked for). */
  duplicates: number;
  /** Answers of the emulator other than 201 (e.g. "already pending" for an overlap). */
  non201: number;
}

/** One measured window. */
export interface PostgresWindow extends DeliveryCount {
  setup: Setup;
  instances: number;
  matches: number;
  moves: number;
  seconds: number;
  movesPerSecond: number;
  /** CPU of the server processes per move, summed over the instances. */
  serverCpuMsPerMove: number;
  /** CPU of the Postgres backends serving the benchmark's database per move (Postgres setups). */
  dbCpuMsPerMove?: number;
  roundTripMs: { p50: number; p99: number };
  /** From seat 0's update to seat 1's update of the same state (ms): the fan-out to watchers. */
  watcherLagMs: { p50: number; p99: number };
  /** Watchers that had not seen the last move within 15 s of it. */
  watchersBehind: number;
  /** Commit → Chaster latency of the window's requests (ms). */
  latencyMs: { n: number; p50: number; p99: number; max: number };
  /** Its first part: commit → the dispatcher calling the Chaster client (claim and queueing). */
  commitToCallMs: { p50: number; p99: number };
  /** Outbox rows (whole database, warm-up included) not `delivered` once the window ended. */
  notDelivered: number;
  /** When a request is missing or a row is not delivered: outbox rows by status, and those rows. */
  outbox?: Record<string, number>;
  undelivered?: unknown[];
  /** Internal: the latencies, removed from the result. */
  latencies?: number[];
}

/** Median and spread over the repetitions of one setup and match count. */
export interface PostgresSummary {
  movesPerSecond: Summary;
  serverCpuMsPerMove: Summary;
  dbCpuMsPerMove: Summary;
  /** Server + Postgres backends. */
  totalCpuMsPerMove: Summary;
  roundTripP50Ms: Summary;
  watcherLagP50Ms: Summary;
}

/** What the section reports. */
export interface PostgresResult {
  config: PostgresConfig;
  windows: PostgresWindow[];
  /** Keyed `<setup>_<matches>`, e.g. `postgres_20`. */
  summary: Record<string, PostgresSummary>;
  /** Paired per repetition: Postgres (one instance) / SQLite moves/s, at 1 and N matches. */
  ratio1: Summary;
  ratioN: Summary;
  /** Paired: (server + backends CPU per move on Postgres) / (server CPU per move on SQLite) at N. */
  cpuRatioN: Summary;
  /** Paired: `instances` instances / one instance on Postgres, moves/s at N. */
  scaleRatio: Summary;
  /** Paired: `instances` instances on Postgres / SQLite, moves/s at N. */
  scaleVsSqlite: Summary;
  /** Commit → Chaster at N matches, pooled over the repetitions, per setup. */
  latency: Record<Setup, { n: number; p50: number; p99: number; max: number }>;
  /** Its part commit → the dispatcher's client call, per setup (medians over the repetitions). */
  commitToCall: Record<Setup, { p50: number; p99: number }>;
  /** Requests over every window and warm-up, per setup. */
  delivery: Record<Setup, DeliveryCount>;
  /** SQLite `synchronous` and Postgres `synchronous_commit` in effect. */
  synchronous: Partial<Record<Setup, string>>;
  postgresVersion?: string;
}

const SETUPS: Setup[] = ['sqlite', 'postgres', 'postgres3'];

/** A match's two clients: seat 0 moves, seat 1 watches; and whose session each seat is. */
interface Pair {
  mover: Player;
  watcher: Player;
  match: BenchMatch;
}

/** Requests per wearer session that `moves` moves of seat 0 ask for in each match. */
function expectedPerSession(pairs: Pair[], moves: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const { match } of pairs) {
    for (const seat of match.seats) out.set(seat.sessionId!, 0);
    for (let i = 0; i < moves; i++) {
      const { move, args } = moveAt(i);
      if (move !== 'lose') continue;
      const seat = match.seats.find((s) => s.playerID === args[0]);
      if (seat) out.set(seat.sessionId!, out.get(seat.sessionId!)! + 1);
    }
  }
  return out;
}

/** Compares arrivals with what was expected, session by session. */
function countDelivery(
  expected: Map<string, number>,
  arrivals: Arrival[],
  non201: number,
): DeliveryCount {
  const got = new Map<string, number>();
  for (const a of arrivals) got.set(a.sessionId, (got.get(a.sessionId) ?? 0) + 1);
  let missing = 0;
  let duplicates = 0;
  let total = 0;
  for (const [session, n] of expected) {
    total += n;
    const m = got.get(session) ?? 0;
    missing += Math.max(0, n - m);
    duplicates += Math.max(0, m - n);
  }
  for (const [session, m] of got) if (!expected.has(session)) duplicates += m;
  return { expected: total, arrived: arrivals.length, missing, duplicates, non201 };
}

async function outboxCounts(server: ServerChild): Promise<Record<string, number>> {
  return server.child.call<Record<string, number>>('outbox');
}

/** Waits (bounded) until no outbox row is queued or being sent; returns the last counts. */
async function outboxSettled(server: ServerChild, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await outboxCounts(server);
    if (!counts.queued && !counts.sending) return counts;
    if (Date.now() > deadline) return counts;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The emulator's request list length now (a mark to count answers from). */
async function requestMark(emulator: EmulatorChild): Promise<number> {
  return (await emulator.call<{ length: number }>('requests', { from: Number.MAX_SAFE_INTEGER }))
    .length;
}

async function measure(
  setup: Setup,
  servers: ServerChild[],
  db: BenchDatabase | undefined,
  emulator: EmulatorChild,
  pairs: Pair[],
  moves: number,
): Promise<PostgresWindow> {
  // Forget what earlier windows left in the children and the emulator.
  await emulator.call('arrivals');
  for (const s of servers) {
    for (const call of ['commits', 'sends', 'writes', 'calls']) await s.child.call(call);
  }
  const mark = await requestMark(emulator);
  for (const p of pairs) {
    p.mover.times = new Map();
    p.watcher.times = new Map();
  }
  const cpuBefore = await Promise.all(servers.map((s) => s.usage()));
  const dbBefore = await db?.backendCpu();
  // Backends come and go (the pool closes idle clients after 10 s): sample them through the
  // window, so one that exits before the end still counts up to its last sample.
  const dbSeen: BackendCpu = new Map(dbBefore);
  const merge = (snapshot: BackendCpu) => {
    for (const [pid, ms] of snapshot) dbSeen.set(pid, Math.max(ms, dbSeen.get(pid) ?? 0));
  };
  const sampler = db
    ? setInterval(() => void db.backendCpu().then(merge, () => {}), 500)
    : undefined;
  const start = performance.now();
  const rtts = (await Promise.all(pairs.map((p) => play(p.mover, moves)))).flat();
  const seconds = (performance.now() - start) / 1000;

  let watchersBehind = 0;
  await Promise.all(
    pairs.map((p) =>
      p.watcher.reach(p.mover.stateID, 15_000).catch(() => {
        watchersBehind += 1;
      }),
    ),
  );
  const lags: number[] = [];
  for (const p of pairs) {
    for (const [stateID, t] of p.mover.times!) {
      const seen = p.watcher.times!.get(stateID);
      if (seen !== undefined) lags.push(seen - t);
    }
    delete p.mover.times;
    delete p.watcher.times;
  }

  const expected = expectedPerSession(pairs, moves);
  const total = [...expected.values()].reduce((a, b) => a + b, 0);
  const arrivals = await collectArrivals(emulator, total, 30_000, true);
  // Every row final (on Postgres: in the one database all instances share), then whatever
  // else arrived: a second send of a row would show up here.
  const outbox = await outboxSettled(servers[0]!);
  await new Promise((resolve) => setTimeout(resolve, 100));
  arrivals.push(...(await emulator.call<Arrival[]>('arrivals')));
  const cpuAfter = await Promise.all(servers.map((s) => s.usage()));
  clearInterval(sampler);
  if (db) merge(await db.backendCpu());

  const answers = await emulator.call<{ items: Array<{ status: number }> }>('requests', {
    from: mark,
  });
  const non201 = answers.items.filter((r) => r.status !== 201).length;
  const commits: Commit[] = [];
  const sends: Send[] = [];
  const writes: Send[] = [];
  for (const s of servers) {
    commits.push(...(await s.child.call<Commit[]>('commits')));
    sends.push(...(await s.child.call<Send[]>('sends')));
    writes.push(...(await s.child.call<Send[]>('writes')));
  }
  // Every instance hears every row's NOTIFY and notes its commit: one commit per row, the first.
  const firstCommits = new Map<string, Commit>();
  for (const c of commits) {
    const seen = firstCommits.get(c.id);
    if (!seen || c.t < seen.t) firstCommits.set(c.id, c);
  }
  const sessionOf = new Map<string, string>();
  for (const { match } of pairs)
    for (const seat of match.seats)
      sessionOf.set(`${match.matchID}/${seat.playerID}`, seat.sessionId!);
  const latency = pairLatencies([...firstCommits.values()], sends, writes, arrivals, (m, p) =>
    sessionOf.get(`${m}/${p}`),
  );

  const movesMade = pairs.length * moves;
  const serverCpu = cpuAfter.reduce((sum, u, i) => sum + u.cpuMs - cpuBefore[i]!.cpuMs, 0);
  const rt = percentiles(rtts);
  const lag = percentiles(lags);
  const toCall = percentiles(latency.toSend);
  const delivered = outbox.delivered ?? 0;
  const rows = Object.values(outbox).reduce((a, b) => a + b, 0);
  const counted = countDelivery(expected, arrivals, non201);
  const anomaly = counted.missing > 0 || rows > delivered;
  return {
    setup,
    instances: servers.length,
    matches: pairs.length,
    moves: movesMade,
    seconds,
    movesPerSecond: movesMade / seconds,
    serverCpuMsPerMove: serverCpu / movesMade,
    dbCpuMsPerMove:
      dbBefore && dbSeen.size > 0 ? backendCpuDelta(dbBefore, dbSeen) / movesMade : undefined,
    roundTripMs: { p50: rt.p50, p99: rt.p99 },
    watcherLagMs: { p50: lag.p50, p99: lag.p99 },
    watchersBehind,
    latencyMs: percentiles(latency.total),
    commitToCallMs: { p50: toCall.p50, p99: toCall.p99 },
    latencies: latency.total,
    notDelivered: rows - delivered,
    ...(anomaly
      ? {
          outbox,
          undelivered: await servers[0]!.child.call<unknown[]>('undelivered'),
        }
      : {}),
    ...counted,
  };
}

/** One setup's fresh storage and server children. */
interface Deployment {
  setup: Setup;
  servers: ServerChild[];
  db: BenchDatabase | undefined;
  /** BENCH_TRACE=1: where a setup's time goes (starting and setting up is most of a quick run). */
  trace(what: string): void;
}

/** Makes the storage and starts the servers of `setup`; cleans up after itself on failure. */
async function deploy(
  setup: Setup,
  config: PostgresConfig,
  emulator: EmulatorChild,
): Promise<Deployment> {
  const t0 = performance.now();
  const trace = (what: string) => {
    if (process.env.BENCH_TRACE) {
      process.stderr.write(`    ${setup}: ${what} at ${(performance.now() - t0).toFixed(0)} ms\n`);
    }
  };
  const k = setup === 'postgres3' ? config.instances : 1;
  const db =
    setup === 'sqlite'
      ? undefined
      : await createDatabase({ synchronousCommit: config.synchronousCommit });
  trace('database');
  const options = {
    emulator,
    database: db?.url,
    redisUrl: setup === 'postgres3' ? REDIS_URL : undefined,
  };
  // All at once: the schema migration runs under an advisory lock, as in production.
  const started = await Promise.allSettled(
    Array.from({ length: k }, () => startServer('plugin', options)),
  );
  const deployment: Deployment = { setup, servers: [], db, trace };
  for (const r of started) if (r.status === 'fulfilled') deployment.servers.push(r.value);
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await undeploy(deployment);
    throw (failed as PromiseRejectedResult).reason;
  }
  trace('servers');
  return deployment;
}

/** Stops the servers and drops the database. */
async function undeploy(d: Deployment): Promise<void> {
  try {
    await Promise.all(d.servers.map((s) => s.stop()));
  } finally {
    await d.db?.drop();
    d.trace('stopped');
  }
}

/** One setup once, on its fresh deployment: matches, warm-up, then its windows. */
async function runSetup(
  { setup, servers, db, trace }: Deployment,
  config: PostgresConfig,
  emulator: EmulatorChild,
  onWarmedUp: (delivery: DeliveryCount) => void,
): Promise<PostgresWindow[]> {
  const k = servers.length;
  const pairs: Pair[] = [];
  try {
    const urls = servers.map((s) => s.url);
    const single = k === 1 ? 1 : 0;
    const matches = await pluginMatches(urls, emulator, k + single + config.matches);
    trace('matches');
    // Indexed, not pushed: the slices below rely on match i being pair i.
    await mapLimit(matches, 8, async (match, i) => {
      const [mover, watcher] = await Promise.all([
        Player.connect(urls[i % k]!, PluginGame, match.matchID, match.seats[0]!),
        Player.connect(urls[(i + 1) % k]!, PluginGame, match.matchID, match.seats[1]!),
      ]);
      pairs[i] = { mover, watcher, match };
    });
    trace('sockets');
    const warm = pairs.slice(0, k);
    await emulator.call('arrivals');
    await Promise.all(warm.map((p) => play(p.mover, config.warmupMoves)));
    // The warm-up's requests count too: every one must arrive exactly once.
    const warmExpected = expectedPerSession(warm, config.warmupMoves);
    const warmArrivals = await collectArrivals(
      emulator,
      k * lossesIn(config.warmupMoves),
      30_000,
      true,
    );
    await outboxSettled(servers[0]!);
    await new Promise((resolve) => setTimeout(resolve, 100));
    warmArrivals.push(...(await emulator.call<Arrival[]>('arrivals')));
    onWarmedUp(countDelivery(warmExpected, warmArrivals, 0));
    trace('warm-up');
    const windows: PostgresWindow[] = [];
    if (single) {
      windows.push(
        await measure(setup, servers, db, emulator, pairs.slice(k, k + 1), config.moves1),
      );
    }
    windows.push(
      await measure(setup, servers, db, emulator, pairs.slice(k + single), config.movesPerMatch),
    );
    trace('windows');
    return windows;
  } finally {
    for (const p of pairs) {
      p?.mover.stop();
      p?.watcher.stop();
    }
  }
}

function describeWindow(rep: number, w: PostgresWindow): string {
  const label = w.setup === 'postgres3' ? `postgres ×${w.instances}` : w.setup;
  return (
    `  rep ${rep + 1} ${label.padEnd(11)} ${String(w.matches).padStart(2)} match(es): ` +
    `${w.movesPerSecond.toFixed(0)} moves/s, CPU ms/move server ${w.serverCpuMsPerMove.toFixed(3)}` +
    (w.dbCpuMsPerMove !== undefined ? ` + postgres ${w.dbCpuMsPerMove.toFixed(3)}` : '') +
    `, round trip p50 ${w.roundTripMs.p50.toFixed(2)} ms, watcher lag p50 ${w.watcherLagMs.p50.toFixed(2)} ms` +
    (w.watchersBehind ? ` (${w.watchersBehind} watchers behind!)` : '') +
    `, commit→Chaster p50 ${w.latencyMs.p50.toFixed(1)} / p99 ${w.latencyMs.p99.toFixed(1)} ms` +
    ` (commit→call p50 ${w.commitToCallMs.p50.toFixed(1)}); ` +
    `requests ${w.arrived}/${w.expected}, missing ${w.missing}, duplicates ${w.duplicates}` +
    (w.non201 ? `, ${w.non201} not 201` : '')
  );
}

/** Runs the section; `log` gets one line per window. */
export async function runPostgres(
  config: PostgresConfig,
  emulator: EmulatorChild,
  log: (line: string) => void,
): Promise<PostgresResult> {
  const windows: PostgresWindow[] = [];
  const synchronous: PostgresResult['synchronous'] = {};
  let postgresVersion: string | undefined;
  const warmups: Array<DeliveryCount & { setup: Setup }> = [];
  const paired = { ratio1: [], ratioN: [], cpuN: [], scale: [], scaleSqlite: [] } as Record<
    'ratio1' | 'ratioN' | 'cpuN' | 'scale' | 'scaleSqlite',
    number[]
  >;
  for (let rep = 0; rep < config.reps; rep++) {
    // Rotate the order, and reverse it every other repetition, so no setup always goes first.
    const setups = config.setups ?? SETUPS;
    const order = setups.map((_, i) => setups[(i + rep) % setups.length]!);
    if (rep % 2 === 1) order.reverse();
    const got: Partial<Record<Setup, PostgresWindow[]>> = {};
    const early = new Map<Setup, Promise<Deployment>>();
    if (config.startTogether) {
      for (const setup of order) early.set(setup, deploy(setup, config, emulator));
      // Wait for all, so that a failed start leaves no running children behind.
      const all = await Promise.allSettled(early.values());
      const failed = all.find((r) => r.status === 'rejected');
      if (failed) {
        for (const r of all) if (r.status === 'fulfilled') await undeploy(r.value);
        throw (failed as PromiseRejectedResult).reason;
      }
    }
    for (const [index, setup] of order.entries()) {
      let deployment: Deployment;
      try {
        deployment = await (early.get(setup) ?? deploy(setup, config, emulator));
      } catch (error) {
        for (const later of order.slice(index + 1)) {
          const d = early.get(later);
          if (d) await undeploy(await d);
        }
        throw error;
      }
      synchronous[setup] = deployment.servers[0]!.child.ready.synchronous;
      postgresVersion ??= deployment.db?.version;
      let ws: PostgresWindow[];
      try {
        ws = await runSetup(deployment, config, emulator, (d) => {
          warmups.push({ setup, ...d });
          if (d.missing || d.duplicates) {
            process.stderr.write(
              `  warning: ${setup} warm-up: ${d.missing} requests missing, ${d.duplicates} duplicates\n`,
            );
          }
        });
      } catch (error) {
        for (const later of order.slice(index + 1)) {
          const d = early.get(later);
          if (d) await undeploy(await d);
        }
        throw error;
      } finally {
        await undeploy(deployment);
      }
      got[setup] = ws;
      windows.push(...ws);
      for (const w of ws) {
        log(describeWindow(rep, w));
        if (w.missing || w.duplicates || w.undelivered) {
          process.stderr.write(
            `  warning: ${setup}: ${w.missing} requests missing, ${w.duplicates} duplicates; ` +
              `outbox ${JSON.stringify(w.outbox ?? {})}, not delivered: ${JSON.stringify(w.undelivered ?? [])}\n`,
          );
        }
      }
    }
    if (!got.sqlite || !got.postgres || !got.postgres3) continue;
    const [s1, sN] = got.sqlite;
    const [p1, pN] = got.postgres;
    const [p3] = got.postgres3;
    paired.ratio1.push(p1!.movesPerSecond / s1!.movesPerSecond);
    paired.ratioN.push(pN!.movesPerSecond / sN!.movesPerSecond);
    paired.cpuN.push((pN!.serverCpuMsPerMove + (pN!.dbCpuMsPerMove ?? 0)) / sN!.serverCpuMsPerMove);
    paired.scale.push(p3!.movesPerSecond / pN!.movesPerSecond);
    paired.scaleSqlite.push(p3!.movesPerSecond / sN!.movesPerSecond);
  }

  const summary: PostgresResult['summary'] = {};
  for (const setup of SETUPS) {
    for (const matches of [1, config.matches]) {
      const ws = windows.filter((w) => w.setup === setup && w.matches === matches);
      if (ws.length === 0) continue;
      summary[`${setup}_${matches}`] = {
        movesPerSecond: summarize(ws.map((w) => w.movesPerSecond)),
        serverCpuMsPerMove: summarize(ws.map((w) => w.serverCpuMsPerMove)),
        dbCpuMsPerMove: summarize(
          ws.flatMap((w) => (w.dbCpuMsPerMove === undefined ? [] : [w.dbCpuMsPerMove])),
        ),
        totalCpuMsPerMove: summarize(ws.map((w) => w.serverCpuMsPerMove + (w.dbCpuMsPerMove ?? 0))),
        roundTripP50Ms: summarize(ws.map((w) => w.roundTripMs.p50)),
        watcherLagP50Ms: summarize(ws.map((w) => w.watcherLagMs.p50)),
      };
    }
  }
  const latency = {} as PostgresResult['latency'];
  const commitToCall = {} as PostgresResult['commitToCall'];
  const delivery = {} as PostgresResult['delivery'];
  for (const setup of SETUPS) {
    const ws = windows.filter((w) => w.setup === setup);
    latency[setup] = percentiles(
      ws.filter((w) => w.matches === config.matches).flatMap((w) => w.latencies ?? []),
    );
    const atN = ws.filter((w) => w.matches === config.matches);
    commitToCall[setup] = {
      p50: median(atN.map((w) => w.commitToCallMs.p50)),
      p99: median(atN.map((w) => w.commitToCallMs.p99)),
    };
    const counts: DeliveryCount[] = [...ws, ...warmups.filter((w) => w.setup === setup)];
    const sum = (pick: (d: DeliveryCount) => number) => counts.reduce((n, d) => n + pick(d), 0);
    delivery[setup] = {
      expected: sum((w) => w.expected),
      arrived: sum((w) => w.arrived),
      missing: sum((w) => w.missing),
      duplicates: sum((w) => w.duplicates),
      non201: sum((w) => w.non201),
    };
  }
  return {
    config,
    windows: windows.map(({ latencies: _l, ...w }) => w),
    summary,
    ratio1: summarize(paired.ratio1),
    ratioN: summarize(paired.ratioN),
    cpuRatioN: summarize(paired.cpuN),
    scaleRatio: summarize(paired.scale),
    scaleVsSqlite: summarize(paired.scaleSqlite),
    latency,
    commitToCall,
    delivery,
    synchronous,
    postgresVersion,
  };
}
