/**
 * Dice Duel's wearers roll at once: two rolls sent in the same moment, each against the state its
 * player saw, both count (a roll is not refused as stale because the other landed first), on
 * SQLite and on Postgres. Both players are on one instance: boardgame.io applies one match's
 * actions one at a time per process, and across instances the compare-and-set still refuses the
 * second of two writes made from one state (docs/scaling.md).
 */
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { DiceDuel } from '../../game/index.js';
import { TEST_LIMITS } from '../fixtures/limits.js';
import { waitFor } from '../helpers/http-core.js';
import { needServices } from '../helpers/services-suite.js';
import { makeMove } from '../helpers/stack.js';
import type { Seat } from '../helpers/stack.js';
import { room, startTarget } from '../helpers/targets.js';
import type { TargetKind } from '../helpers/targets.js';

const missing = needServices('the Postgres half of the simultaneous-move test');
const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

interface Synced {
  socket: Socket;
  state: () => { _stateID: number; G: { rolls: Record<string, number | null> } } | undefined;
}

/** A seat's socket on `url`, synced, following every update of the match. */
async function seated(url: string, matchID: string, seat: Seat): Promise<Synced> {
  const socket = io(`${url}/dice-duel`, { transports: ['websocket'], forceNew: true });
  sockets.push(socket);
  let state: ReturnType<Synced['state']>;
  socket.on('sync', (_id: string, info: { state: NonNullable<typeof state> }) => {
    state = info.state;
  });
  socket.on('update', (_id: string, next: NonNullable<typeof state>) => {
    state = next;
  });
  socket.emit('sync', matchID, seat.playerID, seat.credentials, 2);
  await waitFor(() => state, 'synced');
  return { socket, state: () => state };
}

describe.each<TargetKind>(['sqlite', 'postgres'])('rolls at once on %s', (kind) => {
  it('two wearers rolling in the same moment both roll', async (ctx) => {
    if (kind === 'postgres' && missing()) return ctx.skip();
    const target = await startTarget(kind, { games: [DiceDuel], limits: TEST_LIMITS });
    for (let round = 0; round < 3; round++) {
      const { matchID, seats } = await room(target, 'dice-duel', 2);
      const a = await seated(target.urls[0]!, matchID, seats[0]!);
      const b = await seated(target.urls[0]!, matchID, seats[1]!);
      const stateID = a.state()!._stateID;
      a.socket.emit('update', makeMove('roll', seats[0]!), stateID, matchID, seats[0]!.playerID);
      b.socket.emit('update', makeMove('roll', seats[1]!), stateID, matchID, seats[1]!.playerID);
      const both = await waitFor(() => {
        const s = a.state();
        return s && s._stateID >= stateID + 2 ? s : undefined;
      }, 'both rolls applied');
      expect(both._stateID).toBe(stateID + 2);
    }
  });
});
