/**
 * The server's own storage on SQLite: logins, seat bindings, room policies and the outbox's
 * delivery state. It shares the database file (and so its transactions) with `SqliteStore`, and
 * announces every outbox row it changes through `OutboxChanges` once the change is committed.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { OutboxChanges } from '../outbox/changes.js';
import {
  admissionRefusal,
  deliveryRefusal,
  isFirstAttempt,
  sendingActor,
  SUBMITTED_MESSAGE,
} from '../outbox/policy.js';
import type { Refusal, RoomPolicy } from '../outbox/policy.js';
import type { OutboxRow } from '../outbox/types.js';
import type { ClaimedLog } from '../outbox/history-log.js';
import {
  dueLogsSql,
  LEASE_LOG,
  NEXT_LOG_DUE,
  RECORD_LOG,
  recordLogParams,
  requestLogsSql,
  SEAT_REQUESTS,
  WEARER_MATCHES,
} from './history-sql.js';
import { CHARGED_IN, NEXT_DUE, SEE_WEBHOOK, SUBMIT, TARGET_POLICY } from './outbox-sql.js';
import { pruneSync } from './prune.js';
import type { PruneDialect } from './prune.js';
import {
  toClaimedLog,
  toJson,
  toLogin,
  toOutboxRow,
  toSeatBinding,
  toWearerMatch,
} from './rows.js';
import type {
  HistoryLogRecord,
  LoginRecord,
  OutboxRecord,
  SeatRecord,
  WearerMatchRecord,
} from './rows.js';
import type {
  Login,
  ClaimOptions,
  ClaimResult,
  ClaimedRequest,
  LogClaimOptions,
  LogClaimResult,
  OutcomeUpdate,
  PruneResult,
  Repository,
  RetentionPolicy,
  SeatBinding,
  WearerMatch,
} from './types.js';

/** A due row with what the claim checks: its target seat (null: unbound) and its policy. */
interface Candidate extends OutboxRecord {
  seat_session: string | null;
  seat_role: SeatRecord['role'] | null;
  seat_lock: string | null;
  policy: string | null;
}

/** A due row with its target seat and the policy it is checked against (`TARGET_POLICY`). */
const CANDIDATE = `SELECT o.*, s.session_id AS seat_session, s.role AS seat_role, s.lock_id AS seat_lock,
    ${TARGET_POLICY} AS policy
  FROM outbox o
  LEFT JOIN seats s ON s.match_id = o.match_id AND s.player_id = o.player_id
  LEFT JOIN rooms r ON r.match_id = o.match_id`;

/**
 * No other row of the candidate's wearer is out with a live lease. Walked from the wearer's seats
 * (one or two) into the index of rows out now, not from the wearer's rows in a long match, nor
 * from every row out now (a seat lookup each, per candidate).
 */
const NOT_BUSY = `NOT EXISTS (
  SELECT 1 FROM seats b INDEXED BY seats_by_session
  JOIN outbox ob INDEXED BY outbox_sending
    ON ob.match_id = b.match_id AND ob.player_id = b.player_id AND ob.status = 'sending'
  WHERE b.session_id = s.session_id AND ob.lease_until > @now AND ob.id <> o.id)`;

/**
 * The first `n` rows of a query: stepping stops there, so the query needs no bound LIMIT. With
 * one, this SQLite (built with STAT4) plans the statement again on every run, which costs more
 * than the claim's query itself (BENCHMARKS.md).
 */
function firstRows<T>(statement: Statement, params: object, n: number): T[] {
  const rows: T[] = [];
  if (n <= 0) return rows;
  for (const row of statement.iterate(params)) {
    rows.push(row as T);
    if (rows.length >= n) break;
  }
  return rows;
}

/** What one claim transaction did, and the rows it changed (announced once it commits). */
interface Claim {
  result: ClaimResult;
  changed: OutboxRow[];
}

/** Match ids bound as one JSON array; one writer at a time holds the whole file, never a row. */
const PRUNE_DIALECT: PruneDialect = {
  matchIn: 'match_id IN (SELECT value FROM json_each(?))',
  bindMatches: (ids) => JSON.stringify(ids),
  skipLocked: '',
};

/** `Repository` on a better-sqlite3 database migrated by `openSqlite`. */
export class SqliteRepository implements Repository {
  private readonly sql: Record<string, Statement>;
  private readonly changes: OutboxChanges | undefined;
  private readonly recordAndClaimTx: (options: ClaimOptions) => Claim;
  private readonly recordAndClaimLogsTx: (options: LogClaimOptions) => LogClaimResult;
  /**
   * No lease runs out before this, so until then a claim skips the query for expired leases. It
   * is the earliest lease in the table when that query last ran, lowered by every lease taken
   * since; finished sends only raise the true minimum, so the check is never late. This holds
   * because the repository is the only one leasing rows in its file (as the store is the only
   * writer of its matches); a restarted process starts by looking.
   */
  private leasesEndAfter = -Infinity;
  /** The same bound for history logs' leases. */
  private logLeasesEndAfter = -Infinity;

  /** `changes` hears every row this repository changes, after its transaction commits. */
  constructor(
    private readonly db: Database,
    { changes }: { changes?: OutboxChanges } = {},
  ) {
    this.changes = changes;
    this.sql = {
      insertAuth: db.prepare(
        `INSERT INTO logins (id, session_id, role, user_id, username, lock_id, lock_title, created_at, expires_at, house_rules)
         VALUES (@id, @sessionId, @role, @userId, @username, @lockId, @lockTitle, @createdAt, @expiresAt, @houseRules)`,
      ),
      getAuth: db.prepare(`SELECT * FROM logins WHERE id = ?`),
      revokeAuth: db.prepare(`DELETE FROM logins WHERE id = ?`),
      setHouseRules: db.prepare(`UPDATE logins SET house_rules = ? WHERE session_id = ?`),
      insertRoom: db.prepare(
        `INSERT INTO rooms (match_id, policy, created_at, host_user_id) VALUES (?, ?, ?, ?)`,
      ),
      openRoomsOf: db.prepare(
        `SELECT COUNT(*) AS n FROM rooms r JOIN matches m ON m.match_id = r.match_id
         WHERE r.host_user_id = ? AND m.gameover = 0`,
      ),
      bindSeat: db.prepare(
        `INSERT INTO seats (match_id, player_id, login_id, session_id, role, user_id, lock_id, credentials_hash, created_at, policy)
         VALUES (@matchID, @playerID, @loginId, @sessionId, @role, @userId, @lockId, @credentialsHash, @now, @policy)
         ON CONFLICT DO NOTHING`,
      ),
      seatsOf: db.prepare(
        `SELECT * FROM seats WHERE match_id = ? ORDER BY CAST(player_id AS INTEGER)`,
      ),
      seat: db.prepare(`SELECT * FROM seats WHERE match_id = ? AND player_id = ?`),
      seatCredentials: db.prepare(
        `UPDATE seats SET credentials_hash = ? WHERE match_id = ? AND player_id = ?`,
      ),
      // Due rows in fair-queuing order (outbox/fair-queue.ts) with their seat and room, leaving
      // out rows whose wearer already has a request in flight (one at a time per wearer: Chaster
      // keeps one pending per lock). Walked in the index's order: a claim stops after its page.
      queued: db.prepare(
        `${CANDIDATE.replace('FROM outbox o', 'FROM outbox o INDEXED BY outbox_fair')}
         WHERE o.status = 'queued' AND o.next_attempt_at <= @now AND ${NOT_BUSY}
         ORDER BY o.fair_tag, o.next_attempt_at`,
      ),
      // Rows whose sender died: their lease ran out. Asked only once a lease can have run out.
      expired: db.prepare(
        `${CANDIDATE} WHERE o.status = 'sending' AND o.lease_until <= @now AND ${NOT_BUSY}
         ORDER BY o.lease_until`,
      ),
      chargedInMatch: db.prepare(
        `SELECT COUNT(*) AS n FROM outbox WHERE match_id = ? AND admitted_at IS NOT NULL AND status IN ${CHARGED_IN}`,
      ),
      lastAdmittedForSession: db.prepare(
        `SELECT MAX(o.admitted_at) AS at FROM outbox o
         JOIN seats s ON s.match_id = o.match_id AND s.player_id = o.player_id
         WHERE s.session_id = ? AND o.admitted_at IS NOT NULL AND o.status IN ${CHARGED_IN}`,
      ),
      lease: db.prepare(
        `UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = ?, updated_at = ?,
                admitted_at = COALESCE(admitted_at, ?)
         WHERE id = ? RETURNING *`,
      ),
      settle: db.prepare(
        `UPDATE outbox SET status = ?, message = ?, lease_until = NULL, updated_at = ? WHERE id = ? RETURNING *`,
      ),
      // Only a row still out takes an outcome: one claimed again meanwhile keeps its own.
      recordOutcome: db.prepare(
        `UPDATE outbox SET status = ?, message = ?, next_attempt_at = COALESCE(?, next_attempt_at),
                lease_until = NULL, updated_at = ?
         WHERE id = ? AND status = 'sending' RETURNING *`,
      ),
      firstLeaseEnd: db.prepare(
        `SELECT MIN(lease_until) AS at FROM outbox WHERE status = 'sending'`,
      ),
      nextDue: db.prepare(NEXT_DUE),
      requestsOf: db.prepare(
        `SELECT * FROM outbox WHERE match_id = ? ORDER BY created_at, state_id, idx`,
      ),
      requestLogs: db.prepare(requestLogsSql('outbox', 'o.id = ?')),
      dueLogsExpired: db.prepare(dueLogsSql('')[0]!),
      dueLogsQueued: db.prepare(dueLogsSql('')[1]!),
      leaseLog: db.prepare(LEASE_LOG),
      recordLog: db.prepare(RECORD_LOG),
      nextLogDue: db.prepare(NEXT_LOG_DUE),
      firstLogLeaseEnd: db.prepare(
        `SELECT MIN(lease_until) AS at FROM history_logs WHERE status = 'sending'`,
      ),
      wearerMatches: db.prepare(WEARER_MATCHES),
      seatRequests: db.prepare(SEAT_REQUESTS),
      seeWebhook: db.prepare(SEE_WEBHOOK),
      submit: db.prepare(SUBMIT),
      getSetting: db.prepare(`SELECT value FROM settings WHERE key = ?`),
      putSetting: db.prepare(
        `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING`,
      ),
    };
    this.recordAndClaimTx = db.transaction((options: ClaimOptions) =>
      this.recordAndClaimSync(options),
    );
    this.recordAndClaimLogsTx = db.transaction((options: LogClaimOptions) =>
      this.recordAndClaimLogsSync(options),
    );
  }

  async createLogin(session: Login): Promise<void> {
    this.sql.insertAuth!.run({ ...session, houseRules: toJson(session.houseRules) });
  }

  async getLogin(id: string): Promise<Login | undefined> {
    const r = this.sql.getAuth!.get(id) as LoginRecord | undefined;
    return r && toLogin(r);
  }

  async revokeLogin(id: string): Promise<void> {
    this.sql.revokeAuth!.run(id);
  }

  async setHouseRules(sessionId: string, houseRules: Login['houseRules']): Promise<void> {
    this.sql.setHouseRules!.run(toJson(houseRules), sessionId);
  }

  async removeRoom(matchID: string): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM rooms WHERE match_id = ?').run(matchID);
      this.db.prepare('DELETE FROM seats WHERE match_id = ?').run(matchID);
    })();
  }

  async openRoomsHostedBy(userId: string): Promise<number> {
    return (this.sql.openRoomsOf!.get(userId) as { n: number }).n;
  }

  async createRoom(
    matchID: string,
    policy: RoomPolicy,
    now: number,
    hostUserId?: string,
  ): Promise<void> {
    this.sql.insertRoom!.run(matchID, JSON.stringify(policy), now, hostUserId ?? null);
  }

  async bindSeat(binding: SeatBinding, now: number): Promise<boolean> {
    return this.sql.bindSeat!.run({ ...binding, now, policy: toJson(binding.policy) }).changes > 0;
  }

  async seatsOf(matchID: string): Promise<SeatBinding[]> {
    return (this.sql.seatsOf!.all(matchID) as SeatRecord[]).map(toSeatBinding);
  }

  async seatOf(matchID: string, playerID: string): Promise<SeatBinding | undefined> {
    const r = this.sql.seat!.get(matchID, playerID) as SeatRecord | undefined;
    return r && toSeatBinding(r);
  }

  async replaceSeatCredentials(
    matchID: string,
    playerID: string,
    credentialsHash: string,
  ): Promise<void> {
    this.sql.seatCredentials!.run(credentialsHash, matchID, playerID);
  }

  async recordAndClaim(options: ClaimOptions): Promise<ClaimResult> {
    let claim: Claim;
    try {
      claim = this.recordAndClaimTx(options);
    } catch (error) {
      // Rolled back: the leases it took and the minimum it read are gone.
      this.leasesEndAfter = -Infinity;
      throw error;
    }
    this.changes?.announce(claim.changed);
    return claim.result;
  }

  /** The transaction: the outcomes first (they free their wearers), then the claim. */
  private recordAndClaimSync(options: ClaimOptions): Claim {
    const recorded = this.recordOutcomes(options.outcomes ?? []);
    const { claimed, settled, nextDueAt } = this.claimDue(options);
    return {
      result: { recorded: recorded.map((row) => row !== undefined), claimed, settled, nextDueAt },
      changed: [
        ...recorded.filter((row): row is OutboxRow => row !== undefined),
        ...settled,
        ...claimed.map((c) => c.row),
      ],
    };
  }

  /**
   * Writes each outcome on its row if the row is still out; the row as stored, or undefined. A
   * delivery queues the log that tells it in the lock's history.
   */
  private recordOutcomes(outcomes: readonly OutcomeUpdate[]): Array<OutboxRow | undefined> {
    return outcomes.map((o) => {
      const r = this.sql.recordOutcome!.get(
        o.status,
        o.message,
        o.nextAttemptAt ?? null,
        o.now,
        o.id,
      ) as OutboxRecord | undefined;
      if (r?.status === 'delivered') this.sql.requestLogs!.run(o.now, r.id);
      return r && toOutboxRow(r);
    });
  }

  async recordAndClaimLogs(options: LogClaimOptions): Promise<LogClaimResult> {
    try {
      return this.recordAndClaimLogsTx(options);
    } catch (error) {
      this.logLeasesEndAfter = -Infinity;
      throw error;
    }
  }

  /** The log transaction: the outcomes first, then leases on due logs, expired leases first. */
  private recordAndClaimLogsSync({
    now,
    limit,
    leaseMs,
    outcomes = [],
  }: LogClaimOptions): LogClaimResult {
    for (const o of outcomes) this.sql.recordLog!.run(...recordLogParams(o));
    const claimed: ClaimedLog[] = [];
    // Expired leases are looked for as the requests' are: only once one can have run out.
    const lookForExpired = limit > 0 && now >= this.logLeasesEndAfter;
    const queries = lookForExpired
      ? [this.sql.dueLogsExpired!, this.sql.dueLogsQueued!]
      : [this.sql.dueLogsQueued!];
    for (const query of queries) {
      if (claimed.length >= limit) break;
      for (const r of query.all(now, limit - claimed.length) as HistoryLogRecord[]) {
        const leased = this.sql.leaseLog!.get(now + leaseMs, now, r.id) as HistoryLogRecord;
        this.logLeasesEndAfter = Math.min(this.logLeasesEndAfter, now + leaseMs);
        claimed.push(toClaimedLog(r, leased));
      }
    }
    if (lookForExpired) {
      const first = this.sql.firstLogLeaseEnd!.get() as { at: number | null };
      this.logLeasesEndAfter = first.at ?? Infinity;
    }
    const nextDueAt =
      limit > 0 && claimed.length >= limit
        ? now
        : ((this.sql.nextLogDue!.get(now, now) as { at: number | null }).at ?? undefined);
    return { claimed, nextDueAt };
  }

  async wearerMatches(lockId: string, limit: number): Promise<WearerMatch[]> {
    const rows = this.sql.wearerMatches!.all(lockId, limit) as WearerMatchRecord[];
    return rows.map((r) =>
      toWearerMatch(
        r,
        (this.sql.seatRequests!.all(r.match_id, r.player_id) as OutboxRecord[]).map(toOutboxRow),
      ),
    );
  }

  /**
   * Picks due rows, settles those that must not be sent, leases the rest. Pages are asked for
   * again from the top: every row a page returned was leased, settled, or belongs to a wearer
   * leased meanwhile, so none of them is returned twice.
   */
  private claimDue({ now, limit, leaseMs, maxAgeMs }: ClaimOptions): Omit<ClaimResult, 'recorded'> {
    const claimed: ClaimedRequest[] = [];
    const settled: OutboxRow[] = [];
    const sessions = new Set<string>();
    const take = (r: Candidate): void => {
      const row = toOutboxRow(r);
      const refusal = this.refusal(r, row, now, maxAgeMs);
      if (refusal) {
        const stored = this.sql.settle!.get(refusal.status, refusal.message, now, r.id);
        settled.push(toOutboxRow(stored as OutboxRecord));
        return;
      }
      // Two rows of one wearer in the same page: the second waits for the first's outcome.
      if (sessions.has(r.seat_session!)) return;
      sessions.add(r.seat_session!);
      const leaseUntil = now + leaseMs;
      const leased = this.sql.lease!.get(leaseUntil, now, now, r.id) as OutboxRecord;
      this.leasesEndAfter = Math.min(this.leasesEndAfter, leaseUntil);
      claimed.push({
        row: toOutboxRow(leased),
        sessionId: r.seat_session!,
        actor: sendingActor(row),
      });
    };
    let pages = 0;
    const lookForExpired = limit > 0 && now >= this.leasesEndAfter;
    const queries = lookForExpired ? [this.sql.expired!, this.sql.queued!] : [this.sql.queued!];
    for (const query of queries) {
      let full = true;
      // Bounded like a scan: a page can only come back full of rows that are all skipped when
      // several rows of one wearer fill it, and each page leases one of them.
      while (full && claimed.length < limit && pages++ < limit + 8) {
        const want = limit - claimed.length;
        const page = firstRows<Candidate>(query, { now }, want);
        full = page.length === want;
        for (const r of page) take(r);
      }
    }
    if (lookForExpired) {
      const first = this.sql.firstLeaseEnd!.get() as { at: number | null };
      this.leasesEndAfter = first.at ?? Infinity;
    }
    const nextDueAt =
      claimed.length >= limit
        ? now
        : ((this.sql.nextDue!.get(now, now) as { at: number | null }).at ?? undefined);
    return { claimed, settled, nextDueAt };
  }

  /** Why a candidate must not be sent: the delivery policy, on the seat and room read with it. */
  private refusal(
    r: Candidate,
    row: OutboxRow,
    now: number,
    maxAgeMs: number,
  ): Refusal | undefined {
    const unsendable = deliveryRefusal(row, r.seat_session, now, maxAgeMs);
    if (unsendable || !isFirstAttempt(row)) return unsendable;
    const requester =
      row.requestedBy === 'self' && row.requesterID !== null
        ? (this.sql.seat!.get(row.matchID, row.requesterID) as SeatRecord | undefined)
        : undefined;
    return admissionRefusal({
      asker: row,
      target: { role: r.seat_role!, lockId: r.seat_lock!, sessionId: r.seat_session! },
      requester: requester && toSeatBinding(requester),
      policy: r.policy === null ? null : (JSON.parse(r.policy) as RoomPolicy),
      charged: () => (this.sql.chargedInMatch!.get(row.matchID) as { n: number }).n,
      lastAdmittedAt: () =>
        (this.sql.lastAdmittedForSession!.get(r.seat_session) as { at: number | null }).at,
      now,
    });
  }

  async requestsOf(matchID: string): Promise<OutboxRow[]> {
    return (this.sql.requestsOf!.all(matchID) as OutboxRecord[]).map(toOutboxRow);
  }

  async markSubmitted(
    sessionId: string,
    requestId: string,
    submittedAt: number,
    now: number,
  ): Promise<OutboxRow[] | undefined> {
    const rows = this.db.transaction(() => {
      if (this.sql.seeWebhook!.run(requestId, now).changes === 0) return undefined;
      const records = this.sql.submit!.all(SUBMITTED_MESSAGE, now, submittedAt, sessionId);
      return (records as OutboxRecord[]).map(toOutboxRow);
    })();
    if (rows) this.changes?.announce(rows);
    return rows;
  }

  async prune(now: number, policy: RetentionPolicy): Promise<PruneResult> {
    const run = this.db.transaction(() =>
      pruneSync(
        ({ sql, params }) => {
          const statement = this.db.prepare(sql);
          return statement.reader
            ? { rows: statement.all(...params), changes: 0 }
            : { rows: [], changes: statement.run(...params).changes };
        },
        PRUNE_DIALECT,
        now,
        policy,
      ),
    );
    return run();
  }

  async getSetting(key: string): Promise<string | undefined> {
    return (this.sql.getSetting!.get(key) as { value: string } | undefined)?.value;
  }

  async setSettingIfAbsent(key: string, value: string): Promise<string> {
    this.sql.putSetting!.run(key, value);
    return (await this.getSetting(key))!;
  }

  async ping(): Promise<boolean> {
    return this.db.prepare('SELECT 1 AS ok').get() !== undefined;
  }
}
