/**
 * How the dispatcher uses storage: one transaction per turn of the event loop that writes the
 * finished sends' outcomes and fills every free slot and the queue of claimed rows behind them,
 * a finished send's slot refilled from that queue at once, no claims while both are full, passes
 * held back while a backlog drains until half that queue is sent, and due times from the claim
 * instead of a re-poll. On a real SqliteRepository, with a client whose
 * answers the test releases.
 */
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ChasterError } from '../../src/chaster/index.js';
import { waitFor } from '../helpers/http-core.js';
import { SqliteRepository, createDispatcher, openSqlite } from '../../src/server/index.js';
import { OutboxChanges } from '../../src/server/outbox/changes.js';
import type {
  ClaimOptions,
  ClaimResult,
  Dispatcher,
  DispatcherOptions,
  OutboxRow,
} from '../../src/server/index.js';

/** A client whose calls wait until the test answers them. */
function heldClient() {
  const calls: Array<{ sessionId: string; answer: (error?: Error) => void }> = [];
  return {
    calls,
    requestVerificationPicture(sessionId: string) {
      return new Promise<void>((resolve, reject) => {
        calls.push({ sessionId, answer: (error) => (error ? reject(error) : resolve()) });
      });
    },
    // These rooms have no match row, so a delivery makes no history log to write.
    createCustomLog: () => Promise.reject(new Error('no history log is expected here')),
    searchLogs: () => Promise.reject(new Error('no history log is expected here')),
  };
}

/** `rows` queued requests in rooms of two wearer seats; `wearer(i)` names row i's session. */
function outbox(db: Database, rows: number, wearer = (i: number) => `w${i}`) {
  const now = Date.now();
  const room = db.prepare(`INSERT INTO rooms (match_id, policy, created_at) VALUES (?, ?, ?)`);
  const seat = db.prepare(
    `INSERT INTO seats (match_id, player_id, login_id, session_id, role, user_id, lock_id, credentials_hash, created_at)
     VALUES (?, ?, 'a', ?, 'wearer', 'u', ?, 'x', ?)`,
  );
  const row = db.prepare(
    `INSERT INTO outbox (id, match_id, state_id, idx, player_id, reason, requested_by, actor, status,
                         next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, 0, ?, 'lost', 'rules', 'extension', 'queued', ?, ?, ?)`,
  );
  for (let i = 0; i < rows; i++) {
    const match = `m${i}`;
    room.run(match, JSON.stringify({ cooldownMs: 0, maxRequestsPerMatch: 100 }), now);
    seat.run(match, '0', wearer(i), wearer(i), now);
    // Oldest first, one millisecond apart, so the claim order is the row order.
    row.run(`${match}:1:0`, match, 1, '0', now - rows + i, now - rows + i, now - rows + i);
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const running: Array<{ dispatcher: Dispatcher; client: ReturnType<typeof heldClient> }> = [];
afterEach(async () => {
  for (const { dispatcher, client } of running.splice(0)) {
    let stopped = false;
    const stopping = dispatcher.stop().then(() => (stopped = true));
    // stop() waits for sends in flight, and sends the rows already claimed: answer them all.
    let answered = 0;
    while (!stopped) {
      for (const call of client.calls.slice(answered)) call.answer();
      answered = client.calls.length;
      await turn();
    }
    await stopping;
  }
});

function setup(rows: number, options: DispatcherOptions = {}, wearer?: (i: number) => string) {
  const db = openSqlite(':memory:');
  outbox(db, rows, wearer);
  // The repository announces every row it changes: the dispatcher itself announces nothing.
  const outboxChanges = new OutboxChanges();
  const changes: OutboxRow[] = [];
  outboxChanges.subscribe((rows) => changes.push(...rows));
  const repository = new SqliteRepository(db, { changes: outboxChanges });
  const claims: Array<{ options: ClaimOptions; result: ClaimResult }> = [];
  const recordAndClaim = repository.recordAndClaim.bind(repository);
  repository.recordAndClaim = async (o) => {
    const result = await recordAndClaim(o);
    claims.push({ options: o, result });
    return result;
  };
  const client = heldClient();
  const dispatcher = createDispatcher({
    repository,
    client,
    options: { ratePerMinute: 1_000_000, concurrency: 8, pollMs: 60_000, ...options },
  });
  running.push({ dispatcher, client });
  const status = (id: string) =>
    (db.prepare(`SELECT status FROM outbox WHERE id = ?`).get(id) as { status: string }).status;
  return { db, dispatcher, client, claims, changes, status };
}

describe('dispatcher batching', () => {
  it('one claim fills every free slot and as many places behind them, then claims nothing while they are full', async () => {
    const { dispatcher, client, claims, status } = setup(20);
    dispatcher.start();
    await turn();
    expect(claims).toHaveLength(1);
    expect(claims[0]!.options.limit).toBe(16);
    // Eight are sent; the next eight wait, leased, for a slot.
    expect(client.calls.map((c) => c.sessionId)).toEqual(
      Array.from({ length: 8 }, (_, i) => `w${i}`),
    );
    expect([status('m15:1:0'), status('m16:1:0')]).toEqual(['sending', 'queued']);
    // Saturated: commits may kick, but no claim runs until a slot frees (no re-poll either).
    dispatcher.kick();
    await sleep(30);
    expect(claims).toHaveLength(1);
  });

  it('a finished send’s slot is refilled at once; draining a backlog, one pass writes half a queue of outcomes and claims as many rows', async () => {
    const { dispatcher, client, claims, changes, status } = setup(20);
    dispatcher.start();
    await turn();
    // The first claim took its whole limit (16 of 20 due): a backlog.
    for (const call of client.calls.slice(0, 3)) call.answer();
    // The answers' own microtasks send the next claimed rows, before any pass (which waits for
    // the check phase) can run.
    for (let i = 0; i < 20 && client.calls.length < 11; i++) await Promise.resolve();
    expect(client.calls.slice(8).map((c) => c.sessionId)).toEqual(['w8', 'w9', 'w10']);
    // Five rows still wait behind the slots: no pass yet, the outcomes are held for a batch.
    await turn();
    await turn();
    expect(claims).toHaveLength(1);
    expect(status('m0:1:0')).toBe('sending');
    // The fourth answer leaves half the queue (four of eight): one pass for all four.
    client.calls[3]!.answer();
    await waitFor(() => claims.length >= 2, 'the outcomes’ pass');
    expect(claims).toHaveLength(2);
    expect(claims[1]!.options.outcomes!.map((o) => [o.id, o.status])).toEqual([
      ['m0:1:0', 'delivered'],
      ['m1:1:0', 'delivered'],
      ['m2:1:0', 'delivered'],
      ['m3:1:0', 'delivered'],
    ]);
    // Four places freed behind the slots: the last four rows claimed.
    expect(claims[1]!.options.limit).toBe(4);
    expect(claims[1]!.result.claimed.map((c) => c.row.id)).toEqual([
      'm16:1:0',
      'm17:1:0',
      'm18:1:0',
      'm19:1:0',
    ]);
    expect(status('m0:1:0')).toBe('delivered');
    // Listeners still hear every row: as delivered, with the leased row's fields.
    const delivered = changes.filter((r) => r.status === 'delivered');
    expect(delivered.map((r) => r.id)).toEqual(['m0:1:0', 'm1:1:0', 'm2:1:0', 'm3:1:0']);
    expect(delivered[0]).toMatchObject({ attempts: 1, leaseUntil: null, reason: 'lost' });
  });

  it('without a backlog, each outcome is written in the next turn', async () => {
    // Fourteen rows due, a limit of sixteen: the claim took them all and found no more. Eight
    // are sent, six wait behind the slots, more than half the queue.
    const { dispatcher, client, claims, status } = setup(14);
    dispatcher.start();
    await turn();
    expect(client.calls).toHaveLength(8);
    client.calls[0]!.answer();
    await waitFor(() => claims.length >= 2, 'the outcome’s pass');
    expect(claims[1]!.options.outcomes!.map((o) => o.id)).toEqual(['m0:1:0']);
    expect(status('m0:1:0')).toBe('delivered');
    expect(status('m1:1:0')).toBe('sending');
  });

  it('stop() writes the outcomes held back for a batch, without waiting for another answer', async () => {
    const { dispatcher, client, claims, status } = setup(20);
    dispatcher.start();
    await turn();
    client.calls[0]!.answer();
    await turn();
    expect(claims).toHaveLength(1);
    expect(status('m0:1:0')).toBe('sending');
    void dispatcher.stop();
    await waitFor(() => status('m0:1:0') === 'delivered', 'the held outcome written');
    // The other sends are still out: only the held outcome's pass ran.
    expect(claims[1]!.options.outcomes!.map((o) => o.id)).toEqual(['m0:1:0']);
  });

  it('a wearer with a long queue does not keep other wearers out of the claim', async () => {
    // Rows 0–59 all belong to wearer A, more than a claim used to look at; 60–64 to five others.
    const { dispatcher, client } = setup(65, {}, (i) => (i < 60 ? 'A' : `w${i}`));
    dispatcher.start();
    await turn();
    expect(client.calls.map((c) => c.sessionId)).toEqual(['A', 'w60', 'w61', 'w62', 'w63', 'w64']);
  });

  it('a retry is woken at its due time, without a poll', async () => {
    const { dispatcher, client, claims, status } = setup(1, {
      backoffBaseMs: 1,
      random: () => 0,
    });
    dispatcher.start();
    await turn();
    const retryAfter = new ChasterError({
      code: 'rate_limited',
      message: 'slow down',
      status: 429,
      retryAfterMs: 80,
      operation: 'POST /x',
    });
    const failedAt = Date.now();
    client.calls[0]!.answer(retryAfter);
    await waitFor(() => status('m0:1:0') === 'queued', 'the outcome written');
    expect(claims[1]!.result.nextDueAt).toBeGreaterThanOrEqual(failedAt + 80);
    await waitFor(() => client.calls.length === 2, 'the retry');
    expect(Date.now() - failedAt).toBeGreaterThanOrEqual(80);
    // As long again as the old fixed wait looked: no claim follows the retry.
    await sleep(70);
    // Two claims around the wait: the outcome's and the timer's (poll is a minute).
    expect(claims.length).toBeLessThanOrEqual(3);
  });

  it('stop() resolves once in-flight sends are answered and their outcomes written', async () => {
    const { dispatcher, client, status } = setup(2);
    dispatcher.start();
    await turn();
    let stopped = false;
    const stopping = dispatcher.stop().then(() => (stopped = true));
    await sleep(10);
    expect(stopped).toBe(false);
    client.calls[0]!.answer();
    await sleep(10);
    expect(stopped).toBe(false);
    client.calls[1]!.answer();
    await stopping;
    expect([status('m0:1:0'), status('m1:1:0')]).toEqual(['delivered', 'delivered']);
  });

  it('stop() still sends the rows already claimed, and claims no more', async () => {
    const { dispatcher, client, claims, status } = setup(10, { concurrency: 2 });
    dispatcher.start();
    await turn();
    expect(client.calls).toHaveLength(2);
    const stopping = dispatcher.stop();
    client.calls[0]!.answer();
    client.calls[1]!.answer();
    await waitFor(() => client.calls.length === 4, 'the two claimed rows sent');
    client.calls[2]!.answer();
    client.calls[3]!.answer();
    await stopping;
    expect(client.calls.map((c) => c.sessionId)).toEqual(['w0', 'w1', 'w2', 'w3']);
    // Only the first claim took rows: the passes after stop() only wrote outcomes.
    expect(claims[0]!.result.claimed).toHaveLength(4);
    expect(claims.slice(1).flatMap((c) => c.result.claimed)).toEqual([]);
    expect(['m0', 'm1', 'm2', 'm3', 'm4'].map((m) => status(`${m}:1:0`))).toEqual([
      'delivered',
      'delivered',
      'delivered',
      'delivered',
      'queued',
    ]);
  });
});

describe('SqliteRepository.recordAndClaim', () => {
  it('claims a row again once its lease runs out, including a lease it took itself', async () => {
    const db = openSqlite(':memory:');
    outbox(db, 4);
    const repository = new SqliteRepository(db);
    const t = Date.now();
    const claim = async (at: number, limit: number, leaseMs: number) =>
      (
        await repository.recordAndClaim({ now: t + at, limit, leaseMs, maxAgeMs: 60_000 })
      ).claimed.map((c) => `${c.row.id} attempt ${c.row.attempts}`);
    expect(await claim(0, 1, 100)).toEqual(['m0:1:0 attempt 1']);
    expect(await claim(50, 1, 1000)).toEqual(['m1:1:0 attempt 1']);
    // A lease that ends before every lease the repository saw when it last looked for ended ones.
    expect(await claim(60, 1, 20)).toEqual(['m2:1:0 attempt 1']);
    expect(await claim(79, 5, 1000)).toEqual(['m3:1:0 attempt 1']);
    // The senders never wrote an outcome: each row comes back when its lease ends.
    expect(await claim(80, 5, 1000)).toEqual(['m2:1:0 attempt 2']);
    expect(await claim(99, 5, 1000)).toEqual([]);
    expect(await claim(100, 5, 1000)).toEqual(['m0:1:0 attempt 2']);
    expect(await claim(1049, 5, 1000)).toEqual([]);
    expect(await claim(1050, 5, 1000)).toEqual(['m1:1:0 attempt 2']);
  });

  it('a pass the shared budget granted nothing looks again once a token may be free, not at the poll', async () => {
    // Instances sharing a budget take tokens and refund the unused a moment later: the first
    // take here finds none.
    let takes = 0;
    const budget = {
      take: (want: number) => (takes++ === 0 ? 0 : want),
      refund: () => {},
      spend: async () => 0,
      msUntilToken: () => 0,
    };
    const { dispatcher, client } = setup(1, { budget, pollMs: 60_000 });
    dispatcher.start();
    for (let i = 0; i < 200 && client.calls.length === 0; i++) await sleep(5);
    expect(takes).toBeGreaterThan(1);
    expect(client.calls).toHaveLength(1);
  });
});
