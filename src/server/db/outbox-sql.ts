/**
 * SQL both repositories run alike, written once with `?` placeholders: SQLite's own, and Postgres
 * runs it through `numbered`. The status lists come from the delivery policy.
 */
import { CHARGED_STATUSES, SUBMITTABLE_STATUSES } from '../outbox/policy.js';
import { OPEN_STATUSES } from '../outbox/types.js';
import type { OutboxStatus } from '../outbox/types.js';

/**
 * The policy a claim checks a row against: the target seat's own (its wearer's house rules) when it
 * has one, else the room's; with no room there is none, whatever the seat holds (fail closed).
 * Needs `seats s` (the target seat) and `rooms r` joined.
 */
export const TARGET_POLICY = `CASE WHEN r.policy IS NULL THEN NULL ELSE COALESCE(s.policy, r.policy) END`;

/** Statuses as an SQL list, `('a', 'b')`: our own constants, never input. */
function sqlList(statuses: readonly OutboxStatus[]): string {
  return `(${statuses.map((s) => `'${s}'`).join(', ')})`;
}

/** `?` placeholders as Postgres' `$1, $2, …`, in order. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Statuses whose admitted rows count against a room's cap and a wearer's cooldown. */
export const CHARGED_IN = sqlList(CHARGED_STATUSES);

/** Statuses of rows still on their way (not final): a match holding one is never pruned. */
export const OPEN_IN = sqlList(OPEN_STATUSES);

/**
 * The fair queue's floor (outbox/fair-queue.ts): the lowest tag still queued, or, with nothing
 * queued, the highest last tag of any wearer; null when there is neither.
 */
export const FAIR_FLOOR = `SELECT COALESCE(
    (SELECT MIN(fair_tag) FROM outbox WHERE status = 'queued'),
    (SELECT MAX(last_tag) FROM fair_turns)) AS tag`;

/**
 * When a later claim may find a row: the next retry of a queued row, or the end of a lease (a
 * crashed sender's row comes back then). Parameters: now, now.
 */
export const NEXT_DUE = `SELECT MIN(at) AS at FROM (
    SELECT MIN(next_attempt_at) AS at FROM outbox WHERE status = 'queued' AND next_attempt_at > ?
    UNION ALL SELECT MIN(lease_until) FROM outbox WHERE status = 'sending' AND lease_until > ?) AS due`;

/** Remembers a webhook's `requestId`; changes nothing when it was seen. Parameters: id, now. */
export const SEE_WEBHOOK = `INSERT INTO webhook_events (request_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING`;

/**
 * Settles as `submitted` a wearer's requests delivered at or before their picture, returning them
 * as stored. A delivered row's `updated_at` is when it was delivered: nothing changes it until
 * now. The status and time are tested on the updated row itself, so a concurrent webhook's update
 * is seen. Parameters: message, now, submittedAt, sessionId.
 */
export const SUBMIT = `UPDATE outbox SET status = 'submitted', message = ?, lease_until = NULL, updated_at = ?
  WHERE status IN ${sqlList(SUBMITTABLE_STATUSES)} AND updated_at <= ?
    AND id IN (SELECT o.id FROM seats s JOIN outbox o ON o.match_id = s.match_id AND o.player_id = s.player_id
               WHERE s.session_id = ?)
  RETURNING *`;
