/**
 * The server's own storage on Postgres, shared by every instance. The outbox is drained with
 * `FOR UPDATE SKIP LOCKED` (one worker per row at a time), room policies are checked under a
 * per-match advisory lock and one request per wearer is kept in flight under a per-session one, so
 * several instances behave exactly like one SQLite process. Every row change is announced with
 * NOTIFY on commit, so each instance's status feed hears changes made anywhere.
 */
import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
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
import { inTransaction } from './pg-transaction.js';
import { OUTBOX_CHANNEL } from './postgres.js';
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

/** `Repository` on Postgres, safe to share between server instances. */
export class PgRepository implements Repository {
  constructor(private readonly pool: Pool) {}

  async createAuthSession(s: AuthSession): Promise<void> {
    await this.pool.query(
      `INSERT INTO auth_sessions (id, session_id, role, user_id, username, lock_id, lock_title, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
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
      ],
    );
  }

  async getAuthSession(id: string): Promise<AuthSession | undefined> {
    const { rows } = await this.pool.query<AuthRecord>(
      'SELECT * FROM auth_sessions WHERE id = $1',
      [id],
    );
    return rows[0] && toAuthSession(rows[0]);
  }

  async createRoom(matchID: string, policy: RoomPolicy, now: number): Promise<void> {
    await this.pool.query('INSERT INTO rooms (match_id, policy, created_at) VALUES ($1, $2, $3)', [
      matchID,
      JSON.stringify(policy),
      now,
    ]);
  }

  async getRoomPolicy(matchID: string): Promise<RoomPolicy | undefined> {
    const { rows } = await this.pool.query<{ policy: RoomPolicy }>(
      'SELECT policy FROM rooms WHERE match_id = $1',
      [matchID],
    );
    return rows[0]?.policy;
  }

  async bindSeat(b: SeatBinding, now: number): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO seats (match_id, player_id, auth_id, session_id, role, user_id, lock_id, credentials_hash, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (match_id, player_id) DO NOTHING`,
      [
        b.matchID,
        b.playerID,
        b.authId,
        b.sessionId,
        b.role,
        b.userId,
        b.lockId,
        b.credentialsHash,
        now,
      ],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async seatsOf(matchID: string): Promise<SeatBinding[]> {
    const { rows } = await this.pool.query<SeatRecord>(
      'SELECT * FROM seats WHERE match_id = $1 ORDER BY player_id::int',
      [matchID],
    );
    return rows.map(toSeat);
  }

  async seatOf(matchID: string, playerID: string): Promise<SeatBinding | undefined> {
    const { rows } = await this.pool.query<SeatRecord>(
      'SELECT * FROM seats WHERE match_id = $1 AND player_id = $2',
      [matchID, playerID],
    );
    return rows[0] && toSeat(rows[0]);
  }

  async replaceSeatCredentials(matchID: string, playerID: string, hash: string): Promise<void> {
    await this.pool.query(
      'UPDATE seats SET credentials_hash = $1 WHERE match_id = $2 AND player_id = $3',
      [hash, matchID, playerID],
    );
  }

  async claim({
    now,
    limit,
    leaseMs,
    maxAgeMs,
    outcomes = [],
  }: ClaimOptions): Promise<ClaimResult> {
    const claimed: ClaimedRequest[] = [];
    const settled: OutboxRow[] = [];
    let finished: boolean[] = [];
    let contended = false;
    const nextDueAt = await inTransaction(this.pool, async (client) => {
      finished = await this.finish(client, outcomes);
      if (limit <= 0) return now;
      const { rows: candidates } = await client.query<OutboxRecord>(
        `SELECT * FROM outbox
         WHERE (status = 'queued' AND next_attempt_at <= $1) OR (status = 'sending' AND lease_until <= $1)
         ORDER BY next_attempt_at, created_at
         LIMIT $2
         FOR UPDATE SKIP LOCKED`,
        [now, limit * 4 + 16],
      );
      const settle = async (r: OutboxRecord, status: OutboxStatus, message: string) => {
        const row = await this.update(client, r.id, status, message, now);
        if (row) settled.push(row);
      };
      for (const r of candidates) {
        if (claimed.length >= limit) break;
        if (now - r.created_at > maxAgeMs) {
          await settle(
            r,
            'dead',
            `Not delivered within ${Math.round(maxAgeMs / 60_000)} minutes; given up.`,
          );
          continue;
        }
        const target = await this.seat(client, r.match_id, r.player_id);
        if (!target) {
          await settle(r, 'failed', `Seat ${r.player_id} has no Chaster session.`);
          continue;
        }
        if (r.attempts === 0 && r.status === 'queued') {
          // Policy checks of one match run one at a time across instances; a busy match waits
          // for the next pass (a try-lock never deadlocks against another instance's claim).
          if (!(await this.tryLock(client, `match:${r.match_id}`))) {
            contended = true;
            continue;
          }
          const refusal = await this.refusal(client, r, target, now);
          if (refusal) {
            await settle(r, refusal.status, refusal.message);
            continue;
          }
        }
        // One request per wearer at a time, across instances.
        if (!(await this.tryLock(client, `session:${target.session_id}`))) {
          contended = true;
          continue;
        }
        const busy = await client.query(
          `SELECT 1 FROM outbox o JOIN seats s ON s.match_id = o.match_id AND s.player_id = o.player_id
           WHERE s.session_id = $1 AND o.status = 'sending' AND o.lease_until > $2 AND o.id <> $3 LIMIT 1`,
          [target.session_id, now, r.id],
        );
        if ((busy.rowCount ?? 0) > 0) continue;
        const leased = await client.query<OutboxRecord>(
          `UPDATE outbox SET status = 'sending', attempts = attempts + 1, lease_until = $1, updated_at = $2,
                  admitted_at = COALESCE(admitted_at, $2)
           WHERE id = $3 RETURNING *`,
          [now + leaseMs, now, r.id],
        );
        const row = toRow(leased.rows[0]!);
        await this.notify(client, row);
        claimed.push({ row, sessionId: target.session_id, actor: r.actor ?? 'extension' });
      }
      if (claimed.length >= limit) return now;
      // Another instance was checking the same match or wearer: look again soon, not at the poll.
      if (contended) return now + CONTENDED_RETRY_MS;
      const { rows } = await client.query<{ at: number | null }>(
        `SELECT LEAST(
           (SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'queued' AND next_attempt_at > $1),
           (SELECT MIN(lease_until) FROM outbox WHERE status = 'sending' AND lease_until > $1)) AS at`,
        [now],
      );
      return rows[0]?.at ?? undefined;
    });
    return { finished, claimed, settled, nextDueAt };
  }

  private async refusal(
    client: PoolClient,
    r: OutboxRecord,
    target: SeatRecord,
    now: number,
  ): Promise<Refusal | undefined> {
    const requester =
      r.requested_by === 'self' && r.requester_id !== null
        ? await this.seat(client, r.match_id, r.requester_id)
        : undefined;
    const refused = seatRefusal(r, target, requester);
    if (refused) return refused;
    const { rows: room } = await client.query<{ policy: RoomPolicy }>(
      'SELECT policy FROM rooms WHERE match_id = $1',
      [r.match_id],
    );
    if (!room[0]) return undefined;
    const { rows: charged } = await client.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM outbox WHERE match_id = $1 AND admitted_at IS NOT NULL AND status IN ${CHARGED_STATUSES}`,
      [r.match_id],
    );
    // No cooldown: the last admission cannot refuse anything.
    let last: number | null = null;
    if (room[0].policy.cooldownMs > 0) {
      const { rows } = await client.query<{ at: number | null }>(
        `SELECT MAX(o.admitted_at) AS at FROM outbox o
         JOIN seats s ON s.match_id = o.match_id AND s.player_id = o.player_id
         WHERE s.session_id = $1 AND o.admitted_at IS NOT NULL AND o.status IN ${CHARGED_STATUSES}`,
        [target.session_id],
      );
      last = rows[0]?.at ?? null;
    }
    return policyRefusal(room[0].policy, Number(charged[0]!.n), last, now);
  }

  async requestsOf(matchID: string): Promise<OutboxRow[]> {
    const { rows } = await this.pool.query<OutboxRecord>(
      'SELECT * FROM outbox WHERE match_id = $1 ORDER BY created_at, state_id, idx',
      [matchID],
    );
    return rows.map(toRow);
  }

  async markSubmitted(
    sessionId: string,
    requestId: string,
    now: number,
  ): Promise<OutboxRow[] | undefined> {
    return inTransaction(this.pool, async (client) => {
      const seen = await client.query(
        'INSERT INTO webhook_events (request_id, received_at) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [requestId, now],
      );
      if ((seen.rowCount ?? 0) === 0) return undefined;
      const { rows } = await client.query<OutboxRecord>(
        `UPDATE outbox o SET status = 'submitted', message = 'The wearer submitted a picture.', lease_until = NULL, updated_at = $2
         FROM seats s
         WHERE s.match_id = o.match_id AND s.player_id = o.player_id AND s.session_id = $1
           AND o.status IN ('delivered', 'already_pending')
         RETURNING o.*`,
        [sessionId, now],
      );
      const changed = rows.map(toRow);
      for (const row of changed) await this.notify(client, row);
      return changed;
    });
  }

  async prune(now: number, policy: RetentionPolicy): Promise<PruneResult> {
    return inTransaction(this.pool, async (client) => {
      const { rows: stale } = await client.query<{ match_id: string }>(
        `SELECT match_id FROM matches m
         WHERE ((gameover AND updated_at < $1) OR updated_at < $2)
           AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.match_id = m.match_id AND o.status IN ('queued', 'sending'))`,
        [now - policy.finishedMatchesMs, now - policy.idleMatchesMs],
      );
      const ids = stale.map((r) => r.match_id);
      let requests = 0;
      if (ids.length > 0) {
        for (const table of ['matches', 'match_log', 'seats', 'rooms']) {
          await client.query(`DELETE FROM ${table} WHERE match_id = ANY($1)`, [ids]);
        }
        requests +=
          (await client.query('DELETE FROM outbox WHERE match_id = ANY($1)', [ids])).rowCount ?? 0;
      }
      requests +=
        (
          await client.query(
            `DELETE FROM outbox WHERE status NOT IN ('queued', 'sending') AND updated_at < $1`,
            [now - policy.finalRequestsMs],
          )
        ).rowCount ?? 0;
      const logins =
        (await client.query('DELETE FROM auth_sessions WHERE expires_at < $1', [now])).rowCount ??
        0;
      const webhookEvents =
        (
          await client.query('DELETE FROM webhook_events WHERE received_at < $1', [
            now - 24 * 60 * 60 * 1000,
          ])
        ).rowCount ?? 0;
      return { matches: ids.length, requests, logins, webhookEvents };
    });
  }

  async getSetting(key: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ value: string }>(
      'SELECT value FROM settings WHERE key = $1',
      [key],
    );
    return rows[0]?.value;
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

  /** Records outcomes in one statement: the outcomes as parallel arrays, joined back by id. */
  private async finish(client: PoolClient, outcomes: readonly OutcomeUpdate[]): Promise<boolean[]> {
    if (outcomes.length === 0) return [];
    const { rows } = await client.query<OutboxRecord>(
      `UPDATE outbox o SET status = u.status, message = u.message,
              next_attempt_at = COALESCE(u.next_attempt_at, o.next_attempt_at),
              lease_until = NULL, updated_at = u.now
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
            AS u (id, status, message, next_attempt_at, now)
       WHERE o.id = u.id AND o.status = 'sending' RETURNING o.*`,
      [
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.status),
        outcomes.map((o) => o.message),
        outcomes.map((o) => o.nextAttemptAt ?? null),
        outcomes.map((o) => o.now),
      ],
    );
    await this.notifyMany(client, rows.map(toRow));
    const changed = new Set(rows.map((r) => r.id));
    return outcomes.map((o) => changed.has(o.id));
  }

  private async seat(
    client: PoolClient,
    matchID: string,
    playerID: string,
  ): Promise<SeatRecord | undefined> {
    const { rows } = await client.query<SeatRecord>(
      'SELECT * FROM seats WHERE match_id = $1 AND player_id = $2',
      [matchID, playerID],
    );
    return rows[0];
  }

  private async update(
    client: PoolClient,
    id: string,
    status: OutboxStatus,
    message: string,
    now: number,
  ) {
    const { rows } = await client.query<OutboxRecord>(
      'UPDATE outbox SET status = $1, message = $2, lease_until = NULL, updated_at = $3 WHERE id = $4 RETURNING *',
      [status, message, now, id],
    );
    if (!rows[0]) return undefined;
    const row = toRow(rows[0]);
    await this.notify(client, row);
    return row;
  }

  private async tryLock(client: PoolClient, key: string): Promise<boolean> {
    const { rows } = await client.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS ok',
      [key],
    );
    return rows[0]?.ok === true;
  }

  private async notify(client: PoolClient, row: OutboxRow): Promise<void> {
    await client.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, JSON.stringify(row)]);
  }

  private async notifyMany(client: PoolClient, rows: OutboxRow[]): Promise<void> {
    if (rows.length === 0) return;
    await client.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [
      OUTBOX_CHANNEL,
      rows.map((row) => JSON.stringify(row)),
    ]);
  }
}
