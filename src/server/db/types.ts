/**
 * What the server keeps besides boardgame.io's matches: our logins, seat bindings, room policies,
 * the outbox's delivery state and settings. SQLite (`SqliteRepository`) and Postgres
 * (`PgRepository`) implement it; every method is async because Postgres needs it.
 */
import type { Actor } from '../../chaster/index.js';
import type { HouseRules } from '../../api/house-rules.js';
import type { SeatRole } from '../../plugin/index.js';
import type { RoomPolicy } from '../outbox/policy.js';
import type { ClaimedLog, LogOutcome } from '../outbox/history-log.js';
import type { OutboxRow, OutboxStatus } from '../outbox/types.js';

export type { RoomPolicy } from '../outbox/policy.js';

/** Our login, made from a Chaster mainToken; our bearer token names its `id`. */
export interface Login {
  id: string;
  sessionId: string;
  role: SeatRole;
  userId: string;
  username: string;
  lockId: string;
  lockTitle: string;
  createdAt: number;
  expiresAt: number;
  /**
   * The house rules of the login's lock, read from the Chaster session at login; null or absent
   * when it has none (or an invalid one). A save on the configuration page updates them at once
   * (`setHouseRules`).
   */
  houseRules?: HouseRules | null;
}

/** A seat bound to a Chaster session. */
export interface SeatBinding {
  matchID: string;
  playerID: string;
  loginId: string;
  sessionId: string;
  role: SeatRole;
  userId: string;
  lockId: string;
  /** sha256 (hex) of the seat's boardgame.io credentials. */
  credentialsHash: string;
  /**
   * The delivery policy for requests to this seat when its wearer's house rules tighten the
   * room's (cooldown, cap); null or absent: the room's policy.
   */
  policy?: RoomPolicy | null;
}

/** A claimed row, with what is needed to send it. */
export interface ClaimedRequest {
  /** The row as leased (`sending`). */
  row: OutboxRow;
  /** The target seat's Chaster session. */
  sessionId: string;
  /** Who Chaster records as asking. */
  actor: Actor;
}

/** Options of one claim. */
export interface ClaimOptions {
  now: number;
  /** Most rows to lease; 0 only records `outcomes`. */
  limit: number;
  leaseMs: number;
  /** Rows older than this are given up as `dead` instead of sent. */
  maxAgeMs: number;
  /** Outcomes of finished sends, written first in the same transaction: they free their wearers. */
  outcomes?: readonly OutcomeUpdate[];
}

/** What one claim did: outcomes recorded, rows to send now, and rows it settled without sending. */
export interface ClaimResult {
  /** Per outcome, false when it was not written: the row was no longer `sending`. */
  recorded: boolean[];
  /** Rows leased to this caller, to send now. */
  claimed: ClaimedRequest[];
  /** Rows refused on claim (too old, unbound, seat roles, room policy), as stored. */
  settled: OutboxRow[];
  /**
   * When a later claim may find a row this one did not take: `now` when the limit left due rows
   * behind, else the next `next_attempt_at` or lease end (undefined: none). Due rows skipped
   * because their wearer has a request in flight are not counted: that request's outcome frees them.
   */
  nextDueAt: number | undefined;
}

/** How a send ended, as recorded on the row. */
export interface OutcomeUpdate {
  id: string;
  status: OutboxStatus;
  message: string | null;
  nextAttemptAt?: number;
  now: number;
}

/** Options of one claim of history logs. */
export interface LogClaimOptions {
  now: number;
  /** Most logs to lease; 0 only records `outcomes`. */
  limit: number;
  leaseMs: number;
  /** Outcomes of finished log sends and checks, written first in the same transaction. */
  outcomes?: readonly LogOutcome[];
}

/**
 * What one claim of history logs did. An outcome is written only on a log still `sending`; which
 * were is not reported, since nothing acts on it.
 */
export interface LogClaimResult {
  /** Logs leased to this caller, to send (or look for) now. */
  claimed: ClaimedLog[];
  /** When a later claim may find a log: `now` when the limit left due logs behind. */
  nextDueAt: number | undefined;
}

/** A match the lock's wearer played, for the keyholder's view. */
export interface WearerMatch {
  matchID: string;
  playerID: string;
  gameName: string;
  /** boardgame.io's `gameover` (undefined while the match runs). */
  gameover: unknown;
  startedAt: number;
  updatedAt: number;
  /** The requests made to the wearer's seat, oldest first (bounded). */
  requests: OutboxRow[];
}

/** How long finished things are kept (ms); see docs/server.md, "Data retention". */
export interface RetentionPolicy {
  /** Finished matches (and their log, seats, room and final requests) are deleted after this. */
  finishedMatchesMs: number;
  /** Matches nobody has moved in for this long are deleted as abandoned. */
  idleMatchesMs: number;
  /** Requests in a final status are deleted this long after their last change, even in live matches. */
  finalRequestsMs: number;
}

/** What one prune deleted. */
export interface PruneResult {
  matches: number;
  requests: number;
  /** History logs in a final status past `finalRequestsMs`. */
  historyLogs: number;
  logins: number;
  webhookEvents: number;
}

/** The server's own storage (not boardgame.io's). */
export interface Repository {
  /** Stores a new login. */
  createLogin(session: Login): Promise<void>;
  /** A login by id (revoked or pruned: undefined). */
  getLogin(id: string): Promise<Login | undefined>;
  /** Ends a login at once (logout): its bearer token stops working on every instance. */
  revokeLogin(id: string): Promise<void>;
  /** Gives every login of a Chaster session the house rules just saved for it. */
  setHouseRules(sessionId: string, houseRules: HouseRules | null): Promise<void>;

  /** Records a room's policy and who hosted it. */
  createRoom(matchID: string, policy: RoomPolicy, now: number, hostUserId?: string): Promise<void>;
  /** How many rooms `userId` hosts whose match is not over. */
  openRoomsHostedBy(userId: string): Promise<number>;
  /** Deletes a room that was just made (its policy and seats), when its creation is refused. */
  removeRoom(matchID: string): Promise<void>;

  /** Binds a free seat; false when it is taken, or when its user and lock sit in the match already. */
  bindSeat(binding: SeatBinding, now: number): Promise<boolean>;
  /** A match's bound seats, in seat order. */
  seatsOf(matchID: string): Promise<SeatBinding[]>;
  /** One seat's binding (the per-move credentials check). */
  seatOf(matchID: string, playerID: string): Promise<SeatBinding | undefined>;
  /** Gives a seat new credentials (a player joining again from another device). */
  replaceSeatCredentials(matchID: string, playerID: string, credentialsHash: string): Promise<void>;

  /**
   * One transaction: records the outcomes of finished sends, then claims due rows with a lease,
   * applying the delivery policy (`outbox/policy.ts`) on each row's first claim. Every row it
   * changes is announced once, after commit.
   */
  recordAndClaim(options: ClaimOptions): Promise<ClaimResult>;
  /**
   * One transaction: records the outcomes of finished log sends, then leases due history logs
   * (`outbox/history-log.ts`), those whose sender died first.
   */
  recordAndClaimLogs(options: LogClaimOptions): Promise<LogClaimResult>;
  /** The lock's wearer's most recent `limit` matches, newest first, with their requests. */
  wearerMatches(lockId: string, limit: number): Promise<WearerMatch[]>;
  /** A match's requests, oldest first. */
  requestsOf(matchID: string): Promise<OutboxRow[]>;
  /**
   * Marks `submitted` the requests of a session delivered at or before `submittedAt` (a picture
   * answers only what was asked before it), announcing them; undefined when `requestId` was seen
   * before.
   */
  markSubmitted(
    sessionId: string,
    requestId: string,
    submittedAt: number,
    now: number,
  ): Promise<OutboxRow[] | undefined>;

  /** Deletes what the retention policy says is no longer needed; never a match with open requests. */
  prune(now: number, policy: RetentionPolicy): Promise<PruneResult>;

  /** A server setting (the token secret, the deployment id). */
  getSetting(key: string): Promise<string | undefined>;
  /** Stores a setting unless one is there; returns the stored value (first writer wins). */
  setSettingIfAbsent(key: string, value: string): Promise<string>;
  /** True when the storage answers. */
  ping(): Promise<boolean>;
}
