import { describe, expect, it } from 'vitest';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { connect, host, join, settled, startStack, until } from '../helpers/stack.js';

describe('a committed move becomes exactly one Chaster request', () => {
  it('a lost round sends one request with actor extension for the loser’s session', async () => {
    const stack = await startStack({ games: [PenaltyGame] });
    const a = stack.emulator.createLock();
    const b = stack.emulator.createLock();
    const { matchID, seat } = await host(stack, a.tokens.wearer, {
      game: 'penalty',
      numPlayers: 2,
    });
    const seatB = await join(stack, b.tokens.wearer, matchID);
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
});
