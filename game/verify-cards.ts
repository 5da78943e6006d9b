/**
 * verify-cards: 1–6 wearers take turns drawing from one shared, seeded deck. A "verify" card asks
 * the drawer for a verification picture unless a shield cancels it; "skip" makes the next wearer
 * miss a turn; "double" makes the drawer draw two more. The game ends when the deck is empty.
 * The seated keyholder may `demand` a picture; a wearer may `volunteer` for a bonus point.
 *
 * Every seat may move at any time; the moves themselves decide who may do what.
 */
import type { Game } from 'boardgame.io';
import { INVALID_MOVE } from 'boardgame.io/core';
import { VerificationPlugin } from '../src/plugin/index.js';
import type { VerificationAPI, WithMoveArgs, WithVerification } from '../src/plugin/index.js';
import type { WithDefaultRules } from '../src/plugin/index.js';
import { CARD_KINDS } from './cards.js';
import { playerCounts } from './registry.js';
import {
  DEFAULT_VERIFY_CARDS_RULES,
  deckTotal,
  parseVerifyCardsRules,
  readSetup,
  validateVerifyCardsSetup,
} from './rules.js';
import type { VerifyCardsRulesInput } from './rules.js';
import { pushEvent } from './shared/log.js';
import { DEMAND_MOVE_ARGS, demandsFor, OPEN_TABLE, seatMoves } from './shared/moves.js';
import { randomCheck, recordRequest } from './shared/requests.js';
import type { RandomCheckDice } from './shared/requests.js';
import { gameOverText, summarise } from './shared/scoring.js';
import { playerLabel, wearerSeats } from './shared/seats.js';
import type { CardKind, GameSetupData, GameSummary, VerifyCardsState } from './types.js';

const verifyCount = (G: VerifyCardsState, id: string) =>
  (G.drawn[id] ?? []).filter((card) => card === 'verify').length;

/**
 * The end-of-game summary: verify cards drawn per wearer (shielded ones included); fewest wins,
 * ties broken by volunteer points.
 */
export function verifyCardsSummary(G: VerifyCardsState): GameSummary {
  return summarise(
    G,
    G.order,
    (id) => verifyCount(G, id),
    (id) => G.points[id] ?? 0,
  );
}

/** Every wearer has had a turn: count the round, reopen volunteering, maybe a random check. */
function completeRound(
  G: VerifyCardsState,
  random: RandomCheckDice,
  verification: VerificationAPI,
) {
  G.round += 1;
  for (const id of G.order) G.volunteered[id] = false;
  pushEvent(G.events, 'round', `Round ${G.round} complete`);
  randomCheck(G, random, verification, G.rules.randomCheckChance, G.order);
}

/** Passes the turn to the next wearer who is not skipping, clearing the skip flags it passes. */
function advance(G: VerifyCardsState, random: RandomCheckDice, verification: VerificationAPI) {
  const count = G.order.length;
  let index = G.turn;
  // Flags are cleared as they are passed, so two passes always find a wearer; the bound is a guard.
  for (let step = 0; step <= 2 * count; step++) {
    index += 1;
    if (index >= count) {
      index = 0;
      completeRound(G, random, verification);
    }
    const id = G.order[index]!;
    if (!G.skipping[id]) break;
    G.skipping[id] = false;
    pushEvent(G.events, 'info', `${playerLabel(id)} skips this turn`, id);
  }
  G.turn = index;
  G.drawsLeft = 1;
}

/** verify-cards: 1–6 wearers and at most one keyholder; `setupData = { rules, seats }`. */
export const VerifyCards: Game<
  VerifyCardsState,
  WithVerification,
  GameSetupData<VerifyCardsRulesInput>
> &
  WithMoveArgs &
  WithDefaultRules = {
  ...playerCounts('verify-cards'),
  // Requests are real-world effects: an undone move would not take one back.
  disableUndo: true,
  // The server fills these under the host's rules, so house rules can tighten any of them.
  defaultRules: DEFAULT_VERIFY_CARDS_RULES,
  validateSetupData: validateVerifyCardsSetup,

  setup: ({ ctx, random }, setupData) => {
    const { rules, seats } = readSetup(
      'verify-cards',
      setupData,
      ctx.numPlayers,
      validateVerifyCardsSetup,
      parseVerifyCardsRules,
    );
    const order = wearerSeats(seats);
    const perWearer = <T>(value: () => T): Record<string, T> =>
      Object.fromEntries(order.map((id) => [id, value()]));
    const cards = CARD_KINDS.flatMap((kind) =>
      Array.from({ length: rules.deck[kind] }, () => kind),
    );
    const deck = random.Shuffle(cards);
    const G: VerifyCardsState = {
      rules,
      seats,
      deck,
      deckSize: deck.length,
      order,
      turn: 0,
      drawsLeft: 1,
      skipping: perWearer(() => false),
      shields: perWearer(() => 0),
      drawn: perWearer((): CardKind[] => []),
      lastCard: null,
      round: 0,
      demandsLeft: demandsFor(seats, rules.keyholderDemands),
      points: perWearer(() => 0),
      volunteered: perWearer(() => false),
      events: [],
      requests: 0,
    };
    pushEvent(
      G.events,
      'info',
      `The deck is shuffled: ${deck.length} cards. ${playerLabel(order[0]!)} draws first`,
    );
    return G;
  },

  // Everyone may act at any time, and the turn never ends: the moves check who may do what.
  ...OPEN_TABLE,

  moves: {
    /** `draw()`: only the wearer whose turn it is; takes the top card and applies it. */
    draw: {
      // Clients see no deck (playerView), so only the server can run this move.
      client: false,
      move: ({ G, playerID, random, verification }) => {
        if (G.order[G.turn] !== playerID || G.drawsLeft <= 0) return INVALID_MOVE;
        const card = G.deck.pop();
        if (card === undefined) return INVALID_MOVE;
        G.deckSize = G.deck.length;
        G.drawsLeft -= 1;
        (G.drawn[playerID] ??= []).push(card);
        G.lastCard = { playerID, card, n: deckTotal(G.rules.deck) - G.deckSize };
        const me = playerLabel(playerID);
        switch (card) {
          case 'safe':
            pushEvent(G.events, 'card', `${me} drew a safe card`, playerID);
            break;
          case 'verify':
            if ((G.shields[playerID] ?? 0) > 0) {
              G.shields[playerID]! -= 1;
              pushEvent(
                G.events,
                'card',
                `${me} drew a verify card; a shield cancels it`,
                playerID,
              );
            } else {
              pushEvent(G.events, 'card', `${me} drew a verify card`, playerID);
              recordRequest(
                G,
                verification,
                { player: playerID, reason: 'drew a verify card' },
                {
                  kind: 'request',
                  text: `${me} is asked for a verification picture (drew a verify card)`,
                },
              );
            }
            break;
          case 'skip': {
            const next = G.order[(G.turn + 1) % G.order.length]!;
            G.skipping[next] = true;
            pushEvent(
              G.events,
              'card',
              next === playerID
                ? `${me} drew skip: ${me} skips their own next turn`
                : `${me} drew skip: ${playerLabel(next)} skips their next turn`,
              playerID,
            );
            break;
          }
          case 'double':
            G.drawsLeft += 2;
            pushEvent(G.events, 'card', `${me} drew double: ${me} draws 2 more`, playerID);
            break;
          case 'shield':
            G.shields[playerID] = (G.shields[playerID] ?? 0) + 1;
            pushEvent(G.events, 'card', `${me} drew a shield`, playerID);
            break;
        }
        if (G.deckSize === 0) {
          pushEvent(G.events, 'gameover', gameOverText(verifyCardsSummary(G)));
        } else if (G.drawsLeft === 0) {
          advance(G, random, verification);
        }
      },
    },

    // `demand(target)` for the keyholder seat; `volunteer()` for a wearer, once per round, for +1
    // point (points break ties at the end).
    ...seatMoves<VerifyCardsState>('+1 point', (G, playerID) => {
      G.points[playerID] = (G.points[playerID] ?? 0) + 1;
    }),
  },

  // `draw` and `volunteer` take no arguments.
  moveArgs: DEMAND_MOVE_ARGS,

  // Clients never see the order of the deck, only its size.
  playerView: ({ G }) => ({ ...G, deck: [] }),

  endIf: ({ G }) => (G.deckSize === 0 ? verifyCardsSummary(G) : undefined),

  plugins: [VerificationPlugin()],
};
