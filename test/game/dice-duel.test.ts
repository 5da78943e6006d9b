/**
 * dice-duel through boardgame.io's own testing approach: a single-player `Client` (every seat is
 * played by switching `playerID`; the raw store holds the committed plugin data), `MockRandom`
 * to force dice, `createMatch` for the server's setupData path, and `Local()` for a real master.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Game } from 'boardgame.io';
import { createMatch } from 'boardgame.io/internal';
import {
  DEFAULT_DICE_DUEL_RULES,
  DiceDuel,
  DiceDuelRulesSchema,
  checkDiceDuelRules,
  games,
  parseDiceDuelRules,
  validateDiceDuelSetup,
} from '../../game/index.js';
import type {
  DiceDuelRulesInput,
  DiceDuelState,
  GameSetupData,
  GameSummary,
  SeatRole,
} from '../../game/index.js';
import {
  caughtUp,
  expectRefused,
  intent,
  intentsOf,
  localSeats,
  roomSeats,
  startClient as start,
  stopClients,
  until,
  withSetup,
} from '../helpers/game-client.js';
import type { Mocks } from '../helpers/game-client.js';

const W: SeatRole = 'wearer';
const K: SeatRole = 'keyholder';

/** Values handed out in order; running out fails the test instead of silently reusing one. */
function sequence(name: string, values: number[]): () => number {
  let i = 0;
  return () => {
    if (i >= values.length)
      throw new Error(`test bug: ${name} called more than ${values.length} times`);
    return values[i++]!;
  };
}

/** A fresh copy of dice-duel with this setupData (single-player clients never pass any) and mocks. */
const gameWith = (
  setupData: GameSetupData<DiceDuelRulesInput> | undefined,
  mocks?: Mocks,
  seed?: string,
) => withSetup(DiceDuel, setupData, mocks, seed);

/** A match with these seats and rules; `d6` etc. force the dice. */
function match(seats: SeatRole[], rules: DiceDuelRulesInput = {}, mocks?: Mocks) {
  return start(gameWith({ rules, seats }, mocks), seats.length);
}

afterEach(() => {
  stopClients();
  vi.restoreAllMocks();
});

// ---- configuration and setup --------------------------------------------------------------------
describe('dice-duel: configuration and setup', () => {
  it('is registered under its contract name with the seat limits and no undo', () => {
    expect(games).toContain(DiceDuel);
    expect(DiceDuel.name).toBe('dice-duel');
    expect([DiceDuel.minPlayers, DiceDuel.maxPlayers]).toEqual([2, 7]);
    expect(DiceDuel.disableUndo).toBe(true);
    expect(Object.keys(DiceDuel.moves!).sort()).toEqual(['demand', 'roll', 'volunteer']);
  });

  it('gives clients no events at all and refuses undo', () => {
    const m = match([W, W], {}, { D6: sequence('D6', [4]) });
    expect(Object.keys(m.client.events)).toEqual([]);
    m.as('0').roll!();
    expectRefused(m, () => m.client.undo(), 'Undo is not enabled');
    expect(m.G().rolls['0']).toBe(4);
  });

  it('sets up every wearer to roll, the keyholder seat out of the dice, and its demands', () => {
    const m = match([K, W, W], { keyholderDemands: 3, rounds: 5 });
    const G = m.G();
    expect(G.rules).toEqual({ ...DEFAULT_DICE_DUEL_RULES, keyholderDemands: 3, rounds: 5 });
    expect(G.seats).toEqual([K, W, W]);
    expect(G.round).toBe(1);
    expect(G.rolls).toEqual({ '1': null, '2': null });
    expect(G.rollers).toEqual(['1', '2']);
    expect(G.rollOff).toBe(false);
    expect(G.losses).toEqual({ '1': 0, '2': 0 });
    expect(G.bonus).toEqual({ '1': 0, '2': 0 });
    expect(G.volunteered).toEqual({ '1': false, '2': false });
    expect(G.demandsLeft).toBe(3);
    expect(G.results).toEqual([]);
    expect(G.requests).toBe(0);
    expect(G.events).toEqual([{ n: 1, kind: 'info', text: 'Round 1 of 5: every wearer rolls' }]);
    expect(m.raw().ctx.activePlayers).toEqual({ '0': null, '1': null, '2': null });
  });

  it('without a keyholder seat there are no demands, whatever the rules say', () => {
    expect(match([W, W], { keyholderDemands: 5 }).G().demandsLeft).toBe(0);
  });

  it('without setupData (Local(), a debug client) every seat is a wearer with default rules', () => {
    const m = start(gameWith(undefined), 3);
    expect(m.G().seats).toEqual([W, W, W]);
    expect(m.G().rules).toEqual(DEFAULT_DICE_DUEL_RULES);
  });

  it('setup refuses setupData that validateSetupData would refuse (clients never validate)', () => {
    expect(() => start(gameWith({ rules: { rounds: 0 }, seats: [W, W] }), 2)).toThrow(
      'dice-duel: rounds must be a whole number from 1 to 9',
    );
    expect(() => start(gameWith({ rules: {}, seats: [W, W] }), 3)).toThrow(
      'seats lists 2 seats but the match has 3 players',
    );
  });

  it('keeps G plain JSON: no functions, no undefined', () => {
    const m = match([K, W, W], {}, { D6: sequence('D6', [3, 5]) });
    m.as('1').volunteer!();
    m.as('1').roll!();
    m.as('2').roll!();
    m.as('0').demand!('1');
    expect(JSON.parse(JSON.stringify(m.G()))).toStrictEqual(m.G());
  });
});

// ---- roll -----------------------------------------------------------------------------------------
describe('dice-duel: roll', () => {
  it('records a D6 for the mover, logs it, and refuses a second roll in the same round', () => {
    const m = match([W, W], {}, { D6: sequence('D6', [4]) });
    m.as('0').roll!();
    expect(m.G().rolls).toEqual({ '0': 4, '1': null });
    expect(m.G().lastRoll).toEqual({ playerID: '0', die: 4, bonus: 0, total: 4, n: 1 });
    expect(m.G().events.at(-1)).toEqual({
      n: 2,
      kind: 'round',
      text: 'Player 1 rolled 4',
      playerID: '0',
    });
    expect(m.intents()).toEqual([]);
    expectRefused(m, () => m.as('0').roll!(), 'invalid move: roll');
  });

  it('refuses a roll from the keyholder seat', () => {
    const m = match([W, W, K], {}, { D6: sequence('D6', []) });
    expectRefused(m, () => m.as('2').roll!(), 'invalid move: roll');
  });

  it('the lowest roll loses the round, is asked for a picture, and the next round starts', () => {
    const m = match([W, W], { rounds: 3 }, { D6: sequence('D6', [5, 2]) });
    m.as('0').roll!();
    m.as('1').roll!();
    const G = m.G();
    expect(G.losses).toEqual({ '0': 0, '1': 1 });
    expect(G.results).toEqual([{ round: 1, rolls: { '0': 5, '1': 2 }, loser: '1' }]);
    // The rules ask (actor extension); the seat whose roll ended the round made the move.
    expect(m.intents()).toEqual([intent('1', 'lost round 1', '1')]);
    expect(G.requests).toBe(1);
    expect(G.round).toBe(2);
    expect(G.rolls).toEqual({ '0': null, '1': null });
    expect(G.rollers).toEqual(['0', '1']);
    expect(G.events.slice(-3)).toEqual([
      { n: 4, kind: 'round', text: 'Player 2 lost round 1 (rolled 2)', playerID: '1' },
      {
        n: 5,
        kind: 'request',
        text: 'Player 2 is asked for a verification picture (lost round 1)',
        playerID: '1',
      },
      { n: 6, kind: 'info', text: 'Round 2 of 3: every wearer rolls' },
    ]);
    expect(m.raw().ctx.gameover).toBeUndefined();
  });

  it('the intent belongs to the action that ended the round only', () => {
    const m = match([W, W, W], {}, { D6: sequence('D6', [1, 6, 6, 3]) });
    m.as('0').roll!();
    m.as('1').roll!();
    expect(m.intents()).toEqual([]);
    m.as('2').roll!();
    expect(m.intents()).toEqual([intent('0', 'lost round 1', '2')]);
    m.as('0').roll!();
    expect(m.intents()).toEqual([]);
  });

  it('no request for the loser when loserRequest is false, but the loss still counts', () => {
    const m = match([W, W], { loserRequest: false }, { D6: sequence('D6', [1, 6]) });
    m.as('0').roll!();
    m.as('1').roll!();
    expect(m.G().losses).toEqual({ '0': 1, '1': 0 });
    expect(m.intents()).toEqual([]);
    expect(m.G().requests).toBe(0);
    expect(m.G().events.map((e) => e.kind)).not.toContain('request');
  });

  it('a tie for the lowest roll starts a roll-off between the tied wearers only, until one loses', () => {
    const m = match([W, W, W], {}, { D6: sequence('D6', [2, 2, 5, 3, 3, 4, 1]) });
    m.as('0').roll!();
    m.as('1').roll!();
    m.as('2').roll!();
    let G = m.G();
    expect(G.rollOff).toBe(true);
    expect(G.rollers).toEqual(['0', '1']);
    expect(G.rolls).toEqual({ '0': null, '1': null, '2': 5 });
    expect(G.round).toBe(1);
    expect(G.results).toEqual([]);
    expect(m.intents()).toEqual([]);
    expect(G.events.at(-1)).toEqual({
      n: 5,
      kind: 'info',
      text: 'Player 1 and Player 2 tie for the lowest roll (2): roll-off between them',
    });
    // The wearer who is not in the roll-off may not roll.
    expectRefused(m, () => m.as('2').roll!(), 'invalid move: roll');

    m.as('1').roll!();
    m.as('0').roll!();
    G = m.G();
    expect(G.rollOff).toBe(true);
    expect(G.rollers).toEqual(['0', '1']);
    expect(G.rolls).toEqual({ '0': null, '1': null, '2': 5 });
    expect(G.results).toEqual([]);

    m.as('0').roll!();
    m.as('1').roll!();
    G = m.G();
    expect(G.results).toEqual([{ round: 1, rolls: { '0': 4, '1': 1, '2': 5 }, loser: '1' }]);
    expect(G.losses).toEqual({ '0': 0, '1': 1, '2': 0 });
    expect(m.intents()).toEqual([intent('1', 'lost round 1', '1')]);
    expect(G.rollOff).toBe(false);
    expect(G.round).toBe(2);
    expect(G.rollers).toEqual(['0', '1', '2']);
  });
});

// ---- random check --------------------------------------------------------------------------------
describe('dice-duel: random check', () => {
  it('chance 1: after each round one random wearer is checked too', () => {
    const m = match(
      [W, W, W],
      { randomCheckChance: 1 },
      { D6: sequence('D6', [3, 4, 5]), Die: sequence('Die', [3]) },
    );
    m.as('0').roll!();
    m.as('1').roll!();
    m.as('2').roll!();
    expect(m.intents()).toEqual([
      intent('0', 'lost round 1', '2'),
      intent('2', 'random check', '2'),
    ]);
    expect(m.G().requests).toBe(2);
    expect(m.G().events.map((e) => e.text)).toContain(
      'Random check: Player 3 is asked for a verification picture',
    );
  });

  it('picks among wearers only', () => {
    const m = match(
      [K, W, W],
      { randomCheckChance: 1, loserRequest: false },
      {
        D6: sequence('D6', [3, 4]),
        Die: (sides: number) => {
          expect(sides).toBe(2);
          return 1;
        },
      },
    );
    m.as('1').roll!();
    m.as('2').roll!();
    expect(m.intents()).toEqual([intent('1', 'random check', '2')]);
  });

  it('chance 0: no check, and no random number is even drawn', () => {
    const m = match(
      [W, W],
      { randomCheckChance: 0 },
      {
        D6: sequence('D6', [3, 4]),
        Number: () => {
          throw new Error('Number() must not be called');
        },
      },
    );
    m.as('0').roll!();
    m.as('1').roll!();
    expect(m.intents()).toEqual([intent('0', 'lost round 1', '1')]);
  });

  it('a chance between 0 and 1 checks when the random number falls below it', () => {
    for (const [number, checked] of [
      [0.29, true],
      [0.3, false],
    ] as const) {
      const m = match(
        [W, W],
        { randomCheckChance: 0.3, loserRequest: false },
        {
          D6: sequence('D6', [3, 4]),
          Number: () => number,
          Die: () => 2,
        },
      );
      m.as('0').roll!();
      m.as('1').roll!();
      expect(m.intents()).toEqual(checked ? [intent('1', 'random check', '1')] : []);
    }
  });
});

// ---- game over ------------------------------------------------------------------------------------
describe('dice-duel: game over', () => {
  it('ends after rules.rounds rounds with the summary, and refuses moves afterwards', () => {
    const m = match([W, W, W], { rounds: 2 }, { D6: sequence('D6', [1, 5, 6, 2, 1, 6]) });
    for (const id of ['0', '1', '2']) m.as(id).roll!();
    expect(m.raw().ctx.gameover).toBeUndefined();
    for (const id of ['0', '1', '2']) m.as(id).roll!();
    const summary: GameSummary = {
      winners: ['2'],
      lines: [
        { playerID: '0', label: 'Player 1', value: 1 },
        { playerID: '1', label: 'Player 2', value: 1 },
        { playerID: '2', label: 'Player 3', value: 0 },
      ],
      requests: 2,
    };
    expect(m.raw().ctx.gameover).toEqual(summary);
    expect(m.G().round).toBe(2);
    expect(m.G().results.map((r) => r.loser)).toEqual(['0', '1']);
    expect(m.G().events.at(-1)).toMatchObject({
      kind: 'gameover',
      text: 'Game over: Player 3 wins',
    });
    expectRefused(m, () => m.as('0').roll!(), 'cannot make move after game end');
    expectRefused(m, () => m.as('0').volunteer!(), 'cannot make move after game end');
  });

  it('a full tie has no winners; requests count every reason', () => {
    const m = match(
      [K, W, W],
      { rounds: 2, keyholderDemands: 1 },
      {
        D6: sequence('D6', [1, 2, 2, 1, 1, 6]),
      },
    );
    m.as('0').demand!('2');
    m.as('1').volunteer!();
    m.as('1').roll!(); // 1 + 1 bonus = 2
    m.as('2').roll!(); // 2: tie, roll-off
    m.as('1').roll!(); // 2, the bonus is spent
    m.as('2').roll!(); // 1: Player 3 loses round 1
    m.as('1').roll!(); // 1: Player 2 loses round 2
    m.as('2').roll!(); // 6
    expect(m.G().results.map((r) => r.loser)).toEqual(['2', '1']);
    expect(m.raw().ctx.gameover).toEqual({
      winners: [],
      lines: [
        { playerID: '1', label: 'Player 2', value: 1 },
        { playerID: '2', label: 'Player 3', value: 1 },
      ],
      requests: 4,
    });
    expect(m.G().events.at(-1)).toMatchObject({ kind: 'gameover', text: 'Game over: a draw' });
  });
});

// ---- demand -----------------------------------------------------------------------------------------
describe('dice-duel: demand', () => {
  it('the keyholder seat asks a wearer itself, while demands last; then it is refused', () => {
    const m = match([K, W, W], { keyholderDemands: 2 });
    m.as('0').demand!('2');
    expect(m.intents()).toEqual([intent('2', 'keyholder demand', '0', 'self')]);
    expect(m.G().demandsLeft).toBe(1);
    expect(m.G().requests).toBe(1);
    expect(m.G().events.at(-1)).toEqual({
      n: 2,
      kind: 'demand',
      text: 'Player 1 (keyholder) demands a verification picture from Player 3',
      playerID: '2',
    });
    m.as('0').demand!('1');
    expect(m.intents()).toEqual([intent('1', 'keyholder demand', '0', 'self')]);
    expect(m.G().demandsLeft).toBe(0);
    expectRefused(m, () => m.as('0').demand!('1'), 'invalid move: demand');
    expect(m.G().requests).toBe(2);
  });

  it('keyholderDemands 0 means no demand at all', () => {
    const m = match([W, W, K], { keyholderDemands: 0 });
    expect(m.G().demandsLeft).toBe(0);
    expectRefused(m, () => m.as('2').demand!('0'), 'invalid move: demand');
  });

  it('only the keyholder seat may demand', () => {
    const m = match([K, W, W], { keyholderDemands: 5 });
    expectRefused(m, () => m.as('1').demand!('2'), 'invalid move: demand');
    expectRefused(m, () => m.as('1').demand!('1'), 'invalid move: demand');
    expect(m.G().demandsLeft).toBe(5);
  });

  it('only on a wearer seat: not the keyholder, no unknown seat, no non-string', () => {
    const m = match([K, W, W], { keyholderDemands: 5 });
    for (const target of ['0', '3', '01', ' 1', '-1', 1, null, undefined, ['1'], { id: '1' }]) {
      expectRefused(m, () => m.as('0').demand!(target), 'invalid move: demand');
    }
    expect(m.G().demandsLeft).toBe(5);
  });
});

// ---- volunteer ------------------------------------------------------------------------------------
describe('dice-duel: volunteer', () => {
  it('a wearer asks for their own picture once per round and gets +1 on the next roll', () => {
    const m = match([W, W], { rounds: 3 }, { D6: sequence('D6', [3, 1, 4, 5]) });
    m.as('0').volunteer!();
    expect(m.intents()).toEqual([intent('0', 'volunteered', '0', 'self')]);
    expect(m.G().bonus).toEqual({ '0': 1, '1': 0 });
    expect(m.G().volunteered).toEqual({ '0': true, '1': false });
    expect(m.G().events.at(-1)).toEqual({
      n: 2,
      kind: 'volunteer',
      text: 'Player 1 volunteers for a verification picture (+1 on the next roll)',
      playerID: '0',
    });
    expectRefused(m, () => m.as('0').volunteer!(), 'invalid move: volunteer');

    m.as('0').roll!();
    expect(m.G().rolls['0']).toBe(4);
    expect(m.G().lastRoll).toEqual({ playerID: '0', die: 3, bonus: 1, total: 4, n: 1 });
    expect(m.G().bonus['0']).toBe(0);
    expect(m.G().events.at(-1)!.text).toBe('Player 1 rolled 3 + 1 bonus = 4');
    // Still the same round: no second volunteer after rolling.
    expectRefused(m, () => m.as('0').volunteer!(), 'invalid move: volunteer');
    m.as('1').roll!();
    expect(m.G().results[0]).toEqual({ round: 1, rolls: { '0': 4, '1': 1 }, loser: '1' });

    // A new round opens volunteering again; the bonus is gone, so 4 stays 4.
    expect(m.G().volunteered).toEqual({ '0': false, '1': false });
    m.as('0').roll!();
    expect(m.G().rolls['0']).toBe(4);
    m.as('0').volunteer!();
    expect(m.intents()).toEqual([intent('0', 'volunteered', '0', 'self')]);
  });

  it('the bonus can turn a loss around', () => {
    const m = match([W, W], {}, { D6: sequence('D6', [2, 2]) });
    m.as('1').volunteer!();
    m.as('0').roll!();
    m.as('1').roll!();
    expect(m.G().results[0]!.loser).toBe('0');
  });

  it('a bonus earned after rolling waits for the next round, and a roll-off keeps the round', () => {
    const m = match([W, W], {}, { D6: sequence('D6', [2, 2, 3, 3, 1, 6]) });
    m.as('0').roll!();
    m.as('1').roll!(); // tie: roll-off in round 1
    expect(m.G().rollOff).toBe(true);
    m.as('0').volunteer!();
    expectRefused(m, () => m.as('0').volunteer!(), 'invalid move: volunteer');
    m.as('0').roll!(); // 3 + 1 = 4
    m.as('1').roll!(); // 3
    expect(m.G().results[0]).toEqual({ round: 1, rolls: { '0': 4, '1': 3 }, loser: '1' });
  });

  it('the keyholder seat may not volunteer', () => {
    const m = match([K, W, W]);
    expectRefused(m, () => m.as('0').volunteer!(), 'invalid move: volunteer');
  });
});

// ---- rules and setupData validation ----------------------------------------------------------------
describe('dice-duel: rules and validateSetupData', () => {
  it('defaults', () => {
    expect(DEFAULT_DICE_DUEL_RULES).toEqual({
      cooldownSeconds: 120,
      maxRequestsPerMatch: 5,
      randomCheckChance: 0,
      keyholderDemands: 1,
      rounds: 3,
      loserRequest: true,
    });
    expect(Object.isFrozen(DEFAULT_DICE_DUEL_RULES)).toBe(true);
    expect(parseDiceDuelRules(undefined)).toEqual(DEFAULT_DICE_DUEL_RULES);
    expect(parseDiceDuelRules({ rounds: 9, loserRequest: false })).toEqual({
      ...DEFAULT_DICE_DUEL_RULES,
      rounds: 9,
      loserRequest: false,
    });
    expect(DiceDuelRulesSchema.parse({})).toEqual(DEFAULT_DICE_DUEL_RULES);
  });

  it.each([
    [{ seats: roomSeats(2) }, 2, undefined],
    [undefined, 2, undefined],
    [{ seats: roomSeats(6, 1) }, 7, undefined],
    [{ seats: roomSeats(2, 1), rules: { rounds: 9, randomCheckChance: 1 } }, 3, undefined],
    [{ seats: roomSeats(1) }, 1, 'dice-duel needs 2 to 6 wearer seats, this room has 1'],
    [{ seats: roomSeats(1, 1) }, 2, 'dice-duel needs 2 to 6 wearer seats, this room has 1'],
    [{ seats: roomSeats(7) }, 7, 'dice-duel needs 2 to 6 wearer seats, this room has 7'],
    [undefined, 1, 'dice-duel needs 2 to 6 wearer seats, this room has 1'],
    [{ seats: roomSeats(2, 2) }, 4, 'a room may have at most one keyholder seat, this one has 2'],
    [{ seats: roomSeats(2) }, 3, 'seats lists 2 seats but the match has 3 players'],
    [{ seats: [W, 'judge'] }, 2, 'seats must be a list with "wearer" or "keyholder" for each seat'],
    [{ rules: {} }, 2, 'seats must be a list with "wearer" or "keyholder" for each seat'],
    [null, 2, 'setupData must be an object { rules, seats }'],
    ['rules', 2, 'setupData must be an object { rules, seats }'],
    [{ seats: roomSeats(2), rules: { rounds: 0 } }, 2, 'rounds must be a whole number from 1 to 9'],
    [
      { seats: roomSeats(2), rules: { rounds: 10 } },
      2,
      'rounds must be a whole number from 1 to 9',
    ],
    [
      { seats: roomSeats(2), rules: { rounds: 2.5 } },
      2,
      'rounds must be a whole number from 1 to 9',
    ],
    [
      { seats: roomSeats(2), rules: { rounds: '3' } },
      2,
      'rounds must be a whole number from 1 to 9',
    ],
    [
      { seats: roomSeats(2), rules: { loserRequest: 'yes' } },
      2,
      'loserRequest must be true or false',
    ],
    [
      { seats: roomSeats(2), rules: { randomCheckChance: 1.5 } },
      2,
      'randomCheckChance must be a number from 0 to 1',
    ],
    [
      { seats: roomSeats(2), rules: { randomCheckChance: -0.1 } },
      2,
      'randomCheckChance must be a number from 0 to 1',
    ],
    [
      { seats: roomSeats(2), rules: { keyholderDemands: 6 } },
      2,
      'keyholderDemands must be a whole number from 0 to 5',
    ],
    [
      { seats: roomSeats(2), rules: { cooldownSeconds: 86_401 } },
      2,
      'cooldownSeconds must be a whole number from 0 to 86400',
    ],
    [
      { seats: roomSeats(2), rules: { maxRequestsPerMatch: -1 } },
      2,
      'maxRequestsPerMatch must be a whole number from 0 to 100',
    ],
    [
      { seats: roomSeats(2), rules: { round: 3 } },
      2,
      'unknown rule "round" in dice-duel rules (known: cooldownSeconds, maxRequestsPerMatch, randomCheckChance, keyholderDemands, rounds, loserRequest)',
    ],
    [{ seats: roomSeats(2), rules: [] }, 2, 'dice-duel rules must be an object'],
    [{ seats: roomSeats(2), rules: null }, 2, 'dice-duel rules must be an object'],
  ])('validateSetupData(%j, %i) → %s', (setupData, numPlayers, message) => {
    expect(validateDiceDuelSetup(setupData, numPlayers)).toBe(message);
    expect(DiceDuel.validateSetupData!(setupData as never, numPlayers)).toBe(message);
  });

  it('reports only the first problem, seats before rules', () => {
    expect(validateDiceDuelSetup({ seats: [W], rules: { rounds: 0, foo: 1 } }, 1)).toBe(
      'dice-duel needs 2 to 6 wearer seats, this room has 1',
    );
    expect(checkDiceDuelRules({ rounds: 0, loserRequest: 'x' })).toBe(
      'rounds must be a whole number from 1 to 9',
    );
    expect(checkDiceDuelRules({ rounds: 4 })).toBeUndefined();
    expect(() => parseDiceDuelRules({ rounds: 0 })).toThrow(
      new RangeError('rounds must be a whole number from 1 to 9'),
    );
  });

  it('the server path: createMatch refuses bad rules and gives setup the rules with defaults', () => {
    const bad = createMatch({
      game: DiceDuel as unknown as Game,
      numPlayers: 2,
      setupData: {
        rules: { cooldownSeconds: 120, maxRequestsPerMatch: 5, rounds: 0 },
        seats: roomSeats(2),
      },
      unlisted: false,
    });
    expect(bad).toEqual({ setupDataError: 'rounds must be a whole number from 1 to 9' });
    const good = createMatch({
      game: DiceDuel as unknown as Game,
      numPlayers: 3,
      setupData: {
        rules: { cooldownSeconds: 60, maxRequestsPerMatch: 5, rounds: 2 },
        seats: roomSeats(2, 1),
      },
      unlisted: false,
    });
    if (!('initialState' in good)) throw new Error(good.setupDataError);
    const G = good.initialState.G as DiceDuelState;
    expect(G.rules).toEqual({ ...DEFAULT_DICE_DUEL_RULES, cooldownSeconds: 60, rounds: 2 });
    expect(G.rollers).toEqual(['1', '2']);
    expect(G.demandsLeft).toBe(1);
  });
});

// ---- Local() multiplayer -------------------------------------------------------------------------
describe('dice-duel with Local() multiplayer', () => {
  it('two wearers play a one-round match; the master stores the loser intent, clients never see it', async () => {
    // A fresh game object: Local() keeps one master per game object. Seeded, not mocked: with
    // MockRandom the clients would run the mock too (it hides that randomness was used).
    const game = gameWith({ rules: { rounds: 1 }, seats: [W, W] }, undefined, 'local-1');
    const {
      clients: [p0, p1],
      stored,
    } = localSeats(game, 2, ['0', '1']);
    await caughtUp([p0, p1]);

    let stateID = 0;
    let last = '';
    // Keep rolling whoever must roll until the round has a loser (a tie means a roll-off).
    while (stored().G.results.length === 0) {
      last = stored().G.rollers.find((r) => stored().G.rolls[r] === null)!;
      (last === '0' ? p0 : p1).moves.roll!();
      stateID += 1;
      await until(() => stored()._stateID === stateID, `commit ${stateID}`);
    }
    const G = stored().G;
    const loser = G.results[0]!.loser;
    const rolls = G.results[0]!.rolls;
    expect(rolls[loser]).toBeLessThan(rolls[loser === '0' ? '1' : '0']!);
    expect(intentsOf(stored())).toEqual([intent(loser, 'lost round 1', last)]);
    await caughtUp([p0, p1], stateID);
    for (const c of [p0, p1]) {
      const view = c.getState()!;
      expect(view.plugins.verification!.data).toEqual({ intents: [] });
      expect(view.G.results).toEqual(G.results);
      expect((view.ctx.gameover as GameSummary).winners).toEqual([loser === '0' ? '1' : '0']);
    }
  });
});
