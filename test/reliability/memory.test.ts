/**
 * Resource bounds over a long run: matches created, played (with a request each) and finished in a
 * loop against one server process. After warm-up its memory stays flat: nothing per match is kept
 * once its players have left (40 matches here; 200 with FULL_RUN=1).
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createChasterEmulator } from '../../src/emulator/index.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { connectClient, hostRoom, joinRoom, waitFor } from '../helpers/http-core.js';
import { startServerProcess } from '../helpers/process.js';

const MATCHES = process.env.FULL_RUN ? 200 : 40;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Resident memory of a process in MB, from /proc. */
function rssMB(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
  return Number(kb) / 1024;
}

describe('memory over a long run', () => {
  it(`${MATCHES} matches created, played and finished: RSS flat after warm-up`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-memory-'));
    dirs.push(dir);
    const emulator = createChasterEmulator();
    await emulator.listen(0);
    try {
      const server = await startServerProcess({
        CHASTER_API_URL: emulator.url,
        CHASTER_TOKEN: emulator.token,
        DATABASE_PATH: join(dir, 'memory.sqlite'),
      });
      const samples: number[] = [];
      for (let i = 0; i < MATCHES; i++) {
        const a = emulator.createLock();
        const b = emulator.createLock();
        const room = await hostRoom(server.url, a.tokens.wearer, 'penalty', 2);
        const seatB = await joinRoom(server.url, b.tokens.wearer, room.matchID);
        const clients = [room.seat, seatB].map((seat) =>
          connectClient(server.url, PenaltyGame, room.matchID, seat),
        );
        await waitFor(() => clients.every((c) => c.getState() !== null), 'clients synced');
        for (const move of ['pass', 'lose', 'pass', 'finish'] as const) {
          const before = clients[0]!.getState()!._stateID;
          // Only `lose` takes an argument (the seat that lost); the others take none.
          if (move === 'lose') clients[0]!.moves.lose!('1');
          else clients[0]!.moves[move]!();
          await waitFor(
            () => (clients[1]!.getState()?._stateID ?? 0) > before,
            `${move} seen by the other player`,
          );
        }
        clients.forEach((c) => c.stop());
        if ((i + 1) % (MATCHES / 4) === 0) {
          // Let the server notice the disconnects before measuring.
          await new Promise((r) => setTimeout(r, 300));
          samples.push(rssMB(server.child.pid!));
        }
      }
      // Every request went out: the loop really did the work being measured.
      await waitFor(() => emulator.requests().length === MATCHES, 'every request sent', 20_000);
      const [warm, , , end] = samples as [number, number, number, number];
      console.log(
        `memory: RSS after each quarter of ${MATCHES} matches: ${samples.map((s) => s.toFixed(1)).join(', ')} MB`,
      );
      // Flat: the last three quarters add less than 250 KB per match, with 20 MB of slack for the
      // allocator and GC timing in short runs (a leak of every finished match's state would grow
      // without bound; the 200-match full run is the meaningful one).
      expect(
        end - warm,
        `RSS samples ${samples.map((s) => s.toFixed(1)).join(', ')} MB`,
      ).toBeLessThan(Math.max(20, ((MATCHES * 3) / 4) * 0.25));
    } finally {
      await emulator.close();
    }
  }, 300_000);
});
