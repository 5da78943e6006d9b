/**
 * The lock's history against the emulator, on SQLite (one instance) and on Postgres + Redis (two
 * instances): each delivered request is followed by one custom log on the wearer's lock, each
 * finished match by one result log per wearer; a history that fails never holds up a picture
 * request; and a log whose answer was lost is looked for in the history, not written twice.
 */
import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { TEST_LIMITS } from '../fixtures/limits.js';
import { waitFor } from '../helpers/http-core.js';
import { needServices } from '../helpers/services-suite.js';
import { makeMove } from '../helpers/stack.js';
import type { Seat } from '../helpers/stack.js';
import { flood, login, room, startTarget } from '../helpers/targets.js';
import type { Target, TargetKind } from '../helpers/targets.js';

const missing = needServices('Postgres history-log tests');

/** A history log row as stored, the fields these tests read. */
interface StoredLog {
  id: string;
  session_id: string;
  status: string;
  message: string | null;
}

/** Every history log row of the target's database. */
async function storedLogs(target: Target): Promise<StoredLog[]> {
  const store = target.servers[0]!.store as {
    db?: { prepare(sql: string): { all(): unknown[] } };
    pool?: { query(sql: string): Promise<{ rows: unknown[] }> };
  };
  const sql = 'SELECT id, session_id, status, message FROM history_logs ORDER BY id';
  return (
    store.db ? store.db.prepare(sql).all() : (await store.pool!.query(sql)).rows
  ) as StoredLog[];
}

/** Plays `moves` in order as `seat`, over its own socket, and waits until each is applied. */
async function play(
  url: string,
  matchID: string,
  seat: Seat,
  moves: Array<[string, ...unknown[]]>,
) {
  const socket = io(`${url}/penalty`, { transports: ['websocket'], forceNew: true });
  let stateID = -1;
  socket.on('sync', (_id: string, state: { state: { _stateID: number } }) => {
    stateID = state.state._stateID;
  });
  socket.on('update', (_id: string, state: { _stateID: number }) => {
    stateID = state._stateID;
  });
  try {
    socket.emit('sync', matchID, seat.playerID, seat.credentials, 2);
    await waitFor(() => stateID >= 0 || undefined, 'synced');
    for (const [move, ...args] of moves) {
      const before = stateID;
      socket.emit('update', makeMove(move, seat, args), before, matchID, seat.playerID);
      await waitFor(() => stateID > before || undefined, `${move} applied`);
    }
  } finally {
    socket.disconnect();
  }
}

describe.each<TargetKind>(['sqlite', 'postgres'])('the lock history on %s', (kind) => {
  const start = async () => startTarget(kind, { games: [PenaltyGame], limits: TEST_LIMITS });

  it('each delivered request is followed by one custom log; the finished match by one result per wearer', async (ctx) => {
    if (kind === 'postgres' && missing()) return ctx.skip();
    const target = await start();
    const { matchID, seats } = await room(target, 'penalty', 2);
    const url = target.urls[0]!;
    await play(url, matchID, seats[0]!, [
      ['lose', '0'],
      ['lose', '1'],
    ]);
    await waitFor(
      () => target.emulator.requests().filter((r) => r.status === 201).length === 2 || undefined,
      'both requests delivered',
    );
    await play(url, matchID, seats[0]!, [['finish']]);
    const logs = await waitFor(() => {
      const entries = target.emulator.customLogEntries();
      return entries.length >= 4 ? entries : undefined;
    }, 'four history logs');
    const requests = target.emulator.requests().filter((r) => r.status === 201);
    expect(logs).toHaveLength(4);
    const byTitle = (title: string) => logs.filter((l) => l.title === title);
    const requested = byTitle('Penalty: verification picture requested');
    expect(requested.map((l) => l.sessionId).sort()).toEqual(
      requests.map((r) => r.sessionId).sort(),
    );
    for (const log of requested) {
      expect(log.role).toBe('extension');
      expect(log.description).toMatch(
        new RegExp(`^seat [01] lost \\(match ${matchID}, move \\d+\\)$`),
      );
      // The log follows its request.
      const request = requests.find((r) => r.sessionId === log.sessionId)!;
      expect(Date.parse(log.at)).toBeGreaterThanOrEqual(Date.parse(request.at));
    }
    // Seat 0 wins the penalty game; each wearer's result goes to their own lock.
    const [won] = byTitle('Penalty: the wearer won the match');
    const [lost] = byTitle('Penalty: the wearer lost the match');
    expect(won?.description).toBe(
      `Match ${matchID}: 1 verification picture request in this match.`,
    );
    expect(lost?.description).toBe(
      `Match ${matchID}: 1 verification picture request in this match.`,
    );
    expect(new Set([won!.sessionId, lost!.sessionId]).size).toBe(2);
    expect(new Set(requested.map((l) => l.sessionId))).toEqual(
      new Set([won!.sessionId, lost!.sessionId]),
    );
    // Nothing more comes: each event is written once.
    await waitFor(
      async () => (await storedLogs(target)).every((l) => l.status === 'posted') || undefined,
      'every log posted',
    );
    expect(target.emulator.customLogEntries()).toHaveLength(4);
  });

  it('a history that fails never holds up a picture request', async (ctx) => {
    if (kind === 'postgres' && missing()) return ctx.skip();
    const target = await start();
    let historyCalls = 0;
    target.emulator.server.on('request', (req: { url?: string }) => {
      if (req.url?.includes('/logs/')) historyCalls += 1;
    });
    target.emulator.setFaults({ scope: 'history', errorRate: 1, errorStatus: 503 });
    const { matchID, seats } = await room(target, 'penalty', 2);
    const url = target.urls[0]!;
    await play(url, matchID, seats[0]!, [['lose', '0']]);
    await waitFor(() => historyCalls >= 3 || undefined, 'the first log retried');
    // The history keeps failing; the other wearer's request goes out all the same.
    await play(url, matchID, seats[1]!, [['lose', '1']]);
    await waitFor(
      () => target.emulator.requests().filter((r) => r.status === 201).length === 2 || undefined,
      'both requests delivered while the history fails',
    );
    // Each delivery's outcome, written in the next pass, makes its log.
    const logs = await waitFor(async () => {
      const stored = await storedLogs(target);
      return stored.length === 2 ? stored : undefined;
    }, 'both logs stored');
    expect(target.emulator.customLogEntries()).toEqual([]);
    for (const log of logs) expect(['queued', 'sending', 'dead']).toContain(log.status);
  });

  it('a history that stalls never takes the slots picture requests need', async (ctx) => {
    if (kind === 'postgres' && missing()) return ctx.skip();
    const target = await start();
    const url = target.urls[0]!;
    let historyCalls = 0;
    target.emulator.server.on('request', (req: { url?: string }) => {
      if (req.url?.includes('/logs/')) historyCalls += 1;
    });
    // Every history call hangs until the server's deadline (2 s here) gives up on it.
    target.emulator.setFaults({ scope: 'history', stallRate: 1, stallMs: 60_000 });
    const delivered = () => target.emulator.requests().filter((r) => r.status === 201).length;
    // Ten finished matches: twenty logs, more than every slot and place behind them.
    for (let i = 0; i < 10; i++) {
      const token = await login(url, target.emulator.createLock().tokens.wearer);
      await flood(url, token, 1, { finish: true });
    }
    await waitFor(() => delivered() === 10 || undefined, 'ten requests delivered');
    await waitFor(() => historyCalls >= 1 || undefined, 'a log stalled in flight');
    const token = await login(url, target.emulator.createLock().tokens.wearer);
    await flood(url, token, 1);
    await waitFor(() => delivered() === 11 || undefined, 'the new request delivered');
    // It went out while every stalled log was still waiting: none had timed out yet.
    const logs = await storedLogs(target);
    expect(logs.length).toBeGreaterThanOrEqual(10);
    expect(logs.filter((l) => l.message !== null)).toEqual([]);
  });

  it('a log whose answer was lost is found in the history, not written twice', async (ctx) => {
    if (kind === 'postgres' && missing()) return ctx.skip();
    const target = await start();
    target.emulator.setFaults({ scope: 'history', lostAnswerRate: 1 });
    const { matchID, seats } = await room(target, 'penalty', 1, 0);
    await play(target.urls[0]!, matchID, seats[0]!, [['lose']]);
    await waitFor(
      () => target.emulator.customLogEntries().length === 1 || undefined,
      'log written',
    );
    target.emulator.clearFaults();
    const [log] = await waitFor(async () => {
      const logs = await storedLogs(target);
      return logs.length === 1 && logs[0]!.status === 'posted' ? logs : undefined;
    }, 'the log posted');
    expect(log!.message).toMatch(/found in the lock history/i);
    expect(target.emulator.customLogEntries()).toHaveLength(1);
  });
});
