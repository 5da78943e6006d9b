/**
 * `PostgresStore`: boardgame.io's asynchronous StorageAPI on `pg`, with the same semantics as
 * `SqliteStore`. Each `setState` is ONE transaction: lock the match row, compare-and-set on
 * `_stateID`, append the deltalog, insert the outbox rows, and NOTIFY them (delivered on commit).
 * Several server instances may share one database: the row lock and the compare-and-set make a
 * second writer of the same `_stateID` fail instead of merging.
 *
 * boardgame.io rewrites the metadata it fetched after every move only to bump `updatedAt`, in
 * parallel with `setState`. That write is skipped: `setState` sets `updated_at` itself, and the
 * skipped write could only have put back metadata another instance had just changed.
 */
import type { LogEntry, Server as ServerTypes, State, StorageAPI } from 'boardgame.io';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { Async } from '../bgio.js';
import { SYNC_LOG_ENTRIES, boundedMetadata } from './bounds.js';
import { fairTags } from './records.js';
import { redactInitialState } from './initial-state.js';
import { inTransaction } from './pg-transaction.js';
import { intentCount, isCommittedAction, outboxRowsFor } from '../outbox/intents.js';
import type { OutboxRow } from '../outbox/types.js';
import { metadataKey } from './sqlite.js';
import type { OutboxListener } from './sqlite.js';

/** Matches whose last fetched metadata is remembered to recognise the Master's bump. */
const REMEMBERED_MATCHES = 1000;

/** Channel on which every instance hears outbox changes (inserted and updated rows). */
export const OUTBOX_CHANNEL = 'bgio_chaster_outbox';

/** boardgame.io storage on Postgres, with the verification outbox in the same transaction. */
export class PostgresStore extends Async {
  private readonly listeners = new Set<OutboxListener>();
  /** `metadataKey` of the metadata this instance last fetched, per match. */
  private readonly fetchedMetadata = new Map<string, string>();
  /** The write in progress per match, so a broadcast of its state can wait for the commit. */
  private readonly writing = new Map<string, { stateID: number; committed: Promise<boolean> }>();

  constructor(
    readonly pool: Pool,
    private readonly options: { logger?: Logger } = {},
  ) {
    super();
  }

  /** Registers a listener for rows this instance committed; returns a function that removes it. */
  onOutbox(listener: OutboxListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  override async connect(): Promise<void> {}

  override async createMatch(
    matchID: string,
    { initialState, metadata }: StorageAPI.CreateMatchOpts,
  ): Promise<void> {
    await this.guard('createMatch', matchID, () =>
      this.pool.query(
        `INSERT INTO matches (match_id, game_name, state_id, state, initial_state, metadata, gameover, updated_at)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7)`,
        [
          matchID,
          metadata.gameName,
          initialState._stateID,
          JSON.stringify(initialState),
          boundedMetadata(metadata),
          metadata.gameover !== undefined && metadata.gameover !== null,
          metadata.updatedAt,
        ],
      ),
    );
  }

  async setState(matchID: string, state: State, deltalog: LogEntry[] = []): Promise<void> {
    const write = this.guard('setState', matchID, async () =>
      // Most actions record no intent: then the compare-and-set and the log append are one
      // statement, one round trip, with no transaction around it.
      deltalog.length > 0 && !(isCommittedAction(deltalog) && intentCount(state) > 0)
        ? (await this.append(this.pool, matchID, state, deltalog))
          ? []
          : undefined
        : inTransaction(this.pool, (client) => this.commit(client, matchID, state, deltalog)),
    );
    const pending = { stateID: state._stateID, committed: write.then((rows) => !!rows) };
    this.writing.set(matchID, pending);
    const rows = await write;
    if (this.writing.get(matchID) === pending) this.writing.delete(matchID);
    if (rows && rows.length > 0) {
      for (const listener of this.listeners) {
        try {
          listener(rows);
        } catch (error) {
          this.options.logger?.error({ err: error }, 'outbox listener failed');
        }
      }
    }
  }

  /**
   * Whether the write of `stateID` now in progress for `matchID` commits (false: refused or
   * failed); undefined when no such write is in progress.
   */
  committed(matchID: string, stateID: number): Promise<boolean> | undefined {
    const pending = this.writing.get(matchID);
    return pending?.stateID === stateID ? pending.committed : undefined;
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
         FROM moved, jsonb_array_elements($6::jsonb) WITH ORDINALITY AS e(entry, ord)
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
    const { rows } = await db.query<{ state_id: number }>(
      'SELECT state_id FROM matches WHERE match_id = $1',
      [matchID],
    );
    this.refused(matchID, rows[0]?.state_id, state);
    return false;
  }

  private refused(matchID: string, stored: number | undefined, state: State): void {
    if (stored === undefined) {
      this.options.logger?.warn({ matchID }, 'setState for a match that does not exist; ignored');
    } else {
      this.options.logger?.warn(
        { matchID, stored, offered: state._stateID },
        'setState refused: _stateID does not follow the stored one (conflicting or forged write)',
      );
    }
  }

  /** The transaction of an action with intents, or of one without a log (a no-op or a forgery). */
  private async commit(
    client: PoolClient,
    matchID: string,
    state: State,
    deltalog: LogEntry[],
  ): Promise<OutboxRow[] | undefined> {
    if (deltalog.length === 0) {
      const { rows } = await client.query<{ state_id: number }>(
        'SELECT state_id FROM matches WHERE match_id = $1',
        [matchID],
      );
      // An invalid move or a plugin action leaves _stateID as it was: nothing was committed.
      if (rows[0]?.state_id === state._stateID) return [];
    }
    if (!(await this.append(client, matchID, state, deltalog))) return undefined;
    if (!isCommittedAction(deltalog)) return [];
    const seats = await client.query<{ player_id: string; role: 'wearer' | 'keyholder' }>(
      'SELECT player_id, role FROM seats WHERE match_id = $1',
      [matchID],
    );
    const candidates = outboxRowsFor(
      matchID,
      state,
      new Map(seats.rows.map((r) => [r.player_id, r.role])),
      Date.now(),
      (idx) => this.options.logger?.warn({ matchID, idx }, 'malformed verification intent skipped'),
    );
    // The match row is locked by this transaction's compare-and-set: its room's tag is ours to move.
    const { rows: tagRows } = await client.query<{
      last_tag: string | null;
      lowest: string | null;
    }>(
      `SELECT (SELECT last_tag FROM rooms WHERE match_id = $1) AS last_tag,
              (SELECT MIN(fair_tag) FROM outbox WHERE status = 'queued') AS lowest`,
      [matchID],
    );
    const { last_tag: roomTag, lowest } = tagRows[0]!;
    const tags = fairTags(
      Number(roomTag ?? 0),
      lowest === null ? null : Number(lowest),
      candidates.length,
    );
    if (roomTag !== null && tags.length > 0) {
      await client.query('UPDATE rooms SET last_tag = $1 WHERE match_id = $2', [
        tags[tags.length - 1],
        matchID,
      ]);
    }
    const inserted: OutboxRow[] = [];
    for (const [i, row] of candidates.entries()) {
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
          tags[i],
        ],
      );
      if ((result.rowCount ?? 0) > 0) inserted.push(row);
    }
    // Delivered with the commit: every instance's dispatcher and status feed hear of the new rows.
    for (const row of inserted)
      await client.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, JSON.stringify(row)]);
    return inserted;
  }

  async setMetadata(matchID: string, metadata: ServerTypes.MatchData): Promise<void> {
    const key = metadataKey(metadata);
    if (this.fetchedMetadata.get(matchID) === key) return;
    this.fetchedMetadata.delete(matchID);
    await this.guard('setMetadata', matchID, () =>
      this.pool.query(
        'UPDATE matches SET metadata = $1, gameover = $2, updated_at = $3 WHERE match_id = $4',
        [
          boundedMetadata(metadata),
          metadata.gameover !== undefined && metadata.gameover !== null,
          metadata.updatedAt,
          matchID,
        ],
      ),
    );
  }

  async fetch<O extends StorageAPI.FetchOpts>(
    matchID: string,
    opts: O,
  ): Promise<StorageAPI.FetchResult<O>> {
    const result = {} as Record<string, unknown>;
    await this.guard('fetch', matchID, async () => {
      const columns = [
        opts.state && 'state',
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
        if (opts.metadata && row) {
          const metadata = { ...(row.metadata as ServerTypes.MatchData) };
          // The column, not the JSON: moves set it without rewriting the metadata.
          metadata.updatedAt = Math.max(metadata.updatedAt ?? 0, Number(row.updated_at));
          this.remember(matchID, metadataKey(metadata));
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

  private remember(matchID: string, key: string): void {
    this.fetchedMetadata.delete(matchID);
    if (this.fetchedMetadata.size >= REMEMBERED_MATCHES)
      this.fetchedMetadata.delete(this.fetchedMetadata.keys().next().value!);
    this.fetchedMetadata.set(matchID, key);
  }

  async wipe(matchID: string): Promise<void> {
    await this.guard('wipe', matchID, () =>
      inTransaction(this.pool, async (client) => {
        await client.query('DELETE FROM matches WHERE match_id = $1', [matchID]);
        await client.query('DELETE FROM match_log WHERE match_id = $1', [matchID]);
      }),
    );
  }

  override async listMatches(opts: StorageAPI.ListMatchesOpts = {}): Promise<string[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (opts.gameName !== undefined) add('game_name = ?', opts.gameName);
    if (opts.where?.isGameover !== undefined) add('gameover = ?', opts.where.isGameover);
    if (opts.where?.updatedBefore !== undefined) add('updated_at < ?', opts.where.updatedBefore);
    if (opts.where?.updatedAfter !== undefined) add('updated_at > ?', opts.where.updatedAfter);
    const sql = `SELECT match_id FROM matches ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_seq`;
    const ids = await this.guard('listMatches', '*', async () =>
      (await this.pool.query<{ match_id: string }>(sql, params)).rows.map((r) => r.match_id),
    );
    return ids ?? [];
  }

  /** Runs a storage call; an error is logged and swallowed, never thrown into boardgame.io. */
  private async guard<T>(
    operation: string,
    matchID: string,
    fn: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      this.options.logger?.error({ err: error, operation, matchID }, 'storage error');
      return undefined;
    }
  }
}
