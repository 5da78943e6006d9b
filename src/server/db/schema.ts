/**
 * The SQLite schema: boardgame.io's matches and log, the outbox, seat bindings, our logins, room
 * policies and each wearer's place in the fair queue. Migrations run in order, each once, keyed by
 * `user_version`. postgres-schema.ts holds the same tables: a migration here needs its twin there
 * (test/storage/schema.test.ts fails until both agree).
 */
import type { Database } from 'better-sqlite3';

const MIGRATIONS: string[] = [
  `
  CREATE TABLE matches (
    match_id      TEXT PRIMARY KEY,
    game_name     TEXT NOT NULL,
    state_id      INTEGER NOT NULL,
    state         TEXT NOT NULL,
    initial_state TEXT NOT NULL,
    metadata      TEXT NOT NULL,
    log_length    INTEGER NOT NULL DEFAULT 0,
    gameover      INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL
  );
  CREATE INDEX matches_by_game ON matches (game_name, updated_at);

  -- Appended, never rewritten: one row per deltalog entry.
  CREATE TABLE match_log (
    match_id TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    entry    TEXT NOT NULL,
    PRIMARY KEY (match_id, seq)
  ) WITHOUT ROWID;

  -- One row per recorded intent, inserted in the transaction that stores the action's state.
  CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,          -- \`\${matchID}:\${_stateID}:\${i}\`
    match_id        TEXT NOT NULL,
    state_id        INTEGER NOT NULL,
    idx             INTEGER NOT NULL,
    player_id       TEXT NOT NULL,             -- target seat
    reason          TEXT NOT NULL,
    requested_by    TEXT NOT NULL,             -- 'rules' | 'self'
    requester_id    TEXT,                      -- seat that made the move
    actor           TEXT,                      -- 'extension' | 'keyholder' | 'wearer', from the seat's role
    status          TEXT NOT NULL,
    message         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,
    admitted_at     INTEGER,                   -- when the policy let it through (first attempt)
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
  );
  CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
  CREATE INDEX outbox_by_match ON outbox (match_id, created_at);

  -- Who sits where: never in match metadata, setupData, G, plugin data or logs.
  CREATE TABLE seats (
    match_id    TEXT NOT NULL,
    player_id   TEXT NOT NULL,
    auth_id     TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    role        TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    lock_id     TEXT NOT NULL,
    credentials_hash TEXT NOT NULL,           -- sha256 of the seat's boardgame.io credentials
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (match_id, player_id)
  );
  CREATE INDEX seats_by_session ON seats (session_id);
  CREATE INDEX seats_by_auth ON seats (auth_id);

  -- Our own login, made from a Chaster mainToken; the bearer token names a row here.
  CREATE TABLE auth_sessions (
    id          TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL,
    role        TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    username    TEXT NOT NULL,
    lock_id     TEXT NOT NULL,
    lock_title  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
  );

  -- The delivery policy a room was created with (cooldown, cap): the server's copy, not the client's.
  CREATE TABLE rooms (
    match_id    TEXT PRIMARY KEY,
    policy      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
  );

  CREATE TABLE webhook_events (
    request_id  TEXT PRIMARY KEY,
    received_at INTEGER NOT NULL
  );

  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  `
  -- The claim walks queued rows by due time, and sending rows by lease.
  CREATE INDEX outbox_queued ON outbox (status, next_attempt_at, created_at);
  CREATE INDEX outbox_leases ON outbox (status, lease_until);
  `,
  `
  -- Only open rows in the claim's indexes: a row leaving 'queued' or 'sending' leaves them, so a
  -- status change rewrites one or two small index pages instead of three indexes over every row
  -- (outbox_due was outbox_queued's prefix).
  DROP INDEX outbox_due;
  DROP INDEX outbox_queued;
  DROP INDEX outbox_leases;
  CREATE INDEX outbox_queued ON outbox (next_attempt_at, created_at) WHERE status = 'queued';
  CREATE INDEX outbox_leases ON outbox (lease_until) WHERE status = 'sending';
  `,
  `
  -- Rows out now by seat: the claim asks whether a candidate's wearer has one out, from that
  -- wearer's one or two seats, instead of joining every row out now with its seat per candidate.
  -- Still holds only 'sending' rows, so it costs no more per status change than the index it replaces.
  DROP INDEX outbox_leases;
  CREATE INDEX outbox_sending ON outbox (match_id, player_id, lease_until) WHERE status = 'sending';
  `,
  `
  -- Every move rewrites updated_at: in this index it cost every move an index page in the WAL.
  -- Listing a game's matches filters by name; pruning by time scans once an hour.
  DROP INDEX matches_by_game;
  CREATE INDEX matches_by_game ON matches (game_name);
  `,
  `
  -- Who hosted each room: a user may keep only so many rooms open at once.
  ALTER TABLE rooms ADD COLUMN host_user_id TEXT;
  CREATE INDEX rooms_by_host ON rooms (host_user_id);
  -- Fair queuing (outbox/fair-queue.ts): rows are claimed in the order of their tag; a room's
  -- new rows were tagged after its last tag (per wearer since: fair_turns, migration 8) and no
  -- earlier than the lowest tag still queued.
  ALTER TABLE rooms ADD COLUMN last_tag INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE outbox ADD COLUMN fair_tag INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX outbox_fair ON outbox (fair_tag, next_attempt_at) WHERE status = 'queued';
  `,
  `
  -- One word for one thing: our sign-in is a login; "session" is only ever Chaster's.
  ALTER TABLE auth_sessions RENAME TO logins;
  ALTER TABLE seats RENAME COLUMN auth_id TO login_id;
  DROP INDEX seats_by_auth;
  CREATE INDEX seats_by_login ON seats (login_id);
  `,
  `
  -- Fair queuing per wearer, not per room (outbox/fair-queue.ts): rooms are free to make, so one
  -- wearer with many rooms took a turn in each. A wearer's new rows are tagged after their last
  -- tag here; a wearer with rows still open carries on after the highest of them.
  CREATE TABLE fair_turns (
    session_id TEXT PRIMARY KEY,               -- the wearer: their seats' Chaster session
    last_tag   INTEGER NOT NULL
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
  -- House rules (issue 19): the login keeps its lock's house rules as read at login (JSON), and
  -- a wearer's seat the delivery policy their house rules bind them to (JSON; null: the room's).
  ALTER TABLE logins ADD COLUMN house_rules TEXT;
  ALTER TABLE seats ADD COLUMN policy TEXT;
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
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
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

/** Brings a database up to the newest schema; safe to call on every start. */
export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
