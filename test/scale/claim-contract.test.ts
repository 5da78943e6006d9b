/**
 * `Repository.recordAndClaim`, one contract on both backends: the SQLite and the Postgres
 * repository must lease, refuse and settle the same rows the same way, so that the Postgres claim
 * can be rewritten (set-based) against these cases, and announce the same changes once each. The
 * Postgres half needs Postgres (skips with a message without it, fails under CI).
 */
import pg from 'pg';
import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/chaster/index.js';
import {
  PgRepository,
  SqliteRepository,
  createPostgresPool,
  migratePostgres,
  openSqlite,
} from '../../src/server/index.js';
import type { OutcomeUpdate, Repository, RoomPolicy } from '../../src/server/index.js';
import { OutboxChanges } from '../../src/server/outbox/changes.js';
import { OUTBOX_CHANNEL, outboxRowOf } from '../../src/server/db/pg-notify.js';
import { freshDatabase } from '../helpers/services.js';
import { cleanupAfterEach, needServices } from '../helpers/services-suite.js';

const missing = needServices('Postgres claim tests');
const cleanups = cleanupAfterEach();

const T = 1_700_000_000_000;
const LEASE = 30_000;
const DAY = 24 * 60 * 60 * 1000;

/** A `by: 'self'` request: the seat that asked, and the actor bound at commit. */
interface SelfAsk {
  requesterID: string;
  actor: Actor;
}

/**
 * A repository, a way to put a queued row into its outbox as `setState` would, and the changes it
 * announced so far as `id status` (SQLite: `OutboxChanges`; Postgres: NOTIFY, heard on LISTEN).
 */
interface Backend {
  repository: Repository;
  queue(
    id: string,
    matchID: string,
    playerID: string,
    createdAt?: number,
    self?: SelfAsk,
  ): Promise<void>;
  announced(): Promise<string[]>;
}

const INSERT = `INSERT INTO outbox (id, match_id, state_id, idx, player_id, reason, requested_by, requester_id, actor,
                                   status, next_attempt_at, created_at, updated_at)
                VALUES ($1, $2, 1, 0, $3, 'lost', $5, $6, $7, 'queued', $4, $4, $4)`;

const insertParams = (
  id: string,
  matchID: string,
  playerID: string,
  createdAt: number,
  self: SelfAsk | undefined,
) => [
  id,
  matchID,
  playerID,
  createdAt,
  self ? 'self' : 'rules',
  self?.requesterID ?? null,
  self?.actor ?? 'extension',
];

const change = (row: { id: string; status: string }) => `${row.id} ${row.status}`;

function sqlite(): Backend {
  const db = openSqlite(':memory:');
  cleanups.push(async () => void db.close());
  const insert = db.prepare(INSERT.replace(/\$\d/g, (p) => `@p${p.slice(1)}`));
  const changes = new OutboxChanges();
  const announced: string[] = [];
  // A change announced inside its transaction would be marked: nothing may hear it before commit.
  changes.subscribe((rows) =>
    announced.push(...rows.map((r) => change(r) + (db.inTransaction ? ' (uncommitted)' : ''))),
  );
  return {
    repository: new SqliteRepository(db, { changes }),
    async queue(id, matchID, playerID, createdAt = T - 1000, self) {
      const params = insertParams(id, matchID, playerID, createdAt, self);
      insert.run(Object.fromEntries(params.map((v, i) => [`p${i + 1}`, v])));
    },
    announced: async () => announced,
  };
}

async function postgres(): Promise<Backend> {
  const db = await freshDatabase();
  cleanups.push(db.drop);
  const pool: Pool = createPostgresPool(db.url, 2);
  cleanups.push(() => pool.end());
  await migratePostgres(pool);
  const listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  cleanups.push(() => listener.end());
  const announced: string[] = [];
  listener.on('notification', (n) => announced.push(change(outboxRowOf(n.payload ?? ''))));
  await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
  return {
    repository: new PgRepository(pool),
    async queue(id, matchID, playerID, createdAt = T - 1000, self) {
      await pool.query(INSERT, insertParams(id, matchID, playerID, createdAt, self));
    },
    async announced() {
      // Notifications committed before this query reach the listener before its answer.
      await listener.query('SELECT 1');
      return announced;
    },
  };
}

/** A seat bound to someone other than a wearer of their own lock. */
interface SeatSpec {
  sessionId: string;
  role: 'wearer' | 'keyholder';
  lockId: string;
  /** The seat's own delivery policy (its wearer's house rules); absent: the room's. */
  policy?: RoomPolicy;
}

/**
 * A match whose seats belong to the given wearer sessions (a string: a wearer of its own lock;
 * undefined: unbound), with a room of `policy` (null: no room).
 */
async function room(
  { repository }: Backend,
  matchID: string,
  seats: Array<string | SeatSpec | undefined>,
  policy: RoomPolicy | null = { cooldownMs: 0, maxRequestsPerMatch: 100 },
) {
  if (policy) await repository.createRoom(matchID, policy, T - 10_000);
  for (const [i, seat] of seats.entries()) {
    if (seat === undefined) continue;
    const {
      sessionId,
      role,
      lockId,
      policy: own,
    } = typeof seat === 'string'
      ? { sessionId: seat, role: 'wearer' as const, lockId: `lock-${seat}` }
      : seat;
    await repository.bindSeat(
      {
        matchID,
        playerID: String(i),
        loginId: `auth-${sessionId}`,
        sessionId,
        role,
        userId: `user-${sessionId}`,
        lockId,
        credentialsHash: 'x',
        policy: own ?? null,
      },
      T - 10_000,
    );
  }
}

const claim = (b: Backend, now: number, limit: number, outcomes: OutcomeUpdate[] = []) =>
  b.repository.recordAndClaim({ now, limit, leaseMs: LEASE, maxAgeMs: DAY, outcomes });
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
] as const)('Repository.recordAndClaim on %s', (name, backend) => {
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
    expect(next.recorded).toEqual([true]);
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

  it('checks a request to a seat with its own policy against that policy, not the room’s', async (ctx) => {
    const b = await setup(ctx);
    const own: RoomPolicy = { cooldownMs: 0, maxRequestsPerMatch: 3 };
    const bound: SeatSpec = { sessionId: 'w1', role: 'wearer', lockId: 'lock-w1', policy: own };
    await room(b, 'm', ['w0', bound], { cooldownMs: 60_000, maxRequestsPerMatch: 1 });
    // Without a room the seat's own policy allows nothing either (fail closed).
    await room(b, 'roomless', [{ ...bound, sessionId: 'w9' }], null);
    await b.queue('m:a', 'm', '0', T - 40);
    await b.queue('m:b', 'm', '0', T - 30);
    await b.queue('m:c', 'm', '1', T - 20);
    await b.queue('m:d', 'm', '1', T - 10);
    await b.queue('roomless:a', 'roomless', '0', T - 5);
    const first = await claim(b, T, 5);
    expect(ids(first)).toEqual(['m:a', 'm:c']);
    expect(first.settled.map((r) => [r.id, r.status, r.message])).toEqual([
      ['m:b', 'suppressed', 'This room allows 1 request per match; the limit is reached.'],
      [
        'roomless:a',
        'failed',
        'This match has no room, so no room policy allows a request; rooms are made with POST /api/rooms.',
      ],
    ]);
    // Within the room's minute, but the seat has no cooldown, and the match's 2 are under its 3.
    const answered = [delivered('m:a', T + 1_000), delivered('m:c', T + 1_000)];
    expect(ids(await claim(b, T + 2_000, 5, answered))).toEqual(['m:d']);
    await b.queue('m:e', 'm', '1', T + 3_000);
    const last = await claim(b, T + 4_000, 5, [delivered('m:d', T + 3_500)]);
    expect(last.settled.map((r) => [r.id, r.status, r.message])).toEqual([
      ['m:e', 'suppressed', 'This room allows 3 requests per match; the limit is reached.'],
    ]);
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
    expect(late.recorded).toEqual([true]);
    // A second outcome for a row no longer out is not written.
    const stale = await claim(b, T + LEASE + 2, 0, [
      { id: 'm:0', status: 'failed', message: 'x', now: T + LEASE + 2 },
    ]);
    expect(stale.recorded).toEqual([false]);
    expect((await b.repository.requestsOf('m')).map((r) => r.status)).toEqual(['delivered']);
  });

  it('refuses a first claim by the seats’ roles, and in a match without a room, each with its one wording', async (ctx) => {
    const b = await setup(ctx);
    const keyholder: SeatSpec = { sessionId: 'k', role: 'keyholder', lockId: 'lock-w0' };
    // Seat 0: a wearer; 1: that wearer's keyholder; 2: another wearer; 3: nobody.
    await room(b, 'm', ['w0', keyholder, 'w2', undefined]);
    await room(b, 'roomless', ['w9'], null);
    const asKeyholder = { requesterID: '1', actor: 'keyholder' } as const;
    await b.queue('keyholder-asked', 'm', '1', T - 60);
    await b.queue('not-own-wearer', 'm', '2', T - 50, asKeyholder);
    await b.queue('not-themselves', 'm', '2', T - 40, { requesterID: '0', actor: 'wearer' });
    await b.queue('unseated-asker', 'm', '0', T - 30, { requesterID: '3', actor: 'wearer' });
    await b.queue('own-wearer', 'm', '0', T - 20, asKeyholder);
    await b.queue('no-room', 'roomless', '0', T - 10);
    const result = await claim(b, T, 10);
    expect(result.claimed.map((c) => [c.row.id, c.sessionId, c.actor])).toEqual([
      ['own-wearer', 'w0', 'keyholder'],
    ]);
    expect(
      result.settled
        .map((r) => [r.id, r.status, r.message])
        .sort((x, y) => x[0]!.localeCompare(y[0]!)),
    ).toEqual([
      [
        'keyholder-asked',
        'failed',
        'Seat 1 is a keyholder; only wearers can be asked for a picture.',
      ],
      [
        'no-room',
        'failed',
        'This match has no room, so no room policy allows a request; rooms are made with POST /api/rooms.',
      ],
      ['not-own-wearer', 'failed', 'A keyholder may only ask their own wearer for a picture.'],
      ['not-themselves', 'failed', 'A wearer may only ask for a picture of themselves.'],
      [
        'unseated-asker',
        'failed',
        'Seat 3 has no Chaster session, so it cannot ask for a picture itself.',
      ],
    ]);
  });

  it('announces each row it changes once, after commit: settled, claimed, recorded, submitted', async (ctx) => {
    const b = await setup(ctx);
    await room(b, 'm', ['w0', undefined]);
    await b.queue('m:0', 'm', '0', T - 30);
    await b.queue('m:1', 'm', '0', T - 20);
    await b.queue('unbound', 'm', '1', T - 10);
    // m:1 waits: its wearer has m:0 in flight.
    expect(ids(await claim(b, T, 5))).toEqual(['m:0']);
    // One transaction records m:0's outcome, which frees its wearer, then claims m:1.
    expect(ids(await claim(b, T + 1, 5, [delivered('m:0', T + 1)]))).toEqual(['m:1']);
    await claim(b, T + 5, 0, [delivered('m:1', T + 5)]);
    // An outcome for a row no longer out is not written, so nothing is announced for it.
    const stale = await claim(b, T + 6, 0, [
      { id: 'm:0', status: 'failed', message: 'x', now: T + 6 },
    ]);
    expect(stale.recorded).toEqual([false]);
    // A picture taken at T + 3 answers m:0 (delivered at T + 1), not m:1 (delivered at T + 5).
    const submitted = await b.repository.markSubmitted('w0', 'picture-1', T + 3, T + 7);
    expect(submitted?.map(change)).toEqual(['m:0 submitted']);
    expect(submitted?.[0]).toMatchObject({
      message: 'The wearer submitted a picture.',
      updatedAt: T + 7,
    });
    // The same webhook again changes nothing.
    expect(await b.repository.markSubmitted('w0', 'picture-1', T + 3, T + 8)).toBeUndefined();
    expect(await b.announced()).toEqual([
      'unbound failed',
      'm:0 sending',
      'm:0 delivered',
      'm:1 sending',
      'm:1 delivered',
      'm:0 submitted',
    ]);
  });
});
