/**
 * The crash test: a game server child process under load from concurrent matches is SIGKILLed at
 * random moments (before, during and after sends) and restarted on the same SQLite database, again
 * and again. Then it checks, against the committed match logs, that every committed intent has
 * exactly one outbox row in a final status, that the emulator saw at most one duplicate per kill,
 * that the database passes `PRAGMA integrity_check` and that every match loads.
 *
 * `npm run chaos` runs the full size (20 kills) and writes docs/chaos-latest.json; the test suite
 * runs a small one through `runChaos`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import type { LogEntry } from 'boardgame.io';
import { createChasterEmulator } from '../../src/emulator/index.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { exited, startServerProcess } from '../helpers/process-core.js';
import { connectClient, hostRoom, joinRoom, waitFor } from '../helpers/http-core.js';

/** What one chaos run found. */
export interface ChaosReport {
  kills: number;
  matches: number;
  movesSent: number;
  committedIntents: number;
  outboxRows: number;
  lost: number;
  extraRows: number;
  notFinal: number;
  /** Requests sent more than once (a resend after a crash). */
  duplicates: number;
  /** Requests that were being sent at the moments of the kills: the only ones that may be resent. */
  inFlightAtKills: number;
  integrity: string;
  unloadable: number;
  seconds: number;
}

/** Runs the crash test; `kills` restarts of a server under load from `matches` matches. */
export async function runChaos({
  kills,
  matches,
  seed = Date.now(),
}: {
  kills: number;
  matches: number;
  seed?: number;
}): Promise<ChaosReport> {
  const started = performance.now();
  let random = seed >>> 0;
  const next = () => (random = (random * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-chaos-'));
  const database = join(dir, 'chaos.sqlite');
  const emulator = createChasterEmulator();
  await emulator.listen(0);
  const env = {
    CHASTER_API_URL: emulator.url,
    CHASTER_TOKEN: emulator.token,
    DATABASE_PATH: database,
    LEASE_MS: '1800',
  };
  let movesSent = 0;
  let inFlightAtKills = 0;
  try {
    let server = await startServerProcess(env);
    // Rooms of two wearers; the host's client plays, losing every third move.
    const rooms = [];
    for (let i = 0; i < matches; i++) {
      const a = emulator.createLock();
      const b = emulator.createLock();
      const room = await hostRoom(server.url, a.tokens.wearer, 'penalty', 2);
      await joinRoom(server.url, b.tokens.wearer, room.matchID);
      rooms.push(room);
    }
    for (let kill = 0; kill <= kills; kill++) {
      const clients = rooms.map((room) =>
        connectClient(server.url, PenaltyGame, room.matchID, room.seat),
      );
      let playing = true;
      const players = clients.map(async (client) => {
        await waitFor(() => client.getState() !== null, 'sync', 10_000).catch(() => undefined);
        for (let m = 0; playing && client.getState(); m++) {
          const before = client.getState()!._stateID;
          if (m % 3 === 2) client.moves.lose!(String(m % 2));
          else client.moves.pass!();
          movesSent += 1;
          await waitFor(
            () => !playing || (client.getState()?._stateID ?? 0) > before,
            'move',
            2000,
          ).catch(() => undefined);
          // The client applies its own moves at once: yield, or this loop would starve every timer.
          await new Promise((r) => setTimeout(r, 5));
        }
      });
      if (kill === kills) {
        // Last round: let everything settle on a live server.
        await new Promise((r) => setTimeout(r, 500));
        playing = false;
        await Promise.all(players);
        clients.forEach((c) => c.stop());
        break;
      }
      // Kill at a random moment of the load: before, during or after sends.
      await new Promise((r) => setTimeout(r, 150 + next() * 900));
      server.child.kill('SIGKILL');
      await exited(server.child);
      const peek = new BetterSqlite3(database, { readonly: true });
      inFlightAtKills += (
        peek.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE status = 'sending'`).get() as {
          n: number;
        }
      ).n;
      peek.close();
      playing = false;
      await Promise.all(players);
      clients.forEach((c) => c.stop());
      server = await startServerProcess(env);
    }
    // Let the last server deliver everything, then read the database.
    const db = new BetterSqlite3(database, { readonly: true });
    const pending = () =>
      (
        db
          .prepare(`SELECT COUNT(*) AS n FROM outbox WHERE status IN ('queued', 'sending')`)
          .get() as { n: number }
      ).n;
    await waitFor(() => pending() === 0, 'the outbox to drain', 30_000).catch(() => undefined);
    server.child.kill('SIGTERM');
    await exited(server.child);

    const expected = new Set<string>();
    let unloadable = 0;
    for (const { match_id, state } of db
      .prepare('SELECT match_id, state FROM matches')
      .all() as Array<{ match_id: string; state: string }>) {
      try {
        const parsed = JSON.parse(state) as { _stateID: number };
        if (typeof parsed._stateID !== 'number') unloadable += 1;
      } catch {
        unloadable += 1;
      }
      for (const { entry } of db
        .prepare('SELECT entry FROM match_log WHERE match_id = ? ORDER BY seq')
        .all(match_id) as Array<{ entry: string }>) {
        const log = JSON.parse(entry) as LogEntry;
        // A committed `lose` recorded one intent in the state it produced (_stateID + 1).
        if (log.action.type === 'MAKE_MOVE' && log.action.payload.type === 'lose')
          expected.add(`${match_id}:${log._stateID + 1}:0`);
      }
    }
    const rows = db.prepare('SELECT id, status FROM outbox').all() as Array<{
      id: string;
      status: string;
    }>;
    const ids = new Set(rows.map((r) => r.id));
    const sent = rows.filter(
      (r) => r.status === 'delivered' || r.status === 'already_pending' || r.status === 'submitted',
    ).length;
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    db.close();
    const received = emulator.requests().filter((r) => r.status === 201 || r.status === 400).length;
    return {
      kills,
      matches,
      movesSent,
      committedIntents: expected.size,
      outboxRows: rows.length,
      lost: [...expected].filter((id) => !ids.has(id)).length,
      extraRows: [...ids].filter((id) => !expected.has(id)).length,
      notFinal: rows.filter((r) => r.status === 'queued' || r.status === 'sending').length,
      duplicates: Math.max(0, received - sent),
      inFlightAtKills,
      integrity,
      unloadable,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npm run chaos [-- --kills N --matches M]`
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const { values } = parseArgs({
    options: {
      kills: { type: 'string', default: '20' },
      matches: { type: 'string', default: '10' },
    },
  });
  const report = await runChaos({ kills: Number(values.kills), matches: Number(values.matches) });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  const root = resolve(import.meta.dirname, '../..');
  writeFileSync(
    join(root, 'docs', 'chaos-latest.json'),
    `${JSON.stringify({ ...report, at: new Date().toISOString() }, null, 2)}\n`,
  );
  const ok =
    report.lost === 0 &&
    report.extraRows === 0 &&
    report.notFinal === 0 &&
    report.duplicates <= report.inFlightAtKills &&
    report.integrity === 'ok' &&
    report.unloadable === 0;
  process.exit(ok ? 0 : 1);
}
