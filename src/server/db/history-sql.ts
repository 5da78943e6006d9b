/**
 * The SQL of the lock's history (`outbox/history-log.ts`) and of the keyholder's view, written once
 * with `?` placeholders for both repositories (Postgres runs it through `numbered`). A log row is
 * inserted by the transaction of its event, under the id the event gives it: `ON CONFLICT DO
 * NOTHING` makes a second insert for the same event a no-op.
 */
import type { HistoryLogStatus, LogOutcome } from '../outbox/history-log.js';

/** The columns of a history log row, in the order the inserts below fill them. */
const LOG_COLUMNS = `id, kind, match_id, player_id, session_id, game_name, reason, state_id, idx, result, requests,
   status, message, attempts, unsure, next_attempt_at, created_at, updated_at`;

/**
 * The log that follows a delivered request, for each row of `rows` (an `outbox` table, or a CTE of
 * rows just updated, with its filter `where`) that is now `delivered` and whose target seat is
 * bound. Parameters: now, then those of `where`.
 */
export function requestLogsSql(rows: string, where: string): string {
  return `INSERT INTO history_logs (${LOG_COLUMNS})
  SELECT 'request:' || o.id, 'request', o.match_id, o.player_id, s.session_id, m.game_name, o.reason,
         o.state_id, o.idx, NULL, NULL, 'queued', NULL, 0, 0, n.now, n.now, n.now
  FROM ${rows} o
  JOIN seats s ON s.match_id = o.match_id AND s.player_id = o.player_id
  JOIN matches m ON m.match_id = o.match_id
  CROSS JOIN (SELECT CAST(? AS BIGINT) AS now) n
  WHERE ${where} AND o.status = 'delivered'
  ON CONFLICT DO NOTHING`;
}

/**
 * A wearer's result log for a finished match, when seat `playerID` is a bound wearer's; it counts
 * the requests made to them that were not refused (those still on their way included).
 * Parameters: result, now, matchID, playerID.
 */
export const RESULT_LOG = `INSERT INTO history_logs (${LOG_COLUMNS})
  SELECT 'result:' || s.match_id || ':' || s.player_id, 'result', s.match_id, s.player_id, s.session_id,
         m.game_name, NULL, NULL, NULL, r.result,
         (SELECT COUNT(*) FROM outbox o WHERE o.match_id = s.match_id AND o.player_id = s.player_id
            AND o.status IN ('queued', 'sending', 'delivered', 'already_pending', 'submitted')),
         'queued', NULL, 0, 0, r.now, r.now, r.now
  FROM seats s
  JOIN matches m ON m.match_id = s.match_id
  CROSS JOIN (SELECT CAST(? AS TEXT) AS result, CAST(? AS BIGINT) AS now) r
  WHERE s.match_id = ? AND s.player_id = ? AND s.role = 'wearer'
  ON CONFLICT DO NOTHING`;

/** Statuses of logs still on their way. */
export const OPEN_LOG_STATUSES: readonly HistoryLogStatus[] = ['queued', 'sending'];

/**
 * Due logs: those whose sender died (lease run out) first, then queued ones due now, oldest first;
 * `tail` ends each query (Postgres: `FOR UPDATE SKIP LOCKED`). Parameters of each: now, limit.
 */
export function dueLogsSql(tail: string): string[] {
  return [
    `SELECT * FROM history_logs WHERE status = 'sending' AND lease_until <= ? ORDER BY lease_until LIMIT ? ${tail}`,
    `SELECT * FROM history_logs WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ? ${tail}`,
  ];
}

/**
 * Leases one log: `sending`, one attempt more, and unsure from now on (the send may reach Chaster
 * before its outcome is written). Parameters: leaseUntil, now, id.
 */
export const LEASE_LOG = `UPDATE history_logs SET status = 'sending', attempts = attempts + 1, unsure = 1,
    lease_until = ?, updated_at = ? WHERE id = ? RETURNING *`;

/** Writes a log's outcome if it is still out. Parameters: `recordLogParams(outcome)`. */
export const RECORD_LOG = `UPDATE history_logs SET status = ?, message = ?, unsure = ?,
    next_attempt_at = COALESCE(?, next_attempt_at), lease_until = NULL, updated_at = ?
  WHERE id = ? AND status = 'sending'`;

/** When a later log claim may find a log. Parameters: now, now. */
export const NEXT_LOG_DUE = `SELECT MIN(at) AS at FROM (
    SELECT MIN(next_attempt_at) AS at FROM history_logs WHERE status = 'queued' AND next_attempt_at > ?
    UNION ALL SELECT MIN(lease_until) FROM history_logs WHERE status = 'sending' AND lease_until > ?) AS due`;

/**
 * The lock's wearer's seats, newest first, with their match. Parameters: lockId, limit.
 */
export const WEARER_MATCHES = `SELECT s.match_id, s.player_id, s.created_at AS started_at, m.game_name,
    m.metadata, m.updated_at
  FROM seats s JOIN matches m ON m.match_id = s.match_id
  WHERE s.lock_id = ? AND s.role = 'wearer'
  ORDER BY s.created_at DESC, s.match_id
  LIMIT ?`;

/** Most requests listed per match in the keyholder's view. */
export const MAX_HISTORY_REQUESTS = 200;

/** A seat's requests, oldest first, at most `MAX_HISTORY_REQUESTS`. Parameters: matchID, playerID. */
export const SEAT_REQUESTS = `SELECT * FROM outbox WHERE match_id = ? AND player_id = ?
  ORDER BY created_at, state_id, idx LIMIT ${MAX_HISTORY_REQUESTS}`;

/** The parameters of `RECORD_LOG` for one outcome. */
export function recordLogParams(o: LogOutcome): unknown[] {
  return [o.status, o.message, o.unsure ? 1 : 0, o.nextAttemptAt ?? null, o.now, o.id];
}
