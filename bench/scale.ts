/**
 * Scale on one machine (issue 6, item 4): N concurrent two-player matches on our server (side b),
 * both seats connected over SocketIO (2N sockets held open by Node clients in this process);
 * in full mode plain boardgame.io (side a) runs the largest N too, as a reference.
 *
 * For each N, a fresh server child, warmed up with a few played matches; its RSS after a forced
 * GC before the N matches, after creating
 * the N matches through the HTTP API, and after connecting the 2N clients; memory per idle match
 * is (RSS with the matches and sockets − RSS before) / N. Then a steady human pace: each match
 * makes one move every `paceMs` (random phase, the seats taking turns, every 4th move a `lose`)
 * for `durationMs`; each move's round trip is from the call to the mover's server update.
 */
import { BareGame, PluginGame, moveAt } from './games.js';
import { Player, bareMatches, mapLimit, pluginMatches } from './clients.js';
import type { BenchMatch, EmulatorChild } from './clients.js';
import { cpuMs } from './procs.js';
import { startServer } from './servers.js';
import type { Side } from './servers.js';
import { percentiles } from './stats.js';
import { collectLatencies, resetLatency } from './latency.js';
import type { CallStats } from './latency.js';

/** Sizes of the scale benchmark. */
export interface ScaleConfig {
  matches: number[];
  /** Also run plain boardgame.io at the largest N, as a reference. */
  bareReference: boolean;
  /** Also run our server at the largest N with these SQLite `synchronous` levels. */
  alsoSynchronous?: Array<'NORMAL' | 'FULL'>;
  paceMs: number;
  durationMs: number;
}

/** One N. */
export interface ScalePoint {
  matches: number;
  sockets: number;
  /** Server RSS (MiB) before matches, with idle matches, with matches and sockets, peak under pace. */
  rssMiB: { base: number; matches: number; idle: number; peakUnderLoad: number };
  heapMiB: { base: number; idle: number };
  /** (RSS with matches and sockets − base) / N, in KiB; and the part the JS heap explains. */
  kbPerIdleMatch: number;
  heapKbPerIdleMatch: number;
  setupSeconds: number;
  moves: number;
  failedMoves: number;
  movesPerSecond: number;
  roundTripMs: { p50: number; p99: number; max: number };
  /** CPU during the paced phase as a share of one core: the server, and this (client) process. */
  serverCpuShare: number;
  clientCpuShare: number;
  emulatorCpuShare: number;
  /** Side b: commit → Chaster latency of the paced phase's requests (ms). */
  latencyMs?: { n: number; p50: number; p99: number; max: number };
  /** Side b: its part from commit to the dispatcher's call to the Chaster client (ms). */
  toSendMs?: { p50: number; p99: number };
  /** Side b: the rest, client call → undici's socket write → arrival (ms). */
  latencyPartsMs?: Record<'callToWrite' | 'writeToArrival', { p50: number; p99: number }>;
  /** Side b: the dispatcher's calls to the Chaster client (in flight, durations in ms). */
  dispatcherCalls?: CallStats;
  /** The server's event-loop delay during the paced phase (ms). */
  eventLoopDelayMs: { p50: number; p99: number };
  /** Which server: ours (b), or plain boardgame.io (a) as a reference. */
  side: Side;
  /** SQLite `synchronous` in effect (side b). */
  synchronous?: string;
}

const MiB = 1024 * 1024;
const WARM_MATCHES = 10;
/** In the paced phase every 4th move of a match is a `lose`. */
const LOSS_EVERY = 4;

async function point(
  side: Side,
  n: number,
  config: ScaleConfig,
  emulator: EmulatorChild,
  log: (line: string) => void,
  synchronous?: 'NORMAL' | 'FULL',
): Promise<ScalePoint> {
  const server = await startServer(side, { emulator, synchronous });
  const label = `${side}${side === 'plugin' ? ` (${server.child.ready.synchronous})` : ''}`;
  const game = side === 'bare' ? BareGame : PluginGame;
  const makeMatches = (count: number): Promise<BenchMatch[]> =>
    side === 'bare' ? bareMatches(server.url, count) : pluginMatches(server.url, emulator, count);
  const players: Player[][] = [];
  try {
    const t0 = performance.now();
    // Warm-up: a few matches with their sockets and moves, so one-time costs (compiled code,
    // SQLite's page cache, socket.io's first allocations) are in the baseline, not per match.
    const warm = await makeMatches(WARM_MATCHES);
    for (const m of warm) {
      const seats = await Promise.all(
        m.seats.map((s) => Player.connect(server.url, game, m.matchID, s, 60_000)),
      );
      players.push(seats);
      for (let i = 0; i < 20; i++) await seats[0]!.move(moveAt(i).move, moveAt(i).args, 10_000);
    }
    const base = await server.gcUsage();
    const matches = await makeMatches(n);
    const withMatches = await server.gcUsage();
    const connected = await mapLimit(matches, 25, async (m) =>
      Promise.all(m.seats.map((s) => Player.connect(server.url, game, m.matchID, s, 60_000))),
    );
    players.push(...connected);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const idle = await server.gcUsage();
    const setupSeconds = (performance.now() - t0) / 1000;
    log(
      `  ${label} ${n} matches: set up in ${setupSeconds.toFixed(1)} s; server RSS ${(base.rss / MiB).toFixed(0)} → ` +
        `${(withMatches.rss / MiB).toFixed(0)} (matches) → ${(idle.rss / MiB).toFixed(0)} MiB (and ${2 * n} sockets)`,
    );

    // The paced phase: bounded by its duration; each move waits at most 10 s for its update.
    const rtts: number[] = [];
    let failed = 0;
    let peak = idle.rss;
    const sampler = setInterval(() => {
      server.usage().then(
        (u) => (peak = Math.max(peak, u.rss)),
        () => {},
      );
    }, 1000);
    if (side === 'plugin') await resetLatency(server, emulator);
    await server.loopDelay();
    const cpuBefore = (await server.usage()).cpuMs;
    const clientCpuBefore = cpuMs();
    const emulatorCpuBefore = (await emulator.call<{ cpuMs: number }>('stats')).cpuMs;
    const start = performance.now();
    const deadline = start + config.durationMs;
    await Promise.all(
      connected.map(async (seats) => {
        let i = 0;
        let at = start + Math.random() * config.paceMs;
        for (;;) {
          const wait = at - performance.now();
          if (at >= deadline) return;
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          const mover = seats[i % 2]!;
          const { move, args } = moveAt(i, LOSS_EVERY);
          try {
            // The other seat's client must have caught up before it moves in turn.
            await mover.reach(seats[(i + 1) % 2]!.stateID, 10_000);
            rtts.push(await mover.move(move, args, 10_000));
          } catch {
            failed += 1;
          }
          i += 1;
          at += config.paceMs;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    clearInterval(sampler);
    const after = await server.usage();
    const emulatorCpu = (await emulator.call<{ cpuMs: number }>('stats')).cpuMs - emulatorCpuBefore;
    const loop = await server.loopDelay();
    peak = Math.max(peak, after.rss);
    let latencyMs: ScalePoint['latencyMs'];
    let toSendMs: ScalePoint['toSendMs'];
    let partsMs: ScalePoint['latencyPartsMs'];
    let calls: ScalePoint['dispatcherCalls'];
    if (side === 'plugin') {
      const sessionOf = new Map<string, string>();
      for (const m of matches) {
        for (const seat of m.seats) sessionOf.set(`${m.matchID}/${seat.playerID}`, seat.sessionId!);
      }
      const latency = await collectLatencies(
        server,
        emulator,
        (matchID, playerID) => sessionOf.get(`${matchID}/${playerID}`),
        undefined,
        120_000,
      );
      latencyMs = percentiles(latency.total);
      const toSend = percentiles(latency.toSend);
      toSendMs = { p50: toSend.p50, p99: toSend.p99 };
      const toWrite = percentiles(latency.sendToWrite);
      const toArrive = percentiles(latency.writeToArrival);
      calls = latency.calls;
      partsMs = {
        callToWrite: { p50: toWrite.p50, p99: toWrite.p99 },
        writeToArrival: { p50: toArrive.p50, p99: toArrive.p99 },
      };
    }
    const rt = percentiles(rtts);
    const result: ScalePoint = {
      matches: n,
      sockets: 2 * n,
      rssMiB: {
        base: base.rss / MiB,
        matches: withMatches.rss / MiB,
        idle: idle.rss / MiB,
        peakUnderLoad: peak / MiB,
      },
      heapMiB: { base: base.heapUsed / MiB, idle: idle.heapUsed / MiB },
      kbPerIdleMatch: (idle.rss - base.rss) / 1024 / n,
      heapKbPerIdleMatch: (idle.heapUsed - base.heapUsed) / 1024 / n,
      setupSeconds,
      moves: rtts.length,
      failedMoves: failed,
      movesPerSecond: rtts.length / seconds,
      roundTripMs: { p50: rt.p50, p99: rt.p99, max: rt.max },
      serverCpuShare: (after.cpuMs - cpuBefore) / (seconds * 1000),
      clientCpuShare: (cpuMs() - clientCpuBefore) / (seconds * 1000),
      emulatorCpuShare: emulatorCpu / (seconds * 1000),
      latencyMs,
      toSendMs,
      latencyPartsMs: partsMs,
      dispatcherCalls: calls,
      eventLoopDelayMs: { p50: loop.p50, p99: loop.p99 },
      side,
      synchronous: server.child.ready.synchronous,
    };
    log(
      `  ${label} ${n} matches: ${result.kbPerIdleMatch.toFixed(1)} KiB per idle match (heap ${result.heapKbPerIdleMatch.toFixed(1)}); ` +
        `${rtts.length} moves at ${result.movesPerSecond.toFixed(0)}/s, round trip p50 ${rt.p50.toFixed(2)} ms, ` +
        `p99 ${rt.p99.toFixed(2)} ms, ${failed} failed; CPU server ${(100 * result.serverCpuShare).toFixed(0)}% / clients ${(100 * result.clientCpuShare).toFixed(0)}% / emulator ${(100 * result.emulatorCpuShare).toFixed(0)}% of a core, ` +
        `peak RSS ${(peak / MiB).toFixed(0)} MiB` +
        (latencyMs
          ? `; commit→Chaster p50 ${latencyMs.p50.toFixed(2)} / p99 ${latencyMs.p99.toFixed(2)} ms` +
            ` (commit→call p50 ${toSendMs!.p50.toFixed(2)} / p99 ${toSendMs!.p99.toFixed(2)}; ` +
            `calls in flight mean ${calls!.meanInFlight.toFixed(1)} max ${calls!.maxInFlight}, ` +
            `call duration p50 ${calls!.durationP50.toFixed(1)} / p99 ${calls!.durationP99.toFixed(1)} ms)`
          : ''),
    );
    return result;
  } finally {
    for (const seats of players) for (const p of seats) p.stop();
    await server.stop();
  }
}

/** Runs the scale benchmark for each N in turn. */
export async function runScale(
  config: ScaleConfig,
  emulator: EmulatorChild,
  log: (line: string) => void,
): Promise<{ config: ScaleConfig; points: ScalePoint[] }> {
  const points: ScalePoint[] = [];
  for (const n of config.matches) points.push(await point('plugin', n, config, emulator, log));
  for (const level of config.alsoSynchronous ?? []) {
    const n = Math.max(...config.matches);
    points.push(await point('plugin', n, config, emulator, log, level));
  }
  if (config.bareReference) {
    points.push(await point('bare', Math.max(...config.matches), config, emulator, log));
  }
  return { config, points };
}
