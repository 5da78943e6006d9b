/**
 * `SqliteStore`: boardgame.io's synchronous StorageAPI on better-sqlite3 (WAL), with the
 * transactional outbox. Each `setState` is written atomically: compare-and-set on `_stateID`,
 * append the deltalog, and insert one outbox row per intent the action recorded — only when the
 * deltalog holds a MAKE_MOVE or GAME_EVENT (never for undo, redo, invalid moves or forged no-ops).
 * Nothing here throws into boardgame.io: in 0.50.2 a throw from storage kills the process.
 *
 * Group commit: the moves of one turn of the event loop are written by one transaction, in the
 * turn's check phase (a transaction's fixed cost, its locks and WAL commit, is most of what a
 * small move costs). Nothing is told of a move before its transaction commits: its broadcast
 * waits for `committed()`, its outbox rows are announced after the commit. If the turn's
 * transaction fails, each move is written again in a transaction of its own, so one bad write
 * refuses only itself. Any other call that reads or writes SQL writes the pending moves first.
 *
 * The store is the only writer of its matches, so it keeps the last committed state of recently
 * used matches in memory (as boardgame.io's InMemory store does): a move reads no row and parses
 * no JSON. The compare-and-set still runs in SQL, so a write behind its back is refused, not
 * merged. Metadata writes follow `metadataWrite` (match-store.ts), as on Postgres: boardgame.io's
 * bump of `updatedAt` right after a move is skipped, since the move's own commit set `updated_at`.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import type { LogEntry, Server as ServerTypes, State, StorageAPI } from 'boardgame.io';
import type { Logger } from 'pino';
import type { OutboxChanges } from '../outbox/changes.js';
import { intentCount, isCommittedAction } from '../outbox/intents.js';
import type { OutboxRow } from '../outbox/types.js';
import { Sync } from '../bgio.js';
import { SYNC_LOG_ENTRIES, boundedMetadata } from './bounds.js';
import { redactInitialState } from './initial-state.js';
import {
  logErrors,
  isGameover,
  listMatchesQuery,
  logRefusal,
  metadataKey,
  metadataWrite,
  outboxRowsToTag,
  resultsToLog,
} from './match-store.js';
import type { CommitSeat, StoreOptions } from './match-store.js';
import { RESULT_LOG } from './history-sql.js';
import { FAIR_FLOOR } from './outbox-sql.js';
import { migrate } from './schema.js';

/** How hard SQLite syncs to disk: NORMAL survives a process crash in WAL mode, FULL also an OS crash. */
export type SqliteSynchronous = 'NORMAL' | 'FULL';

/** Opens (and creates, and migrates) a SQLite database file, or `:memory:`. */
export function openSqlite(path: string, synchronous: SqliteSynchronous = 'NORMAL'): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/** Matches whose last committed state stays in memory. */
const CACHED_MATCHES = 1000;

/** What the store remembers of a match it wrote or read: the row as committed. */
interface CachedMatch {
  state: State;
  stateID: number;
  logLength: number;
  /** The metadata as stored, as its `metadataKey` (its JSON with `updatedAt` 0). */
  metadataKey: string;
  /** The `updated_at` column: `metadata.updatedAt` as fetched. */
  updatedAt: number;
  /** True between a committed move and the next call on the match (`metadataWrite`). */
  afterMove: boolean;
}

interface MatchRow {
  state: string;
  state_id: number;
  log_length: number;
  metadata: string;
  updated_at: number;
}

/** A move accepted by `setState` and waiting for the turn's transaction. */
interface PendingWrite {
  matchID: string;
  state: State;
  deltalog: LogEntry[];
  /**
   * The state and log entries as JSON, made when the move is accepted: boardgame.io's next move
   * of the match bumps `ctx._activePlayersNumMoves` of the state it fetched in place, and that
   * must not reach this move's row.
   */
  stateJson: string;
  entriesJson: string[];
  /** The `_stateID` and log length of the row it follows. */
  previousStateID: number;
  logStart: number;
  /** Resolves once the write committed (true) or was refused or failed (false). */
  committed: Promise<boolean>;
  settle(ok: boolean): void;
}

/** boardgame.io storage on SQLite, with the verification outbox in the same transaction. */
export class SqliteStore extends Sync {
  readonly db: Database;
  private readonly logger: Logger | undefined;
  private readonly changes: OutboxChanges | undefined;
  private readonly sql: Record<string, Statement>;
  private readonly cache = new Map<string, CachedMatch>();
  /** Moves waiting for the turn's transaction, in the order they were made. */
  private pending: PendingWrite[] = [];
  /** The pending moves of each match, to answer `committed()`. */
  private readonly pendingByMatch = new Map<string, PendingWrite[]>();
  /** One move's statements; its outbox rows, or undefined when the row had moved on (refused). */
  private readonly commitState: (write: PendingWrite) => OutboxRow[] | undefined;
  private readonly writeTogether: (writes: PendingWrite[]) => Array<OutboxRow[] | undefined>;
  private readonly writeAlone: (write: PendingWrite) => OutboxRow[] | undefined;

  constructor(db: Database, options: StoreOptions = {}) {
    super();
    this.db = db;
    this.logger = options.logger;
    this.changes = options.changes;
    this.sql = {
      insertMatch: db.prepare(
        `INSERT INTO matches (match_id, game_name, state_id, state, initial_state, metadata, gameover, updated_at)
         VALUES (@matchID, @gameName, @stateID, @state, @state, @metadata, @gameover, @updatedAt)`,
      ),
      loadMatch: db.prepare(
        `SELECT state, state_id, log_length, metadata, updated_at FROM matches WHERE match_id = ?`,
      ),
      updateState: db.prepare(
        `UPDATE matches SET state = ?, state_id = ?, log_length = ?, updated_at = max(updated_at, ?)
         WHERE match_id = ? AND state_id = ?`,
      ),
      appendLog: db.prepare(`INSERT INTO match_log (match_id, seq, entry) VALUES (?, ?, ?)`),
      seats: db.prepare(`SELECT player_id, role, session_id FROM seats WHERE match_id = ?`),
      insertOutbox: db.prepare(
        `INSERT INTO outbox (id, match_id, state_id, idx, player_id, reason, requested_by, requester_id, actor,
                             status, message, next_attempt_at, created_at, updated_at, fair_tag)
         VALUES (@id, @matchID, @stateID, @idx, @playerID, @reason, @requestedBy, @requesterID, @actor,
                 @status, @message, @now, @now, @now, @fairTag)
         ON CONFLICT (id) DO NOTHING`,
      ),
      fairFloor: db.prepare(FAIR_FLOOR),
      resultLog: db.prepare(RESULT_LOG),
      lastTag: db.prepare(`SELECT last_tag FROM fair_turns WHERE session_id = ?`),
      setLastTag: db.prepare(
        `INSERT INTO fair_turns (session_id, last_tag) VALUES (?, ?)
         ON CONFLICT (session_id) DO UPDATE SET last_tag = excluded.last_tag`,
      ),
      setMetadata: db.prepare(
        `UPDATE matches SET metadata = ?, gameover = ?, updated_at = ? WHERE match_id = ?`,
      ),
      setUpdatedAt: db.prepare(`UPDATE matches SET updated_at = ? WHERE match_id = ?`),
      fetchInitial: db.prepare(`SELECT initial_state FROM matches WHERE match_id = ?`),
      fetchLog: db.prepare(
        `SELECT entry FROM (SELECT seq, entry FROM match_log WHERE match_id = ? ORDER BY seq DESC LIMIT ?)
         ORDER BY seq`,
      ),
      wipeMatch: db.prepare(`DELETE FROM matches WHERE match_id = ?`),
      wipeLog: db.prepare(`DELETE FROM match_log WHERE match_id = ?`),
    };
    this.commitState = (write) => this.writeMove(write);
    // Both call `commitState` through `this`, so a wrapper (the benchmark's) sees every move.
    this.writeTogether = db.transaction((writes: PendingWrite[]) =>
      writes.map((write) => this.commitState(write)),
    );
    this.writeAlone = db.transaction((write: PendingWrite) => this.commitState(write));
  }

  override connect(): void {}

  /**
   * Whether the state with `stateID` is committed: a promise while its move waits for the turn's
   * transaction, else whether it is the match's stored `_stateID` (undefined when the match is
   * not cached).
   */
  committed(matchID: string, stateID: number): Promise<boolean> | boolean | undefined {
    const waiting = this.pendingByMatch.get(matchID)?.find((w) => w.state._stateID === stateID);
    if (waiting) return waiting.committed;
    const entry = this.cache.get(matchID);
    return entry === undefined ? undefined : entry.stateID === stateID;
  }

  /** Forgets every cached match (after something other than this store deleted or wrote matches). */
  dropCache(): void {
    this.flush();
    this.cache.clear();
  }

  /**
   * Writes the pending moves now, one transaction for all (or one each, if that fails), then
   * settles their broadcasts and announces their outbox rows. Runs in every turn's check phase.
   */
  flush(): void {
    const writes = this.pending;
    if (writes.length === 0) return;
    this.pending = [];
    this.pendingByMatch.clear();
    let results: Array<OutboxRow[] | undefined>;
    try {
      results = this.writeTogether(writes);
    } catch (error) {
      // Rolled back: write each alone, so that only the move that fails is refused.
      this.logger?.warn({ err: error, moves: writes.length }, 'group commit failed; writing alone');
      results = writes.map((write) =>
        logErrors(this.logger, 'setState', write.matchID, () => this.writeAlone(write)),
      );
    }
    const rows: OutboxRow[] = [];
    const behind = new Set<string>();
    writes.forEach((write, i) => {
      const written = results[i];
      if (written === undefined) behind.add(write.matchID);
      else rows.push(...written);
    });
    // The cache ran ahead of a refused or failed write: read the row again.
    for (const matchID of behind) this.reread(matchID);
    writes.forEach((write, i) => write.settle(results[i] !== undefined));
    if (rows.length > 0) this.changes?.announce(rows);
  }

  /**
   * Reads a match's row into the cache again, so that `committed()` answers from what is stored:
   * a refused state's broadcast (boardgame.io publishes before it writes) is then dropped.
   */
  private reread(matchID: string): void {
    this.cache.delete(matchID);
    logErrors(this.logger, 'fetch', matchID, () => this.cached(matchID));
  }

  /** The cached match, read from its row on a miss; undefined when there is no such match. */
  private cached(matchID: string): CachedMatch | undefined {
    let entry = this.cache.get(matchID);
    if (entry) {
      // Most recently used last, so the first key is the one to evict.
      this.cache.delete(matchID);
    } else {
      // An entry evicted with moves pending: its row is read once they are written.
      if (this.pendingByMatch.has(matchID)) this.flush();
      const row = this.sql.loadMatch!.get(matchID) as MatchRow | undefined;
      if (!row) return undefined;
      entry = {
        state: JSON.parse(row.state) as State,
        stateID: row.state_id,
        logLength: row.log_length,
        metadataKey: metadataKey(JSON.parse(row.metadata) as ServerTypes.MatchData),
        updatedAt: row.updated_at,
        afterMove: false,
      };
      if (this.cache.size >= CACHED_MATCHES) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(matchID, entry);
    return entry;
  }

  override createMatch(
    matchID: string,
    { initialState, metadata }: StorageAPI.CreateMatchOpts,
  ): void {
    this.flush();
    logErrors(this.logger, 'createMatch', matchID, () => {
      this.sql.insertMatch!.run({
        matchID,
        gameName: metadata.gameName,
        stateID: initialState._stateID,
        state: JSON.stringify(initialState),
        metadata: boundedMetadata(metadata),
        gameover: isGameover(metadata) ? 1 : 0,
        updatedAt: metadata.updatedAt,
      });
    });
    this.cache.delete(matchID);
  }

  /**
   * Accepts a move for the turn's transaction when it follows the cached state, and makes it the
   * cached state at once: a move made on this match later in the same turn builds on it. Refused
   * writes (no such match, a `_stateID` that does not follow) are logged and dropped.
   */
  setState(matchID: string, state: State, deltalog: LogEntry[] = []): void {
    logErrors(this.logger, 'setState', matchID, () => this.accept(matchID, state, deltalog));
  }

  private accept(matchID: string, state: State, deltalog: LogEntry[]): void {
    const current = this.cached(matchID);
    if (!current) {
      logRefusal(this.logger, matchID, undefined, state._stateID);
      return;
    }
    current.afterMove = false;
    // An invalid move or a plugin action leaves _stateID as it was: nothing was committed.
    if (state._stateID === current.stateID && deltalog.length === 0) return;
    // Compare-and-set: a committed action moves _stateID forward by exactly one.
    if (state._stateID !== current.stateID + 1) {
      // boardgame.io's reducer bumps ctx._activePlayersNumMoves of the state it fetched in place:
      // after a refused write, read the committed state again.
      this.flush();
      this.reread(matchID);
      logRefusal(this.logger, matchID, current.stateID, state._stateID);
      return;
    }
    let settle!: (ok: boolean) => void;
    const committed = new Promise<boolean>((resolve) => (settle = resolve));
    const write: PendingWrite = {
      matchID,
      state,
      deltalog,
      stateJson: JSON.stringify(state),
      entriesJson: deltalog.map((entry) => JSON.stringify(entry)),
      previousStateID: current.stateID,
      logStart: current.logLength,
      committed,
      settle,
    };
    if (this.pending.length === 0) {
      setImmediate(() => logErrors(this.logger, 'flush', matchID, () => this.flush()));
    }
    this.pending.push(write);
    const forMatch = this.pendingByMatch.get(matchID);
    if (forMatch) forMatch.push(write);
    else this.pendingByMatch.set(matchID, [write]);
    current.state = state;
    current.stateID = state._stateID;
    current.logLength += deltalog.length;
    current.updatedAt = Math.max(current.updatedAt, Date.now());
    current.afterMove = true;
  }

  /**
   * One move's statements, inside the turn's transaction: the compare-and-set on the row (the
   * row moved on without this store, e.g. another process on the same file: refused), the log,
   * the outbox rows, and the result logs of a move that ends the match.
   */
  private writeMove({
    matchID,
    state,
    deltalog,
    stateJson,
    entriesJson,
    previousStateID,
    logStart,
  }: PendingWrite) {
    const now = Date.now();
    const { changes } = this.sql.updateState!.run(
      stateJson,
      state._stateID,
      logStart + entriesJson.length,
      now,
      matchID,
      previousStateID,
    );
    if (changes !== 1) {
      logRefusal(this.logger, matchID, previousStateID, state._stateID);
      return undefined;
    }
    entriesJson.forEach((entry, i) => {
      this.sql.appendLog!.run(matchID, logStart + i, entry);
    });
    // Most moves record no intent: they need no seat lookup.
    const rows =
      isCommittedAction(deltalog) && intentCount(state) > 0
        ? this.insertIntents(matchID, state)
        : [];
    // The move that ends the match queues each wearer's result for their lock's history.
    for (const { playerID, result } of resultsToLog(state)) {
      this.sql.resultLog!.run(result, now, matchID, playerID);
    }
    return rows;
  }

  /**
   * Inserts the committed action's outbox rows, each queued one tagged after its wearer's last tag
   * (the transaction holds the database's write lock: nobody tags in between); returns those
   * inserted.
   */
  private insertIntents(matchID: string, state: State): OutboxRow[] {
    const seats = this.sql.seats!.all(matchID) as CommitSeat[];
    const untagged = outboxRowsToTag(matchID, state, seats, this.logger);
    const lastTags = new Map<string, number>();
    let floor: number | null = null;
    if (untagged.wearers.length > 0) {
      floor = (this.sql.fairFloor!.get() as { tag: number | null }).tag;
      for (const wearer of untagged.wearers) {
        const turn = this.sql.lastTag!.get(wearer) as { last_tag: number } | undefined;
        if (turn) lastTags.set(wearer, turn.last_tag);
      }
    }
    const tagged = untagged.tag(lastTags, floor);
    for (const [wearer, tag] of tagged.lastTags) this.sql.setLastTag!.run(wearer, tag);
    return tagged.rows
      .filter(
        ({ row, fairTag }) =>
          this.sql.insertOutbox!.run({ ...row, idx: row.index, now: row.createdAt, fairTag })
            .changes > 0,
      )
      .map(({ row }) => row);
  }

  setMetadata(matchID: string, metadata: ServerTypes.MatchData): void {
    logErrors(this.logger, 'setMetadata', matchID, () => {
      const entry = this.cached(matchID);
      const key = metadataKey(metadata);
      const write = metadataWrite(entry?.metadataKey, key, entry?.afterMove === true);
      if (entry) entry.afterMove = false;
      if (write === 'skip') return;
      this.flush();
      if (write === 'touch') {
        this.sql.setUpdatedAt!.run(metadata.updatedAt, matchID);
      } else {
        const json = boundedMetadata(metadata);
        this.sql.setMetadata!.run(json, isGameover(metadata) ? 1 : 0, metadata.updatedAt, matchID);
        if (entry) entry.metadataKey = key;
      }
      if (entry) entry.updatedAt = metadata.updatedAt;
    });
  }

  /**
   * The state is the cached object itself, as InMemory hands it out (boardgame.io never mutates
   * it); the metadata is a fresh copy, since boardgame.io and our routes edit it in place.
   */
  fetch<O extends StorageAPI.FetchOpts>(matchID: string, opts: O): StorageAPI.FetchResult<O> {
    const result = {} as Record<string, unknown>;
    logErrors(this.logger, 'fetch', matchID, () => {
      // The log and initial state are read from their rows: every accepted move is written first
      // (a sync reads them, and must see a state that is committed).
      if (opts.initialState || opts.log) this.flush();
      const entry = opts.state || opts.metadata ? this.cached(matchID) : undefined;
      if (entry) entry.afterMove = false;
      if (opts.state) result.state = entry?.state;
      if (opts.metadata && entry) {
        result.metadata = {
          ...(JSON.parse(entry.metadataKey) as ServerTypes.MatchData),
          updatedAt: entry.updatedAt,
        };
      }
      if (opts.initialState) {
        result.initialState = redactInitialState(
          parseColumn(this.sql.fetchInitial!.get(matchID), 'initial_state') as State | undefined,
        );
      }
      if (opts.log) {
        const rows = this.sql.fetchLog!.all(matchID, SYNC_LOG_ENTRIES) as Array<{ entry: string }>;
        result.log = rows.map((row) => JSON.parse(row.entry) as LogEntry);
      }
    });
    return result as StorageAPI.FetchResult<O>;
  }

  wipe(matchID: string): void {
    this.flush();
    this.cache.delete(matchID);
    logErrors(this.logger, 'wipe', matchID, () =>
      this.db.transaction(() => {
        this.sql.wipeMatch!.run(matchID);
        this.sql.wipeLog!.run(matchID);
      })(),
    );
  }

  override listMatches(opts: StorageAPI.ListMatchesOpts = {}): string[] {
    this.flush();
    const { sql, params } = listMatchesQuery(opts, 'rowid', () => '?');
    return (
      logErrors(this.logger, 'listMatches', '*', () =>
        (this.db.prepare(sql).all(...params) as Array<{ match_id: string }>).map((r) => r.match_id),
      ) ?? []
    );
  }
}

function parseColumn(row: unknown, column: string): unknown {
  const value = (row as Record<string, string> | undefined)?.[column];
  return value === undefined ? undefined : JSON.parse(value);
}
