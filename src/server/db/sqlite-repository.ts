/**
 * The server's own storage on SQLite: logins, seat bindings, room policies and the outbox's
 * delivery state. It shares the database file (and so its transactions) with `SqliteStore`.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { OutboxRow } from '../outbox/types.js';
import {
  CHARGED_STATUSES,
  deliveryRefusal,
  isFirstAttempt,
  NO_ROOM_REFUSAL,
  policyRefusal,
  seatRefusal,
  toAuthSession,
  toRow,
  toSeat,
} from './records.js';
import type { AuthRecord, OutboxRecord, Refusal, SeatRecord } from './records.js';
import type {
  AuthSession,
  ClaimOptions,
  ClaimResult,
  ClaimedRequest,
  PruneResult,
  Repository,
  RetentionPolicy,
  RoomPolicy,
  SeatBinding,
} from './types.js';

/** A due row with what the claim checks: its seat (null when unbound) and its room's policy. */
interface Candidate extends OutboxRecord {
  seat_session: string | null;
  seat_role: SeatRecord['role'] | null;
  seat_lock: string | null;
  policy: string | null;
}

const CANDIDATE = `SELECT o.*, s.session_id AS seat_session, s.role AS seat_role, s.lock_id AS seat_lock, r.policy
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
 * one, this SQLite (built with STAT4) plans the statement again on every run, which here cost
 * more than the query itself (~0.1 ms for the claim's).
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

/** `Repository` on a better-sqlite3 database migrated by `openSqlite`. */
export class SqliteRepository implements Repository {
  private readonly sql: Record<string, Statement>;
  private readonly claimTx: (options: ClaimOptions) => ClaimResult;
  /**
   * No lease runs out before this, so until then a claim skips the query for expired leases. It
   * is the earliest lease in the table when that query last ran, lowered by every lease taken
   * since; finished sends only raise the true minimum, so the check is never late. This holds
   * because the repository is the only one leasing rows in its file (as the store is the only
   * writer of its matches); a restarted process starts by looking.
   */
  private leasesEndAfter = -Infinity;

  constructor(private readonly db: Database) {
    this.sql = {
      insertAuth: db.prepare(
        `INSERT INTO auth_sessions (id, session_id, role, user_id, username, lock_id, lock_title, created_at, expires_at)
         VALUES (@id, @sessionId, @role, @userId, @username, @lockId, @lockTitle, @createdAt, @expiresAt)`,
      ),
      getAuth: db.prepare(`SELECT * FROM auth_sessions WHERE id = ?`),
      revokeAuth: db.prepare(`DELETE FROM auth_sessions WHERE id = ?`),
      insertRoom: db.prepare(
        `INSERT INTO rooms (match_id, policy, created_at, host_user_id) VALUES (?, ?, ?, ?)`,
      ),
      openRoomsOf: db.prepare(
        `SELECT COUNT(*) AS n FROM rooms r JOIN matches m ON m.match_id = r.match_id
         WHERE r.host_user_id = ? AND m.gameover = 0`,
      ),
      getRoom: db.prepare(`SELECT policy FROM rooms WHERE match_id = ?`),
      bindSeat: db.prepare(
        `INSERT INTO seats (match_id, player_id, auth_id, session_id, role, user_id, lock_id, credentials_hash, created_at)
         VALUES (@matchID, @playerID, @authId, @sessionId, @role, @userId, @lockId, @credentialsHash, @now)
         ON CONFLICT (match_id, player_id) DO NOTHING`,
      ),
      seatsOf: db.prepare(
        `SELECT * FROM seats WHERE match_id = ? ORDER BY CAST(player_id AS INTEGER)`,
      ),
      seat: db.prepare(`SELECT * FROM seats WHERE match_id = ? AND player_id = ?`),
      seatCredentials: db.prepare(
        `UPDATE seats SET credentials_hash = ? WHERE match_id = ? AND player_id = ?`,
      ),
      // Due rows in fair-queuing order (records.ts, fairTags) with their seat and room, leaving
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
        `SELECT COUNT(*) AS n FROM outbox WHERE match_id = ? AND admitted_at IS NOT NULL AND status IN ${CHARGED_STATUSES}`,
      ),
      lastAdmittedForSession: db.prepare(
        `SELECT MAX(o.admitted_at) AS at FROM outbox o
         JOIN seats s ON s.match_id = o.match_id AND s.player_id = o.player_id
         WHERE s.session_id = ? AND o.admitted_at IS NOT NULL AND o.status IN ${CHARGED_STATUSES}`,
      ),
      lease: db.prepare(
        `UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = ?, updated_at = ?,
                admitted_at = COALESCE(admitted_at, ?)
         WHERE id = ?`,
      ),
      settle: db.prepare(
        `UPDATE outbox SET status = ?, message = ?, lease_until = NULL, updated_at = ? WHERE id = ?`,
      ),
      finish: db.prepare(
        `UPDATE outbox SET status = ?, message = ?, next_attempt_at = COALESCE(?, next_attempt_at),
                lease_until = NULL, updated_at = ?
         WHERE id = ? AND status = 'sending'`,
      ),
      firstLeaseEnd: db.prepare(
        `SELECT MIN(lease_until) AS at FROM outbox WHERE status = 'sending'`,
      ),
      // Rows due later, and leases that run out later (a crashed sender's rows come back then).
      nextDue: db.prepare(
        `SELECT MIN(at) AS at FROM (
           SELECT MIN(next_attempt_at) AS at FROM outbox WHERE status = 'queued' AND next_attempt_at > @now
           UNION ALL SELECT MIN(lease_until) FROM outbox WHERE status = 'sending' AND lease_until > @now)`,
      ),
      requestsOf: db.prepare(
        `SELECT * FROM outbox WHERE match_id = ? ORDER BY created_at, state_id, idx`,
      ),
      seenWebhook: db.prepare(
        `INSERT INTO webhook_events (request_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING`,
      ),
      submittable: db.prepare(
        `SELECT o.* FROM outbox o JOIN seats s ON s.match_id = o.match_id AND s.player_id = o.player_id
         WHERE s.session_id = ? AND o.status IN ('delivered', 'already_pending') AND o.updated_at <= ?`,
      ),
      getSetting: db.prepare(`SELECT value FROM settings WHERE key = ?`),
      putSetting: db.prepare(
        `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING`,
      ),
    };
    this.claimTx = db.transaction((options: ClaimOptions) => this.claimSync(options));
  }

  async createAuthSession(session: AuthSession): Promise<void> {
    this.sql.insertAuth!.run(session);
  }

  async getAuthSession(id: string): Promise<AuthSession | undefined> {
    const r = this.sql.getAuth!.get(id) as AuthRecord | undefined;
    return r && toAuthSession(r);
  }

  async revokeAuthSession(id: string): Promise<void> {
    this.sql.revokeAuth!.run(id);
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

  async getRoomPolicy(matchID: string): Promise<RoomPolicy | undefined> {
    const r = this.sql.getRoom!.get(matchID) as { policy: string } | undefined;
    return r ? (JSON.parse(r.policy) as RoomPolicy) : undefined;
  }

  async bindSeat(binding: SeatBinding, now: number): Promise<boolean> {
    return this.sql.bindSeat!.run({ ...binding, now }).changes > 0;
  }

  async seatsOf(matchID: string): Promise<SeatBinding[]> {
    return (this.sql.seatsOf!.all(matchID) as SeatRecord[]).map(toSeat);
  }

  async seatOf(matchID: string, playerID: string): Promise<SeatBinding | undefined> {
    const r = this.sql.seat!.get(matchID, playerID) as SeatRecord | undefined;
    return r && toSeat(r);
  }

  async replaceSeatCredentials(
    matchID: string,
    playerID: string,
    credentialsHash: string,
  ): Promise<void> {
    this.sql.seatCredentials!.run(credentialsHash, matchID, playerID);
  }

  async claim(options: ClaimOptions): Promise<ClaimResult> {
    try {
      return this.claimTx(options);
    } catch (error) {
      // Rolled back: the leases it took and the minimum it read are gone.
      this.leasesEndAfter = -Infinity;
      throw error;
    }
  }

  /**
   * One transaction: record the outcomes, pick due rows, settle those that must not be sent,
   * lease the rest. Pages are asked for again from the top: every row a page returned was leased,
   * settled, or belongs to a wearer leased meanwhile, so none of them is returned twice.
   */
  private claimSync({ now, limit, leaseMs, maxAgeMs, outcomes = [] }: ClaimOptions): ClaimResult {
    const finished = outcomes.map(
      (o) =>
        this.sql.finish!.run(o.status, o.message, o.nextAttemptAt ?? null, o.now, o.id).changes > 0,
    );
    const claimed: ClaimedRequest[] = [];
    const settled: OutboxRow[] = [];
    const sessions = new Set<string>();
    // The candidate holds every column, so the changed rows are built here, not read back.
    const take = (r: Candidate): void => {
      const refusal = this.refusal(r, now, maxAgeMs);
      if (refusal) {
        this.sql.settle!.run(refusal.status, refusal.message, now, r.id);
        settled.push(toRow({ ...r, ...refusal, lease_until: null, updated_at: now }));
        return;
      }
      // Two rows of one wearer in the same page: the second waits for the first's outcome.
      if (sessions.has(r.seat_session!)) return;
      sessions.add(r.seat_session!);
      const leaseUntil = now + leaseMs;
      this.sql.lease!.run(leaseUntil, now, now, r.id);
      this.leasesEndAfter = Math.min(this.leasesEndAfter, leaseUntil);
      claimed.push({
        row: toRow({
          ...r,
          status: 'sending',
          attempts: r.attempts + 1,
          lease_until: leaseUntil,
          updated_at: now,
        }),
        sessionId: r.seat_session!,
        actor: r.actor ?? 'extension',
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
        : ((this.sql.nextDue!.get({ now }) as { at: number | null }).at ?? undefined);
    return { finished, claimed, settled, nextDueAt };
  }

  /** Why a candidate must not be sent: too old, no seat, or (first attempt only) the seats' roles and the room's policy. */
  private refusal(r: Candidate, now: number, maxAgeMs: number): Refusal | undefined {
    const unsendable = deliveryRefusal(r, r.seat_session, now, maxAgeMs);
    if (unsendable) return unsendable;
    if (!isFirstAttempt(r)) return undefined;
    const target = { role: r.seat_role!, lock_id: r.seat_lock!, session_id: r.seat_session! };
    const requester =
      r.requested_by === 'self' && r.requester_id !== null
        ? (this.sql.seat!.get(r.match_id, r.requester_id) as SeatRecord | undefined)
        : undefined;
    const refused = seatRefusal(r, target, requester);
    if (refused) return refused;
    if (r.policy === null) return NO_ROOM_REFUSAL;
    const policy = JSON.parse(r.policy) as RoomPolicy;
    const charged = (this.sql.chargedInMatch!.get(r.match_id) as { n: number }).n;
    // No cooldown: the last admission cannot refuse anything.
    const last =
      policy.cooldownMs > 0
        ? (this.sql.lastAdmittedForSession!.get(r.seat_session) as { at: number | null }).at
        : null;
    return policyRefusal(policy, charged, last, now);
  }

  async requestsOf(matchID: string): Promise<OutboxRow[]> {
    return (this.sql.requestsOf!.all(matchID) as OutboxRecord[]).map(toRow);
  }

  async markSubmitted(
    sessionId: string,
    requestId: string,
    submittedAt: number,
    now: number,
  ): Promise<OutboxRow[] | undefined> {
    return this.db.transaction(() => {
      if (this.sql.seenWebhook!.run(requestId, now).changes === 0) return undefined;
      // A delivered row's updated_at is when it was delivered: nothing changes it until now.
      const rows = this.sql.submittable!.all(sessionId, submittedAt) as OutboxRecord[];
      for (const r of rows)
        this.sql.settle!.run('submitted', 'The wearer submitted a picture.', now, r.id);
      return rows.map((r) =>
        toRow({
          ...r,
          status: 'submitted',
          message: 'The wearer submitted a picture.',
          updated_at: now,
        }),
      );
    })();
  }

  async prune(now: number, policy: RetentionPolicy): Promise<PruneResult> {
    return this.db.transaction(() => {
      const stale = this.db
        .prepare(
          `SELECT match_id FROM matches m
           WHERE ((gameover = 1 AND updated_at < @finished) OR updated_at < @idle)
             AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.match_id = m.match_id AND o.status IN ('queued', 'sending'))`,
        )
        .all({
          finished: now - policy.finishedMatchesMs,
          idle: now - policy.idleMatchesMs,
        }) as Array<{
        match_id: string;
      }>;
      let requests = 0;
      for (const { match_id } of stale) {
        for (const table of ['matches', 'match_log', 'seats', 'rooms']) {
          this.db.prepare(`DELETE FROM ${table} WHERE match_id = ?`).run(match_id);
        }
        requests += this.db.prepare(`DELETE FROM outbox WHERE match_id = ?`).run(match_id).changes;
      }
      requests += this.db
        .prepare(`DELETE FROM outbox WHERE status NOT IN ('queued', 'sending') AND updated_at < ?`)
        .run(now - policy.finalRequestsMs).changes;
      const logins = this.db
        .prepare(`DELETE FROM auth_sessions WHERE expires_at < ?`)
        .run(now).changes;
      // Chaster retries a webhook for a few minutes; a day of ids is plenty to stay idempotent.
      const webhookEvents = this.db
        .prepare(`DELETE FROM webhook_events WHERE received_at < ?`)
        .run(now - 24 * 60 * 60 * 1000).changes;
      return { matches: stale.length, requests, logins, webhookEvents };
    })();
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
