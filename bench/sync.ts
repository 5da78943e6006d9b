/**
 * SQLite `synchronous` (issue 6, item 6). WAL + NORMAL survives a process crash (a commit is in
 * the WAL before it returns) but may lose the last commits on an OS crash or power loss; FULL
 * also fsyncs the WAL on every commit, so it survives those too. Measured twice, alternating
 * FULL and NORMAL:
 * - storage level: the Master-like loop of bench/storage.ts on a fresh file, ms per move;
 * - end to end (full mode): the 20-match window of bench/throughput.ts on side (b).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMatch } from '../src/server/bgio.js';
import type { AnyGame } from '../src/server/bgio.js';
import { SqliteStore, openSqlite } from '../src/server/index.js';
import type { SqliteSynchronous } from '../src/server/index.js';
import type { EmulatorChild } from './clients.js';
import { PluginGame } from './games.js';
import { percentiles, summarize } from './stats.js';
import type { Summary } from './stats.js';
import { drive } from './storage.js';
import { runSide } from './throughput.js';
import type { ThroughputConfig } from './throughput.js';

const MODES: SqliteSynchronous[] = ['FULL', 'NORMAL'];

/** Median and p99 ms per move of one storage-level run. */
function storageRun(synchronous: SqliteSynchronous, moves: number): { p50: number; p99: number } {
  const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-sync-'));
  try {
    const db = openSqlite(join(dir, 'sync.sqlite'), synchronous);
    const store = new SqliteStore(db);
    const match = createMatch({
      game: PluginGame as AnyGame,
      numPlayers: 2,
      setupData: undefined,
      unlisted: false,
    });
    if ('setupDataError' in match) throw new Error(String(match.setupDataError));
    store.createMatch('sync', match);
    drive(store, PluginGame as AnyGame, 'sync', 200);
    const { total } = drive(store, PluginGame as AnyGame, 'sync', moves);
    db.close();
    const p = percentiles(Array.from(total));
    return { p50: p.p50, p99: p.p99 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the sync benchmark reports, per mode. */
export interface SyncResult {
  storageMoves: number;
  storage: Record<SqliteSynchronous, { msPerMoveP50: Summary; msPerMoveP99: Summary }>;
  /** FULL / NORMAL of the storage-level median, paired per repetition. */
  storageSlowdown: Summary;
  endToEnd?: Record<
    SqliteSynchronous,
    {
      movesPerSecond: Summary;
      serverCpuMsPerMove: Summary;
      roundTripP50Ms: Summary;
      latencyP50Ms: Summary;
      latencyP99Ms: Summary;
    }
  >;
}

/** Runs the sync benchmark; `endToEnd` only when a throughput config is given. */
export async function runSync(
  {
    storageMoves,
    reps,
    endToEnd,
  }: { storageMoves: number; reps: number; endToEnd?: ThroughputConfig },
  emulator: EmulatorChild,
  log: (line: string) => void,
): Promise<SyncResult> {
  const storage: Record<string, Array<{ p50: number; p99: number }>> = { FULL: [], NORMAL: [] };
  const slowdown: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 === 0 ? MODES : [...MODES].reverse();
    const got: Record<string, { p50: number; p99: number }> = {};
    for (const mode of order) {
      got[mode] = storageRun(mode, storageMoves);
      storage[mode]!.push(got[mode]!);
      log(
        `  rep ${rep + 1} storage ${mode.padEnd(6)}: ${got[mode]!.p50.toFixed(3)} ms/move (p99 ${got[mode]!.p99.toFixed(3)})`,
      );
    }
    slowdown.push(got.FULL!.p50 / got.NORMAL!.p50);
  }
  const result: SyncResult = {
    storageMoves,
    storage: Object.fromEntries(
      MODES.map((m) => [
        m,
        {
          msPerMoveP50: summarize(storage[m]!.map((r) => r.p50)),
          msPerMoveP99: summarize(storage[m]!.map((r) => r.p99)),
        },
      ]),
    ) as SyncResult['storage'],
    storageSlowdown: summarize(slowdown),
  };
  if (endToEnd) {
    const runs: Record<string, Array<Awaited<ReturnType<typeof runSide>>[number]>> = {
      FULL: [],
      NORMAL: [],
    };
    for (let rep = 0; rep < endToEnd.reps; rep++) {
      const order = rep % 2 === 0 ? MODES : [...MODES].reverse();
      for (const mode of order) {
        const [, many] = await runSide('plugin', { ...endToEnd, synchronous: mode }, emulator);
        runs[mode]!.push(many!);
        const lat = percentiles(many!.latencies ?? []);
        log(
          `  rep ${rep + 1} end-to-end ${mode.padEnd(6)} ${many!.matches} matches: ${many!.movesPerSecond.toFixed(0)} moves/s, ` +
            `${many!.serverCpuMsPerMove.toFixed(3)} server CPU ms/move, commit→Chaster p50 ${lat.p50.toFixed(2)} / p99 ${lat.p99.toFixed(2)} ms`,
        );
      }
    }
    result.endToEnd = Object.fromEntries(
      MODES.map((m) => {
        const ws = runs[m]!;
        return [
          m,
          {
            movesPerSecond: summarize(ws.map((w) => w.movesPerSecond)),
            serverCpuMsPerMove: summarize(ws.map((w) => w.serverCpuMsPerMove)),
            roundTripP50Ms: summarize(ws.map((w) => w.roundTripMs.p50)),
            latencyP50Ms: summarize(ws.map((w) => percentiles(w.latencies ?? []).p50)),
            latencyP99Ms: summarize(ws.map((w) => percentiles(w.latencies ?? []).p99)),
          },
        ];
      }),
    ) as SyncResult['endToEnd'];
  }
  return result;
}
