/**
 * Storage growth (issue 6, item 5); its loop is also the storage level of bench/sync.ts.
 *
 * One long match, in this process, driven the way boardgame.io's Master drives storage for each
 * move: fetch metadata, fetch state, run the game reducer, `setState(state, deltalog)`, then
 * `setMetadata` with a new `updatedAt`. Every 10th move is a `lose`, so the outbox is written too.
 * "At move 10" is the median of moves 10–29 of fresh matches, "at move 10,000" the median of the
 * long match's last moves, measured interleaved; "flat" means no per-move cost that grows with the
 * match (no whole-log rewrite). boardgame.io's own InMemory store runs the same loop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry, State, StorageAPI } from 'boardgame.io';
import type * as InternalModule from 'boardgame.io/internal';
import { Server, createMatch } from '../src/server/bgio.js';
import type { AnyGame } from '../src/server/bgio.js';
import { SqliteStore, openSqlite } from '../src/server/index.js';
import type { SqliteSynchronous } from '../src/server/index.js';
import { BareGame, PluginGame, moveAt } from './games.js';
import { median, summarize } from './stats.js';
import type { Summary } from './stats.js';

const internal = createRequire(import.meta.url)('boardgame.io/internal') as typeof InternalModule;

type SyncStore = StorageAPI.Sync;

/** Per-move times of one long match. */
export interface GrowthRun {
  store: 'sqlite' | 'inmemory';
  moves: number;
  /** Median ms per move (whole Master-like step) at moves 10–29 of fresh matches and at the end. */
  msAtStart: number;
  msAtEnd: number;
  /** The same, storage calls only (fetches, setState, setMetadata). */
  storageMsAtStart: number;
  storageMsAtEnd: number;
  /** SQLite only: growth of the database (page_count × page_size) per 1,000 moves. */
  bytesPer1000Moves?: number;
  /** Median ms per move of each 1,000 moves of the long match, in order. */
  curve: number[];
}

/** One Master-like step: the ms of the whole move and of its storage calls. */
type Step = (matchID: string, i: number) => { total: number; storage: number };

/** Steps for `store`: move `i` of a match is `moveAt(i)` by seat `i % 2`. */
export function stepper(store: SyncStore, game: AnyGame): Step {
  const reducer = internal.CreateGameReducer({ game: internal.ProcessGameConfig(game) });
  return (matchID, i) => {
    const { move, args } = moveAt(i);
    const playerID = String(i % 2);
    const t0 = performance.now();
    const { metadata } = store.fetch(matchID, { metadata: true });
    const { state } = store.fetch(matchID, { state: true });
    const t1 = performance.now();
    const next = reducer(state as State, {
      type: 'MAKE_MOVE',
      payload: { type: move, args, playerID },
    }) as State & { deltalog?: LogEntry[] };
    const t2 = performance.now();
    const { deltalog, ...rest } = next;
    store.setState(matchID, rest as State, deltalog);
    store.setMetadata(matchID, { ...metadata!, updatedAt: Date.now() });
    const t3 = performance.now();
    if (rest._stateID !== (state as State)._stateID + 1) {
      throw new Error(`move ${i} of ${matchID} was not applied`);
    }
    return { total: t3 - t0, storage: t1 - t0 + (t3 - t2) };
  };
}

/** Plays `moves` moves of one match; returns the ms of each move and of its storage calls. */
export function drive(
  store: SyncStore,
  game: AnyGame,
  matchID: string,
  moves: number,
): { total: Float64Array; storage: Float64Array } {
  const step = stepper(store, game);
  const total = new Float64Array(moves);
  const storage = new Float64Array(moves);
  for (let i = 0; i < moves; i++) {
    const t = step(matchID, i);
    total[i] = t.total;
    storage[i] = t.storage;
  }
  return { total, storage };
}

/**
 * Runs one long match on SQLite (at `synchronous`) or on boardgame.io's InMemory.
 * The long match first plays `moves - window` moves; then its last `window` moves are measured
 * interleaved, move for move, with moves 10–29 of fresh matches, so that whatever else the box is
 * doing at that moment weighs on "at move 10" and "at move 10,000" alike.
 */
export function growthRun(
  kind: 'sqlite' | 'inmemory',
  moves: number,
  window: number,
  synchronous: SqliteSynchronous = 'NORMAL',
): GrowthRun {
  const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-storage-'));
  try {
    const game = (kind === 'sqlite' ? PluginGame : BareGame) as AnyGame;
    const db = kind === 'sqlite' ? openSqlite(join(dir, 'growth.sqlite'), synchronous) : undefined;
    const store: SyncStore = db
      ? new SqliteStore(db)
      : (Server({ games: [BareGame], origins: [] }).db as SyncStore);
    const match = createMatch({ game, numPlayers: 2, setupData: undefined, unlisted: false });
    if ('setupDataError' in match) throw new Error(String(match.setupDataError));
    const step = stepper(store, game);
    // Warm the JIT on another match first, so move 10 is not measured on cold code.
    store.createMatch('warm-up', match);
    for (let i = 0; i < 3000; i++) step('warm-up', i);
    // The database's size as its connection sees it (WAL included), without checkpointing.
    const size = () =>
      (db!.pragma('page_count', { simple: true }) as number) *
      (db!.pragma('page_size', { simple: true }) as number);

    store.createMatch('growth', match);
    const before = db ? size() : 0;
    const built = moves - window;
    const curve: number[] = [];
    let chunk: number[] = [];
    for (let i = 0; i < built; i++) {
      chunk.push(step('growth', i).total);
      if (chunk.length === 1000) {
        curve.push(median(chunk));
        chunk = [];
      }
    }
    const bytes = db ? size() - before : 0;

    const young: Array<{ total: number; storage: number }> = [];
    const old: Array<{ total: number; storage: number }> = [];
    let youngID = '';
    let youngMove = 29;
    let youngCount = 0;
    const youngStep = () => {
      if (youngMove === 29) {
        youngID = `young-${youngCount++}`;
        store.createMatch(youngID, match);
        for (let i = 0; i < 9; i++) step(youngID, i);
        youngMove = 9;
      }
      young.push(step(youngID, youngMove++));
    };
    for (let k = 0; k < window; k++) {
      const oldStep = () => old.push(step('growth', built + k));
      if (k % 2 === 0) {
        youngStep();
        oldStep();
      } else {
        oldStep();
        youngStep();
      }
    }
    const result: GrowthRun = {
      store: kind,
      moves,
      msAtStart: median(young.map((x) => x.total)),
      msAtEnd: median(old.map((x) => x.total)),
      storageMsAtStart: median(young.map((x) => x.storage)),
      storageMsAtEnd: median(old.map((x) => x.storage)),
      curve,
    };
    if (db) {
      result.bytesPer1000Moves = (bytes / built) * 1000;
      db.close();
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the storage benchmark reports. */
export interface StorageResult {
  moves: number;
  window: number;
  synchronous: SqliteSynchronous;
  runs: GrowthRun[];
  sqlite: { msAtStart: Summary; msAtEnd: Summary; bytesPer1000Moves: Summary; growth: Summary };
  inmemory: { msAtStart: Summary; msAtEnd: Summary; growth: Summary };
}

/** Runs the growth benchmark `reps` times per store, alternating SQLite and InMemory. */
export function runStorage(
  { moves, window, reps }: { moves: number; window: number; reps: number },
  log: (line: string) => void,
): StorageResult {
  const runs: GrowthRun[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const order: Array<'sqlite' | 'inmemory'> =
      rep % 2 === 0 ? ['sqlite', 'inmemory'] : ['inmemory', 'sqlite'];
    for (const kind of order) {
      const run = growthRun(kind, moves, window);
      runs.push(run);
      log(
        `  rep ${rep + 1} ${kind.padEnd(8)} ${moves} moves: ${run.msAtStart.toFixed(3)} ms/move at move 10, ` +
          `${run.msAtEnd.toFixed(3)} at move ${moves}` +
          (run.bytesPer1000Moves === undefined
            ? ''
            : `, ${(run.bytesPer1000Moves / 1024).toFixed(0)} KiB per 1,000 moves`),
      );
    }
  }
  const of = (kind: 'sqlite' | 'inmemory') => runs.filter((r) => r.store === kind);
  const sqlite = of('sqlite');
  const mem = of('inmemory');
  return {
    moves,
    window,
    synchronous: 'NORMAL',
    runs,
    sqlite: {
      msAtStart: summarize(sqlite.map((r) => r.msAtStart)),
      msAtEnd: summarize(sqlite.map((r) => r.msAtEnd)),
      bytesPer1000Moves: summarize(sqlite.map((r) => r.bytesPer1000Moves!)),
      growth: summarize(sqlite.map((r) => r.msAtEnd / r.msAtStart)),
    },
    inmemory: {
      msAtStart: summarize(mem.map((r) => r.msAtStart)),
      msAtEnd: summarize(mem.map((r) => r.msAtEnd)),
      growth: summarize(mem.map((r) => r.msAtEnd / r.msAtStart)),
    },
  };
}
