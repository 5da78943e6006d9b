/**
 * The whole way, as players would go: the example's server (the packed `bgio-chaster/server`)
 * with its in-process Chaster emulator, logins and rooms over HTTP with `bgio-chaster/client`,
 * spins over socket.io with boardgame.io's own client, and the Chaster call at the end. The wheel
 * is steered (`MockRandom`) so that the second wearer lands on "Verification picture" once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from 'boardgame.io/client';
import { SocketIO } from 'boardgame.io/multiplayer';
import { createApiClient } from 'bgio-chaster/client';
import type { CreatedRoom, SeatGrant, VerificationStatus } from 'bgio-chaster/client';
import { VERIFICATION_REASON, WheelOfFortune } from '../src/game.js';
import { startWheelServer } from '../src/server.js';
import type { WheelServer } from '../src/server.js';
import { steered, until } from './steer.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Signs `mainToken`'s user in; their API client. */
async function signIn(url: string, mainToken: string) {
  const api = createApiClient({ baseUrl: url });
  return api.withToken((await api.login(mainToken)).token);
}

/** A boardgame.io client playing `seat` of `matchID` over socket.io, once it has the state. */
async function seated(url: string, matchID: string, seat: SeatGrant) {
  const client = Client({
    game: WheelOfFortune,
    multiplayer: SocketIO({ server: url }),
    matchID,
    ...seat,
    debug: false,
  });
  client.start();
  cleanups.push(() => client.stop());
  await until(() => client.getState() !== null, 'the first state');
  return client;
}

describe('wheel-of-fortune against the Chaster emulator', () => {
  it('a landing on "Verification picture" makes exactly one Chaster request, for the spinner', async () => {
    const wheel: WheelServer = await startWheelServer({
      database: ':memory:',
      port: 0,
      game: steered([
        'Nothing', // alice
        'Spin again', // bob
        'Verification picture', // bob
        'Nothing', // alice
        'Nothing', // bob: bob is done
        'Skip a turn', // alice: alice is done
      ]),
    });
    cleanups.push(() => wheel.stop());
    const emulator = wheel.emulator!;
    const alice = emulator.createLock({ wearerName: 'alice', keyholder: false });
    const bob = emulator.createLock({ wearerName: 'bob', keyholder: false });

    const aliceApi = await signIn(wheel.url, alice.tokens.wearer);
    const room: CreatedRoom = await aliceApi.rooms.create({
      game: 'wheel-of-fortune',
      numPlayers: 2,
      rules: { cooldownSeconds: 0 },
    });
    const bobApi = await signIn(wheel.url, bob.tokens.wearer);
    const bobSeat = await bobApi.rooms.join(room.matchID);
    const players = {
      [room.playerID]: await seated(wheel.url, room.matchID, room),
      [bobSeat.playerID]: await seated(wheel.url, room.matchID, bobSeat),
    };
    const watcher = players[room.playerID]!;
    const spinner = () => players[watcher.getState()!.ctx.currentPlayer]!;

    /** The current spinner spins (with `args`, which the server must drop); waits for the state. */
    const spin = async (...args: unknown[]) => {
      const before = watcher.getState()!._stateID;
      (spinner().moves.spin as (...a: unknown[]) => void)(...args);
      if (args.length === 0) {
        await until(() => watcher.getState()!._stateID > before, 'the spin to be stored');
      }
    };

    while (watcher.getState()!.G.spins.at(-1)?.segment !== 'Verification picture') await spin();
    expect(watcher.getState()!.G.spins.at(-1)?.playerID).toBe(bobSeat.playerID);
    await until(() => emulator.requests().length > 0, 'the Chaster request');

    // A spin with an argument never reaches the game: the next stored spin is the plain one.
    const spun = watcher.getState()!.G.spins.length;
    await spin('rigged');
    await spin();
    expect(watcher.getState()!.G.spins.length).toBe(spun + 1);

    while (!watcher.getState()!.ctx.gameover) await spin();
    expect(watcher.getState()!.ctx.gameover).toEqual({ pictures: 1 });
    const [a, b] = [room.playerID, bobSeat.playerID];
    expect(watcher.getState()!.G.spins.map((s) => [s.playerID, s.segment])).toEqual([
      [a, 'Nothing'],
      [b, 'Spin again'],
      [b, 'Verification picture'],
      [a, 'Nothing'],
      [b, 'Nothing'],
      [a, 'Skip a turn'],
    ]);

    // Delivered, as the room's feed says; then the sandbox answers it as a submitted picture.
    const delivered = await until(async () => {
      const list = await bobApi.verifications.list(room.matchID);
      return list[0]?.status === 'delivered' && list;
    }, 'the request to be delivered');
    expect(delivered).toEqual([
      expect.objectContaining({
        playerID: bobSeat.playerID,
        reason: VERIFICATION_REASON,
        actor: 'extension',
        status: 'delivered',
      } satisfies Partial<VerificationStatus>),
    ]);
    await bobApi.verifications.sandboxSubmit(room.matchID);
    await until(async () => {
      const list = await bobApi.verifications.list(room.matchID);
      return list[0]?.status === 'submitted';
    }, 'the picture to be submitted');

    // Exactly one POST .../verification-picture/request reached Chaster, for bob's session.
    expect(emulator.requests()).toEqual([
      { sessionId: bob.sessionId, actor: 'extension', status: 201, at: expect.any(String) },
    ]);
  });
});
