/**
 * The outbox survives the server dying: SIGKILL with undelivered and in-flight rows, restart on
 * the same database, and every row reaches a final status. SIGTERM finishes in-flight sends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createChasterEmulator } from '../../src/emulator/index.js';
import type { ChasterEmulator } from '../../src/emulator/index.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { exited, startServerProcess } from '../helpers/process.js';
import { api, connect, host, join, until } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function startServer(emulator: ChasterEmulator, database: string) {
  return startServerProcess({
    CHASTER_API_URL: emulator.url,
    CHASTER_TOKEN: emulator.token,
    DATABASE_PATH: database,
    LEASE_MS: '3000',
  });
}

describe('crash and restart', () => {
  it('SIGKILL with undelivered rows, restart on the same database: every row reaches a final status', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'bgio-chaster-crash-'));
    dirs.push(dir);
    const database = joinPath(dir, 'crash.sqlite');
    const emulator = createChasterEmulator();
    await emulator.listen(0);
    try {
      // Half the sends fail and every send is slow, so the kill finds rows queued and in flight.
      emulator.setFaults({ errorRate: 0.5, latencyMs: 300, scope: 'verification', seed: 7 });
      let server = await startServer(emulator, database);
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
      await until(() => emulator.requests().length >= 3, 'some sends under way');
      server.child.kill('SIGKILL');
      await exited(server.child);
      client.stop();
      // The kill must have found work undone, or this test proves nothing.
      const before = new BetterSqlite3(database, { readonly: true });
      const pending = before
        .prepare(`SELECT COUNT(*) AS n FROM outbox WHERE status IN ('queued', 'sending')`)
        .get() as { n: number };
      expect(before.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 6 });
      before.close();
      expect(pending.n).toBeGreaterThan(0);

      emulator.clearFaults();
      server = await startServer(emulator, database);
      // Our bearer tokens survive the restart: the signing secret is kept in the database.
      const list = await until(
        async () => {
          const res = await api(server.url, 'GET', `/api/rooms/${matchID}/verifications`, {
            token: seat.token,
          });
          const rows = res.json?.requests as Array<{ status: string }> | undefined;
          return rows?.length === 6 &&
            rows.every((r) => r.status === 'delivered' || r.status === 'already_pending')
            ? rows
            : undefined;
        },
        'every row final after restart',
        15_000,
      );
      expect(list).toHaveLength(6);
      // Each wearer got at least one accepted request, and at most one resend from the crash window.
      for (const lock of locks) {
        const answered = emulator
          .requests()
          .filter((r) => r.sessionId === lock.sessionId && r.status !== 503);
        expect(answered.filter((r) => r.status === 201)).toHaveLength(1);
        expect(answered.length).toBeLessThanOrEqual(2);
      }
      const db = new BetterSqlite3(database, { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    } finally {
      await emulator.close();
    }
  }, 40_000);

  it('SIGTERM stops claiming, finishes the in-flight request and exits 0', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'bgio-chaster-term-'));
    dirs.push(dir);
    const database = joinPath(dir, 'term.sqlite');
    const emulator = createChasterEmulator();
    await emulator.listen(0);
    try {
      emulator.setFaults({ latencyMs: 800, scope: 'verification' });
      const server = await startServer(emulator, database);
      const stack = { url: server.url, emulator } as Stack;
      const lock = emulator.createLock();
      const { matchID, seat } = await host(stack, lock.tokens.wearer, {
        game: 'penalty',
        numPlayers: 1,
      });
      const client = await connect(stack, PenaltyGame, matchID, seat);
      client.moves.lose!();
      await until(() => emulator.requests().length === 1, 'request in flight');
      client.stop();
      server.child.kill('SIGTERM');
      expect(await exited(server.child)).toBe(0);
      const db = new BetterSqlite3(database, { readonly: true });
      const rows = db.prepare('SELECT status FROM outbox').all();
      db.close();
      expect(rows).toEqual([{ status: 'delivered' }]);
    } finally {
      await emulator.close();
    }
  }, 20_000);
});
