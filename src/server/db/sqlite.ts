/**
 * `SqliteStore`: boardgame.io's synchronous StorageAPI on better-sqlite3 (WAL), with the
 * transactional outbox. Each `setState` is ONE transaction: compare-and-set on `_stateID`, append
 * the deltalog, and insert one outbox row per intent the action recorded — only when the deltalog
 * holds a MAKE_MOVE or GAME_EVENT (never for undo, redo, invalid moves or forged no-ops).
 * Nothing here throws into boardgame.io: in 0.50.2 a throw from storage kills the process.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import type { LogEntry, Server as ServerTypes, State, StorageAPI } from 'boardgame.io';
import type { Logger } from 'pino';
import { isCommittedAction, outboxRowsFor } from '../outbox/intents.js';
import type { OutboxRow } from '../outbox/types.js';
import { Sync } from '../bgio.js';
import { redactInitialState } from './initial-state.js';
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

/** Called after a commit that inserted outbox rows, with those rows. */
export type OutboxListener = (rows: OutboxRow[]) => void;

/** boardgame.io storage on SQLite, with the verification outbox in the same transaction. */
export class SqliteStore extends Sync {
  readonly db: Database;
  private readonly logger: Logger | undefined;
  private readonly listeners = new Set<OutboxListener>();
  private readonly sql: Record<string, Statement>;
  private readonly commitState: (
    matchID: string,
    state: State,
    deltalog: LogEntry[],
  ) => OutboxRow[];

  constructor(db: Database, options: { logger?: Logger } = {}) {
    super();
    this.db = db;
    this.logger = options.logger;
    this.sql = {
      insertMatch: db.prepare(
        `INSERT INTO matches (match_id, game_name, state_id, state, initial_state, metadata, gameover, updated_at)
         VALUES (@matchID, @gameName, @stateID, @state, @state, @metadata, @gameover, @updatedAt)`,
      ),
      stateID: db.prepare(`SELECT state_id, log_length FROM matches WHERE match_id = ?`),
      updateState: db.prepare(
        `UPDATE matches SET state = ?, state_id = ?, log_length = ? WHERE match_id = ? AND state_id = ?`,
      ),
      appendLog: db.prepare(`INSERT INTO match_log (match_id, seq, entry) VALUES (?, ?, ?)`),
      seatRoles: db.prepare(`SELECT player_id, role FROM seats WHERE match_id = ?`),
      insertOutbox: db.prepare(
        `INSERT INTO outbox (id, match_id, state_id, idx, player_id, reason, requested_by, requester_id, actor,
                             status, message, next_attempt_at, created_at, updated_at)
         VALUES (@id, @matchID, @stateID, @idx, @playerID, @reason, @requestedBy, @requesterID, @actor,
                 @status, @message, @now, @now, @now)
         ON CONFLICT (id) DO NOTHING`,
      ),
      setMetadata: db.prepare(
        `UPDATE matches SET metadata = ?, gameover = ?, updated_at = ? WHERE match_id = ?`,
      ),
      fetchState: db.prepare(`SELECT state FROM matches WHERE match_id = ?`),
      fetchInitial: db.prepare(`SELECT initial_state FROM matches WHERE match_id = ?`),
      fetchMetadata: db.prepare(`SELECT metadata FROM matches WHERE match_id = ?`),
      fetchLog: db.prepare(`SELECT entry FROM match_log WHERE match_id = ? ORDER BY seq`),
      wipeMatch: db.prepare(`DELETE FROM matches WHERE match_id = ?`),
      wipeLog: db.prepare(`DELETE FROM match_log WHERE match_id = ?`),
    };
    this.commitState = db.transaction((matchID: string, state: State, deltalog: LogEntry[]) =>
      this.commit(matchID, state, deltalog),
    );
  }

  /** Registers a listener for committed outbox rows; returns a function that removes it. */
  onOutbox(listener: OutboxListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  override connect(): void {}

  override createMatch(
    matchID: string,
    { initialState, metadata }: StorageAPI.CreateMatchOpts,
  ): void {
    this.guard('createMatch', matchID, () => {
      this.sql.insertMatch!.run({
        matchID,
        gameName: metadata.gameName,
        stateID: initialState._stateID,
        state: JSON.stringify(initialState),
        metadata: JSON.stringify(metadata),
        gameover: metadata.gameover === undefined || metadata.gameover === null ? 0 : 1,
        updatedAt: metadata.updatedAt,
      });
    });
  }

  setState(matchID: string, state: State, deltalog: LogEntry[] = []): void {
    const rows = this.guard('setState', matchID, () => this.commitState(matchID, state, deltalog));
    if (rows && rows.length > 0) {
      for (const listener of this.listeners) {
        try {
          listener(rows);
        } catch (error) {
          this.logger?.error({ err: error }, 'outbox listener failed');
        }
      }
    }
  }

  /** The body of the setState transaction; returns the outbox rows it inserted. */
  private commit(matchID: string, state: State, deltalog: LogEntry[]): OutboxRow[] {
    const current = this.sql.stateID!.get(matchID) as
      { state_id: number; log_length: number } | undefined;
    if (!current) {
      this.logger?.warn({ matchID }, 'setState for a match that does not exist; ignored');
      return [];
    }
    // An invalid move or a plugin action leaves _stateID as it was: nothing was committed.
    if (state._stateID === current.state_id && deltalog.length === 0) return [];
    // Compare-and-set: a committed action moves _stateID forward by exactly one.
    if (state._stateID !== current.state_id + 1) {
      this.logger?.warn(
        { matchID, stored: current.state_id, offered: state._stateID },
        'setState refused: _stateID does not follow the stored one (conflicting or forged write)',
      );
      return [];
    }
    this.sql.updateState!.run(
      JSON.stringify(state),
      state._stateID,
      current.log_length + deltalog.length,
      matchID,
      current.state_id,
    );
    deltalog.forEach((entry, i) => {
      this.sql.appendLog!.run(matchID, current.log_length + i, JSON.stringify(entry));
    });
    if (!isCommittedAction(deltalog)) return [];
    return this.insertIntents(matchID, state);
  }

  private insertIntents(matchID: string, state: State): OutboxRow[] {
    const roles = new Map(
      (
        this.sql.seatRoles!.all(matchID) as Array<{
          player_id: string;
          role: 'wearer' | 'keyholder';
        }>
      ).map((r) => [r.player_id, r.role]),
    );
    const candidates = outboxRowsFor(matchID, state, roles, Date.now(), (idx) =>
      this.logger?.warn({ matchID, idx }, 'malformed verification intent skipped'),
    );
    return candidates.filter(
      (row) =>
        this.sql.insertOutbox!.run({ ...row, idx: row.index, now: row.createdAt }).changes > 0,
    );
  }

  setMetadata(matchID: string, metadata: ServerTypes.MatchData): void {
    this.guard('setMetadata', matchID, () => {
      this.sql.setMetadata!.run(
        JSON.stringify(metadata),
        metadata.gameover === undefined || metadata.gameover === null ? 0 : 1,
        metadata.updatedAt,
        matchID,
      );
    });
  }

  fetch<O extends StorageAPI.FetchOpts>(matchID: string, opts: O): StorageAPI.FetchResult<O> {
    const result = {} as Record<string, unknown>;
    this.guard('fetch', matchID, () => {
      if (opts.state) result.state = parseColumn(this.sql.fetchState!.get(matchID), 'state');
      if (opts.metadata)
        result.metadata = parseColumn(this.sql.fetchMetadata!.get(matchID), 'metadata');
      if (opts.initialState) {
        result.initialState = redactInitialState(
          parseColumn(this.sql.fetchInitial!.get(matchID), 'initial_state') as State | undefined,
        );
      }
      if (opts.log) {
        const rows = this.sql.fetchLog!.all(matchID) as Array<{ entry: string }>;
        result.log = rows.map((row) => JSON.parse(row.entry) as LogEntry);
      }
    });
    return result as StorageAPI.FetchResult<O>;
  }

  wipe(matchID: string): void {
    this.guard('wipe', matchID, () =>
      this.db.transaction(() => {
        this.sql.wipeMatch!.run(matchID);
        this.sql.wipeLog!.run(matchID);
      })(),
    );
  }

  override listMatches(opts: StorageAPI.ListMatchesOpts = {}): string[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (opts.gameName !== undefined) {
      where.push('game_name = ?');
      params.push(opts.gameName);
    }
    if (opts.where?.isGameover !== undefined) {
      where.push('gameover = ?');
      params.push(opts.where.isGameover ? 1 : 0);
    }
    if (opts.where?.updatedBefore !== undefined) {
      where.push('updated_at < ?');
      params.push(opts.where.updatedBefore);
    }
    if (opts.where?.updatedAfter !== undefined) {
      where.push('updated_at > ?');
      params.push(opts.where.updatedAfter);
    }
    const sql = `SELECT match_id FROM matches ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY rowid`;
    return (
      this.guard('listMatches', '*', () =>
        (this.db.prepare(sql).all(...params) as Array<{ match_id: string }>).map((r) => r.match_id),
      ) ?? []
    );
  }

  /** Runs a storage call; an error is logged and swallowed, never thrown into boardgame.io. */
  private guard<T>(operation: string, matchID: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      this.logger?.error({ err: error, operation, matchID }, 'storage error');
      return undefined;
    }
  }
}

function parseColumn(row: unknown, column: string): unknown {
  const value = (row as Record<string, string> | undefined)?.[column];
  return value === undefined ? undefined : JSON.parse(value);
}
