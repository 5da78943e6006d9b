/**
 * `PostgresStore`: boardgame.io's asynchronous StorageAPI on `pg`, with the same semantics as
 * `SqliteStore` (the rules both follow are in match-store.ts). Each `setState` is ONE
 * transaction: compare-and-set on `_stateID` (which locks the match row), append the deltalog,
 * insert the outbox rows, and NOTIFY them (delivered on commit, to every instance's LISTEN).
 * Several server instances may share one database: the row lock and the compare-and-set make a
 * second writer of the same `_stateID` fail instead of merging.
 *
 * boardgame.io writes the metadata it fetched right after every move, only to bump `updatedAt`,
 * in parallel with `setState`; `metadataWrite` skips it once the move commits. A metadata write
 * that changes only `updatedAt` writes the column alone, so metadata this instance read before
 * another instance changed it is never put back.
 */
import type { LogEntry, Server as ServerTypes, State, StorageAPI } from 'boardgame.io';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { Async } from '../bgio.js';
import { intentCount, isCommittedAction } from '../outbox/intents.js';
import type { OutboxRow } from '../outbox/types.js';
import { SYNC_LOG_ENTRIES, boundedMetadata } from './bounds.js';
import { redactInitialState } from './initial-state.js';
import {
  logErrorsAsync,
  isGameover,
  listMatchesQuery,
  logRefusal,
  metadataKey,
  metadataWrite,
  outboxRowsToTag,
  resultsToLog,
} from './match-store.js';
import type { CommitSeat, StoreOptions } from './match-store.js';
import { FAIR_FLOOR, numbered } from './outbox-sql.js';
import { notifyOutboxRows } from './pg-notify.js';
import { RESULT_LOG } from './history-sql.js';
import { inTransaction } from './pg-transaction.js';

/** Matches whose last seen metadata and last write outcome are remembered. */
const REMEMBERED_MATCHES = 1000;

/** How long the state read with a match's metadata answers the state fetch that follows it. */
const STATE_READ_WITH_METADATA_MS = 250;

/** A move that records nothing, waiting for the turn's statement. */
interface QuietWrite {
  matchID: string;
  state: State;
  deltalog: LogEntry[];
  done(moved: Promise<boolean>): void;
}

/**
 * The compare-and-set and log append of several matches' moves in one statement (`append`'s,
 * over arrays): the match ids of the rows it moved. The rows are locked in match id order first,
 * so two instances' statements never wait for each other in a cycle.
 */
const APPEND_MANY = `WITH v AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::text[])
      AS v(match_id, state, state_id, n, deltalog)
  ), locked AS (
    SELECT match_id FROM matches WHERE match_id = ANY($1::text[]) ORDER BY match_id FOR UPDATE
  ), moved AS (
    UPDATE matches m SET state = v.state::json, state_id = v.state_id,
                         log_length = m.log_length + v.n, updated_at = GREATEST(m.updated_at, $6::bigint)
    FROM v JOIN locked l ON l.match_id = v.match_id
    WHERE m.match_id = v.match_id AND m.state_id = v.state_id - 1
    RETURNING m.match_id, m.log_length - v.n AS base, v.deltalog
  ), logged AS (
    INSERT INTO match_log (match_id, seq, entry)
    SELECT moved.match_id, moved.base + e.ord::int - 1, e.entry
    FROM moved, json_array_elements(moved.deltalog::json) WITH ORDINALITY AS e(entry, ord)
  )
  SELECT match_id FROM moved`;

/** What this instance remembers of a match, for `metadataWrite`. */
interface Seen {
  /** `metadataKey` of the metadata as this instance last read or wrote it. */
  key?: string;
  /** Whether the last `setState` committed a move; unset once another call came in between. */
  move?: Promise<boolean>;
}

/** boardgame.io storage on Postgres, with the verification outbox in the same transaction. */
export class PostgresStore extends Async {
  private readonly logger: Logger | undefined;
  private readonly seen = new Map<string, Seen>();
  /**
   * The state read along with a match's metadata, for the state fetch that follows: boardgame.io's
   * Master fetches a move's metadata, checks the credentials, then fetches the state. Reading both
   * at once makes a move one round trip shorter. It answers only the very next call of the store
   * for that match, if that is a fetch of the state alone, within a moment; any other call drops it. It
   * is a committed state, read a moment earlier than a second query would: a move computed on it
   * after another commit is refused by the compare-and-set, as it would be by the stateID check.
   */
  private readonly readWithMetadata = new Map<string, { state: State; at: number }>();
  /** The write in progress per match, so a broadcast of its state can wait for the commit. */
  private readonly writing = new Map<string, { stateID: number; committed: Promise<boolean> }>();
  /**
   * Moves that record nothing, made in this turn of the event loop: one statement writes them
   * all in its check phase (group commit), one commit and one round trip for the turn.
   */
  private quiet: QuietWrite[] = [];
  /** Settles once every quiet move handed to a statement so far is written or refused. */
  private turnWritten: Promise<unknown> = Promise.resolve();

  /** Outbox rows are announced by NOTIFY, so unlike `SqliteStore` this takes no `changes`. */
  constructor(
    readonly pool: Pool,
    options: Pick<StoreOptions, 'logger'> = {},
  ) {
    super();
    this.logger = options.logger;
  }

  override async connect(): Promise<void> {}

  override async createMatch(
    matchID: string,
    { initialState, metadata }: StorageAPI.CreateMatchOpts,
  ): Promise<void> {
    this.seen.delete(matchID);
    this.readWithMetadata.delete(matchID);
    await logErrorsAsync(this.logger, 'createMatch', matchID, () =>
      this.pool.query(
        `INSERT INTO matches (match_id, game_name, state_id, state, initial_state, metadata, gameover, updated_at)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7)`,
        [
          matchID,
          metadata.gameName,
          initialState._stateID,
          JSON.stringify(initialState),
          boundedMetadata(metadata),
          isGameover(metadata),
          metadata.updatedAt,
        ],
      ),
    );
  }

  async setState(matchID: string, state: State, deltalog: LogEntry[] = []): Promise<void> {
    this.readWithMetadata.delete(matchID);
    const write = logErrorsAsync(this.logger, 'setState', matchID, () =>
      this.write(matchID, state, deltalog),
    );
    const pending = {
      stateID: state._stateID,
      committed: write.then((moved) => moved !== undefined),
    };
    this.writing.set(matchID, pending);
    this.remember(matchID).move = write.then((moved) => moved === true);
    await write;
    if (this.writing.get(matchID) === pending) this.writing.delete(matchID);
  }

  /**
   * Whether the write of `stateID` now in progress for `matchID` commits (false: refused or
   * failed); undefined when no such write is in progress.
   */
  committed(matchID: string, stateID: number): Promise<boolean> | undefined {
    const pending = this.writing.get(matchID);
    return pending?.stateID === stateID ? pending.committed : undefined;
  }

  /** Writes a state: true when it committed, false when there was nothing to commit, else undefined. */
  private async write(
    matchID: string,
    state: State,
    deltalog: LogEntry[],
  ): Promise<boolean | undefined> {
    if (deltalog.length === 0) {
      const stored = await this.storedStateID(this.pool, matchID);
      // An invalid move or a plugin action leaves _stateID as it was: nothing was committed.
      if (stored !== undefined && stored === state._stateID) return false;
    }
    // Most actions record no intent: then the compare-and-set and the log append are one
    // statement, one round trip, with no transaction around it.
    const intents = isCommittedAction(deltalog) && intentCount(state) > 0;
    const results = resultsToLog(state);
    if (!intents && results.length === 0)
      return (await this.appendInTurn(matchID, state, deltalog)) || undefined;
    return inTransaction(this.pool, async (client) => {
      if (!(await this.append(client, matchID, state, deltalog))) return undefined;
      if (intents) await notifyOutboxRows(client, await this.insertIntents(client, matchID, state));
      // The move that ends the match queues each wearer's result for their lock's history.
      const now = Date.now();
      for (const { playerID, result } of results) {
        await client.query(numbered(RESULT_LOG), [result, now, matchID, playerID]);
      }
      return true;
    });
  }

  /** Resolves once the moves accepted so far are written (before the pool is closed). */
  async drain(): Promise<void> {
    this.appendTurn();
    await this.turnWritten;
  }

  /** Queues a move that records nothing for the turn's statement; true once it moved the row. */
  private appendInTurn(matchID: string, state: State, deltalog: LogEntry[]): Promise<boolean> {
    return new Promise<Promise<boolean>>((done) => {
      if (this.quiet.length === 0) setImmediate(() => this.appendTurn());
      this.quiet.push({ matchID, state, deltalog, done });
    }).then((moved) => moved);
  }

  /**
   * Writes the turn's quiet moves: alone when there is one (or one match twice), else in one
   * statement; if that statement fails, each is written alone, so only the failing one fails.
   */
  private appendTurn(): void {
    const writes = this.quiet;
    this.quiet = [];
    if (writes.length === 0) return;
    let moved: Array<Promise<boolean>>;
    // Runs in a setImmediate callback: nothing may throw out of it (that would end the process).
    try {
      moved = this.appendTogether(writes);
    } catch (error) {
      this.logger?.warn({ err: error, moves: writes.length }, 'group commit failed; writing alone');
      moved = writes.map((w) => this.appendAlone(w));
    }
    writes.forEach((w, i) => w.done(moved[i]!));
    // Settled to undefined, so that turns do not nest their results in one another.
    this.turnWritten = Promise.allSettled([this.turnWritten, ...moved]).then(() => undefined);
  }

  /** Each write's outcome: true once it moved its row. Throws when the statement cannot be made. */
  private appendTogether(writes: QuietWrite[]): Array<Promise<boolean>> {
    const matches = new Set(writes.map((w) => w.matchID));
    if (writes.length === 1 || matches.size < writes.length) {
      // boardgame.io writes a match's moves one after another: twice in a turn is not its doing.
      let previous: Promise<unknown> = Promise.resolve();
      return writes.map((w) => {
        const write = previous.then(() => this.appendAlone(w));
        previous = write.catch(() => undefined);
        return write;
      });
    }
    const moved = this.pool
      .query<{ match_id: string }>(APPEND_MANY, [
        writes.map((w) => w.matchID),
        writes.map((w) => JSON.stringify(w.state)),
        writes.map((w) => w.state._stateID),
        writes.map((w) => w.deltalog.length),
        writes.map((w) => JSON.stringify(w.deltalog)),
        Date.now(),
      ])
      .then(
        ({ rows }) => new Set(rows.map((r) => r.match_id)),
        (error: unknown) => {
          this.logger?.warn(
            { err: error, moves: writes.length },
            'group commit failed; writing alone',
          );
          return undefined;
        },
      );
    return writes.map((w) =>
      moved.then((ids) =>
        ids === undefined
          ? this.appendAlone(w)
          : ids.has(w.matchID)
            ? true
            : this.refused(this.pool, w.matchID, w.state),
      ),
    );
  }

  /** One quiet move in its own statement. */
  private appendAlone(w: QuietWrite): Promise<boolean> {
    return this.append(this.pool, w.matchID, w.state, w.deltalog);
  }

  /** Logs a refused write with the stored `_stateID`; false. */
  private async refused(db: Pool | PoolClient, matchID: string, state: State): Promise<false> {
    logRefusal(this.logger, matchID, await this.storedStateID(db, matchID), state._stateID);
    return false;
  }

  private async storedStateID(db: Pool | PoolClient, matchID: string): Promise<number | undefined> {
    const { rows } = await db.query<{ state_id: number }>(
      'SELECT state_id FROM matches WHERE match_id = $1',
      [matchID],
    );
    return rows[0]?.state_id;
  }

  /**
   * Compare-and-set and log append in one statement: the UPDATE locks the row and only matches
   * the stored `_stateID` + 1, so a second writer of the same id waits, then matches nothing.
   * False when the write was refused.
   */
  private async append(
    db: Pool | PoolClient,
    matchID: string,
    state: State,
    deltalog: LogEntry[],
  ): Promise<boolean> {
    const { rowCount } = await db.query(
      `WITH moved AS (
         UPDATE matches SET state = $1, state_id = $2::int, log_length = log_length + $3::int,
                            updated_at = GREATEST(updated_at, $4::bigint)
         WHERE match_id = $5 AND state_id = $2::int - 1
         RETURNING log_length - $3::int AS base
       ), logged AS (
         INSERT INTO match_log (match_id, seq, entry)
         SELECT $5, moved.base + e.ord::int - 1, e.entry
         FROM moved, json_array_elements($6::json) WITH ORDINALITY AS e(entry, ord)
       )
       SELECT base FROM moved`,
      [
        JSON.stringify(state),
        state._stateID,
        deltalog.length,
        Date.now(),
        matchID,
        JSON.stringify(deltalog),
      ],
    );
    if ((rowCount ?? 0) > 0) return true;
    return this.refused(db, matchID, state);
  }

  /**
   * Inserts the committed action's outbox rows, each queued one tagged after its wearer's last
   * tag; returns those inserted. A wearer's rows come from every match they sit in, so the match
   * row this transaction locked does not guard their tag: their `fair_turns` row does. It is
   * locked (made when missing) before it is read, in the order of the wearers' ids, so concurrent
   * commits for one wearer tag one after the other and never deadlock.
   */
  private async insertIntents(
    client: PoolClient,
    matchID: string,
    state: State,
  ): Promise<OutboxRow[]> {
    const { rows: seats } = await client.query<CommitSeat>(
      'SELECT player_id, role, session_id FROM seats WHERE match_id = $1',
      [matchID],
    );
    const untagged = outboxRowsToTag(matchID, state, seats, this.logger);
    const lastTags = new Map<string, number>();
    let floor: number | null = null;
    if (untagged.wearers.length > 0) {
      const { rows: turns } = await client.query<{
        session_id: string;
        last_tag: string;
        floor: string | null;
      }>(
        `WITH floor AS (${FAIR_FLOOR})
         INSERT INTO fair_turns (session_id, last_tag)
         SELECT w, 0 FROM unnest($1::text[]) AS w ORDER BY w
         ON CONFLICT (session_id) DO UPDATE SET last_tag = fair_turns.last_tag
         RETURNING session_id, last_tag, (SELECT tag FROM floor) AS floor`,
        [untagged.wearers],
      );
      for (const turn of turns) lastTags.set(turn.session_id, Number(turn.last_tag));
      floor = turns[0]!.floor === null ? null : Number(turns[0]!.floor);
    }
    const tagged = untagged.tag(lastTags, floor);
    if (tagged.lastTags.size > 0) {
      await client.query(
        `UPDATE fair_turns t SET last_tag = v.tag
         FROM unnest($1::text[], $2::bigint[]) AS v(session_id, tag)
         WHERE t.session_id = v.session_id`,
        [[...tagged.lastTags.keys()], [...tagged.lastTags.values()]],
      );
    }
    const inserted: OutboxRow[] = [];
    for (const { row, fairTag } of tagged.rows) {
      const result = await client.query(
        `INSERT INTO outbox (id, match_id, state_id, idx, player_id, reason, requested_by, requester_id, actor,
                             status, message, next_attempt_at, created_at, updated_at, fair_tag)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $12, $13)
         ON CONFLICT (id) DO NOTHING`,
        [
          row.id,
          matchID,
          row.stateID,
          row.index,
          row.playerID,
          row.reason,
          row.requestedBy,
          row.requesterID,
          row.actor,
          row.status,
          row.message,
          row.createdAt,
          fairTag,
        ],
      );
      if ((result.rowCount ?? 0) > 0) inserted.push(row);
    }
    return inserted;
  }

  async setMetadata(matchID: string, metadata: ServerTypes.MatchData): Promise<void> {
    this.readWithMetadata.delete(matchID);
    const seen = this.seen.get(matchID);
    const move = seen?.move;
    if (seen) seen.move = undefined;
    const key = metadataKey(metadata);
    // Waits for the move written in parallel only when this may be boardgame.io's bump.
    const afterMove = seen?.key === key && move !== undefined && (await move);
    const write = metadataWrite(seen?.key, key, afterMove);
    if (write === 'skip') return;
    const written = await logErrorsAsync(this.logger, 'setMetadata', matchID, () =>
      write === 'touch'
        ? this.pool.query('UPDATE matches SET updated_at = $1 WHERE match_id = $2', [
            metadata.updatedAt,
            matchID,
          ])
        : this.pool.query(
            'UPDATE matches SET metadata = $1, gameover = $2, updated_at = $3 WHERE match_id = $4',
            [boundedMetadata(metadata), isGameover(metadata), metadata.updatedAt, matchID],
          ),
    );
    if (written && write === 'write') this.remember(matchID).key = key;
  }

  async fetch<O extends StorageAPI.FetchOpts>(
    matchID: string,
    opts: O,
  ): Promise<StorageAPI.FetchResult<O>> {
    const result = {} as Record<string, unknown>;
    if (opts.state || opts.metadata) {
      const seen = this.seen.get(matchID);
      if (seen) seen.move = undefined;
    }
    const metadataOnly = opts.metadata && !opts.state && !opts.initialState && !opts.log;
    const readBefore = this.readWithMetadata.get(matchID);
    this.readWithMetadata.delete(matchID);
    const stateOnly = opts.state && !opts.metadata && !opts.initialState;
    if (stateOnly && readBefore && Date.now() - readBefore.at < STATE_READ_WITH_METADATA_MS) {
      result.state = readBefore.state;
      opts = { ...opts, state: false };
    }
    await logErrorsAsync(this.logger, 'fetch', matchID, async () => {
      const columns = [
        (opts.state || metadataOnly) && 'state',
        opts.metadata && 'metadata, updated_at',
        opts.initialState && 'initial_state',
      ].filter(Boolean);
      if (columns.length > 0) {
        const { rows } = await this.pool.query(
          `SELECT ${columns.join(', ')} FROM matches WHERE match_id = $1`,
          [matchID],
        );
        const row = rows[0] as Record<string, unknown> | undefined;
        if (opts.state) result.state = row?.state;
        if (metadataOnly && row) {
          if (this.readWithMetadata.size >= REMEMBERED_MATCHES) {
            this.readWithMetadata.delete(this.readWithMetadata.keys().next().value!);
          }
          this.readWithMetadata.set(matchID, { state: row.state as State, at: Date.now() });
        }
        if (opts.metadata && row) {
          // The column, not the JSON: moves set it without rewriting the metadata.
          const metadata = {
            ...(row.metadata as ServerTypes.MatchData),
            updatedAt: Number(row.updated_at),
          };
          this.remember(matchID).key = metadataKey(metadata);
          result.metadata = metadata;
        }
        if (opts.initialState)
          result.initialState = redactInitialState(row?.initial_state as State | undefined);
      }
      if (opts.log) {
        const { rows } = await this.pool.query<{ entry: LogEntry }>(
          `SELECT entry FROM (SELECT seq, entry FROM match_log WHERE match_id = $1 ORDER BY seq DESC LIMIT $2) AS tail
           ORDER BY seq`,
          [matchID, SYNC_LOG_ENTRIES],
        );
        result.log = rows.map((r) => r.entry);
      }
    });
    return result as StorageAPI.FetchResult<O>;
  }

  /** The match's entry in `seen`, most recently used last; made when missing. */
  private remember(matchID: string): Seen {
    const entry = this.seen.get(matchID) ?? {};
    this.seen.delete(matchID);
    if (this.seen.size >= REMEMBERED_MATCHES) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(matchID, entry);
    return entry;
  }

  async wipe(matchID: string): Promise<void> {
    this.seen.delete(matchID);
    this.readWithMetadata.delete(matchID);
    await logErrorsAsync(this.logger, 'wipe', matchID, () =>
      inTransaction(this.pool, async (client) => {
        await client.query('DELETE FROM matches WHERE match_id = $1', [matchID]);
        await client.query('DELETE FROM match_log WHERE match_id = $1', [matchID]);
      }),
    );
  }

  override async listMatches(opts: StorageAPI.ListMatchesOpts = {}): Promise<string[]> {
    const { sql, params } = listMatchesQuery(opts, 'created_seq', (n) => `$${n}`);
    const ids = await logErrorsAsync(this.logger, 'listMatches', '*', async () =>
      (await this.pool.query<{ match_id: string }>(sql, params)).rows.map((r) => r.match_id),
    );
    return ids ?? [];
  }
}
