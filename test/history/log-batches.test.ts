/**
 * How the dispatcher sends history logs, on a real SqliteRepository with a client whose answers
 * the test releases: a claim takes a batch of logs, sent one at a time through their one slot;
 * their outcomes wait until the batch has been sent and are written by one transaction; a log
 * whose lease is half spent is not started, and is taken again (and looked for first) once its
 * lease runs out; a stopping dispatcher starts no claimed log.
 */
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteRepository, createDispatcher, openSqlite } from '../../src/server/index.js';
import type { Dispatcher, DispatcherOptions } from '../../src/server/index.js';
import type { LogClaimOptions } from '../../src/server/db/types.js';
import { waitFor } from '../helpers/http-core.js';

/** A client whose custom-log calls wait until the test answers them; searches find nothing. */
function heldClient() {
  const logs: Array<{ sessionId: string; answer: () => void }> = [];
  const searches: string[] = [];
  return {
    logs,
    searches,
    requestVerificationPicture: () => Promise.reject(new Error('no request is expected here')),
    createCustomLog(sessionId: string) {
      return new Promise<void>((resolve) => logs.push({ sessionId, answer: resolve }));
    },
    async searchLogs(sessionId: string) {
      searches.push(sessionId);
      return { results: [], count: 0, hasMore: false };
    },
  };
}

/** `count` queued request logs, log i on session `s<i>`, oldest first. */
function queueLogs(db: Database, count: number) {
  const now = Date.now();
  const insert = db.prepare(
    `INSERT INTO history_logs (id, kind, match_id, player_id, session_id, game_name, reason, state_id, idx,
                               status, next_attempt_at, created_at, updated_at)
     VALUES (?, 'request', 'm', '0', ?, 'penalty', 'lost', ?, 0, 'queued', ?, ?, ?)`,
  );
  for (let i = 0; i < count; i++) {
    insert.run(`request:m:${i}`, `s${i}`, i + 1, now - count + i, now, now);
  }
}

const running: Array<{ dispatcher: Dispatcher; client: ReturnType<typeof heldClient> }> = [];
afterEach(async () => {
  for (const { dispatcher, client } of running.splice(0)) {
    const stopping = dispatcher.stop();
    for (const call of client.logs) call.answer();
    await stopping;
  }
});

function setup(count: number, options: DispatcherOptions = {}) {
  const db = openSqlite(':memory:');
  queueLogs(db, count);
  const repository = new SqliteRepository(db);
  const passes: LogClaimOptions[] = [];
  const recordAndClaimLogs = repository.recordAndClaimLogs.bind(repository);
  repository.recordAndClaimLogs = async (o) => {
    passes.push(o);
    return recordAndClaimLogs(o);
  };
  const client = heldClient();
  const dispatcher = createDispatcher({
    repository,
    client,
    options: { ratePerMinute: 1_000_000, concurrency: 8, pollMs: 60_000, ...options },
  });
  running.push({ dispatcher, client });
  const statuses = () =>
    (
      db.prepare(`SELECT status FROM history_logs ORDER BY state_id`).all() as Array<{
        status: string;
      }>
    ).map((r) => r.status);
  return { db, dispatcher, client, passes, statuses };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('history logs are sent in batches', () => {
  it('one claim takes a batch, sent one at a time; one transaction writes its outcomes once it is sent', async () => {
    const { dispatcher, client, passes, statuses } = setup(20);
    dispatcher.start();
    await waitFor(() => client.logs.length === 1 || undefined, 'the first log sent');
    // One slot and eight places behind it.
    expect(passes).toHaveLength(1);
    expect(passes[0]!.limit).toBe(9);
    expect(statuses().filter((s) => s === 'sending')).toHaveLength(9);
    for (let i = 0; i < 8; i++) {
      client.logs[i]!.answer();
      await waitFor(() => client.logs.length === i + 2 || undefined, `log ${i + 2} sent`);
      await turn();
      // While claimed logs wait for the slot, no outcome is written.
      if (i < 7) expect(passes).toHaveLength(1);
    }
    // The ninth went out: the queue has drained, so one pass writes the eight outcomes.
    await waitFor(() => passes.length === 2 || undefined, 'the batch’s pass');
    expect(passes[1]!.outcomes?.map((o) => o.status)).toEqual(Array(8).fill('posted'));
    expect(passes[1]!.limit).toBe(8);
    expect(statuses().filter((s) => s === 'posted')).toHaveLength(8);
  });

  it('a log whose lease is half spent is not started; once the lease runs out it is looked for, then sent once', async () => {
    const leaseMs = 600;
    const { dispatcher, client, statuses } = setup(3, { leaseMs, pollMs: 50 });
    dispatcher.start();
    await waitFor(() => client.logs.length === 1 || undefined, 'the first log sent');
    // The first send outlasts half the batch's leases: the two behind it are left out.
    await new Promise((resolve) => setTimeout(resolve, leaseMs / 2 + 50));
    client.logs[0]!.answer();
    await turn();
    expect(client.logs).toHaveLength(1);
    // Their leases run out in this process: the next claim takes them, looks, then sends.
    await waitFor(
      () => {
        for (const call of client.logs) call.answer();
        return statuses().every((s) => s === 'posted') || undefined;
      },
      'every log posted',
      10_000,
    );
    expect(client.searches.sort()).toEqual(['s1', 's2']);
    expect(client.logs.map((l) => l.sessionId).sort()).toEqual(['s0', 's1', 's2']);
  });

  it('a stopping dispatcher starts no claimed log and leaves it to its lease', async () => {
    const { dispatcher, client, statuses } = setup(5);
    dispatcher.start();
    await waitFor(() => client.logs.length === 1 || undefined, 'the first log sent');
    const stopping = dispatcher.stop();
    client.logs[0]!.answer();
    await stopping;
    expect(client.logs).toHaveLength(1);
    expect(statuses()).toEqual(['posted', 'sending', 'sending', 'sending', 'sending']);
  });
});
