/**
 * The game's rules, played on boardgame.io's single-player `Client` (every seat is played by
 * switching `playerID`) with the wheel steered by `MockRandom`. The plugin's intents are read from
 * the client's raw store: the plugin hides them from every player's view.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { State } from 'boardgame.io';
import { Client } from 'boardgame.io/client';
import { VERIFICATION_PLUGIN_NAME } from 'bgio-chaster';
import type { VerificationData } from 'bgio-chaster';
import { SPINS_PER_PLAYER, VERIFICATION_REASON, WheelOfFortune } from '../src/game.js';
import type { Segment, WheelSetupData, WheelState } from '../src/game.js';
import { steered } from './steer.js';

const stops: Array<() => void> = [];
afterEach(() => {
  while (stops.length) stops.pop()!();
  vi.restoreAllMocks();
});

/** A started local match of `numPlayers` whose wheel stops on `landings`. */
function play(numPlayers: number, landings: Segment[], setupData?: WheelSetupData) {
  const client = Client({ game: steered(landings, setupData), numPlayers, debug: false });
  client.start();
  stops.push(() => client.stop());
  const raw = () => client.store.getState() as State<WheelState>;
  return {
    client,
    G: () => raw().G,
    ctx: () => raw().ctx,
    intents: () => (raw().plugins[VERIFICATION_PLUGIN_NAME]!.data as VerificationData).intents,
    /** `playerID` spins. */
    spin: (playerID: string, ...args: unknown[]) => {
      client.updatePlayerID(playerID);
      (client.moves.spin as (...a: unknown[]) => void)(...args);
    },
  };
}

/** Runs `act`, which boardgame.io must refuse with `reason`, and checks nothing changed. */
function expectRefused(m: ReturnType<typeof play>, act: () => void, reason: string) {
  const before = m.client.store.getState() as State<WheelState>;
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  act();
  expect(error).toHaveBeenCalledWith('ERROR:', expect.stringContaining(reason));
  const after = m.client.store.getState() as State<WheelState>;
  expect(after._stateID).toBe(before._stateID);
  expect(after.G).toEqual(before.G);
  expect(after.ctx).toEqual(before.ctx);
}

describe('wheel-of-fortune', () => {
  it('landing on "Verification picture" records exactly one intent, for the spinner', () => {
    const m = play(2, ['Nothing', 'Verification picture', 'Nothing']);
    m.spin('0');
    expect(m.G().spins.at(-1)).toEqual({ playerID: '0', index: 0, segment: 'Nothing' });
    expect(m.intents()).toEqual([]);

    m.spin('1');
    expect(m.G().spins.at(-1)?.segment).toBe('Verification picture');
    expect(m.intents()).toEqual([
      { player: '1', reason: VERIFICATION_REASON, by: 'rules', requestedBy: '1' },
    ]);

    // An intent belongs to the action that made it: the next spin starts with none.
    m.spin('0');
    expect(m.intents()).toEqual([]);
  });

  it('the wearers take turns; "Spin again" keeps the turn; "Skip a turn" costs the next spin', () => {
    const m = play(2, ['Spin again', 'Nothing', 'Skip a turn', 'Nothing']);
    expect(m.ctx().currentPlayer).toBe('0');
    m.spin('0');
    expect(m.ctx().currentPlayer).toBe('0');
    m.spin('0');
    expect(m.ctx().currentPlayer).toBe('1');
    m.spin('1');
    expect(m.G().spinsLeft).toEqual({ '0': SPINS_PER_PLAYER - 2, '1': SPINS_PER_PLAYER - 2 });
    expect(m.ctx().currentPlayer).toBe('0');
    expectRefused(m, () => m.spin('1'), 'disallowed move');
    m.spin('0');
    expect(m.intents()).toEqual([]);
  });

  it('ends when every wearer has spun all their spins, counting the pictures asked for', () => {
    const landings: Segment[] = ['Nothing', 'Verification picture', 'Nothing'];
    const m = play(1, landings);
    for (let spin = 1; spin <= SPINS_PER_PLAYER; spin++) {
      expect(m.ctx().gameover).toBeUndefined();
      m.spin('0');
    }
    expect(m.G().spins.map((s) => s.segment)).toEqual(landings);
    expect(m.ctx().gameover).toEqual({ pictures: 1 });
    expectRefused(m, () => m.spin('0'), 'after game end');
  });

  it('"Skip a turn" before a last spin leaves none; "Spin again" on a last spin ends the game', () => {
    const m = play(2, ['Nothing', 'Nothing', 'Nothing', 'Skip a turn', 'Spin again', 'Nothing']);
    m.spin('0');
    m.spin('1');
    m.spin('0');
    m.spin('1'); // skips 1's last turn: 1 is done
    expect(m.G().spinsLeft).toEqual({ '0': 1, '1': 0 });
    expect(m.ctx().currentPlayer).toBe('0');
    m.spin('0'); // "Spin again" on 0's last spin: nothing left to spin again with
    expect(m.ctx().gameover).toEqual({ pictures: 0 });
  });

  it('a wearer out of spins is passed over until the others are done', () => {
    const m = play(2, ['Skip a turn', 'Nothing', 'Spin again', 'Nothing', 'Nothing']);
    m.spin('0'); // 0 loses a turn: one spin left
    m.spin('1');
    m.spin('0'); // "Spin again" on 0's last spin ends 0's part
    expect(m.G().spinsLeft).toEqual({ '0': 0, '1': 2 });
    expect(m.ctx().currentPlayer).toBe('1');
    m.spin('1');
    expect(m.ctx().currentPlayer).toBe('1');
    m.spin('1');
    expect(m.ctx().gameover).toEqual({ pictures: 0 });
  });

  it("a keyholder's seat only watches; a room needs a wearer seat", () => {
    const m = play(2, ['Nothing'], { seats: ['keyholder', 'wearer'] });
    expect(m.G().spinners).toEqual(['1']);
    expect(m.ctx().currentPlayer).toBe('1');
    expectRefused(m, () => m.spin('0'), 'disallowed move');
    expect(WheelOfFortune.validateSetupData!({ seats: ['keyholder'] }, 1)).toBe(
      'needs at least one wearer seat',
    );
    expect(WheelOfFortune.validateSetupData!({ seats: ['wearer', 'keyholder'] }, 2)).toBe(
      undefined,
    );
  });

  it('spin takes no arguments, and no client may end a turn', () => {
    const spinArgs = WheelOfFortune.moveArgs!.spin!;
    expect(spinArgs.safeParse([]).success).toBe(true);
    expect(spinArgs.safeParse([3]).success).toBe(false);
    const m = play(2, ['Nothing']);
    expect(Object.keys(m.client.events)).toEqual([]);
    m.spin('0');
    expectRefused(m, () => m.client.undo(), 'Undo is not enabled');
  });
});
