/**
 * `Repository.claim`, one contract on both backends: the SQLite and the Postgres repository must
 * lease, refuse and settle the same rows the same way, so that the Postgres claim can be rewritten
 * (set-based) against these cases. The Postgres half needs Postgres (skips with a message without
 * it, fails under CI).
 */
import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import {
  PgRepository,
  SqliteRepository,
  createPostgresPool,
  migratePostgres,
  openSqlite,
} from '../../src/server/index.js';
import type { OutcomeUpdate, Repository, RoomPolicy } from '../../src/server/index.js';
import { freshDatabase } from '../helpers/services.js';
import { cleanupAfterEach, needServices } from '../helpers/services-suite.js';

const missing = needServices('Postgres claim tests');
const cleanups = cleanupAfterEach();

const T = 1_700_000_000_000;
const LEASE = 30_000;
const DAY = 24 * 60 * 60 * 1000;

/** A repository and a way to put a queued row into its outbox, as `setState` would. */
interface Backend {
  repository: Repository;
  queue(id: string, matchID: string, playerID: string, createdAt?: number): Promise<void>;
}

const INSERT = `INSERT INTO outbox (id, match_id, state_id, idx, player_id, reason, requested_by, actor, status,
                                   next_attempt_at, created_at, updated_at)
                VALUES ($1, $2, 1, 0, $3, 'lost', 'rules', 'extension', 'queued', $4, $4, $4)`;

function sqlite(): Backend {
  const db = openSqlite(':memory:');
  cleanups.push(async () => void db.close());
  const insert = db.prepare(INSERT.replace(/\$\d/g, (p) => `@p${p.slice(1)}`));
  return {
    repository: new SqliteRepository(db),
    async queue(id, matchID, playerID, createdAt = T - 1000) {
      insert.run({ p1: id, p2: matchID, p3: playerID, p4: createdAt });
    },
  };
}

async function postgres(): Promise<Backend> {
  const db = await freshDatabase();
  cleanups.push(db.drop);
  const pool: Pool = createPostgresPool(db.url, 2);
  cleanups.push(() => pool.end());
  await migratePostgres(pool);
  return {
    repository: new PgRepository(pool),
    async queue(id, matchID, playerID, createdAt = T - 1000) {
      await pool.query(INSERT, [id, matchID, playerID, createdAt]);
    },
  };
}

/** A room with `policy` whose seats belong to the given wearer sessions (undefined: unbound). */
async function room(
  { repository }: Backend,
  matchID: string,
  sessions: Array<string | undefined>,
  policy: RoomPolicy = { cooldownMs: 0, maxRequestsPerMatch: 100 },
) {
  await repository.createRoom(matchID, policy, T - 10_000);
  for (const [i, sessionId] of sessions.entries()) {
    if (sessionId === undefined) continue;
    await repository.bindSeat(
      {
        matchID,
        playerID: String(i),
        authId: `auth-${sessionId}`,
        sessionId,
        role: 'wearer',
        userId: `user-${sessionId}`,
        lockId: `lock-${sessionId}`,
        credentialsHash: 'x',
      },
      T - 10_000,
    );
  }
}

const claim = (b: Backend, now: number, limit: number, outcomes: OutcomeUpdate[] = []) =>
  b.repository.claim({ now, limit, leaseMs: LEASE, maxAgeMs: DAY, outcomes });
const ids = (result: Awaited<ReturnType<typeof claim>>) => result.claimed.map((c) => c.row.id);
const delivered = (id: string, now: number): OutcomeUpdate => ({
  id,
  status: 'delivered',
  message: null,
  now,
});

describe.each([
  ['SQLite', async () => sqlite()],
  ['Postgres', postgres],
] as const)('Repository.claim on %s', (name, backend) => {
  const setup = async (ctx: { skip: () => void }) => {
    if (name === 'Postgres' && missing()) ctx.skip();
    return backend();
  };

  it('leases due rows oldest first up to the limit, and says more are due', async (ctx) => {
    const b = await setup(ctx);
    await room(b, 'm', ['w0', 'w1', 'w2']);
    for (const p of [2, 0, 1]) await b.queue(`m:${p}`, 'm', String(p), T - 100 + p);
    await b.queue('later', 'm', '0', T + 5_000);
    const first = await claim(b, T, 2);
    expect(ids(first)).toEqual(['m:0', 'm:1']);
    expect(first.claimed[0]).toMatchObject({
      sessionId: 'w0',
      actor: 'extension',
      row: { status: 'sending', attempts: 1, leaseUntil: T + LEASE },
    });
    expect(first.nextDueAt).toBe(T);
    const second = await claim(b, T, 5);
    expect(ids(second)).toEqual(['m:2']);
    // Only the row queued for later is left: that is when to look again.
    expect(second.nextDueAt).toBe(T + 5_000);
  });

  it('keeps one request per wearer out, across seats, until its outcome is written', async (ctx) => {
    const b = await setup(ctx);
    // The same wearer sits in two rooms.
    await room(b, 'a', ['w']);
    await room(b, 'b', ['w']);
    await b.queue('a:0', 'a', '0', T - 20);
    await b.queue('b:0', 'b', '0', T - 10);
    expect(ids(await claim(b, T, 5))).toEqual(['a:0']);
    expect(ids(await claim(b, T + 1, 5))).toEqual([]);
    const next = await claim(b, T + 2, 5, [delivered('a:0', T + 2)]);
    expect(next.finished).toEqual([true]);
    expect(ids(next)).toEqual(['b:0']);
  });

  it('suppresses what the room’s cap or cooldown refuses, with the reason', async (ctx) => {
    const b = await setup(ctx);
    await room(b, 'cap', ['w1'], { cooldownMs: 0, maxRequestsPerMatch: 1 });
    await room(b, 'cool', ['w2'], { cooldownMs: 60_000, maxRequestsPerMatch: 100 });
    await b.queue('cap:1', 'cap', '0', T - 20);
    await b.queue('cap:2', 'cap', '0', T - 19);
    await b.queue('cool:1', 'cool', '0', T - 10);
    await b.queue('cool:2', 'cool', '0', T - 9);
    // The first rows are admitted; admitted rows count while still out, so the second rows are
    // refused in the same claim.
    const first = await claim(b, T, 5);
    expect(ids(first)).toEqual(['cap:1', 'cool:1']);
    expect(first.settled.map((r) => [r.id, r.status, r.message])).toEqual([
      ['cap:2', 'suppressed', 'This room allows 1 request per match; the limit is reached.'],
      [
        'cool:2',
        'suppressed',
        'Cooldown: this wearer was asked 0 s ago; the room waits 60 s between requests (60 s left).',
      ],
    ]);
    const answered = [delivered('cap:1', T + 2_000), delivered('cool:1', T + 2_000)];
    expect(ids(await claim(b, T + 20_000, 5, answered))).toEqual([]);
    // A cooldown counts from the admission: a request made after it goes out.
    await b.queue('cool:3', 'cool', '0', T + 64_000);
    expect(ids(await claim(b, T + 65_000, 5))).toEqual(['cool:3']);
  });

  it('a row given up in a claim no longer counts against the cap and cooldown of the rows after it', async (ctx) => {
    const b = await setup(ctx);
    await room(b, 'm', ['w1'], { cooldownMs: 2 * DAY, maxRequestsPerMatch: 1 });
    // Admitted a day ago, its sender lost: its lease ran out long since, and it is now too old.
    await b.queue('old', 'm', '0', T - DAY - 5_000);
    expect(ids(await claim(b, T - DAY - 4_000, 5))).toEqual(['old']);
    await b.queue('new', 'm', '0', T - 10);
    const result = await claim(b, T, 5);
    expect(result.settled.map((r) => [r.id, r.status])).toEqual([['old', 'dead']]);
    // Had 'old' still counted, the cap (1) and the cooldown (two days) would both refuse 'new'.
    expect(ids(result)).toEqual(['new']);
  });

  it('fails a row whose seat has no session, and gives up a row older than maxAgeMs', async (ctx) => {
    const b = await setup(ctx);
    await room(b, 'm', ['w0', undefined]);
    await b.queue('unbound', 'm', '1', T - 20);
    await b.queue('old', 'm', '0', T - DAY - 1);
    const result = await claim(b, T, 5);
    expect(ids(result)).toEqual([]);
    expect(
      result.settled
        .map((r) => [r.id, r.status, r.message])
        .sort((x, y) => x[0]!.localeCompare(y[0]!)),
    ).toEqual([
      ['old', 'dead', 'Not delivered within 1440 minutes; given up.'],
      ['unbound', 'failed', 'Seat 1 has no Chaster session.'],
    ]);
  });

  it('claims a row again once its lease has run out, not before, and writes no stale outcome', async (ctx) => {
    const b = await setup(ctx);
    await room(b, 'm', ['w0']);
    await b.queue('m:0', 'm', '0');
    expect(ids(await claim(b, T, 1))).toEqual(['m:0']);
    expect(ids(await claim(b, T + LEASE - 1, 1))).toEqual([]);
    const again = await claim(b, T + LEASE, 1);
    expect(again.claimed.map((c) => [c.row.id, c.row.attempts])).toEqual([['m:0', 2]]);
    // The first sender's answer comes after the row was claimed again: the row is still out, so
    // the outcome is written (that send did reach Chaster).
    const late = await claim(b, T + LEASE + 1, 0, [delivered('m:0', T + LEASE + 1)]);
    expect(late.finished).toEqual([true]);
    // A second outcome for a row no longer out is not written.
    const stale = await claim(b, T + LEASE + 2, 0, [
      { id: 'm:0', status: 'failed', message: 'x', now: T + LEASE + 2 },
    ]);
    expect(stale.finished).toEqual([false]);
    expect((await b.repository.requestsOf('m')).map((r) => r.status)).toEqual(['delivered']);
  });
});
