/**
 * verify-cards through boardgame.io's own testing approach: a single-player `Client` (every seat
 * is played by switching `playerID`; the raw store holds the unfiltered deck and the committed
 * plugin data), `MockRandom` to stack the deck, fixed seeds for the real shuffle, `createMatch`
 * for the server's setupData path, and `Local()` for a real master.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Game } from 'boardgame.io';
import { createMatch } from 'boardgame.io/internal';
import {
  CARD_KINDS,
  DEFAULT_VERIFY_CARDS_RULES,
  VerifyCards,
  checkVerifyCardsRules,
  games,
  parseVerifyCardsRules,
  validateVerifyCardsSetup,
} from '../../game/index.js';
import type {
  CardKind,
  GameSetupData,
  GameSummary,
  SeatRole,
  VerifyCardsRulesInput,
  VerifyCardsState,
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
import type { GameClient, Mocks } from '../helpers/game-client.js';

const W: SeatRole = 'wearer';
const K: SeatRole = 'keyholder';

/** A fresh copy of verify-cards with this setupData (single-player clients never pass any). */
const gameWith = (
  setupData: GameSetupData<VerifyCardsRulesInput> | undefined,
  mocks?: Mocks,
  seed?: string,
) => withSetup(VerifyCards, setupData, mocks, seed);

/** Deck counts for exactly these cards. */
function countsOf(cards: CardKind[]): Record<CardKind, number> {
  const deck = { safe: 0, verify: 0, skip: 0, double: 0, shield: 0 };
  for (const card of cards) deck[card] += 1;
  return deck;
}

const sorted = (cards: readonly CardKind[]) => [...cards].sort();

/**
 * A Shuffle that stacks the deck so `topFirst[0]` is drawn first. It insists on being given
 * exactly those cards, so the deck the game built from the rules is checked too.
 */
function stacked(topFirst: CardKind[]) {
  return (cards: CardKind[]) => {
    expect(sorted(cards)).toEqual(sorted(topFirst));
    return [...topFirst].reverse();
  };
}

/** A match whose deck is exactly `topFirst`, drawn in that order. */
function match(
  seats: SeatRole[],
  topFirst: CardKind[],
  rules: Omit<VerifyCardsRulesInput, 'deck'> = {},
  mocks: Mocks = {},
) {
  return start(
    gameWith(
      { rules: { ...rules, deck: countsOf(topFirst) }, seats },
      {
        Shuffle: stacked(topFirst),
        ...mocks,
      },
    ),
    seats.length,
  );
}

/** Whose turn it is. */
const current = (m: GameClient<VerifyCardsState>) => m.G().order[m.G().turn];

afterEach(() => {
  stopClients();
  vi.restoreAllMocks();
});

// ---- configuration, setup and the deck -----------------------------------------------------------
describe('verify-cards: configuration, setup and the deck', () => {
  it('is registered under its contract name with the seat limits and no undo', () => {
    expect(games).toContain(VerifyCards);
    expect(VerifyCards.name).toBe('verify-cards');
    expect([VerifyCards.minPlayers, VerifyCards.maxPlayers]).toEqual([1, 7]);
    expect(VerifyCards.disableUndo).toBe(true);
    expect(Object.keys(VerifyCards.moves!).sort()).toEqual(['demand', 'draw', 'volunteer']);
  });

  it('gives clients no events and refuses undo', () => {
    const m = match([W, W], ['safe', 'safe', 'safe']);
    expect(Object.keys(m.client.events)).toEqual([]);
    m.as('0').draw!();
    expectRefused(m, () => m.client.undo(), 'Undo is not enabled');
    expect(m.G().deckSize).toBe(2);
  });

  it('builds the deck from the rules and shuffles it by the seed', () => {
    const deck = { safe: 7, verify: 5, skip: 0, double: 1, shield: 3 };
    const run = (seed: string) =>
      start(gameWith({ rules: { deck }, seats: [K, W, W] }, undefined, seed), 3).G();
    const a = run('seed-a');
    expect(a.deckSize).toBe(16);
    expect(countsOf(a.deck)).toEqual(deck);
    expect(run('seed-a').deck).toEqual(a.deck);
    // Shuffled: not the order it was built in, and another seed gives another order.
    const built = CARD_KINDS.flatMap((kind) => Array.from({ length: deck[kind] }, () => kind));
    expect(a.deck).not.toEqual(built);
    expect(run('seed-b').deck).not.toEqual(a.deck);
  });

  it('with default rules the deck holds 10 safe, 4 verify, 3 skip, 3 double, 2 shield', () => {
    const G = start(gameWith(undefined, undefined, 'defaults'), 2).G();
    expect(G.deckSize).toBe(22);
    expect(countsOf(G.deck)).toEqual({ safe: 10, verify: 4, skip: 3, double: 3, shield: 2 });
  });

  it('sets up turn order from the wearer seats; the keyholder seat is not in it', () => {
    const m = match([W, K, W, W], ['safe', 'verify'], { keyholderDemands: 2 });
    const G = m.G();
    expect(G.order).toEqual(['0', '2', '3']);
    expect(G.turn).toBe(0);
    expect(G.drawsLeft).toBe(1);
    expect(G.round).toBe(0);
    expect(G.skipping).toEqual({ '0': false, '2': false, '3': false });
    expect(G.shields).toEqual({ '0': 0, '2': 0, '3': 0 });
    expect(G.drawn).toEqual({ '0': [], '2': [], '3': [] });
    expect(G.points).toEqual({ '0': 0, '2': 0, '3': 0 });
    expect(G.volunteered).toEqual({ '0': false, '2': false, '3': false });
    expect(G.lastCard).toBeNull();
    expect(G.demandsLeft).toBe(2);
    expect(G.requests).toBe(0);
    expect(G.events).toEqual([
      { n: 1, kind: 'info', text: 'The deck is shuffled: 2 cards. Player 1 draws first' },
    ]);
  });

  it('playerView hides the deck order from every seat and spectators, keeping its size', () => {
    const m = start(gameWith({ rules: {}, seats: [K, W, W] }, undefined, 'view'), 3);
    expect(m.raw().G.deck).toHaveLength(22);
    for (const playerID of ['0', '1', '2']) {
      m.client.updatePlayerID(playerID);
      const view = m.client.getState()!.G;
      expect(view.deck).toEqual([]);
      expect(view.deckSize).toBe(22);
      expect({ ...view, deck: m.raw().G.deck }).toEqual(m.raw().G);
    }
    m.client.updatePlayerID(null as unknown as string);
    expect(m.client.getState()!.G.deck).toEqual([]);
  });

  it('keeps G plain JSON: no functions, no undefined', () => {
    const m = match([K, W, W], ['shield', 'skip', 'verify', 'double', 'safe']);
    m.as('1').draw!();
    m.as('2').draw!();
    m.as('2').volunteer!();
    m.as('0').demand!('1');
    expect(JSON.parse(JSON.stringify(m.G()))).toStrictEqual(m.G());
  });

  it('setup refuses setupData that validateSetupData would refuse (clients never validate)', () => {
    expect(() =>
      start(
        gameWith({
          rules: { deck: { safe: 0, verify: 0, skip: 0, double: 0, shield: 0 } },
          seats: [W],
        }),
        1,
      ),
    ).toThrow('verify-cards: the deck must hold 1 to 80 cards in total, these counts make 0');
  });
});

// ---- draw -----------------------------------------------------------------------------------------
describe('verify-cards: draw', () => {
  it('only the wearer whose turn it is may draw; turns go round in seat order', () => {
    const m = match([W, K, W, W], ['safe', 'safe', 'safe', 'safe', 'safe']);
    expectRefused(m, () => m.as('2').draw!(), 'invalid move: draw');
    expectRefused(m, () => m.as('1').draw!(), 'invalid move: draw');
    const turns: string[] = [];
    for (let i = 0; i < 4; i++) {
      turns.push(current(m)!);
      m.as(current(m)!).draw!();
    }
    expect(turns).toEqual(['0', '2', '3', '0']);
    expect(m.G().round).toBe(1);
    expect(m.G().deckSize).toBe(1);
    expect(m.G().drawn).toEqual({ '0': ['safe', 'safe'], '2': ['safe'], '3': ['safe'] });
  });

  it('safe: nothing happens but the draw itself', () => {
    const m = match([W, W], ['safe', 'verify']);
    m.as('0').draw!();
    expect(m.G().lastCard).toEqual({ playerID: '0', card: 'safe', n: 1 });
    expect(m.G().deck).toEqual(['verify']);
    expect(m.G().deckSize).toBe(1);
    expect(m.intents()).toEqual([]);
    expect(m.G().events.at(-1)).toEqual({
      n: 2,
      kind: 'card',
      text: 'Player 1 drew a safe card',
      playerID: '0',
    });
  });

  it('verify: the drawer is asked for a picture by the rules', () => {
    const m = match([W, W], ['verify', 'safe']);
    m.as('0').draw!();
    expect(m.intents()).toEqual([intent('0', 'drew a verify card', '0')]);
    expect(m.G().requests).toBe(1);
    expect(m.G().events.slice(-2)).toEqual([
      { n: 2, kind: 'card', text: 'Player 1 drew a verify card', playerID: '0' },
      {
        n: 3,
        kind: 'request',
        text: 'Player 1 is asked for a verification picture (drew a verify card)',
        playerID: '0',
      },
    ]);
    m.as('1').draw!();
    expect(m.intents()).toEqual([]);
  });

  it('shield: held, then used up by the next verify card instead of a request', () => {
    const m = match([W, W], ['shield', 'safe', 'verify', 'verify', 'verify']);
    m.as('0').draw!(); // shield
    expect(m.G().shields).toEqual({ '0': 1, '1': 0 });
    expect(m.G().events.at(-1)!.text).toBe('Player 1 drew a shield');
    m.as('1').draw!(); // safe
    m.as('0').draw!(); // verify, cancelled
    expect(m.intents()).toEqual([]);
    expect(m.G().shields).toEqual({ '0': 0, '1': 0 });
    expect(m.G().events.at(-1)!.text).toBe('Player 1 drew a verify card; a shield cancels it');
    m.as('1').draw!(); // verify: Player 2 has no shield
    expect(m.intents()).toEqual([intent('1', 'drew a verify card', '1')]);
    m.as('0').draw!(); // verify: the shield is gone
    expect(m.intents()).toEqual([intent('0', 'drew a verify card', '0')]);
    expect(m.G().requests).toBe(2);
  });

  it('shields stack, one per verify card', () => {
    const m = match([W], ['shield', 'shield', 'verify', 'verify', 'verify']);
    for (let i = 0; i < 4; i++) m.as('0').draw!();
    expect(m.G().shields['0']).toBe(0);
    expect(m.intents()).toEqual([]);
    m.as('0').draw!();
    expect(m.intents()).toEqual([intent('0', 'drew a verify card', '0')]);
  });

  it('skip: the next wearer misses their next turn, and the flag is cleared as they are passed', () => {
    const m = match([W, W, W], ['skip', 'safe', 'safe', 'safe', 'safe', 'safe']);
    m.as('0').draw!(); // skip → Player 2 skips
    expect(m.G().events.slice(-2)).toEqual([
      {
        n: 2,
        kind: 'card',
        text: 'Player 1 drew skip: Player 2 skips their next turn',
        playerID: '0',
      },
      { n: 3, kind: 'info', text: 'Player 2 skips this turn', playerID: '1' },
    ]);
    expect(current(m)).toBe('2');
    expect(m.G().skipping).toEqual({ '0': false, '1': false, '2': false });
    expectRefused(m, () => m.as('1').draw!(), 'invalid move: draw');
    m.as('2').draw!();
    expect(m.G().round).toBe(1);
    expect(current(m)).toBe('0');
    m.as('0').draw!();
    expect(current(m)).toBe('1'); // only one turn was skipped
  });

  it('skip by the last wearer in order skips the first, and that pass still completes the round', () => {
    const m = match([W, W], ['safe', 'skip', 'safe', 'safe']);
    m.as('0').draw!();
    m.as('1').draw!(); // skip → Player 1 skips
    expect(m.G().round).toBe(1);
    expect(current(m)).toBe('1');
    m.as('1').draw!();
    // The pass where Player 1 sat out counts as a full round too.
    expect(m.G().round).toBe(2);
    expect(current(m)).toBe('0');
  });

  it('skip alone at the table: the solo wearer sits out one whole round', () => {
    const m = match([W], ['skip', 'safe', 'safe']);
    m.as('0').draw!();
    expect(m.G().events.find((e) => e.kind === 'card')!.text).toBe(
      'Player 1 drew skip: Player 1 skips their own next turn',
    );
    expect(m.G().round).toBe(2);
    expect(current(m)).toBe('0');
    m.as('0').draw!();
    expect(m.G().round).toBe(3);
  });

  it('double: the drawer draws 2 more before the turn passes', () => {
    const m = match([W, W], ['double', 'safe', 'verify', 'safe', 'safe']);
    m.as('0').draw!();
    expect(m.G().drawsLeft).toBe(2);
    expect(current(m)).toBe('0');
    expect(m.G().events.at(-1)!.text).toBe('Player 1 drew double: Player 1 draws 2 more');
    expectRefused(m, () => m.as('1').draw!(), 'invalid move: draw');
    m.as('0').draw!();
    expect(m.G().drawsLeft).toBe(1);
    expect(current(m)).toBe('0');
    m.as('0').draw!(); // verify, still Player 1's turn
    expect(m.intents()).toEqual([intent('0', 'drew a verify card', '0')]);
    expect(current(m)).toBe('1');
    expect(m.G().drawsLeft).toBe(1);
    expect(m.G().drawn['0']).toEqual(['double', 'safe', 'verify']);
  });

  it('double during a double adds 2 more again', () => {
    const m = match([W, W], ['double', 'double', 'safe', 'safe', 'safe', 'safe', 'safe']);
    m.as('0').draw!();
    m.as('0').draw!();
    expect(m.G().drawsLeft).toBe(3);
    for (let i = 0; i < 3; i++) m.as('0').draw!();
    expect(current(m)).toBe('1');
  });

  it('skip drawn during a double takes effect when the turn passes', () => {
    const m = match([W, W, W], ['double', 'skip', 'safe', 'safe', 'safe']);
    m.as('0').draw!();
    m.as('0').draw!(); // skip → Player 2
    expect(current(m)).toBe('0');
    m.as('0').draw!();
    expect(current(m)).toBe('2');
  });
});

// ---- rounds and the random check -----------------------------------------------------------------
describe('verify-cards: rounds and the random check', () => {
  it('chance 1: every full pass through the order checks one random wearer', () => {
    const m = match(
      [W, K, W],
      ['safe', 'safe', 'safe', 'safe', 'safe'],
      {
        randomCheckChance: 1,
      },
      {
        Die: (sides: number) => {
          expect(sides).toBe(2);
          return 2;
        },
      },
    );
    m.as('0').draw!();
    expect(m.intents()).toEqual([]);
    m.as('2').draw!(); // the pass completes
    expect(m.G().round).toBe(1);
    expect(m.intents()).toEqual([intent('2', 'random check', '2')]);
    expect(
      m
        .G()
        .events.slice(-2)
        .map((e) => e.text),
    ).toEqual(['Round 1 complete', 'Random check: Player 3 is asked for a verification picture']);
    m.as('0').draw!();
    expect(m.intents()).toEqual([]);
  });

  it('chance 0: no check, and no random number is even drawn', () => {
    const m = match(
      [W, W],
      ['verify', 'safe', 'safe'],
      { randomCheckChance: 0 },
      {
        Number: () => {
          throw new Error('Number() must not be called');
        },
      },
    );
    m.as('0').draw!();
    m.as('1').draw!();
    expect(m.G().round).toBe(1);
    expect(m.intents()).toEqual([]);
  });

  it('a chance between 0 and 1 checks when the random number falls below it', () => {
    for (const [number, checked] of [
      [0.49, true],
      [0.5, false],
    ] as const) {
      const m = match(
        [W],
        ['safe', 'safe'],
        { randomCheckChance: 0.5 },
        {
          Number: () => number,
          Die: () => 1,
        },
      );
      m.as('0').draw!();
      expect(m.intents()).toEqual(checked ? [intent('0', 'random check', '0')] : []);
    }
  });
});

// ---- the end ----------------------------------------------------------------------------------------
describe('verify-cards: game over', () => {
  it('an empty deck ends the game: verify cards per wearer, fewest wins', () => {
    const m = match([K, W, W], ['verify', 'safe', 'shield', 'verify', 'verify', 'safe']);
    m.as('0').demand!('1');
    for (let i = 0; i < 5; i++) m.as(current(m)!).draw!();
    expect(m.raw().ctx.gameover).toBeUndefined();
    m.as(current(m)!).draw!();
    const summary: GameSummary = {
      winners: ['2'],
      lines: [
        // Shielded verify cards count too: the shield only saved the picture.
        { playerID: '1', label: 'Player 2', value: 2 },
        { playerID: '2', label: 'Player 3', value: 1 },
      ],
      // demand + 2 verify cards (the third was shielded)
      requests: 3,
    };
    expect(m.G().drawn).toEqual({
      '1': ['verify', 'shield', 'verify'],
      '2': ['safe', 'verify', 'safe'],
    });
    expect(m.G().deckSize).toBe(0);
    expect(m.raw().ctx.gameover).toEqual(summary);
    expect(m.G().events.at(-1)).toEqual({
      n: m.G().events.length,
      kind: 'gameover',
      text: 'Game over: Player 3 wins',
    });
    expectRefused(m, () => m.as(current(m)!).draw!(), 'cannot make move after game end');
    expectRefused(m, () => m.as('1').volunteer!(), 'cannot make move after game end');
  });

  it('the deck running out during a double ends the game at once', () => {
    const m = match([W, W], ['safe', 'double', 'verify']);
    m.as('0').draw!();
    m.as('1').draw!();
    m.as('1').draw!();
    expect(m.G().drawsLeft).toBe(1);
    expect((m.raw().ctx.gameover as GameSummary).winners).toEqual(['0']);
  });

  it('equal verify cards: volunteer points break the tie', () => {
    const m = match([W, W], ['verify', 'verify']);
    m.as('1').volunteer!();
    m.as('0').draw!();
    m.as('1').draw!();
    expect(m.raw().ctx.gameover).toEqual({
      winners: ['1'],
      lines: [
        { playerID: '0', label: 'Player 1', value: 1 },
        { playerID: '1', label: 'Player 2', value: 1 },
      ],
      requests: 3,
    });
  });

  it('a full tie has no winners; a solo wearer is the winner', () => {
    const tie = match([W, W], ['safe', 'safe']);
    tie.as('0').draw!();
    tie.as('1').draw!();
    expect((tie.raw().ctx.gameover as GameSummary).winners).toEqual([]);
    expect(tie.G().events.at(-1)!.text).toBe('Game over: a draw');
    const solo = match([K, W], ['verify']);
    solo.as('1').draw!();
    expect(solo.raw().ctx.gameover).toEqual({
      winners: ['1'],
      lines: [{ playerID: '1', label: 'Player 2', value: 1 }],
      requests: 1,
    });
  });
});

// ---- demand and volunteer ---------------------------------------------------------------------------
describe('verify-cards: demand', () => {
  it('the keyholder seat asks a wearer itself, while demands last; then it is refused', () => {
    const m = match([W, W, K], ['safe'], { keyholderDemands: 1 });
    m.as('2').demand!('1');
    expect(m.intents()).toEqual([intent('1', 'keyholder demand', '2', 'self')]);
    expect(m.G().demandsLeft).toBe(0);
    expect(m.G().events.at(-1)).toEqual({
      n: 2,
      kind: 'demand',
      text: 'Player 3 (keyholder) demands a verification picture from Player 2',
      playerID: '1',
    });
    expectRefused(m, () => m.as('2').demand!('0'), 'invalid move: demand');
  });

  it('only the keyholder seat, only on a wearer seat; never changes whose turn it is', () => {
    const m = match([K, W, W], ['safe'], { keyholderDemands: 5 });
    expectRefused(m, () => m.as('1').demand!('2'), 'invalid move: demand');
    for (const target of ['0', '3', '1.0', 2, null, {}]) {
      expectRefused(m, () => m.as('0').demand!(target), 'invalid move: demand');
    }
    m.as('0').demand!('2');
    expect(m.G().demandsLeft).toBe(4);
    expect(current(m)).toBe('1');
    expect(m.G().deckSize).toBe(1);
  });
});

describe('verify-cards: volunteer', () => {
  it('a wearer asks for their own picture once per round for +1 point, at any time', () => {
    const m = match([W, W], ['safe', 'safe', 'safe']);
    m.as('1').volunteer!(); // not their turn: volunteering needs no turn
    expect(m.intents()).toEqual([intent('1', 'volunteered', '1', 'self')]);
    expect(m.G().points).toEqual({ '0': 0, '1': 1 });
    expect(m.G().volunteered).toEqual({ '0': false, '1': true });
    expect(m.G().events.at(-1)).toEqual({
      n: 2,
      kind: 'volunteer',
      text: 'Player 2 volunteers for a verification picture (+1 point)',
      playerID: '1',
    });
    expect(current(m)).toBe('0');
    expectRefused(m, () => m.as('1').volunteer!(), 'invalid move: volunteer');
    m.as('0').draw!();
    expectRefused(m, () => m.as('1').volunteer!(), 'invalid move: volunteer');
    m.as('1').draw!(); // round 1 complete: volunteering opens again
    expect(m.G().volunteered).toEqual({ '0': false, '1': false });
    m.as('1').volunteer!();
    expect(m.G().points['1']).toBe(2);
  });

  it('the keyholder seat may not volunteer', () => {
    const m = match([K, W], ['safe']);
    expectRefused(m, () => m.as('0').volunteer!(), 'invalid move: volunteer');
  });
});

// ---- rules and setupData validation ----------------------------------------------------------------
describe('verify-cards: rules and validateSetupData', () => {
  const zero = { safe: 0, verify: 0, skip: 0, double: 0, shield: 0 };

  it('defaults, per card kind too', () => {
    expect(DEFAULT_VERIFY_CARDS_RULES).toEqual({
      cooldownSeconds: 120,
      maxRequestsPerMatch: 5,
      randomCheckChance: 0,
      keyholderDemands: 1,
      deck: { safe: 10, verify: 4, skip: 3, double: 3, shield: 2 },
    });
    expect(Object.isFrozen(DEFAULT_VERIFY_CARDS_RULES.deck)).toBe(true);
    expect(parseVerifyCardsRules({ deck: { verify: 8 } }).deck).toEqual({
      safe: 10,
      verify: 8,
      skip: 3,
      double: 3,
      shield: 2,
    });
    expect(parseVerifyCardsRules({ deck: { ...zero, verify: 1 } }).deck).toEqual({
      ...zero,
      verify: 1,
    });
  });

  it('caps: each kind 0–30, the deck 1–80 cards', () => {
    expect(
      checkVerifyCardsRules({ deck: { ...zero, safe: 30, verify: 30, skip: 20 } }),
    ).toBeUndefined();
    expect(checkVerifyCardsRules({ deck: { ...zero, safe: 30, verify: 30, skip: 21 } })).toBe(
      'the deck must hold 1 to 80 cards in total, these counts make 81',
    );
    expect(checkVerifyCardsRules({ deck: { ...zero, shield: 31 } })).toBe(
      'deck.shield must be a whole number from 0 to 30',
    );
    expect(() => parseVerifyCardsRules({ deck: zero })).toThrow(
      new RangeError('the deck must hold 1 to 80 cards in total, these counts make 0'),
    );
  });

  it.each([
    [{ seats: roomSeats(1) }, 1, undefined],
    [{ seats: roomSeats(1, 1) }, 2, undefined],
    [{ seats: roomSeats(6, 1) }, 7, undefined],
    [undefined, 1, undefined],
    [{ seats: roomSeats(0, 1) }, 1, 'verify-cards needs 1 to 6 wearer seats, this room has 0'],
    [{ seats: roomSeats(7) }, 7, 'verify-cards needs 1 to 6 wearer seats, this room has 7'],
    [{ seats: roomSeats(1, 2) }, 3, 'a room may have at most one keyholder seat, this one has 2'],
    [{ seats: roomSeats(2) }, 1, 'seats lists 2 seats but the match has 1 players'],
    [{ seats: 'wearer' }, 1, 'seats must be a list with "wearer" or "keyholder" for each seat'],
    [
      { seats: roomSeats(1), rules: { deck: zero } },
      1,
      'the deck must hold 1 to 80 cards in total, these counts make 0',
    ],
    [
      { seats: roomSeats(1), rules: { deck: { verify: -1 } } },
      1,
      'deck.verify must be a whole number from 0 to 30',
    ],
    [
      { seats: roomSeats(1), rules: { deck: { joker: 2 } } },
      1,
      'unknown card kind "joker" in deck (known: safe, verify, skip, double, shield)',
    ],
    [{ seats: roomSeats(1), rules: { deck: [] } }, 1, 'deck must be an object'],
    [
      { seats: roomSeats(1), rules: { rounds: 3 } },
      1,
      'unknown rule "rounds" in verify-cards rules (known: cooldownSeconds, maxRequestsPerMatch, randomCheckChance, keyholderDemands, deck)',
    ],
    [
      { seats: roomSeats(1), rules: { randomCheckChance: '0.5' } },
      1,
      'randomCheckChance must be a number from 0 to 1',
    ],
    [
      { seats: roomSeats(1), rules: { keyholderDemands: 1.5 } },
      1,
      'keyholderDemands must be a whole number from 0 to 5',
    ],
  ])('validateSetupData(%j, %i) → %s', (setupData, numPlayers, message) => {
    expect(validateVerifyCardsSetup(setupData, numPlayers)).toBe(message);
    expect(VerifyCards.validateSetupData!(setupData as never, numPlayers)).toBe(message);
  });

  it('the server path: createMatch refuses bad rules and gives setup the deck from the rules', () => {
    const create = (rules: Record<string, unknown>) =>
      createMatch({
        game: VerifyCards as unknown as Game,
        numPlayers: 2,
        setupData: {
          rules: { cooldownSeconds: 120, maxRequestsPerMatch: 5, ...rules },
          seats: [K, W],
        },
        unlisted: false,
      });
    expect(create({ deck: zero })).toEqual({
      setupDataError: 'the deck must hold 1 to 80 cards in total, these counts make 0',
    });
    const good = create({ deck: { ...zero, verify: 3, shield: 1 } });
    if (!('initialState' in good)) throw new Error(good.setupDataError);
    const G = good.initialState.G as VerifyCardsState;
    expect(sorted(G.deck)).toEqual(['shield', 'verify', 'verify', 'verify']);
    expect(G.order).toEqual(['1']);
  });
});

// ---- Local() multiplayer -------------------------------------------------------------------------
describe('verify-cards with Local() multiplayer', () => {
  it('two wearers draw through the master; clients see no deck order and no intents', async () => {
    const deck = { safe: 2, verify: 2, skip: 0, double: 0, shield: 0 };
    const game = gameWith({ rules: { deck }, seats: [W, W] }, undefined, 'local-cards');
    const {
      clients: [p0, p1],
      stored,
    } = localSeats(game, 2, ['0', '1']);
    await caughtUp([p0, p1]);
    const order = [...stored().G.deck].reverse();

    for (let i = 0; i < 4; i++) {
      const mover = i % 2 === 0 ? p0 : p1;
      mover.moves.draw!();
      await until(() => stored()._stateID === i + 1, `draw ${i + 1}`);
      const G = stored().G;
      expect(G.lastCard).toEqual({ playerID: mover.playerID, card: order[i], n: i + 1 });
      expect(intentsOf(stored())).toEqual(
        order[i] === 'verify'
          ? [intent(mover.playerID!, 'drew a verify card', mover.playerID!)]
          : [],
      );
      await caughtUp([p0, p1], i + 1);
      for (const c of [p0, p1]) {
        const view = c.getState()!;
        expect(view.G.deck).toEqual([]);
        expect(view.G.deckSize).toBe(3 - i);
        expect(view.plugins.verification!.data).toEqual({ intents: [] });
      }
    }
    const summary = p0.getState()!.ctx.gameover as GameSummary;
    expect(summary.lines.map((l) => l.value).reduce((a, b) => a + b)).toBe(2);
  });
});
