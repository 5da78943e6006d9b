/**
 * What `SqliteStore` and `PostgresStore` share, so that both behave alike: a storage error is
 * logged and never thrown into boardgame.io (in 0.50.2 a throw from storage ends the process), the
 * rule for metadata writes, the `listMatches` query, the gameover flag, the log line of a refused
 * write, and the outbox rows a committed action inserts with their fair tags (per wearer).
 */
import type { Server as ServerTypes, State, StorageAPI } from 'boardgame.io';
import type { Logger } from 'pino';
import type { OutboxChanges } from '../outbox/changes.js';
import { wearerTags } from '../outbox/fair-queue.js';
import { outboxRowsFor } from '../outbox/intents.js';
import type { SeatRole } from '../../plugin/index.js';
import { matchResult } from '../outbox/history-log.js';
import type { MatchResult } from '../../api/history.js';
import type { OutboxRow } from '../outbox/types.js';

/** What `SqliteStore` is built with (`PostgresStore` takes the logger only). */
export interface StoreOptions {
  /** Where storage errors and refused writes are logged. */
  logger?: Logger;
  /**
   * Hears the outbox rows a move inserted, after their commit. Postgres NOTIFYs inside the
   * transaction instead, and each instance's LISTEN connection announces.
   */
  changes?: OutboxChanges;
}

/** Runs a synchronous storage call; an error is logged and answered with undefined. */
export function logErrors<T>(
  logger: Logger | undefined,
  operation: string,
  matchID: string,
  fn: () => T,
): T | undefined {
  try {
    return fn();
  } catch (error) {
    logger?.error({ err: error, operation, matchID }, 'storage error');
    return undefined;
  }
}

/** Runs an asynchronous storage call; an error is logged and answered with undefined. */
export async function logErrorsAsync<T>(
  logger: Logger | undefined,
  operation: string,
  matchID: string,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    logger?.error({ err: error, operation, matchID }, 'storage error');
    return undefined;
  }
}

/** Logs a refused `setState`: the match does not exist, or `offered` does not follow `stored`. */
export function logRefusal(
  logger: Logger | undefined,
  matchID: string,
  stored: number | undefined,
  offered: number,
): void {
  if (stored === undefined) {
    logger?.warn({ matchID }, 'setState for a match that does not exist; ignored');
  } else {
    logger?.warn(
      { matchID, stored, offered },
      'setState refused: _stateID does not follow the stored one (conflicting or forged write)',
    );
  }
}

/**
 * The result logs a committed state ends its match with (`outbox/history-log.ts`): one per seat
 * of the play order, with the seat's result; none while the match runs. The insert keeps only the
 * seats bound to a wearer.
 */
export function resultsToLog(state: State): Array<{ playerID: string; result: MatchResult }> {
  // Storage is also handed states that are not a game's (boardgame.io's own storage tests).
  const gameover = state.ctx?.gameover as unknown;
  if (gameover === undefined || gameover === null) return [];
  const seats = Array.isArray(state.ctx.playOrder) ? state.ctx.playOrder : [];
  return seats.map((playerID) => ({ playerID, result: matchResult(gameover, playerID) }));
}

/** Whether the metadata says the match is over (the `gameover` column). */
export function isGameover(metadata: ServerTypes.MatchData): boolean {
  return metadata.gameover !== undefined && metadata.gameover !== null;
}

/**
 * The metadata's JSON with `updatedAt` set to 0: two keys are equal when the metadata differ in
 * nothing but the time (`metadataWrite`). SqliteStore keeps it as the metadata it hands out, so
 * the key costs a remembered match no second copy.
 */
export function metadataKey(metadata: ServerTypes.MatchData): string {
  // The JSON itself, not a digest of it: a move pays for one stringify, not for a hash object too.
  return JSON.stringify({ ...metadata, updatedAt: 0 });
}

/**
 * How a `setMetadata` is written. `seenKey` is the `metadataKey` of the metadata as this store
 * last read or wrote it; `afterMove` says whether the store's last call on the match committed a
 * move. The `updated_at` column, not the JSON, is the match's `updatedAt` on every read.
 * - `skip`: only `updatedAt` changed, right after a committed move: boardgame.io's bump after
 *   every move, and the move's commit already set `updated_at`;
 * - `touch`: only `updatedAt` changed otherwise (an invalid move, a connection change): only
 *   `updated_at` is written, so metadata read before someone else changed it is never put back;
 * - `write`: more than `updatedAt` changed: all of it is written.
 */
export function metadataWrite(
  seenKey: string | undefined,
  key: string,
  afterMove: boolean,
): 'skip' | 'touch' | 'write' {
  if (seenKey !== key) return 'write';
  return afterMove ? 'skip' : 'touch';
}

/**
 * The `listMatches` query with boardgame.io's filters, in creation order (`order`); `param(n)`
 * spells the n-th placeholder of the database's SQL.
 */
export function listMatchesQuery(
  opts: StorageAPI.ListMatchesOpts,
  order: string,
  param: (n: number) => string,
): { sql: string; params: Array<string | number> } {
  const where: string[] = [];
  const params: Array<string | number> = [];
  const compare = (clause: string, value: string | number) => {
    params.push(value);
    where.push(`${clause} ${param(params.length)}`);
  };
  if (opts.gameName !== undefined) compare('game_name =', opts.gameName);
  if (opts.where?.isGameover !== undefined)
    where.push(opts.where.isGameover ? 'gameover' : 'NOT gameover');
  if (opts.where?.updatedBefore !== undefined) compare('updated_at <', opts.where.updatedBefore);
  if (opts.where?.updatedAfter !== undefined) compare('updated_at >', opts.where.updatedAfter);
  const filter = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  return { sql: `SELECT match_id FROM matches${filter} ORDER BY ${order}`, params };
}

/** A seat as a commit reads it: its role, and the Chaster session of whoever sits there. */
export interface CommitSeat {
  player_id: string;
  role: SeatRole;
  session_id: string;
}

/** An outbox row to insert, with its place in the fair queue (0: settled at commit, never claimed). */
export interface TaggedRow {
  row: OutboxRow;
  fairTag: number;
}

/** A committed action's outbox rows, before their fair tags. */
export interface RowsToTag {
  /**
   * The wearers (Chaster sessions) the queued rows ask about, once each, sorted: a store reads
   * their last tags, and Postgres locks their turns in this order.
   */
  wearers: string[];
  /** The rows tagged from those wearers' last tags and the queue's floor (`wearerTags`). */
  tag(
    lastTags: ReadonlyMap<string, number>,
    floor: number | null,
  ): { rows: TaggedRow[]; lastTags: Map<string, number> };
}

/**
 * The outbox rows of a committed action's intents, bound to the match's seats. A queued row takes
 * its turn as the wearer its target seat is bound to now; a row settled at commit (its target
 * seat is empty) takes none.
 */
export function outboxRowsToTag(
  matchID: string,
  state: State,
  seats: readonly CommitSeat[],
  logger: Logger | undefined,
): RowsToTag {
  const rows = outboxRowsFor(
    matchID,
    state,
    new Map(seats.map((s) => [s.player_id, s.role])),
    Date.now(),
    (idx) => logger?.warn({ matchID, idx }, 'malformed verification intent skipped'),
  );
  const sessions = new Map(seats.map((s) => [s.player_id, s.session_id]));
  const rowWearers = rows.map((row) =>
    row.status === 'queued' ? (sessions.get(row.playerID) ?? null) : null,
  );
  return {
    wearers: [...new Set(rowWearers.filter((w): w is string => w !== null))].sort(),
    tag(lastTags, floor) {
      const tagged = wearerTags(rowWearers, lastTags, floor);
      return {
        rows: rows.map((row, i) => ({ row, fairTag: tagged.tags[i]! })),
        lastTags: tagged.lastTags,
      };
    },
  };
}
