/**
 * What both repositories (SQLite and Postgres) share: the row shapes of the outbox and seats
 * tables, their mapping to our types, and the rules that refuse a request before it is sent.
 */
import type { Actor } from '../../chaster/index.js';
import type { OutboxRow, OutboxStatus } from '../outbox/types.js';
import type { AuthSession, RoomPolicy, SeatBinding } from './types.js';

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

/** A `seats` row as the database returns it. */
export interface SeatRecord {
  match_id: string;
  player_id: string;
  auth_id: string;
  session_id: string;
  role: 'wearer' | 'keyholder';
  user_id: string;
  lock_id: string;
  credentials_hash: string;
}

/** An `auth_sessions` row as the database returns it. */
export interface AuthRecord {
  id: string;
  session_id: string;
  role: 'wearer' | 'keyholder';
  user_id: string;
  username: string;
  lock_id: string;
  lock_title: string;
  created_at: number;
  expires_at: number;
}

/** A login record as an `AuthSession`. */
export function toAuthSession(r: AuthRecord): AuthSession {
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
  };
}

/** Statuses of rows the policy has let through that may still become (or are) a delivered request. */
export const CHARGED_STATUSES = `('queued', 'sending', 'delivered', 'already_pending', 'submitted')`;

/** An outbox record as an `OutboxRow`. */
export function toRow(r: OutboxRecord): OutboxRow {
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
export function toSeat(r: SeatRecord): SeatBinding {
  return {
    matchID: r.match_id,
    playerID: r.player_id,
    authId: r.auth_id,
    sessionId: r.session_id,
    role: r.role,
    userId: r.user_id,
    lockId: r.lock_id,
    credentialsHash: r.credentials_hash,
  };
}

/** Why a request must not be sent. */
export interface Refusal {
  status: OutboxStatus;
  message: string;
}

/** Who may ask whom: refused when the target is no wearer or the asking seat may not ask it. */
export function seatRefusal(
  r: Pick<OutboxRecord, 'player_id' | 'requested_by'>,
  target: Pick<SeatRecord, 'role' | 'lock_id' | 'session_id'>,
  requester: Pick<SeatRecord, 'role' | 'lock_id' | 'session_id'> | undefined,
): Refusal | undefined {
  if (target.role !== 'wearer') {
    return {
      status: 'failed',
      message: `Seat ${r.player_id} is a keyholder; only wearers can be asked for a picture.`,
    };
  }
  if (r.requested_by !== 'self') return undefined;
  if (!requester) return { status: 'failed', message: 'The asking seat has no Chaster session.' };
  if (requester.role === 'keyholder' && requester.lock_id !== target.lock_id) {
    return {
      status: 'failed',
      message: 'A keyholder may only ask their own wearer for a picture.',
    };
  }
  if (requester.role === 'wearer' && requester.session_id !== target.session_id) {
    return { status: 'failed', message: 'A wearer may only ask for a picture of themselves.' };
  }
  return undefined;
}

/** A row never sent yet: the room's policy decides whether it is. */
export function isFirstAttempt(r: Pick<OutboxRecord, 'attempts' | 'status'>): boolean {
  return r.attempts === 0 && r.status === 'queued';
}

/** Why a due row can never be sent, whatever the room says: too old, or its seat has no session. */
export function deliveryRefusal(
  r: Pick<OutboxRecord, 'created_at' | 'player_id'>,
  seatSession: string | null,
  now: number,
  maxAgeMs: number,
): Refusal | undefined {
  if (now - r.created_at > maxAgeMs) {
    return {
      status: 'dead',
      message: `Not delivered within ${Math.round(maxAgeMs / 60_000)} minutes; given up.`,
    };
  }
  if (seatSession === null) {
    return { status: 'failed', message: `Seat ${r.player_id} has no Chaster session.` };
  }
  return undefined;
}

/**
 * Fair queuing of deliveries (start-time fair queuing): each new row gets a tag, and due rows are
 * claimed in tag order. A room's rows are tagged one after another, starting after the room's last
 * tag and no earlier than the lowest tag still queued (the queue's virtual time). So every room with rows
 * queued gets one row per tag: one room's (or one user's) backlog delays another room's first
 * request by at most one row per busy room, never by the backlog. Both stores tag with this.
 */
export function fairTags(roomLastTag: number, lowestQueuedTag: number | null, n: number): number[] {
  // An idle room's first row joins the queue's head: it waits for one row per busy room.
  const start = Math.max(roomLastTag + 1, lowestQueuedTag ?? 0);
  return Array.from({ length: n }, (_, i) => start + i);
}

/**
 * A match with no room row was not made through `POST /api/rooms`: no policy allows anything, so
 * nothing of it is ever sent (fail closed).
 */
export const NO_ROOM_REFUSAL: Refusal = {
  status: 'failed',
  message:
    'This match has no room, so no room policy allows a request; rooms are made with POST /api/rooms.',
};

/** The room's policy: the cap per match, then the cooldown per wearer. */
export function policyRefusal(
  { cooldownMs, maxRequestsPerMatch }: RoomPolicy,
  charged: number,
  lastAdmittedAt: number | null,
  now: number,
): Refusal | undefined {
  if (charged >= maxRequestsPerMatch) {
    return {
      status: 'suppressed',
      message: `This room allows ${maxRequestsPerMatch} request${maxRequestsPerMatch === 1 ? '' : 's'} per match; the limit is reached.`,
    };
  }
  // Another instance's clock, or a claim's `now` taken before it waited for a lock, can put the
  // last admission after `now`: that is "just now", and never a reason when there is no cooldown.
  if (cooldownMs > 0 && lastAdmittedAt !== null && now - lastAdmittedAt < cooldownMs) {
    const ago = Math.max(0, now - lastAdmittedAt);
    return {
      status: 'suppressed',
      message: `Cooldown: this wearer was asked ${Math.round(ago / 1000)} s ago; the room waits ${Math.round(cooldownMs / 1000)} s between requests (${Math.ceil((cooldownMs - ago) / 1000)} s left).`,
    };
  }
  return undefined;
}
