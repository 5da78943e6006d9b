/**
 * Move throughput and the plugin's cost (issue 6, item 2), commit-to-Chaster latency under the
 * 20-match load (item 3), and this project against the durable stores a boardgame.io developer
 * would otherwise use (issue 18).
 *
 * Contenders, all playing the same game with the same move mix (every 10th move a `lose`):
 * - `bare` (side a): plain boardgame.io, InMemory, `BareGame`;
 * - `plugin` (side b): `createGameServer`, SQLite, outbox and dispatcher delivering to the
 *   emulator (its own process), `PluginGame`; each `lose` commits an outbox row that is delivered;
 * - `bgio-plugin`: plain boardgame.io and InMemory running `PluginGame`, which splits b/a into
 *   what boardgame.io charges for any plugin and what this project's server adds;
 * - `plugin-quiet`: side b whose moves are all `pass` (no request), so that side b's server CPU
 *   per delivered request is the paired difference of the two (20 matches only);
 * - `plugin-pg` (b-pg): side b on Postgres, one instance, a fresh database;
 * - the peers, plain boardgame.io and `BareGame` on a durable store from npm (bench/peers.ts):
 *   `flatfile` (boardgame.io's FlatFile as shipped), `flatfile-noqueue` (node-persist's write
 *   queue off) and `bgio-postgres` (on the same Postgres as b-pg, its own fresh database).
 * One Node client per match (seat 0) makes moves one after another, each waiting for the server's
 * update (the "seq" method of reference/boardgameio-0.50.2.md §5). Each repetition starts a fresh
 * server child per contender, warms it up, then measures 1 match and 20 concurrent matches; the
 * contenders alternate, and their order rotates every repetition. A contender's sizes may be
 * smaller than b's (FlatFile as shipped makes about one move a second per match). Server CPU comes
 * from the child's `process.cpuUsage()`, plus the Postgres backends' CPU on Postgres; on the
 * request-making sides the window ends once every request reached the emulator, so delivery's CPU
 * is counted too.
 */
import { BareGame, PluginGame, moveAt } from './games.js';
import { Player, bareMatches, pluginMatches } from './clients.js';
import type { BenchMatch, EmulatorChild } from './clients.js';
import { collectArrivals, collectLatencies, resetLatency } from './latency.js';
import type { Latencies } from './latency.js';
import { monotonicMs } from './procs.js';
import { startServer } from './servers.js';
import type { ServerChild, Side } from './servers.js';
import { HOW_TO_START, createDatabase, servicesMissing, watchBackends } from './services.js';
import type { BenchDatabase } from './services.js';
import { median, percentiles, summarize } from './stats.js';
import type { Summary } from './stats.js';

/** The servers the section compares (see the header). */
export const CONTENDERS = [
  'bare',
  'plugin',
  'bgio-plugin',
  'plugin-quiet',
  'plugin-pg',
  'flatfile',
  'flatfile-noqueue',
  'bgio-postgres',
] as const;
/** One of the servers the section compares. */
export type Contender = (typeof CONTENDERS)[number];

/** How a contender is run. */
interface Spec {
  side: Side;
  /** On a fresh Postgres database. */
  postgres?: boolean;
  /** Its `lose` moves make requests that the emulator must receive before the window ends. */
  requests?: boolean;
  /** Every move a `pass`, and only the multi-match window. */
  quiet?: boolean;
}

const SPECS: Record<Contender, Spec> = {
  bare: { side: 'bare' },
  plugin: { side: 'plugin', requests: true },
  'bgio-plugin': { side: 'bgio-plugin' },
  'plugin-quiet': { side: 'plugin', quiet: true },
  'plugin-pg': { side: 'plugin', postgres: true, requests: true },
  flatfile: { side: 'flatfile' },
  'flatfile-noqueue': { side: 'flatfile-noqueue' },
  'bgio-postgres': { side: 'bgio-postgres', postgres: true },
};

/** Moves of one contender's windows. */
export interface Sizes {
  warmupMoves: number;
  /** Moves of the single match; 0 skips the 1-match window. */
  moves1: number;
  /** Moves per match of the multi-match window. */
  movesPerMatch: number;
}

/** Sizes of one throughput benchmark. */
export interface ThroughputConfig extends Sizes {
  reps: number;
  /** Concurrent matches of the second window. */
  matches: number;
  /** SQLite `synchronous` of side (b); undefined = the library's default. */
  synchronous?: 'NORMAL' | 'FULL';
  /** Contenders whose sizes differ from the ones above. */
  sizes?: Partial<Record<Contender, Partial<Sizes>>>;
  /** Run only these (experiments, `--sides`); default every contender. */
  contenders?: Contender[];
}

/** One measured window. */
export interface Window {
  /** Which contender (older results have only `side`). */
  contender?: Contender;
  side: Side;
  matches: number;
  moves: number;
  seconds: number;
  movesPerSecond: number;
  serverCpuMsPerMove: number;
  /** Postgres contenders: CPU of the backends serving the window's database, per move. */
  dbCpuMsPerMove?: number;
  roundTripMs: { p50: number; p99: number };
  /** The server's event-loop delay during the window (ms): how long ready work waited. */
  eventLoopDelayMs: { p50: number; p99: number };
  /** SQLite `synchronous` (or Postgres `synchronous_commit`) in effect on side (b). */
  synchronous?: string;
  /** Requests the window's moves made (request-making contenders). */
  requests?: number;
  /** Side (b): commit-to-emulator latencies in ms (only kept for the multi-match window). */
  latencies?: number[];
  /** Side (b): the parts from commit to the dispatcher's call, to the socket write, to arrival. */
  toSend?: number[];
  sendToWrite?: number[];
  writeToArrival?: number[];
  /** How many latencies the window contributed, and commits or arrivals left unpaired. */
  latencyCount?: number;
  unmatched?: number;
  /** The server child's pid and the window's [start, end] on the monotonic clock (ms): for profiles. */
  pid?: number;
  monotonicMs?: [number, number];
}

/** Per contender and match count, over the repetitions. */
export interface WindowSummary {
  movesPerSecond: Summary;
  serverCpuMsPerMove: Summary;
  /** Server + Postgres backends (= server alone off Postgres). */
  totalCpuMsPerMove?: Summary;
  roundTripP50Ms: Summary;
  eventLoopDelayP99Ms: Summary;
}

/** What the benchmark reports. */
export interface ThroughputResult {
  config: ThroughputConfig;
  windows: Window[];
  /** Keyed `<contender>_<matches>`, e.g. `plugin_20`. */
  summary: Record<string, WindowSummary>;
  /** b/a moves/s, paired per repetition. */
  ratio1: Summary;
  ratioN: Summary;
  /** b/a server CPU per move, paired per repetition. */
  cpuRatio1: Summary;
  cpuRatioN: Summary;
  /** bgio-plugin/a moves/s (boardgame.io's own cost of a plugin), paired per repetition. */
  bgioPluginRatio1: Summary;
  bgioPluginRatioN: Summary;
  /** Moves/s ratios paired per repetition, keyed `<x>/<y>_<matches>`, e.g. `plugin/flatfile_20`. */
  ratios?: Record<string, Summary>;
  /**
   * Side b's server CPU per delivered request at N matches: (CPU per move of `plugin` − of
   * `plugin-quiet`) × moves / requests, paired per repetition, ms.
   */
  requestCpuMs?: Summary;
  latency: { n: number; p50: number; p99: number; max: number; unmatched: number };
  /** Its parts: commit → the dispatcher's client call → undici's socket write → arrival. */
  latencyParts: Record<
    'commitToCall' | 'callToWrite' | 'writeToArrival',
    { p50: number; p99: number }
  >;
  /** SQLite `synchronous` in effect on side (b). */
  synchronous?: string;
  /** Contenders left out, and why (e.g. no Postgres). */
  skipped?: Partial<Record<Contender, string>>;
}

/** The moves/s ratios the section pairs per repetition: [numerator, denominator]. */
export const RATIOS: ReadonlyArray<readonly [Contender, Contender]> = [
  ['plugin', 'bare'],
  ['bgio-plugin', 'bare'],
  ['plugin', 'bgio-plugin'],
  ['plugin', 'flatfile'],
  ['plugin', 'flatfile-noqueue'],
  ['flatfile-noqueue', 'flatfile'],
  ['plugin', 'bgio-postgres'],
  ['plugin-pg', 'bgio-postgres'],
  ['plugin-pg', 'bare'],
  ['plugin-pg', 'plugin'],
];

const WAIT_MS = 30_000;

/** A move of the mix: `moveAt` (every 10th a `lose`), or only `pass`. */
type Mix = (i: number) => { move: 'pass' | 'lose'; args: string[] };
const QUIET: Mix = () => ({ move: 'pass', args: [] });

/** Makes `moves` moves in `match` with one client, one after another. */
export async function play(
  player: Player,
  moves: number,
  offset = 0,
  mix: Mix = moveAt,
): Promise<number[]> {
  const rtts: number[] = [];
  for (let i = 0; i < moves; i++) {
    const { move, args } = mix(offset + i);
    rtts.push(await player.move(move, args, WAIT_MS));
  }
  return rtts;
}

/** How many of moves `offset` … `offset + moves - 1` are a `lose`. */
export function lossesIn(moves: number, offset = 0): number {
  let n = 0;
  for (let i = 0; i < moves; i++) if (moveAt(offset + i).move === 'lose') n++;
  return n;
}

async function measure(
  contender: Contender,
  server: ServerChild,
  emulator: EmulatorChild | undefined,
  db: BenchDatabase | undefined,
  players: Player[],
  sessionOf: Map<string, string>,
  movesPerMatch: number,
): Promise<Window> {
  const mix = SPECS[contender].quiet ? QUIET : moveAt;
  if (emulator) await resetLatency(server, emulator);
  const backends = db ? await watchBackends(db) : undefined;
  const before = await server.usage();
  await server.loopDelay();
  const t0 = monotonicMs();
  const start = performance.now();
  const rtts = (await Promise.all(players.map((p) => play(p, movesPerMatch, 0, mix)))).flat();
  const seconds = (performance.now() - start) / 1000;
  const loop = await server.loopDelay();
  let latency: Latencies | undefined;
  const requests = emulator ? players.length * lossesIn(movesPerMatch) : undefined;
  if (emulator) {
    latency = await collectLatencies(
      server,
      emulator,
      (m, p) => sessionOf.get(`${m}/${p}`),
      requests,
    );
    if (latency.unmatched > 0) {
      process.stderr.write(`  warning: ${latency.unmatched} unpaired commits/sends/arrivals\n`);
    }
  }
  const after = await server.usage();
  const t1 = monotonicMs();
  const dbCpu = await backends?.stop();
  const moves = players.length * movesPerMatch;
  const rt = percentiles(rtts);
  return {
    contender,
    side: server.side,
    matches: players.length,
    moves,
    seconds,
    movesPerSecond: moves / seconds,
    serverCpuMsPerMove: (after.cpuMs - before.cpuMs) / moves,
    ...(dbCpu === undefined ? {} : { dbCpuMsPerMove: dbCpu / moves }),
    roundTripMs: { p50: rt.p50, p99: rt.p99 },
    eventLoopDelayMs: { p50: loop.p50, p99: loop.p99 },
    synchronous: server.child.ready.synchronous,
    requests,
    latencies: latency?.total,
    toSend: latency?.toSend,
    sendToWrite: latency?.sendToWrite,
    writeToArrival: latency?.writeToArrival,
    unmatched: latency?.unmatched,
    pid: server.child.process.pid,
    monotonicMs: [t0, t1],
  };
}

/** The sizes `contender` runs at under `config`. */
export function sizesOf(contender: Contender, config: ThroughputConfig): Sizes {
  const own = config.sizes?.[contender] ?? {};
  return {
    warmupMoves: own.warmupMoves ?? config.warmupMoves,
    moves1: SPECS[contender].quiet ? 0 : (own.moves1 ?? config.moves1),
    movesPerMatch: own.movesPerMatch ?? config.movesPerMatch,
  };
}

/**
 * One repetition of one contender: fresh storage and server, warm-up, then the 1-match window
 * (unless its size is 0) and the N-match window.
 */
export async function runContender(
  contender: Contender,
  config: ThroughputConfig,
  emulator: EmulatorChild,
): Promise<Window[]> {
  const spec = SPECS[contender];
  const sizes = sizesOf(contender, config);
  const db = spec.postgres ? await createDatabase() : undefined;
  const players: Player[] = [];
  try {
    const server = await startServer(spec.side, {
      emulator,
      synchronous: spec.postgres ? undefined : config.synchronous,
      database: db?.url,
    });
    try {
      // A warm-up match, the single match, the N measured matches and N more that warm the
      // server up under the N-match load: a server runs for days, so the windows measure it
      // with its code compiled for that load, not while V8 still compiles it. The warm-up
      // matches are separate so that the measured ones start at move 0 on every contender.
      const count = 2 + 2 * config.matches;
      const matches: BenchMatch[] =
        spec.side === 'plugin'
          ? await pluginMatches(server.url, emulator, count)
          : await bareMatches(server.url, count);
      const sessionOf = new Map<string, string>();
      for (const m of matches)
        for (const s of m.seats)
          if (s.sessionId) sessionOf.set(`${m.matchID}/${s.playerID}`, s.sessionId);
      const game = spec.side === 'plugin' || spec.side === 'bgio-plugin' ? PluginGame : BareGame;
      for (const m of matches)
        players.push(await Player.connect(server.url, game, m.matchID, m.seats[0]!));
      const [warm, single, ...rest] = players as [Player, Player, ...Player[]];
      const many = rest.slice(0, config.matches);
      const warmMany = rest.slice(config.matches);
      const em = spec.requests ? emulator : undefined;
      const mix = spec.quiet ? QUIET : moveAt;
      await play(warm, sizes.warmupMoves, 0, mix);
      if (em) await collectArrivals(em, lossesIn(sizes.warmupMoves));
      await Promise.all(warmMany.map((p) => play(p, sizes.warmupMoves, 0, mix)));
      if (em) await collectArrivals(em, warmMany.length * lossesIn(sizes.warmupMoves));
      const out: Window[] = [];
      if (sizes.moves1 > 0) {
        const one = await measure(contender, server, em, db, [single], sessionOf, sizes.moves1);
        delete one.latencies;
        delete one.toSend;
        delete one.sendToWrite;
        delete one.writeToArrival;
        out.push(one);
      }
      out.push(await measure(contender, server, em, db, many, sessionOf, sizes.movesPerMatch));
      return out;
    } finally {
      for (const p of players) p.stop();
      await server.stop();
    }
  } finally {
    await db?.drop();
  }
}

/** One repetition on one side (b on SQLite, a, or bgio-plugin): the 1-match and N-match windows. */
export async function runSide(
  side: 'bare' | 'plugin' | 'bgio-plugin',
  config: ThroughputConfig,
  emulator: EmulatorChild,
): Promise<Window[]> {
  return runContender(side, config, emulator);
}

/** Which contenders to run: the requested ones, less those whose services are missing. */
async function selectContenders(
  config: ThroughputConfig,
  log: (line: string) => void,
): Promise<{ run: Contender[]; skipped: Partial<Record<Contender, string>> }> {
  const wanted = config.contenders ?? [...CONTENDERS];
  const skipped: Partial<Record<Contender, string>> = {};
  if (wanted.some((c) => SPECS[c].postgres)) {
    const missing = await servicesMissing();
    if (missing && process.env.CI) throw new Error(`throughput: ${missing}. ${HOW_TO_START}.`);
    if (missing) {
      for (const c of wanted) if (SPECS[c].postgres) skipped[c] = missing;
      log(`  plugin-pg, bgio-postgres: skipped — ${missing}. ${HOW_TO_START}.`);
    }
  }
  return { run: wanted.filter((c) => skipped[c] === undefined), skipped };
}

/** Runs the throughput benchmark; `log` gets one line per window. */
export async function runThroughput(
  config: ThroughputConfig,
  emulator: EmulatorChild,
  log: (line: string) => void,
): Promise<ThroughputResult> {
  const { run, skipped } = await selectContenders(config, log);
  const windows: Window[] = [];
  const reps: Array<Partial<Record<Contender, Window[]>>> = [];
  for (let rep = 0; rep < config.reps; rep++) {
    const k = rep % run.length;
    const order = [...run.slice(k), ...run.slice(0, k)];
    const got: Partial<Record<Contender, Window[]>> = {};
    for (const contender of order) {
      const ws = await runContender(contender, config, emulator);
      got[contender] = ws;
      windows.push(...ws);
      for (const w of ws) {
        log(
          `  rep ${rep + 1} ${contender.padEnd(16)} ${String(w.matches).padStart(2)} match(es): ` +
            `${w.movesPerSecond.toFixed(0)} moves/s, ${w.serverCpuMsPerMove.toFixed(3)} server CPU ms/move` +
            (w.dbCpuMsPerMove === undefined ? '' : ` (+ ${w.dbCpuMsPerMove.toFixed(3)} Postgres)`) +
            `, round trip p50 ${w.roundTripMs.p50.toFixed(2)} ms, event-loop delay p99 ${w.eventLoopDelayMs.p99.toFixed(1)} ms` +
            (w.latencies
              ? `, commit→Chaster p50 ${median(w.latencies).toFixed(2)} ms` +
                ` (commit→call ${median(w.toSend ?? []).toFixed(2)}, call→write ${median(w.sendToWrite ?? []).toFixed(2)},` +
                ` write→arrival ${median(w.writeToArrival ?? []).toFixed(2)})`
              : ''),
        );
      }
    }
    reps.push(got);
  }
  const at = (got: Partial<Record<Contender, Window[]>>, c: Contender, matches: number) =>
    got[c]?.find((w) => w.matches === matches);
  /** `pick(x) / pick(y)` per repetition where both ran. */
  const paired = (x: Contender, y: Contender, matches: number, pick: (w: Window) => number) =>
    summarize(
      reps.flatMap((got) => {
        const wx = at(got, x, matches);
        const wy = at(got, y, matches);
        return wx && wy ? [pick(wx) / pick(wy)] : [];
      }),
    );
  const rate = (w: Window) => w.movesPerSecond;
  const cpu = (w: Window) => w.serverCpuMsPerMove;
  const n = config.matches;
  const ratios: Record<string, Summary> = {};
  for (const [x, y] of RATIOS) {
    for (const matches of [1, n]) {
      const r = paired(x, y, matches, rate);
      if (r.n > 0) ratios[`${x}/${y}_${matches}`] = r;
    }
  }
  const requestCpu = reps.flatMap((got) => {
    const b = at(got, 'plugin', n);
    const q = at(got, 'plugin-quiet', n);
    return b && q && b.requests
      ? [((b.serverCpuMsPerMove - q.serverCpuMsPerMove) * b.moves) / b.requests]
      : [];
  });

  const summary: ThroughputResult['summary'] = {};
  for (const contender of run) {
    for (const matches of [1, n]) {
      const ws = windows.filter((w) => w.contender === contender && w.matches === matches);
      if (ws.length === 0) continue;
      summary[`${contender}_${matches}`] = {
        movesPerSecond: summarize(ws.map((w) => w.movesPerSecond)),
        serverCpuMsPerMove: summarize(ws.map(cpu)),
        totalCpuMsPerMove: summarize(ws.map((w) => w.serverCpuMsPerMove + (w.dbCpuMsPerMove ?? 0))),
        roundTripP50Ms: summarize(ws.map((w) => w.roundTripMs.p50)),
        eventLoopDelayP99Ms: summarize(ws.map((w) => w.eventLoopDelayMs.p99)),
      };
    }
  }
  // Latency is side b's on SQLite (the postgres section has Postgres's).
  const b = windows.filter((w) => w.contender === 'plugin');
  const lat = percentiles(b.flatMap((w) => w.latencies ?? []));
  const part = (pick: (w: Window) => number[] | undefined) => {
    const p = percentiles(b.flatMap((w) => pick(w) ?? []));
    return { p50: p.p50, p99: p.p99 };
  };
  return {
    config,
    windows: windows.map(
      ({ latencies, toSend: _t, sendToWrite: _s, writeToArrival: _w, ...w }) => ({
        ...w,
        latencyCount: latencies?.length,
      }),
    ),
    summary,
    ratio1: paired('plugin', 'bare', 1, rate),
    ratioN: paired('plugin', 'bare', n, rate),
    cpuRatio1: paired('plugin', 'bare', 1, cpu),
    cpuRatioN: paired('plugin', 'bare', n, cpu),
    bgioPluginRatio1: paired('bgio-plugin', 'bare', 1, rate),
    bgioPluginRatioN: paired('bgio-plugin', 'bare', n, rate),
    ratios,
    requestCpuMs: summarize(requestCpu),
    latency: { ...lat, unmatched: b.reduce((k, w) => k + (w.unmatched ?? 0), 0) },
    latencyParts: {
      commitToCall: part((w) => w.toSend),
      callToWrite: part((w) => w.sendToWrite),
      writeToArrival: part((w) => w.writeToArrival),
    },
    synchronous: b[0]?.synchronous,
    ...(Object.keys(skipped).length > 0 ? { skipped } : {}),
  };
}
