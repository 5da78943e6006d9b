import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { PenaltyGame, UndoablePenaltyGame } from '../fixtures/penalty-game.js';
import { keyholderRoom, twoWearerRoom } from '../helpers/rooms.js';
import { connect, settled, startStack, until } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

/** Makes a move and waits until the server has applied it (the client's stateID moved on). */
async function play(client: Awaited<ReturnType<typeof connect>>, move: string, ...args: unknown[]) {
  const before = client.getState()!._stateID;
  client.moves[move]!(...args);
  await until(() => client.getState()!._stateID > before, `${move} applied`);
}

/** Waits for the server to commit up to `stateID` (the client is optimistic). */
async function committed(stack: Stack, matchID: string, stateID: number) {
  await until(
    () => (stack.server.store.fetch(matchID, { state: true }).state?._stateID ?? -1) >= stateID,
    'commit',
  );
}

describe('a committed move becomes exactly one Chaster request', () => {
  it('a lost round sends one request with actor extension for the loser’s session', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { b, matchID, seat, seatB } = await twoWearerRoom(stack);
    const client = await connect(stack, PenaltyGame, matchID, seatB);
    client.moves.lose!();
    const list = await settled(stack, matchID, seat.token, 1);
    expect(list).toEqual([
      expect.objectContaining({
        playerID: '1',
        actor: 'extension',
        status: 'delivered',
        reason: 'seat 1 lost',
      }),
    ]);
    expect(stack.emulator.requests()).toEqual([
      { sessionId: b.sessionId, actor: 'extension', status: 201, at: expect.any(String) },
    ]);
  });

  it("by 'self' becomes actor keyholder from a keyholder seat and wearer from a wearer seat", async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    // The keyholder of lock A hosts: seat 0 is theirs, seats 1 and 2 are for wearers.
    const { a, b, matchID, kh, seatA, seatB } = await keyholderRoom(stack);
    expect([kh.playerID, seatA.playerID, seatB.playerID]).toEqual(['0', '1', '2']);

    const keyholder = await connect(stack, PenaltyGame, matchID, kh);
    await play(keyholder, 'ask', seatA.playerID);
    await settled(stack, matchID, kh.token, 1);
    const wearerB = await connect(stack, PenaltyGame, matchID, seatB);
    await play(wearerB, 'ask', seatB.playerID);
    const list = await settled(stack, matchID, kh.token, 2);
    expect(list.map((r) => [r.playerID, r.actor, r.status])).toEqual([
      ['1', 'keyholder', 'delivered'],
      ['2', 'wearer', 'delivered'],
    ]);
    expect(stack.emulator.requests().map((r) => [r.sessionId, r.actor])).toEqual([
      [a.sessionId, 'keyholder'],
      [b.sessionId, 'wearer'],
    ]);
  });

  it('a keyholder cannot target the wearer of another lock, and a wearer cannot ask for another wearer', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const { matchID, kh, seatA, seatB } = await keyholderRoom(stack);
    const keyholder = await connect(stack, PenaltyGame, matchID, kh);
    await play(keyholder, 'ask', seatB.playerID);
    const wearerA = await connect(stack, PenaltyGame, matchID, seatA);
    await play(wearerA, 'ask', seatB.playerID);
    const list = await settled(stack, matchID, kh.token, 2);
    expect(list).toEqual([
      expect.objectContaining({
        playerID: '2',
        status: 'failed',
        message: 'A keyholder may only ask their own wearer for a picture.',
      }),
      expect.objectContaining({
        playerID: '2',
        status: 'failed',
        message: 'A wearer may only ask for a picture of themselves.',
      }),
    ]);
    expect(stack.emulator.requests()).toEqual([]);
  });

  it('a lock without Verification Picture ends failed with Chaster’s reason, and the game goes on', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    // B's lock has no Verification Picture extension.
    const { matchID, seat, seatB } = await twoWearerRoom(stack, {
      lockB: { verificationPicture: false },
    });
    const client = await connect(stack, PenaltyGame, matchID, seatB);
    await play(client, 'lose');
    const [failed] = await settled(stack, matchID, seat.token, 1);
    expect(failed).toMatchObject({
      status: 'failed',
      actor: 'extension',
      message: 'Verification picture extension not found on this lock',
    });
    await play(client, 'lose', seat.playerID);
    const list = await settled(stack, matchID, seat.token, 2);
    expect(list[1]).toMatchObject({ playerID: '0', status: 'delivered' });
    expect(client.getState()!.G.moves).toBe(2);
  });

  it('undo and redo, invalid moves, stale stateIDs and replayed packets send nothing', async () => {
    const stack = await startStack({ games: [UndoablePenaltyGame, PenaltyGame] });
    const { matchID, seat } = await twoWearerRoom(stack, { game: 'penalty-undo' });
    const client = await connect(stack, UndoablePenaltyGame, matchID, seat);
    await play(client, 'lose');
    // The client's own undo stack is hidden by boardgame.io's player view, so send undo/redo raw.
    const socket = io(`${stack.url}/penalty-undo`, { transports: ['websocket'] });
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    const undo = (type: 'UNDO' | 'REDO', stateID: number) =>
      socket.emit(
        'update',
        { type, payload: { type: null, args: null, playerID: '0', credentials: seat.credentials } },
        stateID,
        matchID,
        '0',
      );
    undo('UNDO', 1);
    await committed(stack, matchID, 2);
    undo('REDO', 2);
    await committed(stack, matchID, 3);
    undo('UNDO', 3);
    await committed(stack, matchID, 4);
    expect(stack.server.store.fetch(matchID, { state: true }).state!.G.moves).toBe(0);
    client.moves.cheat!();
    await play(client, 'pass');
    await settled(stack, matchID, seat.token, 1);
    expect(stack.emulator.requests()).toHaveLength(1);

    // Replay: the same packet twice, the second with a stateID the server has moved past.
    const stateID = stack.server.store.fetch(matchID, { state: true }).state!._stateID;
    const action = {
      type: 'MAKE_MOVE',
      payload: { type: 'lose', args: [], playerID: '0', credentials: seat.credentials },
    };
    socket.emit('update', action, stateID, matchID, '0');
    await committed(stack, matchID, stateID + 1);
    socket.emit('update', action, stateID, matchID, '0');
    socket.emit('update', action, stateID - 3, matchID, '0');
    await play(client, 'pass');
    socket.close();
    const list = await settled(stack, matchID, seat.token, 2);
    expect(list.map((r) => r.id)).toEqual([`${matchID}:1:0`, `${matchID}:${stateID + 1}:0`]);
    expect(stack.emulator.requests()).toHaveLength(2);
  });

  it('20 concurrent matches × 200 moves with known losses: exactly the expected requests, no duplicates', async () => {
    const stack = await startStack({
      games: [PenaltyGame],
      dispatcher: { ratePerMinute: 600_000, concurrency: 16 },
    });
    const matches = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const { a, b, matchID, seat } = await twoWearerRoom(stack);
        return { matchID, seat, locks: [a, b] };
      }),
    );
    const expected = new Map<string, number>();
    // Every client is synced before anyone plays, so a busy machine slows the play, not the sync.
    const clients = await Promise.all(
      matches.map(({ matchID, seat }) => connect(stack, PenaltyGame, matchID, seat)),
    );
    await Promise.all(
      matches.map(async ({ locks }, m) => {
        const client = clients[m]!;
        for (let i = 0; i < 200; i++) {
          if (i % 10 === 9) {
            const target = (i / 10) % 2 < 1 ? '0' : '1';
            await play(client, 'lose', target);
            const sessionId = locks[Number(target)]!.sessionId;
            expected.set(sessionId, (expected.get(sessionId) ?? 0) + 1);
          } else {
            await play(client, 'pass');
          }
        }
      }),
    );
    for (const { matchID, seat } of matches) {
      const list = await settled(stack, matchID, seat.token, 20);
      expect(
        list.filter((r) => r.status !== 'delivered' && r.status !== 'already_pending'),
      ).toEqual([]);
      expect(new Set(list.map((r) => r.id)).size).toBe(20);
    }
    const received = new Map<string, number>();
    for (const r of stack.emulator.requests())
      received.set(r.sessionId, (received.get(r.sessionId) ?? 0) + 1);
    expect(received).toEqual(expected);
    expect([...expected.values()].reduce((x, y) => x + y, 0)).toBe(400);
  }, 60_000);
});
