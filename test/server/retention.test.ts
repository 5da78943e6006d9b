/**
 * Retention: what a prune deletes and what it keeps, through the server (SQLite) and as one rule
 * on both repositories (the Postgres half needs Postgres: skips with a message without it, fails
 * under CI).
 */
import { describe, expect, it } from 'vitest';
import { numbered } from '../../src/server/db/outbox-sql.js';
import {
  DEFAULT_RETENTION,
  PgRepository,
  SqliteRepository,
  createPostgresPool,
  migratePostgres,
  openSqlite,
} from '../../src/server/index.js';
import type { Repository, RetentionPolicy } from '../../src/server/index.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { freshDatabase } from '../helpers/services.js';
import { cleanupAfterEach, needServices } from '../helpers/services-suite.js';
import { connect, host, join, settled, startStack, until } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const missing = needServices('Postgres retention tests');
const cleanups = cleanupAfterEach();

const DAY = 24 * 60 * 60 * 1000;

async function playedRoom(stack: Stack, { finish }: { finish: boolean }) {
  const a = stack.emulator.createLock();
  const b = stack.emulator.createLock();
  const { matchID, seat } = await host(stack, a.tokens.wearer, { game: 'penalty', numPlayers: 2 });
  await join(stack, b.tokens.wearer, matchID);
  const client = await connect(stack, PenaltyGame, matchID, seat);
  client.moves.lose!('1');
  await settled(stack, matchID, seat.token, 1);
  if (finish) {
    client.moves.finish!();
    await until(
      () => stack.server.store.fetch(matchID, { metadata: true }).metadata?.gameover,
      'game over',
    );
  }
  return { matchID, seat };
}

function count(stack: Stack, table: string, matchID: string): number {
  return (
    stack.server.store.db
      .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE match_id = ?`)
      .get(matchID) as { n: number }
  ).n;
}

describe('retention: what is pruned and what is kept', () => {
  it('prunes finished matches after a week and abandoned ones after a month, with their rows', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const finished = await playedRoom(stack, { finish: true });
    const live = await playedRoom(stack, { finish: false });
    const now = Date.now();

    // A day later: nothing to prune but the logins, which last 12 h.
    expect(await stack.server.prune(now + DAY)).toMatchObject({ matches: 0, logins: 4 });
    const week = await stack.server.prune(now + DEFAULT_RETENTION.finishedMatchesMs + DAY);
    expect(week.matches).toBe(1);
    for (const table of ['matches', 'match_log', 'seats', 'rooms', 'outbox']) {
      expect(count(stack, table, finished.matchID), table).toBe(0);
      expect(count(stack, table, live.matchID), table).toBeGreaterThan(0);
    }
    const month = await stack.server.prune(now + DEFAULT_RETENTION.idleMatchesMs + DAY);
    expect(month.matches).toBe(1);
    expect(count(stack, 'matches', live.matchID)).toBe(0);
  });

  it('never prunes a match whose requests are still being delivered', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    stack.emulator.setFaults({ errorRate: 1, scope: 'verification' });
    const a = stack.emulator.createLock();
    const { matchID, seat } = await host(stack, a.tokens.wearer, {
      game: 'penalty',
      numPlayers: 1,
    });
    const client = await connect(stack, PenaltyGame, matchID, seat);
    client.moves.lose!();
    client.moves.finish!();
    await until(
      () => stack.server.store.fetch(matchID, { metadata: true }).metadata?.gameover,
      'game over',
    );
    expect((await stack.server.prune(Date.now() + 400 * DAY)).matches).toBe(0);
    expect(count(stack, 'outbox', matchID)).toBe(1);
  });

  it('drops final requests older than the policy even in a live match, so the outbox stays bounded', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const live = await playedRoom(stack, { finish: false });
    expect(count(stack, 'outbox', live.matchID)).toBe(1);
    const result = await stack.server.prune(Date.now() + DEFAULT_RETENTION.finalRequestsMs + DAY);
    expect(result.requests).toBeGreaterThanOrEqual(1);
    expect(count(stack, 'outbox', live.matchID)).toBe(0);
  });
});

/** A repository and raw SQL on its database (`?` placeholders; gameover as the column stores it). */
interface Backend {
  repository: Repository;
  sql<T>(sql: string, params?: unknown[]): Promise<T[]>;
  gameover(over: boolean): unknown;
}

function sqliteBackend(): Backend {
  const db = openSqlite(':memory:');
  cleanups.push(async () => void db.close());
  return {
    repository: new SqliteRepository(db),
    async sql<T>(sql: string, params: unknown[] = []) {
      const statement = db.prepare(sql);
      if (statement.reader) return statement.all(...params) as T[];
      statement.run(...params);
      return [];
    },
    gameover: (over) => (over ? 1 : 0),
  };
}

async function postgresBackend(): Promise<Backend> {
  const db = await freshDatabase();
  cleanups.push(db.drop);
  const pool = createPostgresPool(db.url, 2);
  cleanups.push(() => pool.end());
  await migratePostgres(pool);
  return {
    repository: new PgRepository(pool),
    sql: async <T>(sql: string, params: unknown[] = []) =>
      (await pool.query(numbered(sql), params)).rows as T[],
    gameover: (over) => over,
  };
}

const NOW = 1_700_000_000_000;
const POLICY: RetentionPolicy = {
  finishedMatchesMs: 1_000,
  idleMatchesMs: 5_000,
  finalRequestsMs: 3_000,
};

describe.each([
  ['SQLite', async () => sqliteBackend()],
  ['Postgres', postgresBackend],
] as const)('Repository.prune on %s', (name, backend) => {
  it('deletes finished and idle matches with their rows, old final requests and history logs, expired logins and old webhook ids; keeps open requests and logs', async (ctx) => {
    if (name === 'Postgres' && missing()) ctx.skip();
    const b = await backend();
    const match = async (matchID: string, over: boolean, updatedAt: number) => {
      await b.sql(
        `INSERT INTO matches (match_id, game_name, state_id, state, initial_state, metadata, gameover, updated_at)
         VALUES (?, 'penalty', 1, '{}', '{}', '{}', ?, ?)`,
        [matchID, b.gameover(over), updatedAt],
      );
      await b.sql(`INSERT INTO match_log (match_id, seq, entry) VALUES (?, 0, '{}')`, [matchID]);
      await b.repository.createRoom(matchID, { cooldownMs: 0, maxRequestsPerMatch: 9 }, 0);
      await b.repository.bindSeat(
        {
          matchID,
          playerID: '0',
          loginId: 'a',
          sessionId: 's',
          role: 'wearer',
          userId: 'u',
          lockId: 'l',
          credentialsHash: 'x',
        },
        0,
      );
    };
    const request = (id: string, matchID: string, status: string, updatedAt: number) =>
      b.sql(
        `INSERT INTO outbox (id, match_id, state_id, idx, player_id, reason, requested_by, status,
                             next_attempt_at, created_at, updated_at)
         VALUES (?, ?, 1, 0, '0', 'lost', 'rules', ?, ?, ?, ?)`,
        [id, matchID, status, updatedAt, updatedAt, updatedAt],
      );
    await match('finished', true, NOW - POLICY.finishedMatchesMs - 1);
    await request('finished:0', 'finished', 'delivered', NOW - 10);
    // Finished long ago, but a request is still on its way: kept whole.
    await match('finished-open', true, NOW - POLICY.idleMatchesMs - 1);
    await request('finished-open:0', 'finished-open', 'sending', NOW - POLICY.finalRequestsMs - 1);
    await match('idle', false, NOW - POLICY.idleMatchesMs - 1);
    await request('idle:0', 'idle', 'failed', NOW - 10);
    await match('live', false, NOW - POLICY.finishedMatchesMs - 1);
    await request('live:old-final', 'live', 'suppressed', NOW - POLICY.finalRequestsMs - 1);
    await request('live:fresh-final', 'live', 'delivered', NOW - POLICY.finalRequestsMs);
    await request('live:old-queued', 'live', 'queued', NOW - POLICY.finalRequestsMs - 1);
    const historyLog = (id: string, matchID: string, status: string, updatedAt: number) =>
      b.sql(
        `INSERT INTO history_logs (id, kind, match_id, player_id, session_id, game_name, result, requests,
                                   status, next_attempt_at, created_at, updated_at)
         VALUES (?, 'result', ?, '0', 's', 'penalty', 'lost', 1, ?, ?, ?, ?)`,
        [id, matchID, status, updatedAt, updatedAt, updatedAt],
      );
    await historyLog('old-posted', 'live', 'posted', NOW - POLICY.finalRequestsMs - 1);
    await historyLog('fresh-posted', 'live', 'posted', NOW - POLICY.finalRequestsMs);
    // Its match is pruned; a log still on its way is kept, whatever its age.
    await historyLog('old-queued', 'finished', 'queued', NOW - POLICY.finalRequestsMs - 1);
    for (const [id, expiresAt] of [
      ['expired', NOW - 1],
      ['valid', NOW],
    ] as const) {
      await b.repository.createLogin({
        id,
        sessionId: 's',
        role: 'wearer',
        userId: 'u',
        username: 'n',
        lockId: 'l',
        lockTitle: 't',
        createdAt: 0,
        expiresAt,
      });
    }
    await b.repository.markSubmitted('nobody', 'old-webhook', 0, NOW - 24 * 60 * 60 * 1000 - 1);
    await b.repository.markSubmitted('nobody', 'new-webhook', 0, NOW - 24 * 60 * 60 * 1000);

    expect(await b.repository.prune(NOW, POLICY)).toEqual({
      matches: 2,
      requests: 3,
      historyLogs: 1,
      logins: 1,
      webhookEvents: 1,
    });
    const column = async (sql: string) => (await b.sql<{ v: string }>(sql)).map((r) => r.v).sort();
    const kept = ['finished-open', 'live'];
    for (const table of ['matches', 'match_log', 'seats', 'rooms']) {
      expect(await column(`SELECT match_id AS v FROM ${table}`), table).toEqual(kept);
    }
    expect(await column('SELECT id AS v FROM outbox')).toEqual([
      'finished-open:0',
      'live:fresh-final',
      'live:old-queued',
    ]);
    expect(await column('SELECT id AS v FROM history_logs')).toEqual([
      'fresh-posted',
      'old-queued',
    ]);
    expect(await column('SELECT id AS v FROM logins')).toEqual(['valid']);
    expect(await column('SELECT request_id AS v FROM webhook_events')).toEqual(['new-webhook']);
  });

  it('prunes the fair turns that change no tag: below the lowest queued tag, or with nothing queued all but the highest', async (ctx) => {
    if (name === 'Postgres' && missing()) ctx.skip();
    const b = await backend();
    const turns = async () =>
      (await b.sql<{ session_id: string }>('SELECT session_id FROM fair_turns')).map(
        (r) => r.session_id,
      );
    for (const [wearer, tag] of [
      ['below', 4],
      ['at', 5],
      ['above', 9],
    ] as const) {
      await b.sql('INSERT INTO fair_turns (session_id, last_tag) VALUES (?, ?)', [wearer, tag]);
    }
    await b.sql(
      `INSERT INTO outbox (id, match_id, state_id, idx, player_id, reason, requested_by, status,
                           next_attempt_at, created_at, updated_at, fair_tag)
       VALUES ('m:1', 'm', 1, 0, '0', 'lost', 'rules', ?, ?, ?, ?, 5)`,
      ['queued', NOW, NOW, NOW],
    );
    await b.repository.prune(NOW, POLICY);
    // A wearer below the lowest queued tag starts there either way; the others carry on.
    expect((await turns()).sort()).toEqual(['above', 'at']);
    await b.sql(`UPDATE outbox SET status = 'delivered'`);
    await b.repository.prune(NOW, POLICY);
    // Nothing queued: the highest last tag is the floor a newcomer starts at, so it stays.
    expect(await turns()).toEqual(['above']);
  });
});
