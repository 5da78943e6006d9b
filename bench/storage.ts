/**
 * Storage growth (issue 6, item 5; the peers of issue 18); its loop is also the storage level of
 * bench/sync.ts.
 *
 * One long match, in this process, driven the way boardgame.io's Master drives storage for each
 * move: fetch metadata, fetch state, run the game reducer, `setState(state, deltalog)` and
 * `setMetadata` with a new `updatedAt` (one after the other on a synchronous store, together on an
 * asynchronous one, as the Master does). Every 10th move is a `lose`, so the outbox is written
 * too. "At move 10" is the median of moves 10–29 of fresh matches, "at the end" the median of the
 * long match's last moves, measured interleaved; "flat" means no per-move cost that grows with the
 * match (no whole-log rewrite). boardgame.io's own InMemory store runs the same loop, and so do the
 * peers (bench/peers.ts) on shorter matches, since they rewrite the whole log on every move:
 * FlatFile with node-persist's write queue off (as shipped, a move whose writes overlap waits for
 * node-persist's 1-second tick, which would hide the growth and take an hour) and bgio-postgres on
 * a fresh database.
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
import { openPeer } from './peers.js';
import { HOW_TO_START, createDatabase, servicesMissing } from './services.js';
import { median, summarize } from './stats.js';
import type { Summary } from './stats.js';

const internal = createRequire(import.meta.url)('boardgame.io/internal') as typeof InternalModule;

type SyncStore = StorageAPI.Sync;

/** The stores of the growth benchmark: ours, boardgame.io's InMemory, and two peers. */
export type GrowthStore = 'sqlite' | 'inmemory' | 'flatfile-noqueue' | 'bgio-postgres';
/** The peers among them (shorter matches, asynchronous). */
const PEERS = ['flatfile-noqueue', 'bgio-postgres'] as const;
type Peer = (typeof PEERS)[number];

/** Per-move times of one long match. */
export interface GrowthRun {
  store: GrowthStore;
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
  /** [move number, median ms per move] of the long match, five buckets per decade of moves. */
  points?: Array<[number, number]>;
}

/**
 * Medians of `ms` (ms of move 1, 2, …) over buckets five to a decade wide (moves 1–9, 10–15,
 * 16–24, …), each at the bucket's middle move; a short last bucket joins the one before.
 */
export function logBuckets(ms: ArrayLike<number>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let lo = 1;
  for (let k = 5; lo <= ms.length; k++) {
    let hi = Math.min(ms.length, Math.round(10 ** (k / 5)) - 1);
    // A last bucket under half as wide as this one joins it.
    if (ms.length - hi < (hi - lo + 1) / 2) hi = ms.length;
    const bucket = Array.from({ length: hi - lo + 1 }, (_, i) => ms[lo - 1 + i]!);
    out.push([Math.round((lo + hi) / 2), median(bucket)]);
    lo = hi + 1;
  }
  return out;
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
    // Each move is a turn of its own here: SqliteStore's commit at the end of it is part of its cost.
    (store as { flush?: () => void }).flush?.();
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
    const all = new Float64Array(moves);
    const curve: number[] = [];
    let chunk: number[] = [];
    for (let i = 0; i < built; i++) {
      all[i] = step('growth', i).total;
      chunk.push(all[i]!);
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
      const oldStep = () => {
        const t = step('growth', built + k);
        all[built + k] = t.total;
        old.push(t);
      };
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
      points: logBuckets(all),
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

/** One Master-like step on an asynchronous store (the writes together, as the Master makes them). */
export function asyncStepper(
  store: StorageAPI.Async,
  game: AnyGame,
): (matchID: string, i: number) => Promise<{ total: number; storage: number }> {
  const reducer = internal.CreateGameReducer({ game: internal.ProcessGameConfig(game) });
  return async (matchID, i) => {
    const { move, args } = moveAt(i);
    const playerID = String(i % 2);
    const t0 = performance.now();
    const { metadata } = await store.fetch(matchID, { metadata: true });
    const { state } = await store.fetch(matchID, { state: true });
    const t1 = performance.now();
    const next = reducer(state as State, {
      type: 'MAKE_MOVE',
      payload: { type: move, args, playerID },
    }) as State & { deltalog?: LogEntry[] };
    const t2 = performance.now();
    const { deltalog, ...rest } = next;
    await Promise.all([
      store.setState(matchID, rest as State, deltalog),
      store.setMetadata(matchID, { ...metadata!, updatedAt: Date.now() }),
    ]);
    const t3 = performance.now();
    if (rest._stateID !== (state as State)._stateID + 1) {
      throw new Error(`move ${i} of ${matchID} was not applied`);
    }
    return { total: t3 - t0, storage: t1 - t0 + (t3 - t2) };
  };
}

/**
 * The growth run of a peer store (`BareGame`, as a plain boardgame.io server would run it): a
 * warm-up match, then one match of `moves` moves whose last `window` are measured interleaved with
 * moves 10–29 of fresh matches, as `growthRun` does.
 */
export async function peerGrowthRun(
  kind: Peer,
  moves: number,
  window: number,
  warmup: number,
): Promise<GrowthRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-storage-'));
  const db = kind === 'bgio-postgres' ? await createDatabase() : undefined;
  const store = openPeer(kind, db?.url ?? join(dir, 'flatfile'));
  try {
    await store.connect();
    const game = BareGame as AnyGame;
    const match = createMatch({ game, numPlayers: 2, setupData: undefined, unlisted: false });
    if ('setupDataError' in match) throw new Error(String(match.setupDataError));
    const step = asyncStepper(store, game);
    await store.createMatch('warm-up', match);
    for (let i = 0; i < warmup; i++) await step('warm-up', i);
    await store.createMatch('growth', match);
    const built = moves - window;
    const all = new Float64Array(moves);
    for (let i = 0; i < built; i++) all[i] = (await step('growth', i)).total;
    const young: Array<{ total: number; storage: number }> = [];
    const old: Array<{ total: number; storage: number }> = [];
    let youngID = '';
    let youngMove = 29;
    let youngCount = 0;
    const youngStep = async () => {
      if (youngMove === 29) {
        youngID = `young-${youngCount++}`;
        await store.createMatch(youngID, match);
        for (let i = 0; i < 9; i++) await step(youngID, i);
        youngMove = 9;
      }
      young.push(await step(youngID, youngMove++));
    };
    const oldStep = async (k: number) => {
      const t = await step('growth', built + k);
      all[built + k] = t.total;
      old.push(t);
    };
    for (let k = 0; k < window; k++) {
      if (k % 2 === 0) {
        await youngStep();
        await oldStep(k);
      } else {
        await oldStep(k);
        await youngStep();
      }
    }
    return {
      store: kind,
      moves,
      msAtStart: median(young.map((x) => x.total)),
      msAtEnd: median(old.map((x) => x.total)),
      storageMsAtStart: median(young.map((x) => x.storage)),
      storageMsAtEnd: median(old.map((x) => x.storage)),
      curve: [],
      points: logBuckets(all),
    };
  } finally {
    await store.close?.();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sizes of the storage benchmark. */
export interface StorageConfig {
  /** Moves of the long match on SQLite and InMemory, and how many of its last are measured. */
  moves: number;
  window: number;
  reps: number;
  /** The same for the peers (they rewrite the whole log on every move); 0 moves skips them. */
  peerMoves?: number;
  peerWindow?: number;
  /** Moves of the peers' warm-up match. */
  peerWarmup?: number;
}

/** Medians over a store's runs. */
export interface GrowthSummary {
  msAtStart: Summary;
  msAtEnd: Summary;
  growth: Summary;
}

/** What the storage benchmark reports. */
export interface StorageResult {
  moves: number;
  window: number;
  synchronous: SqliteSynchronous;
  runs: GrowthRun[];
  sqlite: GrowthSummary & { bytesPer1000Moves: Summary };
  inmemory: GrowthSummary;
  /** The peers' match length and measured window. */
  peerMoves?: number;
  peerWindow?: number;
  peers?: Partial<Record<Peer, GrowthSummary>>;
  /** Stores left out, and why (e.g. no Postgres). */
  skipped?: Partial<Record<GrowthStore, string>>;
}

/** Runs the growth benchmark `reps` times per store, the stores' order rotating. */
export async function runStorage(
  config: StorageConfig,
  log: (line: string) => void,
): Promise<StorageResult> {
  const { moves, window, reps } = config;
  const peerMoves = config.peerMoves ?? 0;
  const peerWindow = config.peerWindow ?? 50;
  const skipped: Partial<Record<GrowthStore, string>> = {};
  const stores: GrowthStore[] = ['sqlite', 'inmemory'];
  if (peerMoves > 0) {
    stores.push('flatfile-noqueue');
    const missing = await servicesMissing();
    if (missing && process.env.CI) throw new Error(`storage: ${missing}. ${HOW_TO_START}.`);
    if (missing) {
      skipped['bgio-postgres'] = missing;
      log(`  bgio-postgres: skipped — ${missing}. ${HOW_TO_START}.`);
    } else stores.push('bgio-postgres');
  }
  const runs: GrowthRun[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const k = rep % stores.length;
    for (const kind of [...stores.slice(k), ...stores.slice(0, k)]) {
      const run =
        kind === 'sqlite' || kind === 'inmemory'
          ? growthRun(kind, moves, window)
          : await peerGrowthRun(kind, peerMoves, peerWindow, config.peerWarmup ?? 200);
      runs.push(run);
      log(
        `  rep ${rep + 1} ${kind.padEnd(16)} ${run.moves} moves: ${run.msAtStart.toFixed(3)} ms/move at move 10, ` +
          `${run.msAtEnd.toFixed(3)} at move ${run.moves}` +
          (run.bytesPer1000Moves === undefined
            ? ''
            : `, ${(run.bytesPer1000Moves / 1024).toFixed(0)} KiB per 1,000 moves`),
      );
    }
  }
  const of = (kind: GrowthStore): GrowthSummary => {
    const rs = runs.filter((r) => r.store === kind);
    return {
      msAtStart: summarize(rs.map((r) => r.msAtStart)),
      msAtEnd: summarize(rs.map((r) => r.msAtEnd)),
      growth: summarize(rs.map((r) => r.msAtEnd / r.msAtStart)),
    };
  };
  const peers: Partial<Record<Peer, GrowthSummary>> = {};
  for (const kind of PEERS) if (stores.includes(kind)) peers[kind] = of(kind);
  return {
    moves,
    window,
    synchronous: 'NORMAL',
    runs,
    sqlite: {
      ...of('sqlite'),
      bytesPer1000Moves: summarize(
        runs.filter((r) => r.store === 'sqlite').map((r) => r.bytesPer1000Moves!),
      ),
    },
    inmemory: of('inmemory'),
    ...(peerMoves > 0 ? { peerMoves, peerWindow, peers } : {}),
    ...(Object.keys(skipped).length > 0 ? { skipped } : {}),
  };
}
