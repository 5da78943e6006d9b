/**
 * The lock's history across a SIGKILL: the server dies with history logs queued and in flight
 * (slow ones, which the emulator goes on to write after the server is gone), restarts on the same
 * database, and in the end every event is in the lock history exactly once — the logs whose send
 * may have landed are looked for before they are sent again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createChasterEmulator } from '../../src/emulator/index.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { exited, startServerProcess } from '../helpers/process.js';
import { connect, host, join, until } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The history logs as stored: status and message. */
function storedLogs(
  database: string,
): Array<{ id: string; status: string; message: string | null }> {
  const db = new BetterSqlite3(database, { readonly: true });
  try {
    return db.prepare('SELECT id, status, message FROM history_logs ORDER BY id').all() as Array<{
      id: string;
      status: string;
      message: string | null;
    }>;
  } finally {
    db.close();
  }
}

describe('the lock history across a crash', () => {
  it('SIGKILL with logs queued and in flight, restart: every event in the history exactly once', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'bgio-chaster-history-crash-'));
    dirs.push(dir);
    const database = joinPath(dir, 'crash.sqlite');
    const emulator = createChasterEmulator();
    await emulator.listen(0);
    const env = {
      CHASTER_API_URL: emulator.url,
      CHASTER_TOKEN: emulator.token,
      DATABASE_PATH: database,
      LEASE_MS: '3000',
    };
    try {
      // Every history call is slow: the kill finds logs out, which the emulator still writes.
      emulator.setFaults({ latencyMs: 400, scope: 'history' });
      let server = await startServerProcess(env);
      const stack = { url: server.url, emulator } as Stack;
      const locks = Array.from({ length: 6 }, () => emulator.createLock());
      const { matchID, seat } = await host(stack, locks[0]!.tokens.wearer, {
        game: 'penalty',
        numPlayers: 6,
      });
      for (const lock of locks.slice(1)) await join(stack, lock.tokens.wearer, matchID);
      const client = await connect(stack, PenaltyGame, matchID, seat);
      for (let target = 0; target < 6; target++) {
        const before = client.getState()!._stateID;
        client.moves.lose!(String(target));
        await until(() => client.getState()!._stateID > before, 'move applied');
      }
      await until(
        () => emulator.requests().filter((r) => r.status === 201).length === 6,
        'six requests delivered',
      );
      const before = client.getState()!._stateID;
      client.moves.finish!();
      await until(() => client.getState()!._stateID > before, 'match over');
      await until(() => emulator.customLogEntries().length >= 2, 'some logs written');
      server.child.kill('SIGKILL');
      await exited(server.child);
      client.stop();
      // The kill must have found logs out or waiting, or this test proves nothing.
      const atKill = storedLogs(database);
      expect(atKill).toHaveLength(12);
      const sendingAtKill = atKill.filter((l) => l.status === 'sending').length;
      expect(sendingAtKill).toBeGreaterThan(0);

      // The sends the kill cut off land while the server is down.
      await new Promise((resolve) => setTimeout(resolve, 600));
      emulator.clearFaults();
      server = await startServerProcess(env);
      const final = await until(
        () => {
          const logs = storedLogs(database);
          return logs.every((l) => l.status === 'posted') ? logs : undefined;
        },
        'every log posted after the restart',
        15_000,
      );
      // Each event is in the history once: six request logs and six results, one per wearer.
      const entries = emulator.customLogEntries();
      const texts = entries.map((e) => `${e.sessionId} ${e.title} ${e.description}`);
      expect(new Set(texts).size).toBe(texts.length);
      expect(entries).toHaveLength(12);
      for (const lock of locks) {
        expect(entries.filter((e) => e.sessionId === lock.sessionId)).toHaveLength(2);
      }
      // Some log was found in the history rather than sent twice.
      expect(final.filter((l) => /found in the lock history/i.test(l.message ?? ''))).not.toEqual(
        [],
      );
      server.child.kill('SIGTERM');
      await exited(server.child);
    } finally {
      await emulator.close();
    }
  }, 60_000);
});
