/**
 * The records both repositories read (the `outbox`, `seats` and `logins` tables as the
 * database returns them) and their mapping to our types. Mapping only: the rules that decide on
 * these rows live in `outbox/policy.ts`.
 */
import type { Actor } from '../../chaster/index.js';
import type { SeatRole } from '../../plugin/index.js';
import type { ClaimedLog, HistoryLogRow, HistoryLogStatus } from '../outbox/history-log.js';
import type { OutboxRow, OutboxStatus } from '../outbox/types.js';
import type { HouseRules } from '../../api/house-rules.js';
import type { Login, RoomPolicy, SeatBinding, WearerMatch } from './types.js';

/** An `outbox` row as the database returns it. */
export interface OutboxRecord {
  id: string;
  match_id: string;
  state_id: number;
  idx: number;
  player_id: string;
  reason: string;
  requested_by: 'rules' | 'self';
  requester_id: string | null;
  actor: Actor | null;
  status: OutboxStatus;
  message: string | null;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
}

/** A `history_logs` row as the database returns it. */
export interface HistoryLogRecord {
  id: string;
  kind: 'request' | 'result';
  match_id: string;
  player_id: string;
  session_id: string;
  game_name: string;
  reason: string | null;
  state_id: number | null;
  idx: number | null;
  result: HistoryLogRow['result'];
  requests: number | string | null;
  status: HistoryLogStatus;
  message: string | null;
  attempts: number;
  unsure: number;
  next_attempt_at: number;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
}

/** A stored history log as our type. */
export function toHistoryLogRow(r: HistoryLogRecord): HistoryLogRow {
  return {
    id: r.id,
    kind: r.kind,
    matchID: r.match_id,
    playerID: r.player_id,
    sessionId: r.session_id,
    gameName: r.game_name,
    reason: r.reason,
    stateID: r.state_id,
    index: r.idx,
    result: r.result,
    requests: r.requests === null ? null : Number(r.requests),
    status: r.status,
    message: r.message,
    attempts: r.attempts,
    unsure: Number(r.unsure) === 1,
    nextAttemptAt: r.next_attempt_at,
    leaseUntil: r.lease_until,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * A log as leased, with its job: decided by the log as it was due, since a lease marks every log
 * unsure (an unsure one is looked for in the history before it is sent again).
 */
export function toClaimedLog(due: HistoryLogRecord, leased: HistoryLogRecord): ClaimedLog {
  return { row: toHistoryLogRow(leased), job: Number(due.unsure) === 1 ? 'check' : 'send' };
}

/** A `seats` row as the database returns it. */
export interface SeatRecord {
  match_id: string;
  player_id: string;
  login_id: string;
  session_id: string;
  role: SeatRole;
  user_id: string;
  lock_id: string;
  credentials_hash: string;
  /** JSON: TEXT on SQLite (a string), `json` on Postgres (parsed by the driver). */
  policy: string | RoomPolicy | null;
}

/** An `logins` row as the database returns it. */
export interface LoginRecord {
  id: string;
  session_id: string;
  role: SeatRole;
  user_id: string;
  username: string;
  lock_id: string;
  lock_title: string;
  created_at: number;
  expires_at: number;
  /** JSON: TEXT on SQLite (a string), `json` on Postgres (parsed by the driver). */
  house_rules: string | HouseRules | null;
}

/** A stored outbox record as an `OutboxRow` (the one way a stored row is read). */
export function toOutboxRow(r: OutboxRecord): OutboxRow {
  return {
    id: r.id,
    matchID: r.match_id,
    stateID: r.state_id,
    index: r.idx,
    playerID: r.player_id,
    reason: r.reason,
    requestedBy: r.requested_by,
    requesterID: r.requester_id,
    actor: r.actor,
    status: r.status,
    message: r.message,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    leaseUntil: r.lease_until,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** A seat record as a `SeatBinding`. */
export function toSeatBinding(r: SeatRecord): SeatBinding {
  return {
    matchID: r.match_id,
    playerID: r.player_id,
    loginId: r.login_id,
    sessionId: r.session_id,
    role: r.role,
    userId: r.user_id,
    lockId: r.lock_id,
    credentialsHash: r.credentials_hash,
    policy: fromJson(r.policy),
  };
}

/** A login record as an `Login`. */
export function toLogin(r: LoginRecord): Login {
  return {
    id: r.id,
    sessionId: r.session_id,
    role: r.role,
    userId: r.user_id,
    username: r.username,
    lockId: r.lock_id,
    lockTitle: r.lock_title,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    houseRules: fromJson(r.house_rules),
  };
}

/** A JSON column as its value: SQLite gives its text, Postgres' driver the parsed value. */
function fromJson<T>(value: string | T | null | undefined): T | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

/** A value for a JSON column (null stays null: the column is nullable). */
export function toJson(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** A row of the keyholder's view (`WEARER_MATCHES`) as the database returns it. */
export interface WearerMatchRecord {
  match_id: string;
  player_id: string;
  started_at: number;
  game_name: string;
  /** JSON: TEXT on SQLite (a string), `json` on Postgres (parsed by the driver). */
  metadata: string | { gameover?: unknown };
  updated_at: number;
}

/** A wearer's match for the keyholder's view, with the requests made to their seat. */
export function toWearerMatch(r: WearerMatchRecord, requests: OutboxRow[]): WearerMatch {
  const metadata = typeof r.metadata === 'string' ? JSON.parse(r.metadata) : r.metadata;
  return {
    matchID: r.match_id,
    playerID: r.player_id,
    gameName: r.game_name,
    gameover: (metadata as { gameover?: unknown }).gameover,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    requests,
  };
}
