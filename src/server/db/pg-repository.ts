/**
 * The server's own storage on Postgres, shared by every instance. The outbox is drained with
 * `FOR UPDATE SKIP LOCKED` (one worker per row at a time), room policies are checked under a
 * per-match advisory lock and one request per wearer is kept in flight under a per-session one, so
 * several instances behave exactly like one SQLite process. Every outbox row it changes is NOTIFYed
 * inside the transaction that changes it (`pg-notify.ts`), so every instance hears it once, on
 * commit; nothing is announced locally.
 */
import pg from 'pg';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import {
  admissionRefusal,
  deliveryRefusal,
  isFirstAttempt,
  sendingActor,
  SUBMITTED_MESSAGE,
} from '../outbox/policy.js';
import type { SeatRole } from '../../plugin/index.js';
import type { Refusal, RoomPolicy } from '../outbox/policy.js';
import type { OutboxRow } from '../outbox/types.js';
import type { ClaimedLog } from '../outbox/history-log.js';
import {
  dueLogsSql,
  LEASE_LOG,
  NEXT_LOG_DUE,
  MAX_HISTORY_REQUESTS,
  RECORD_LOG,
  recordLogParams,
  requestLogsSql,
  WEARER_MATCHES,
} from './history-sql.js';
import {
  CHARGED_IN,
  NEXT_DUE,
  numbered,
  SEE_WEBHOOK,
  SUBMIT,
  TARGET_POLICY,
} from './outbox-sql.js';
import { notifyOutboxRows } from './pg-notify.js';
import { inTransaction } from './pg-transaction.js';
import { pruneAsync } from './prune.js';
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

/** A pg Pool whose BIGINT columns (our millisecond times) come back as numbers. */
export function createPostgresPool(connectionString: string, max = 10): Pool {
  return new pg.Pool({
    connectionString,
    max,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
}

/** How soon a claim that lost a try-lock to another instance's claim looks again. */
const CONTENDED_RETRY_MS = 20;

/**
 * A due row with its seat, the asking seat (for `by: 'self'`) and its policy: the target seat's
 * own (its wearer's house rules) when it has one, else the room's; none without a room.
 */
interface PgCandidate extends OutboxRecord {
  seat_session: string | null;
  seat_role: SeatRole | null;
  seat_lock: string | null;
  requester_session: string | null;
  requester_role: SeatRole | null;
  requester_lock: string | null;
  policy: RoomPolicy | null;
  admitted_at: number | null;
}

/** Past admissions as stored, outside the rows a claim is deciding on. */
interface Admissions {
  /** Requests charged to each locked match. */
  charged: Map<string, number>;
  /** Each wearer's last admission (wearers in rooms with a cooldown). */
  last: Map<string, number>;
  /** Wearers with a request out on a live lease. */
  busy: Set<string>;
}

/**
 * What a claim sees at each row, as if it had re-read the database there: the stored admissions
 * plus the due rows as the claim has left them so far (a settled row no longer counts, a leased
 * first attempt counts from now, a leased wearer is busy).
 */
class AdmissionView {
  /** Due rows still charged: their match, wearer and admission (null: not admitted yet). */
  private readonly due = new Map<
    string,
    { matchID: string; sessionId: string | null; admittedAt: number | null }
  >();

  constructor(
    private readonly stored: Admissions,
    candidates: readonly PgCandidate[],
  ) {
    for (const r of candidates) {
      this.due.set(r.id, {
        matchID: r.match_id,
        sessionId: r.seat_session,
        admittedAt: r.admitted_at,
      });
    }
  }

  settle(id: string): void {
    this.due.delete(id);
  }

  lease(id: string, sessionId: string, now: number): void {
    this.stored.busy.add(sessionId);
    const row = this.due.get(id);
    if (row && row.admittedAt === null) row.admittedAt = now;
  }

  busy(sessionId: string): boolean {
    return this.stored.busy.has(sessionId);
  }

  charged(matchID: string): number {
    let n = this.stored.charged.get(matchID) ?? 0;
    for (const row of this.due.values())
      if (row.matchID === matchID && row.admittedAt !== null) n++;
    return n;
  }

  last(sessionId: string): number | null {
    let at = this.stored.last.get(sessionId) ?? null;
    for (const row of this.due.values()) {
      if (row.sessionId === sessionId && row.admittedAt !== null) {
        at = at === null ? row.admittedAt : Math.max(at, row.admittedAt);
      }
    }
    return at;
  }
}

/** Why a first attempt must not be sent: the delivery policy, on the seats and counts as read. */
function candidateRefusal(
  r: PgCandidate,
  row: OutboxRow,
  view: AdmissionView,
  now: number,
): Refusal | undefined {
  return admissionRefusal({
    asker: row,
    target: { role: r.seat_role!, lockId: r.seat_lock!, sessionId: r.seat_session! },
    requester:
      row.requestedBy === 'self' && r.requester_session !== null
        ? { role: r.requester_role!, lockId: r.requester_lock!, sessionId: r.requester_session }
        : undefined,
    policy: r.policy,
    charged: () => view.charged(r.match_id),
    lastAdmittedAt: () => view.last(r.seat_session!),
    now,
  });
}

/** Match ids bound as one array; rows a concurrent transaction holds are passed over. */
const PRUNE_DIALECT: PruneDialect = {
  matchIn: 'match_id = ANY(?)',
  bindMatches: (ids) => ids,
  skipLocked: 'FOR UPDATE SKIP LOCKED',
};

/** `Repository` on Postgres, safe to share between server instances. */
export class PgRepository implements Repository {
  /** Announces no change itself: every change is NOTIFYed in its transaction (`pg-notify.ts`). */
  constructor(private readonly pool: Pool) {}

  /** The first row of a query on the pool, undefined when there is none. */
  private async first<R extends QueryResultRow>(
    sql: string,
    params: unknown[],
  ): Promise<R | undefined> {
    return (await this.pool.query<R>(sql, params)).rows[0];
  }

  async createLogin(s: Login): Promise<void> {
    await this.pool.query(
      `INSERT INTO logins (id, session_id, role, user_id, username, lock_id, lock_title, created_at, expires_at, house_rules)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        s.id,
        s.sessionId,
        s.role,
        s.userId,
        s.username,
        s.lockId,
        s.lockTitle,
        s.createdAt,
        s.expiresAt,
        toJson(s.houseRules),
      ],
    );
  }

  async getLogin(id: string): Promise<Login | undefined> {
    const r = await this.first<LoginRecord>('SELECT * FROM logins WHERE id = $1', [id]);
    return r && toLogin(r);
  }

  async revokeLogin(id: string): Promise<void> {
    await this.pool.query('DELETE FROM logins WHERE id = $1', [id]);
  }

  async setHouseRules(sessionId: string, houseRules: Login['houseRules']): Promise<void> {
    await this.pool.query('UPDATE logins SET house_rules = $1 WHERE session_id = $2', [
      toJson(houseRules),
      sessionId,
    ]);
  }

  async removeRoom(matchID: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM rooms WHERE match_id = $1', [matchID]);
      await client.query('DELETE FROM seats WHERE match_id = $1', [matchID]);
    });
  }

  async openRoomsHostedBy(userId: string): Promise<number> {
    const r = await this.first<{ n: number }>(
      `SELECT COUNT(*)::int AS n FROM rooms r JOIN matches m ON m.match_id = r.match_id
       WHERE r.host_user_id = $1 AND NOT m.gameover`,
      [userId],
    );
    return r!.n;
  }

  async createRoom(
    matchID: string,
    policy: RoomPolicy,
    now: number,
    hostUserId?: string,
  ): Promise<void> {
    await this.pool.query(
      'INSERT INTO rooms (match_id, policy, created_at, host_user_id) VALUES ($1, $2, $3, $4)',
      [matchID, JSON.stringify(policy), now, hostUserId ?? null],
    );
  }

  async bindSeat(b: SeatBinding, now: number): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO seats (match_id, player_id, login_id, session_id, role, user_id, lock_id, credentials_hash, created_at, policy)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
      [
        b.matchID,
        b.playerID,
        b.loginId,
        b.sessionId,
        b.role,
        b.userId,
        b.lockId,
        b.credentialsHash,
        now,
        toJson(b.policy),
      ],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async seatsOf(matchID: string): Promise<SeatBinding[]> {
    const { rows } = await this.pool.query<SeatRecord>(
      'SELECT * FROM seats WHERE match_id = $1 ORDER BY player_id::int',
      [matchID],
    );
    return rows.map(toSeatBinding);
  }

  async seatOf(matchID: string, playerID: string): Promise<SeatBinding | undefined> {
    const r = await this.first<SeatRecord>(
      'SELECT * FROM seats WHERE match_id = $1 AND player_id = $2',
      [matchID, playerID],
    );
    return r && toSeatBinding(r);
  }

  async replaceSeatCredentials(matchID: string, playerID: string, hash: string): Promise<void> {
    await this.pool.query(
      'UPDATE seats SET credentials_hash = $1 WHERE match_id = $2 AND player_id = $3',
      [hash, matchID, playerID],
    );
  }

  async recordAndClaim(options: ClaimOptions): Promise<ClaimResult> {
    return inTransaction(this.pool, async (client) => {
      // The outcomes first: they free their wearers for the claim.
      const { recorded, rows } = await this.recordOutcomes(client, options.outcomes ?? []);
      const claim = await this.claimDue(client, options);
      // Every row the transaction changed, in one NOTIFY statement.
      await notifyOutboxRows(client, [
        ...rows,
        ...claim.settled,
        ...claim.claimed.map((c) => c.row),
      ]);
      return { recorded, ...claim };
    });
  }

  /**
   * A few statements, however many rows it takes: lock the due rows with their seats and room,
   * take every advisory lock they need in one statement, read the room counts, last admissions and
   * busy wearers under those locks in another, decide row by row here (counting what this claim
   * admits), then settle, lease and notify in bulk.
   */
  private async claimDue(
    client: PoolClient,
    { now, limit, leaseMs, maxAgeMs }: ClaimOptions,
  ): Promise<Omit<ClaimResult, 'recorded'>> {
    const claimed: ClaimedRequest[] = [];
    const settled: OutboxRow[] = [];
    if (limit <= 0) return { claimed, settled, nextDueAt: now };
    let contended = false;
    // Due rows in fair-queuing order (outbox/fair-queue.ts).
    const { rows: candidates } = await client.query<PgCandidate>(
      `SELECT o.*, s.session_id AS seat_session, s.role AS seat_role, s.lock_id AS seat_lock,
              q.session_id AS requester_session, q.role AS requester_role, q.lock_id AS requester_lock,
              ${TARGET_POLICY} AS policy
       FROM outbox o
       LEFT JOIN seats s ON s.match_id = o.match_id AND s.player_id = o.player_id
       LEFT JOIN seats q ON q.match_id = o.match_id AND q.player_id = o.requester_id
       LEFT JOIN rooms r ON r.match_id = o.match_id
       WHERE (o.status = 'queued' AND o.next_attempt_at <= $1) OR (o.status = 'sending' AND o.lease_until <= $1)
       ORDER BY o.fair_tag, o.next_attempt_at, o.created_at
       LIMIT $2
       FOR UPDATE OF o SKIP LOCKED`,
      [now, limit * 4 + 16],
    );
    const rowsById = new Map(candidates.map((r) => [r.id, toOutboxRow(r)]));
    const unsendable = new Map(
      candidates.map((r) => [
        r.id,
        deliveryRefusal(rowsById.get(r.id)!, r.seat_session, now, maxAgeMs),
      ]),
    );
    const sendable = candidates.filter((r) => unsendable.get(r.id) === undefined);
    const firstAttempts = sendable.filter(isFirstAttempt);
    // Policy checks of one match run one at a time across instances, and one request per wearer
    // is out at a time: try-locks never deadlock against another instance's claim.
    const locked = await this.tryLocks(client, [
      ...firstAttempts.map((r) => `match:${r.match_id}`),
      ...sendable.map((r) => `session:${r.seat_session!}`),
    ]);
    const lockedMatches = [
      ...new Set(firstAttempts.map((r) => r.match_id).filter((m) => locked.has(`match:${m}`))),
    ];
    const cooldownSessions = [
      ...new Set(
        firstAttempts
          .filter((r) => locked.has(`match:${r.match_id}`) && (r.policy?.cooldownMs ?? 0) > 0)
          .map((r) => r.seat_session!),
      ),
    ];
    const lockedSessions = [
      ...new Set(sendable.map((r) => r.seat_session!).filter((id) => locked.has(`session:${id}`))),
    ];

    const view = new AdmissionView(
      await this.admissions(
        client,
        now,
        candidates,
        lockedMatches,
        cooldownSessions,
        lockedSessions,
      ),
      candidates,
    );
    const settles: Array<{ r: PgCandidate; refusal: Refusal }> = [];
    const leases: Array<{ r: PgCandidate; sessionId: string }> = [];
    const settle = (r: PgCandidate, refusal: Refusal) => {
      settles.push({ r, refusal });
      view.settle(r.id);
    };
    for (const r of candidates) {
      if (leases.length >= limit) break;
      const undeliverable = unsendable.get(r.id);
      if (undeliverable) {
        settle(r, undeliverable);
        continue;
      }
      const sessionId = r.seat_session!;
      if (isFirstAttempt(r)) {
        if (!locked.has(`match:${r.match_id}`)) {
          contended = true;
          continue;
        }
        const refusal = candidateRefusal(r, rowsById.get(r.id)!, view, now);
        if (refusal) {
          settle(r, refusal);
          continue;
        }
      }
      if (!locked.has(`session:${sessionId}`)) {
        contended = true;
        continue;
      }
      if (view.busy(sessionId)) continue;
      view.lease(r.id, sessionId, now);
      leases.push({ r, sessionId });
    }
    settled.push(...(await this.settleMany(client, settles, now)));
    const leased = await this.leaseMany(
      client,
      leases.map((l) => l.r.id),
      now,
      leaseMs,
    );
    for (const { r, sessionId } of leases) {
      const row = leased.get(r.id);
      if (row) claimed.push({ row, sessionId, actor: sendingActor(row) });
    }
    return {
      claimed,
      settled,
      nextDueAt: await this.nextDueAt(client, now, claimed, limit, contended),
    };
  }

  /**
   * When to claim again: now when the limit left rows behind, soon after contention, else when
   * the next row falls due.
   */
  private async nextDueAt(
    client: PoolClient,
    now: number,
    claimed: readonly ClaimedRequest[],
    limit: number,
    contended: boolean,
  ): Promise<number | undefined> {
    if (claimed.length >= limit) return now;
    // Another instance was checking the same match or wearer: look again soon, not at the poll.
    if (contended) return now + CONTENDED_RETRY_MS;
    const { rows } = await client.query<{ at: number | null }>(numbered(NEXT_DUE), [now, now]);
    return rows[0]?.at ?? undefined;
  }

  /** Takes advisory transaction locks on `keys` (without waiting); returns the keys it holds. */
  private async tryLocks(client: PoolClient, keys: string[]): Promise<Set<string>> {
    const unique = [...new Set(keys)];
    if (unique.length === 0) return new Set();
    const { rows } = await client.query<{ key: string; ok: boolean }>(
      'SELECT k AS key, pg_try_advisory_xact_lock(hashtext(k)) AS ok FROM unnest($1::text[]) AS k',
      [unique],
    );
    return new Set(rows.filter((r) => r.ok).map((r) => r.key));
  }

  /**
   * Read under the locks, in one statement: requests charged to each match and each wearer's last
   * admission (rooms with a cooldown), both outside the due rows (`AdmissionView` adds those as the
   * claim leaves them), and the wearers with a request out on a live lease.
   */
  private async admissions(
    client: PoolClient,
    now: number,
    candidates: readonly OutboxRecord[],
    matches: string[],
    cooldownSessions: string[],
    sessions: string[],
  ): Promise<Admissions> {
    if (matches.length === 0 && sessions.length === 0) {
      return { charged: new Map(), last: new Map(), busy: new Set() };
    }
    const { rows } = await client.query<{
      charged: Record<string, number> | null;
      last: Record<string, number> | null;
      busy: string[] | null;
    }>(
      `SELECT
         (SELECT json_object_agg(match_id, n) FROM (
            SELECT match_id, COUNT(*) AS n FROM outbox
            WHERE match_id = ANY($1) AND admitted_at IS NOT NULL AND status IN ${CHARGED_IN}
              AND id <> ALL($5)
            GROUP BY match_id) c) AS charged,
         (SELECT json_object_agg(session_id, at) FROM (
            SELECT s.session_id, MAX(o.admitted_at) AS at FROM outbox o
            JOIN seats s ON s.match_id = o.match_id AND s.player_id = o.player_id
            WHERE s.session_id = ANY($2) AND o.admitted_at IS NOT NULL AND o.status IN ${CHARGED_IN}
              AND o.id <> ALL($5)
            GROUP BY s.session_id) l) AS last,
         (SELECT json_agg(DISTINCT s.session_id) FROM outbox o
            JOIN seats s ON s.match_id = o.match_id AND s.player_id = o.player_id
            WHERE s.session_id = ANY($3) AND o.status = 'sending' AND o.lease_until > $4) AS busy`,
      [matches, cooldownSessions, sessions, now, candidates.map((r) => r.id)],
    );
    const row = rows[0];
    return {
      charged: new Map(Object.entries(row?.charged ?? {}).map(([k, v]) => [k, Number(v)])),
      last: new Map(Object.entries(row?.last ?? {}).map(([k, v]) => [k, Number(v)])),
      busy: new Set(row?.busy ?? []),
    };
  }

  /** Settles refused rows in one statement; returns them as changed, in the order given. */
  private async settleMany(
    client: PoolClient,
    settles: ReadonlyArray<{ r: OutboxRecord; refusal: Refusal }>,
    now: number,
  ): Promise<OutboxRow[]> {
    if (settles.length === 0) return [];
    const { rows } = await client.query<OutboxRecord>(
      `UPDATE outbox o SET status = u.status, message = u.message, lease_until = NULL, updated_at = $4
       FROM unnest($1::text[], $2::text[], $3::text[]) AS u (id, status, message)
       WHERE o.id = u.id RETURNING o.*`,
      [
        settles.map((x) => x.r.id),
        settles.map((x) => x.refusal.status),
        settles.map((x) => x.refusal.message),
        now,
      ],
    );
    const byId = new Map(rows.map((r) => [r.id, toOutboxRow(r)]));
    return settles.flatMap((x) => byId.get(x.r.id) ?? []);
  }

  /** Leases rows in one statement; returns them as leased, by id. */
  private async leaseMany(
    client: PoolClient,
    ids: string[],
    now: number,
    leaseMs: number,
  ): Promise<Map<string, OutboxRow>> {
    if (ids.length === 0) return new Map();
    const { rows } = await client.query<OutboxRecord>(
      `UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = $1, updated_at = $2,
              admitted_at = COALESCE(admitted_at, $2)
       WHERE id = ANY($3) RETURNING *`,
      [now + leaseMs, now, ids],
    );
    return new Map(rows.map((r) => [r.id, toOutboxRow(r)]));
  }

  async requestsOf(matchID: string): Promise<OutboxRow[]> {
    const { rows } = await this.pool.query<OutboxRecord>(
      'SELECT * FROM outbox WHERE match_id = $1 ORDER BY created_at, state_id, idx',
      [matchID],
    );
    return rows.map(toOutboxRow);
  }

  async markSubmitted(
    sessionId: string,
    requestId: string,
    submittedAt: number,
    now: number,
  ): Promise<OutboxRow[] | undefined> {
    return inTransaction(this.pool, async (client) => {
      const seen = await client.query(numbered(SEE_WEBHOOK), [requestId, now]);
      if ((seen.rowCount ?? 0) === 0) return undefined;
      const { rows } = await client.query<OutboxRecord>(numbered(SUBMIT), [
        SUBMITTED_MESSAGE,
        now,
        submittedAt,
        sessionId,
      ]);
      const changed = rows.map(toOutboxRow);
      await notifyOutboxRows(client, changed);
      return changed;
    });
  }

  async prune(now: number, policy: RetentionPolicy): Promise<PruneResult> {
    return inTransaction(this.pool, (client) =>
      pruneAsync(
        async ({ sql, params }) => {
          const result = await client.query(numbered(sql), params);
          return { rows: result.rows, changes: result.rowCount ?? 0 };
        },
        PRUNE_DIALECT,
        now,
        policy,
      ),
    );
  }

  async getSetting(key: string): Promise<string | undefined> {
    return (await this.first<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]))
      ?.value;
  }

  async setSettingIfAbsent(key: string, value: string): Promise<string> {
    await this.pool.query(
      'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [key, value],
    );
    return (await this.getSetting(key))!;
  }

  async ping(): Promise<boolean> {
    return (await this.pool.query('SELECT 1')).rowCount === 1;
  }

  /**
   * Writes each outcome on its row if the row is still out, and queues the history log of each
   * delivery among them, in one statement (`RECORD_OUTCOMES`): per outcome, whether it was
   * written, and the rows as stored (the caller NOTIFYs them with the claim's).
   */
  private async recordOutcomes(
    client: PoolClient,
    outcomes: readonly OutcomeUpdate[],
  ): Promise<{ recorded: boolean[]; rows: OutboxRow[] }> {
    if (outcomes.length === 0) return { recorded: [], rows: [] };
    const { rows } = await client.query<OutboxRecord>(RECORD_OUTCOMES, [
      outcomes.map((o) => o.id),
      outcomes.map((o) => o.status),
      outcomes.map((o) => o.message),
      outcomes.map((o) => o.nextAttemptAt ?? null),
      outcomes.map((o) => o.now),
      Math.max(...outcomes.map((o) => o.now)),
    ]);
    const changed = new Set(rows.map((r) => r.id));
    return { recorded: outcomes.map((o) => changed.has(o.id)), rows: rows.map(toOutboxRow) };
  }

  async recordAndClaimLogs({
    now,
    limit,
    leaseMs,
    outcomes = [],
  }: LogClaimOptions): Promise<LogClaimResult> {
    return inTransaction(this.pool, async (client) => {
      for (const o of outcomes) await client.query(numbered(RECORD_LOG), recordLogParams(o));
      const claimed: ClaimedLog[] = [];
      for (const sql of DUE_LOGS) {
        if (claimed.length >= limit) break;
        const { rows } = await client.query<HistoryLogRecord>(sql, [now, limit - claimed.length]);
        for (const r of rows) {
          const leased = await client.query<HistoryLogRecord>(numbered(LEASE_LOG), [
            now + leaseMs,
            now,
            r.id,
          ]);
          claimed.push(toClaimedLog(r, leased.rows[0]!));
        }
      }
      let nextDueAt: number | undefined = now;
      if (limit <= 0 || claimed.length < limit) {
        const { rows } = await client.query<{ at: number | null }>(numbered(NEXT_LOG_DUE), [
          now,
          now,
        ]);
        nextDueAt = rows[0]?.at ?? undefined;
      }
      return { claimed, nextDueAt };
    });
  }

  async wearerMatches(lockId: string, limit: number): Promise<WearerMatch[]> {
    const { rows } = await this.pool.query<WearerMatchRecord>(numbered(WEARER_MATCHES), [
      lockId,
      limit,
    ]);
    // Every match's requests in one statement, at most MAX_HISTORY_REQUESTS each.
    const { rows: requests } = await this.pool.query<OutboxRecord>(
      `SELECT o.* FROM unnest($1::text[], $2::text[]) AS w (match_id, player_id)
       CROSS JOIN LATERAL (
         SELECT * FROM outbox o WHERE o.match_id = w.match_id AND o.player_id = w.player_id
         ORDER BY o.created_at, o.state_id, o.idx LIMIT ${MAX_HISTORY_REQUESTS}) o
       ORDER BY o.created_at, o.state_id, o.idx`,
      [rows.map((r) => r.match_id), rows.map((r) => r.player_id)],
    );
    const bySeat = new Map<string, OutboxRow[]>();
    for (const r of requests) {
      const key = `${r.match_id}:${r.player_id}`;
      bySeat.set(key, [...(bySeat.get(key) ?? []), toOutboxRow(r)]);
    }
    return rows.map((r) => toWearerMatch(r, bySeat.get(`${r.match_id}:${r.player_id}`) ?? []));
  }
}

/**
 * Writes outcomes given as parallel arrays on the rows still out, and queues the history log of
 * each delivery among them; answers the rows as stored. Parameters: ids, statuses, messages,
 * next attempts, nows, and the now of the logs.
 */
const RECORD_OUTCOMES = numbered(`WITH recorded AS (
    UPDATE outbox o SET status = u.status, message = u.message,
           next_attempt_at = COALESCE(u.next_attempt_at, o.next_attempt_at),
           lease_until = NULL, updated_at = u.now
    FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::bigint[])
         AS u (id, status, message, next_attempt_at, now)
    WHERE o.id = u.id AND o.status = 'sending' RETURNING o.*
  ), logged AS (${requestLogsSql('recorded', 'TRUE')})
  SELECT * FROM recorded`);

/** Due logs, locked; rows another instance holds are passed over. */
const DUE_LOGS = dueLogsSql('FOR UPDATE SKIP LOCKED').map(numbered);
