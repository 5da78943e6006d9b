/**
 * The Postgres schema: the same tables as SQLite (see schema.ts), with BIGINT millisecond times
 * and JSON in `json` columns, kept as written (`jsonb` would re-sort object keys);
 * test/storage/schema.test.ts fails when the two schemas drift apart. Migrations run under a
 * transaction-level advisory lock, so several instances starting at once migrate exactly once.
 */
import type { Pool } from 'pg';
import { inTransaction } from './pg-transaction.js';

const MIGRATION_LOCK = 0x6267696f; // "bgio"

const MIGRATIONS: string[] = [
  `
  CREATE TABLE matches (
    match_id      TEXT PRIMARY KEY,
    game_name     TEXT NOT NULL,
    state_id      INTEGER NOT NULL,
    state         JSONB NOT NULL,
    initial_state JSONB NOT NULL,
    metadata      JSONB NOT NULL,
    log_length    INTEGER NOT NULL DEFAULT 0,
    gameover      BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at    BIGINT NOT NULL,
    created_seq   BIGSERIAL
  );
  CREATE INDEX matches_by_game ON matches (game_name, updated_at);

  CREATE TABLE match_log (
    match_id TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    entry    JSONB NOT NULL,
    PRIMARY KEY (match_id, seq)
  );

  CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    match_id        TEXT NOT NULL,
    state_id        INTEGER NOT NULL,
    idx             INTEGER NOT NULL,
    player_id       TEXT NOT NULL,
    reason          TEXT NOT NULL,
    requested_by    TEXT NOT NULL,
    requester_id    TEXT,
    actor           TEXT,
    status          TEXT NOT NULL,
    message         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    admitted_at     BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
  );
  CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
  CREATE INDEX outbox_by_match ON outbox (match_id, created_at);

  CREATE TABLE seats (
    match_id         TEXT NOT NULL,
    player_id        TEXT NOT NULL,
    auth_id          TEXT NOT NULL,
    session_id       TEXT NOT NULL,
    role             TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    lock_id          TEXT NOT NULL,
    credentials_hash TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (match_id, player_id)
  );
  CREATE INDEX seats_by_session ON seats (session_id);

  CREATE TABLE auth_sessions (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL,
    role        TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    username    TEXT NOT NULL,
    lock_id     TEXT NOT NULL,
    lock_title  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
  );

  CREATE TABLE rooms (
    match_id    TEXT PRIMARY KEY,
    policy      JSONB NOT NULL,
    created_at  BIGINT NOT NULL
  );

  CREATE TABLE webhook_events (
    request_id  TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL
  );

  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  `
  CREATE INDEX outbox_queued ON outbox (status, next_attempt_at, created_at);
  CREATE INDEX outbox_leases ON outbox (status, lease_until);
  `,
  `
  -- Every move rewrites updated_at: in this index it made every move's UPDATE a non-HOT one,
  -- with a new entry in each index of the table. Listing a game's matches filters by name;
  -- pruning by time scans once an hour.
  DROP INDEX matches_by_game;
  CREATE INDEX matches_by_game ON matches (game_name);
  `,
  `
  -- Who hosted each room: a user may keep only so many rooms open at once.
  ALTER TABLE rooms ADD COLUMN host_user_id TEXT;
  CREATE INDEX rooms_by_host ON rooms (host_user_id);
  -- Fair queuing (outbox/fair-queue.ts): rows are claimed in the order of their tag; a room's
  -- new rows were tagged after its last tag (per wearer since: fair_turns, migration 7) and no
  -- earlier than the lowest tag still queued.
  ALTER TABLE rooms ADD COLUMN last_tag BIGINT NOT NULL DEFAULT 0;
  ALTER TABLE outbox ADD COLUMN fair_tag BIGINT NOT NULL DEFAULT 0;
  CREATE INDEX outbox_fair ON outbox (fair_tag, next_attempt_at) WHERE status = 'queued';
  `,
  `
  -- JSON as written: jsonb re-sorts object keys, so a game that iterates G's keys in insertion
  -- order played differently here than on SQLite, and clients saw keys reordered. Rows written
  -- before keep the order jsonb gave them: the original order is gone.
  ALTER TABLE matches
    ALTER COLUMN state TYPE json USING state::json,
    ALTER COLUMN initial_state TYPE json USING initial_state::json,
    ALTER COLUMN metadata TYPE json USING metadata::json;
  ALTER TABLE match_log ALTER COLUMN entry TYPE json USING entry::json;
  ALTER TABLE rooms ALTER COLUMN policy TYPE json USING policy::json;
  -- Level with SQLite (its migrations 3 and 4, and seats_by_auth): only open rows in the claim's
  -- indexes, so a row leaving 'queued' or 'sending' leaves them; rows out now by seat, for the
  -- claim's one-request-per-wearer check; a login's seats.
  DROP INDEX outbox_due;
  DROP INDEX outbox_queued;
  DROP INDEX outbox_leases;
  CREATE INDEX outbox_queued ON outbox (next_attempt_at, created_at) WHERE status = 'queued';
  CREATE INDEX outbox_sending ON outbox (match_id, player_id, lease_until) WHERE status = 'sending';
  CREATE INDEX seats_by_auth ON seats (auth_id);
  `,
  `
  -- One word for one thing: our sign-in is a login; "session" is only ever Chaster's.
  ALTER TABLE auth_sessions RENAME TO logins;
  ALTER INDEX auth_sessions_pkey RENAME TO logins_pkey;
  ALTER TABLE seats RENAME COLUMN auth_id TO login_id;
  DROP INDEX seats_by_auth;
  CREATE INDEX seats_by_login ON seats (login_id);
  `,
  `
  -- Fair queuing per wearer, not per room (outbox/fair-queue.ts): rooms are free to make, so one
  -- wearer with many rooms took a turn in each. A wearer's new rows are tagged after their last
  -- tag here, under this row's lock (the match row's lock guarded a room's tag; a wearer's rows
  -- come from many matches); a wearer with rows still open carries on after the highest of them.
  CREATE TABLE fair_turns (
    session_id TEXT PRIMARY KEY,
    last_tag   BIGINT NOT NULL
  );
  -- The queue's floor when nothing is queued is the highest last tag.
  CREATE INDEX fair_turns_by_tag ON fair_turns (last_tag);
  INSERT INTO fair_turns (session_id, last_tag)
    SELECT s.session_id, MAX(o.fair_tag) FROM outbox o
    JOIN seats s ON s.match_id = o.match_id AND s.player_id = o.player_id
    WHERE o.status IN ('queued', 'sending') GROUP BY s.session_id;
  ALTER TABLE rooms DROP COLUMN last_tag;
  `,
  `
  -- House rules (issue 19): the login keeps its lock's house rules as read at login, and a
  -- wearer's seat the delivery policy their house rules bind them to (null: the room's).
  ALTER TABLE logins ADD COLUMN house_rules json;
  ALTER TABLE seats ADD COLUMN policy json;
  `,
  `
  -- The lock's history (issue 19): one custom log per delivered request and one result per
  -- wearer per finished match, through the same claim-lease-send cycle as the requests, in their
  -- own table with their own statuses. Each is inserted in the transaction that makes its event
  -- (a request's delivery, a match's end), under an id that event gives, so never twice.
  CREATE TABLE history_logs (
    id              TEXT PRIMARY KEY,          -- 'request:' || outbox id, or 'result:' || match || ':' || seat
    kind            TEXT NOT NULL,             -- 'request' | 'result'
    match_id        TEXT NOT NULL,
    player_id       TEXT NOT NULL,             -- the wearer's seat
    session_id      TEXT NOT NULL,             -- the wearer's Chaster session: whose history
    game_name       TEXT NOT NULL,
    reason          TEXT,                      -- request: the request's reason
    state_id        INTEGER,                   -- request: the move that asked
    idx             INTEGER,                   -- request: its place among the move's intents
    result          TEXT,                      -- result: won | lost | draw | over
    requests        INTEGER,                   -- result: the wearer's requests in the match
    status          TEXT NOT NULL,             -- queued | sending | posted | failed | dead
    message         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    unsure          INTEGER NOT NULL DEFAULT 0, -- 1: a send may have reached Chaster; look before sending again
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
  );
  CREATE INDEX history_logs_queued ON history_logs (next_attempt_at) WHERE status = 'queued';
  CREATE INDEX history_logs_leases ON history_logs (lease_until) WHERE status = 'sending';
  -- The keyholder's view lists a lock's wearer's seats, newest first.
  CREATE INDEX seats_by_lock ON seats (lock_id, created_at);
  `,
  `
  -- One seat per user and lock in a match: two joins racing from one login could otherwise both
  -- find no seat of theirs and take two (a player playing two seats, two results in one history).
  -- Of seats already doubled, the lowest is kept.
  DELETE FROM seats WHERE EXISTS (
    SELECT 1 FROM seats t WHERE t.match_id = seats.match_id AND t.user_id = seats.user_id
      AND t.lock_id = seats.lock_id AND t.player_id < seats.player_id);
  CREATE UNIQUE INDEX seats_one_per_user ON seats (match_id, user_id, lock_id);
  `,
];

/** The newest schema version: the number of migrations. */
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings a Postgres database up to schema version `target` (default: the newest); safe when several
 * instances start at once.
 */
export async function migratePostgres(
  pool: Pool,
  target: number = MIGRATIONS.length,
): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS bgio_chaster_schema (version INTEGER NOT NULL)');
    const { rows } = await client.query<{ version: number }>(
      'SELECT version FROM bgio_chaster_schema',
    );
    let current = rows[0]?.version ?? 0;
    if (rows.length === 0)
      await client.query('INSERT INTO bgio_chaster_schema (version) VALUES (0)');
    for (; current < target; current++) await client.query(MIGRATIONS[current]!);
    await client.query('UPDATE bgio_chaster_schema SET version = $1', [current]);
  });
}
