/**
 * The server's own storage on SQLite: logins, seat bindings, room policies and the outbox's
 * delivery state. It shares the database file (and so its transactions) with `SqliteStore`.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { OutboxRow, OutboxStatus } from '../outbox/types.js';
import {
  CHARGED_STATUSES,
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
  OutcomeUpdate,
  PruneResult,
  Repository,
  RetentionPolicy,
  RoomPolicy,
  SeatBinding,
} from './types.js';

/** `Repository` on a better-sqlite3 database migrated by `openSqlite`. */
export class SqliteRepository implements Repository {
  private readonly sql: Record<string, Statement>;
  private readonly claimTx: (options: ClaimOptions) => ClaimResult;

  constructor(private readonly db: Database) {
    this.sql = {
      insertAuth: db.prepare(
        `INSERT INTO auth_sessions (id, session_id, role, user_id, username, lock_id, lock_title, created_at, expires_at)
         VALUES (@id, @sessionId, @role, @userId, @username, @lockId, @lockTitle, @createdAt, @expiresAt)`,
      ),
      getAuth: db.prepare(`SELECT * FROM auth_sessions WHERE id = ?`),
      insertRoom: db.prepare(`INSERT INTO rooms (match_id, policy, created_at) VALUES (?, ?, ?)`),
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
      // Two halves that each walk an index, instead of an OR that sorts every due row per claim.
      candidates: db.prepare(
        `SELECT * FROM (SELECT * FROM outbox WHERE status = 'queued' AND next_attempt_at <= @now
                        ORDER BY next_attempt_at, created_at LIMIT @scan)
         UNION ALL
         SELECT * FROM (SELECT * FROM outbox WHERE status = 'sending' AND lease_until <= @now LIMIT @scan)
         ORDER BY next_attempt_at, created_at
         LIMIT @scan`,
      ),
      sessionBusy: db.prepare(
        `SELECT 1 FROM outbox o JOIN seats s ON s.match_id = o.match_id AND s.player_id = o.player_id
         WHERE s.session_id = ? AND o.status = 'sending' AND o.lease_until > ? AND o.id <> ? LIMIT 1`,
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
        `UPDATE outbox SET status = @status, message = @message, next_attempt_at = COALESCE(@nextAttemptAt, next_attempt_at),
                lease_until = NULL, updated_at = @now
         WHERE id = @id AND status = 'sending'`,
      ),
      row: db.prepare(`SELECT * FROM outbox WHERE id = ?`),
      nextDue: db.prepare(`SELECT MIN(next_attempt_at) AS at FROM outbox WHERE status = 'queued'`),
      nextLease: db.prepare(`SELECT MIN(lease_until) AS at FROM outbox WHERE status = 'sending'`),
      requestsOf: db.prepare(
        `SELECT * FROM outbox WHERE match_id = ? ORDER BY created_at, state_id, idx`,
      ),
      seenWebhook: db.prepare(
        `INSERT INTO webhook_events (request_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING`,
      ),
      submittable: db.prepare(
        `SELECT o.* FROM outbox o JOIN seats s ON s.match_id = o.match_id AND s.player_id = o.player_id
         WHERE s.session_id = ? AND o.status IN ('delivered', 'already_pending')`,
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

  async createRoom(matchID: string, policy: RoomPolicy, now: number): Promise<void> {
    this.sql.insertRoom!.run(matchID, JSON.stringify(policy), now);
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
    return this.claimTx(options);
  }

  /** One transaction: pick due rows, settle those that must not be sent, lease the rest. */
  private claimSync({ now, limit, leaseMs, maxAgeMs }: ClaimOptions): ClaimResult {
    const claimed: ClaimedRequest[] = [];
    const settled: OutboxRow[] = [];
    if (limit <= 0) return { claimed, settled };
    const busySessions = new Set<string>();
    const candidates = this.sql.candidates!.all({ now, scan: limit * 4 + 16 }) as OutboxRecord[];
    const settle = (r: OutboxRecord, status: OutboxStatus, message: string) => {
      this.sql.settle!.run(status, message, now, r.id);
      settled.push(toRow({ ...r, status, message, lease_until: null, updated_at: now }));
    };
    for (const r of candidates) {
      if (claimed.length >= limit) break;
      if (now - r.created_at > maxAgeMs) {
        settle(
          r,
          'dead',
          `Not delivered within ${Math.round(maxAgeMs / 60_000)} minutes; given up.`,
        );
        continue;
      }
      const target = this.sql.seat!.get(r.match_id, r.player_id) as SeatRecord | undefined;
      if (!target) {
        settle(r, 'failed', `Seat ${r.player_id} has no Chaster session.`);
        continue;
      }
      const first = r.attempts === 0 && r.status === 'queued';
      if (first) {
        const refusal = this.refusal(r, target, now);
        if (refusal) {
          settle(r, refusal.status, refusal.message);
          continue;
        }
      }
      // One request per wearer at a time: Chaster keeps one pending request per lock.
      if (
        busySessions.has(target.session_id) ||
        this.sql.sessionBusy!.get(target.session_id, now, r.id)
      ) {
        continue;
      }
      busySessions.add(target.session_id);
      const leaseUntil = now + leaseMs;
      this.sql.lease!.run(leaseUntil, now, now, r.id);
      claimed.push({
        row: toRow({
          ...r,
          status: 'sending',
          attempts: r.attempts + 1,
          lease_until: leaseUntil,
          updated_at: now,
        }),
        sessionId: target.session_id,
        actor: r.actor ?? 'extension',
      });
    }
    return { claimed, settled };
  }

  /** Why a row must not be sent at all, checked once, on its first claim. */
  private refusal(r: OutboxRecord, target: SeatRecord, now: number): Refusal | undefined {
    const requester =
      r.requester_id === null
        ? undefined
        : (this.sql.seat!.get(r.match_id, r.requester_id) as SeatRecord | undefined);
    const refused = seatRefusal(r, target, requester);
    if (refused) return refused;
    const room = this.sql.getRoom!.get(r.match_id) as { policy: string } | undefined;
    if (!room) return undefined;
    const charged = (this.sql.chargedInMatch!.get(r.match_id) as { n: number }).n;
    const last = (this.sql.lastAdmittedForSession!.get(target.session_id) as { at: number | null })
      .at;
    return policyRefusal(JSON.parse(room.policy) as RoomPolicy, charged, last, now);
  }

  async finish(id: string, update: OutcomeUpdate): Promise<OutboxRow | undefined> {
    const changed = this.sql.finish!.run({
      id,
      status: update.status,
      message: update.message,
      nextAttemptAt: update.nextAttemptAt ?? null,
      now: update.now,
    }).changes;
    if (changed === 0) return undefined;
    const r = this.sql.row!.get(id) as OutboxRecord | undefined;
    return r && toRow(r);
  }

  async nextDueAt(): Promise<number | undefined> {
    const due = (this.sql.nextDue!.get() as { at: number | null }).at;
    const lease = (this.sql.nextLease!.get() as { at: number | null }).at;
    const times = [due, lease].filter((t): t is number => t !== null);
    return times.length ? Math.min(...times) : undefined;
  }

  async requestsOf(matchID: string): Promise<OutboxRow[]> {
    return (this.sql.requestsOf!.all(matchID) as OutboxRecord[]).map(toRow);
  }

  async markSubmitted(
    sessionId: string,
    requestId: string,
    now: number,
  ): Promise<OutboxRow[] | undefined> {
    return this.db.transaction(() => {
      if (this.sql.seenWebhook!.run(requestId, now).changes === 0) return undefined;
      const rows = this.sql.submittable!.all(sessionId) as OutboxRecord[];
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
