/**
 * Move throughput and the plugin's cost (issue 6, item 2), plus commit-to-Chaster latency under
 * the 20-match load (item 3).
 *
 * Side (a): plain boardgame.io, InMemory, `BareGame`. Side (b): `createGameServer`, SQLite,
 * outbox and dispatcher delivering to the emulator (its own process), `PluginGame`; every 10th
 * move is a `lose`, so one move in ten commits an outbox row that is delivered. Between them,
 * `bgio-plugin`: plain boardgame.io and InMemory running `PluginGame`, which splits b/a into what
 * boardgame.io charges for any plugin (bgio-plugin/a) and what this project's server adds
 * (b/bgio-plugin).
 * One Node client per match (seat 0) makes moves one after another, each waiting for the server's
 * update (the "seq" method of reference/boardgameio-0.50.2.md §5). Each repetition starts a fresh
 * server child per side, warms it up, then measures 1 match and 20 concurrent matches; the sides
 * alternate, and their order rotates every repetition. Server CPU comes from the child's
 * `process.cpuUsage()`; on side (b) the window ends once every request reached the emulator, so
 * delivery's CPU is counted too.
 */
import { BareGame, PluginGame, moveAt } from './games.js';
import { Player, bareMatches, pluginMatches } from './clients.js';
import type { BenchMatch, EmulatorChild } from './clients.js';
import { collectArrivals, collectLatencies, resetLatency } from './latency.js';
import type { Latencies } from './latency.js';
import { startServer } from './servers.js';
import type { ServerChild, Side } from './servers.js';
import { median, percentiles, summarize } from './stats.js';
import type { Summary } from './stats.js';

/** Sizes of one throughput benchmark. */
export interface ThroughputConfig {
  reps: number;
  warmupMoves: number;
  /** Moves of the single match. */
  moves1: number;
  /** Concurrent matches of the second window, and moves per match. */
  matches: number;
  movesPerMatch: number;
  /** SQLite `synchronous` of side (b); undefined = the library's default. */
  synchronous?: 'NORMAL' | 'FULL';
}

/** One measured window. */
export interface Window {
  side: Side;
  matches: number;
  moves: number;
  seconds: number;
  movesPerSecond: number;
  serverCpuMsPerMove: number;
  roundTripMs: { p50: number; p99: number };
  /** The server's event-loop delay during the window (ms): how long ready work waited. */
  eventLoopDelayMs: { p50: number; p99: number };
  /** SQLite `synchronous` in effect on side (b). */
  synchronous?: string;
  /** Side (b): commit-to-emulator latencies in ms (only kept for the multi-match window). */
  latencies?: number[];
  /** Side (b): the parts from commit to the dispatcher's call, to the socket write, to arrival. */
  toSend?: number[];
  sendToWrite?: number[];
  writeToArrival?: number[];
  /** How many latencies the window contributed, and commits or arrivals left unpaired. */
  latencyCount?: number;
  unmatched?: number;
}

/** What the benchmark reports. */
export interface ThroughputResult {
  config: ThroughputConfig;
  windows: Window[];
  /** Per side and match count: moves/s and server CPU ms/move over the repetitions. */
  summary: Record<
    string,
    {
      movesPerSecond: Summary;
      serverCpuMsPerMove: Summary;
      roundTripP50Ms: Summary;
      eventLoopDelayP99Ms: Summary;
    }
  >;
  /** b/a moves/s, paired per repetition. */
  ratio1: Summary;
  ratioN: Summary;
  /** b/a server CPU per move, paired per repetition. */
  cpuRatio1: Summary;
  cpuRatioN: Summary;
  /** bgio-plugin/a moves/s (boardgame.io's own cost of a plugin), paired per repetition. */
  bgioPluginRatio1: Summary;
  bgioPluginRatioN: Summary;
  latency: { n: number; p50: number; p99: number; max: number; unmatched: number };
  /** Its parts: commit → the dispatcher's client call → undici's socket write → arrival. */
  latencyParts: Record<
    'commitToCall' | 'callToWrite' | 'writeToArrival',
    { p50: number; p99: number }
  >;
  /** SQLite `synchronous` in effect on side (b). */
  synchronous?: string;
}

const WAIT_MS = 30_000;

/** Makes `moves` moves in `match` with one client, one after another. */
export async function play(player: Player, moves: number, offset = 0): Promise<number[]> {
  const rtts: number[] = [];
  for (let i = 0; i < moves; i++) {
    const { move, args } = moveAt(offset + i);
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
  server: ServerChild,
  emulator: EmulatorChild | undefined,
  players: Player[],
  sessionOf: Map<string, string>,
  movesPerMatch: number,
  offset: number,
): Promise<Window> {
  if (emulator) await resetLatency(server, emulator);
  const before = await server.usage();
  await server.loopDelay();
  const start = performance.now();
  const rtts = (await Promise.all(players.map((p) => play(p, movesPerMatch, offset)))).flat();
  const seconds = (performance.now() - start) / 1000;
  const loop = await server.loopDelay();
  let latency: Latencies | undefined;
  if (emulator) {
    latency = await collectLatencies(
      server,
      emulator,
      (m, p) => sessionOf.get(`${m}/${p}`),
      players.length * lossesIn(movesPerMatch, offset),
    );
    if (latency.unmatched > 0) {
      process.stderr.write(`  warning: ${latency.unmatched} unpaired commits/sends/arrivals\n`);
    }
  }
  const after = await server.usage();
  const moves = players.length * movesPerMatch;
  const rt = percentiles(rtts);
  return {
    side: server.side,
    matches: players.length,
    moves,
    seconds,
    movesPerSecond: moves / seconds,
    serverCpuMsPerMove: (after.cpuMs - before.cpuMs) / moves,
    roundTripMs: { p50: rt.p50, p99: rt.p99 },
    eventLoopDelayMs: { p50: loop.p50, p99: loop.p99 },
    synchronous: server.child.ready.synchronous,
    latencies: latency?.total,
    toSend: latency?.toSend,
    sendToWrite: latency?.sendToWrite,
    writeToArrival: latency?.writeToArrival,
    unmatched: latency?.unmatched,
  };
}

/** One repetition on one side: fresh server, warm-up, then the 1-match and N-match windows. */
export async function runSide(
  side: Side,
  config: ThroughputConfig,
  emulator: EmulatorChild,
): Promise<Window[]> {
  const server = await startServer(side, { emulator, synchronous: config.synchronous });
  const players: Player[] = [];
  try {
    const count = 2 + config.matches;
    const matches: BenchMatch[] =
      side === 'plugin'
        ? await pluginMatches(server.url, emulator, count)
        : await bareMatches(server.url, count);
    const sessionOf = new Map<string, string>();
    for (const m of matches)
      for (const s of m.seats)
        if (s.sessionId) sessionOf.set(`${m.matchID}/${s.playerID}`, s.sessionId);
    const game = side === 'bare' ? BareGame : PluginGame;
    for (const m of matches)
      players.push(await Player.connect(server.url, game, m.matchID, m.seats[0]!));
    const [warm, single, ...many] = players as [Player, Player, ...Player[]];
    const em = side === 'plugin' ? emulator : undefined;
    await play(warm, config.warmupMoves);
    if (em) await collectArrivals(em, lossesIn(config.warmupMoves));
    const one = await measure(server, em, [single], sessionOf, config.moves1, 0);
    delete one.latencies;
    delete one.toSend;
    delete one.sendToWrite;
    delete one.writeToArrival;
    const n = await measure(server, em, many, sessionOf, config.movesPerMatch, 0);
    return [one, n];
  } finally {
    for (const p of players) p.stop();
    await server.stop();
  }
}

/** Runs the throughput benchmark; `log` gets one line per window. */
export async function runThroughput(
  config: ThroughputConfig,
  emulator: EmulatorChild,
  log: (line: string) => void,
): Promise<ThroughputResult> {
  const windows: Window[] = [];
  const ratio1: number[] = [];
  const ratioN: number[] = [];
  const cpu1: number[] = [];
  const cpuN: number[] = [];
  const bgio1: number[] = [];
  const bgioN: number[] = [];
  const sides: Side[] = ['bare', 'plugin', 'bgio-plugin'];
  for (let rep = 0; rep < config.reps; rep++) {
    const order = [...sides.slice(rep % 3), ...sides.slice(0, rep % 3)];
    const got: Partial<Record<Side, Window[]>> = {};
    for (const side of order) {
      const ws = await runSide(side, config, emulator);
      got[side] = ws;
      windows.push(...ws);
      for (const w of ws) {
        log(
          `  rep ${rep + 1} ${side.padEnd(11)} ${String(w.matches).padStart(2)} match(es): ` +
            `${w.movesPerSecond.toFixed(0)} moves/s, ${w.serverCpuMsPerMove.toFixed(3)} server CPU ms/move, ` +
            `round trip p50 ${w.roundTripMs.p50.toFixed(2)} ms, event-loop delay p99 ${w.eventLoopDelayMs.p99.toFixed(1)} ms` +
            (w.latencies
              ? `, commit→Chaster p50 ${median(w.latencies).toFixed(2)} ms` +
                ` (commit→call ${median(w.toSend ?? []).toFixed(2)}, call→write ${median(w.sendToWrite ?? []).toFixed(2)},` +
                ` write→arrival ${median(w.writeToArrival ?? []).toFixed(2)})`
              : ''),
        );
      }
    }
    const [a1, aN] = got.bare!;
    const [b1, bN] = got.plugin!;
    const [p1, pN] = got['bgio-plugin']!;
    ratio1.push(b1!.movesPerSecond / a1!.movesPerSecond);
    bgio1.push(p1!.movesPerSecond / a1!.movesPerSecond);
    bgioN.push(pN!.movesPerSecond / aN!.movesPerSecond);
    ratioN.push(bN!.movesPerSecond / aN!.movesPerSecond);
    cpu1.push(b1!.serverCpuMsPerMove / a1!.serverCpuMsPerMove);
    cpuN.push(bN!.serverCpuMsPerMove / aN!.serverCpuMsPerMove);
  }
  const summary: ThroughputResult['summary'] = {};
  for (const side of sides) {
    for (const matches of [1, config.matches]) {
      const ws = windows.filter((w) => w.side === side && w.matches === matches);
      summary[`${side}_${matches}`] = {
        movesPerSecond: summarize(ws.map((w) => w.movesPerSecond)),
        serverCpuMsPerMove: summarize(ws.map((w) => w.serverCpuMsPerMove)),
        roundTripP50Ms: summarize(ws.map((w) => w.roundTripMs.p50)),
        eventLoopDelayP99Ms: summarize(ws.map((w) => w.eventLoopDelayMs.p99)),
      };
    }
  }
  const all = windows.flatMap((w) => w.latencies ?? []);
  const lat = percentiles(all);
  const part = (pick: (w: Window) => number[] | undefined) => {
    const p = percentiles(windows.flatMap((w) => pick(w) ?? []));
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
    ratio1: summarize(ratio1),
    ratioN: summarize(ratioN),
    cpuRatio1: summarize(cpu1),
    cpuRatioN: summarize(cpuN),
    bgioPluginRatio1: summarize(bgio1),
    bgioPluginRatioN: summarize(bgioN),
    latency: { ...lat, unmatched: windows.reduce((n, w) => n + (w.unmatched ?? 0), 0) },
    latencyParts: {
      commitToCall: part((w) => w.toSend),
      callToWrite: part((w) => w.sendToWrite),
      writeToArrival: part((w) => w.writeToArrival),
    },
    synchronous: windows.find((w) => w.side === 'plugin')?.synchronous,
  };
}
