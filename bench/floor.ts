/**
 * The physical floor (issue 18): what one durable commit of a move costs on this box, with
 * nothing of this project in it, and the best b/a it leaves.
 *
 * One durable SQLite transaction of a move's size, through better-sqlite3 in this process: UPDATE a
 * 2 KB JSON state row (compare-and-set on its state id) and INSERT one log row, WAL with
 * `synchronous = NORMAL` and SQLite's own checkpoints (their cost amortised into the commits),
 * cycling over 20 match rows like the 20-match load. CPU per commit is `process.cpuUsage()` over
 * the loop. A server that stores each move before answering must spend at least that on top of
 * plain boardgame.io's own CPU per move (a), so the best moves/s ratio it can reach, while the
 * server is CPU-bound, is a / (a + commit CPU). `a` is side a's server CPU per move from the
 * throughput section of the same run (or of the latest.json it keeps under `--only`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cpuMs } from './procs.js';
import { summarize } from './stats.js';
import type { Summary } from './stats.js';
import type { ThroughputResult } from './throughput.js';

/** Sizes of the floor section. */
export interface FloorConfig {
  /** Commits per repetition (after a warm-up of a tenth as many). */
  commits: number;
  reps: number;
  /** Bytes of the state JSON each commit writes. */
  stateBytes: number;
}

/** What the floor section reports. */
export interface FloorResult {
  config: FloorConfig;
  /** CPU ms per durable commit (this process, all threads), and wall ms, per repetition. */
  commitCpuMs: Summary;
  commitWallMs: Summary;
  /** CPU ms of one `JSON.stringify` of the same state object (a durable store pays it too). */
  stringifyCpuMs: Summary;
  /** Side a's server CPU ms per move that the ratios use, at 1 and N matches. */
  bareCpuMsPerMove: { 1: number; N: number; matches: number };
  /** The best b/a the commit allows: a / (a + commit CPU), at 1 and N matches. */
  ratio1: number;
  ratioN: number;
}

/** A state object whose JSON is about `bytes` long, shaped like a match's (G, ctx, plugins). */
function stateOf(bytes: number): Record<string, unknown> {
  const state: Record<string, unknown> = {
    _stateID: 0,
    G: { moves: 0, board: [] as number[] },
    ctx: { numPlayers: 2, turn: 1, currentPlayer: '0', playOrder: ['0', '1'], phase: null },
    plugins: { verification: { data: { intents: [] } } },
    _undo: [],
    _redo: [],
  };
  const board = (state.G as { board: number[] }).board;
  while (JSON.stringify(state).length < bytes) board.push(board.length % 97);
  return state;
}

/** A deltalog entry of a `pass` move, as boardgame.io writes it (about 120 bytes). */
const LOG_ENTRY = JSON.stringify([
  {
    action: { type: 'MAKE_MOVE', payload: { type: 'pass', args: [], playerID: '0' } },
    _stateID: 0,
    turn: 1,
    phase: null,
  },
]);

/** One repetition: `commits` durable commits on a fresh file; CPU and wall ms per commit. */
function commitLoop(commits: number, stateBytes: number): { cpu: number; wall: number } {
  const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-floor-'));
  const db = new Database(join(dir, 'floor.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE matches (id TEXT PRIMARY KEY, state_id INTEGER NOT NULL,
               state TEXT NOT NULL, updated_at INTEGER NOT NULL);
             CREATE TABLE log (match_id TEXT NOT NULL, state_id INTEGER NOT NULL,
               entry TEXT NOT NULL, PRIMARY KEY (match_id, state_id));`);
    const json = JSON.stringify(stateOf(stateBytes));
    const ids = Array.from({ length: 20 }, (_, i) => `m${i}`);
    const insertMatch = db.prepare(
      'INSERT INTO matches (id, state_id, state, updated_at) VALUES (?, 0, ?, 0)',
    );
    for (const id of ids) insertMatch.run(id, json);
    const update = db.prepare(
      'UPDATE matches SET state = ?, state_id = ?, updated_at = ? WHERE id = ? AND state_id = ?',
    );
    const append = db.prepare('INSERT INTO log (match_id, state_id, entry) VALUES (?, ?, ?)');
    const commit = db.transaction((id: string, stateID: number, state: string) => {
      if (update.run(state, stateID, Date.now(), id, stateID - 1).changes !== 1) {
        throw new Error(`compare-and-set failed on ${id} at ${stateID}`);
      }
      append.run(id, stateID, LOG_ENTRY);
    });
    // Each commit writes a different state id into the JSON (its first key), as a move would.
    const tail = json.slice(json.indexOf(',') + 1);
    let n = 0;
    const run = (count: number) => {
      for (let i = 0; i < count; i++, n++) {
        const stateID = Math.floor(n / ids.length) + 1;
        commit(ids[n % ids.length]!, stateID, `{"_stateID":${stateID},${tail}`);
      }
    };
    run(Math.max(ids.length, Math.round(commits / 10)));
    const cpu0 = cpuMs();
    const t0 = performance.now();
    run(commits);
    return { cpu: (cpuMs() - cpu0) / commits, wall: (performance.now() - t0) / commits };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU ms of one `JSON.stringify` of a state of `bytes`, over `count` calls. */
function stringifyCost(count: number, bytes: number): number {
  const state = stateOf(bytes);
  let sink = 0;
  for (let i = 0; i < count / 10; i++) sink += JSON.stringify(state).length;
  const cpu0 = cpuMs();
  for (let i = 0; i < count; i++) {
    state._stateID = i;
    sink += JSON.stringify(state).length;
  }
  if (sink === 0) throw new Error('unreachable');
  return (cpuMs() - cpu0) / count;
}

/** Runs the floor section against the throughput section's side a (`throughput`). */
export function runFloor(
  config: FloorConfig,
  throughput: ThroughputResult | undefined,
  log: (line: string) => void,
): FloorResult {
  const cpu: number[] = [];
  const wall: number[] = [];
  const json: number[] = [];
  for (let rep = 0; rep < config.reps; rep++) {
    const r = commitLoop(config.commits, config.stateBytes);
    cpu.push(r.cpu);
    wall.push(r.wall);
    json.push(stringifyCost(config.commits, config.stateBytes));
    log(
      `  rep ${rep + 1}: ${config.commits} commits of a ${config.stateBytes}-byte state + a log row: ` +
        `${(1000 * r.cpu).toFixed(1)} µs CPU, ${(1000 * r.wall).toFixed(1)} µs wall per commit; ` +
        `JSON.stringify of that state ${(1000 * json[rep]!).toFixed(1)} µs`,
    );
  }
  const commitCpuMs = summarize(cpu);
  const matches = throughput?.config.matches ?? 20;
  const a1 = throughput?.summary.bare_1?.serverCpuMsPerMove.median ?? Number.NaN;
  const aN = throughput?.summary[`bare_${matches}`]?.serverCpuMsPerMove.median ?? Number.NaN;
  const floor = (a: number) => a / (a + commitCpuMs.median);
  const result: FloorResult = {
    config,
    commitCpuMs,
    commitWallMs: summarize(wall),
    stringifyCpuMs: summarize(json),
    bareCpuMsPerMove: { 1: a1, N: aN, matches },
    ratio1: floor(a1),
    ratioN: floor(aN),
  };
  log(
    Number.isFinite(aN)
      ? `  best b/a a durable commit allows: ${result.ratio1.toFixed(3)} at 1 match ` +
          `(a = ${a1.toFixed(3)} ms/move), ${result.ratioN.toFixed(3)} at ${matches} ` +
          `(a = ${aN.toFixed(3)} ms/move)`
      : '  no throughput section to take side a from: run it too for the best b/a',
  );
  return result;
}
