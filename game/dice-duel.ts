/**
 * dice-duel: every wearer rolls a die each round; the lowest total loses the round (ties roll off
 * among themselves) and, if the rules say so, is asked for a verification picture. The seated
 * keyholder may `demand` a picture; a wearer may `volunteer` for +1 on their next roll.
 *
 * Every seat may move at any time; the moves themselves decide who may do what.
 */
import type { Game } from 'boardgame.io';
import { INVALID_MOVE } from 'boardgame.io/core';
import { VerificationPlugin } from '../src/plugin/index.js';
import type { VerificationAPI, WithMoveArgs, WithVerification } from '../src/plugin/index.js';
import type { WithDefaultRules } from '../src/plugin/index.js';
import { playerCounts } from './registry.js';
import {
  DEFAULT_DICE_DUEL_RULES,
  parseDiceDuelRules,
  readSetup,
  validateDiceDuelSetup,
} from './rules.js';
import type { DiceDuelRulesInput } from './rules.js';
import { pushEvent } from './shared/log.js';
import { DEMAND_MOVE_ARGS, demandsFor, OPEN_TABLE, seatMoves } from './shared/moves.js';
import { randomCheck, recordRequest } from './shared/requests.js';
import type { RandomCheckDice } from './shared/requests.js';
import { gameOverText, summarise } from './shared/scoring.js';
import { listLabels, playerLabel, wearerSeats } from './shared/seats.js';
import type { DiceDuelState, GameSetupData, GameSummary } from './types.js';

/** The dice a move needs from boardgame.io's random plugin. */
interface Dice extends RandomCheckDice {
  D6(): number;
}

/** The end-of-game summary: rounds lost per wearer; fewest losses wins. */
export function diceDuelSummary(G: DiceDuelState): GameSummary {
  return summarise(G, wearerSeats(G.seats), (id) => G.losses[id] ?? 0);
}

function isOver(G: DiceDuelState): boolean {
  return G.results.length >= G.rules.rounds;
}

/** Every wearer rolls again; volunteering opens again. */
function startRound(G: DiceDuelState, round: number): void {
  const wearers = wearerSeats(G.seats);
  G.round = round;
  G.rollOff = false;
  G.rollers = wearers;
  for (const id of wearers) {
    G.rolls[id] = null;
    G.volunteered[id] = false;
  }
  pushEvent(G.events, 'info', `Round ${round} of ${G.rules.rounds}: every wearer rolls`);
}

/** Runs once every roller has rolled: a roll-off between tied lowest rolls, or a loser. */
function resolve(G: DiceDuelState, random: Dice, verification: VerificationAPI): void {
  const totals = G.rollers.map((id) => G.rolls[id] ?? 0);
  const lowest = Math.min(...totals);
  const tied = G.rollers.filter((id) => G.rolls[id] === lowest);
  if (tied.length > 1) {
    G.rollOff = true;
    G.rollers = tied;
    for (const id of tied) G.rolls[id] = null;
    pushEvent(
      G.events,
      'info',
      `${listLabels(tied)} tie for the lowest roll (${lowest}): roll-off between them`,
    );
    return;
  }
  const loser = tied[0]!;
  G.losses[loser] = (G.losses[loser] ?? 0) + 1;
  const rolls: Record<string, number> = {};
  for (const [id, total] of Object.entries(G.rolls)) if (total !== null) rolls[id] = total;
  G.results.push({ round: G.round, rolls, loser });
  pushEvent(
    G.events,
    'round',
    `${playerLabel(loser)} lost round ${G.round} (rolled ${lowest})`,
    loser,
  );
  if (G.rules.loserRequest) {
    const reason = `lost round ${G.round}`;
    recordRequest(
      G,
      verification,
      { player: loser, reason },
      {
        kind: 'request',
        text: `${playerLabel(loser)} is asked for a verification picture (${reason})`,
      },
    );
  }
  randomCheck(G, random, verification, G.rules.randomCheckChance, wearerSeats(G.seats));
  if (isOver(G)) {
    pushEvent(G.events, 'gameover', gameOverText(diceDuelSummary(G)));
  } else {
    startRound(G, G.round + 1);
  }
}

/** dice-duel: 2–6 wearers and at most one keyholder; `setupData = { rules, seats }`. */
export const DiceDuel: Game<DiceDuelState, WithVerification, GameSetupData<DiceDuelRulesInput>> &
  WithMoveArgs &
  WithDefaultRules = {
  ...playerCounts('dice-duel'),
  // Requests are real-world effects: an undone move would not take one back.
  disableUndo: true,
  // The server fills these under the host's rules, so house rules can tighten any of them.
  defaultRules: DEFAULT_DICE_DUEL_RULES,
  validateSetupData: validateDiceDuelSetup,

  setup: ({ ctx }, setupData) => {
    const { rules, seats } = readSetup(
      'dice-duel',
      setupData,
      ctx.numPlayers,
      validateDiceDuelSetup,
      parseDiceDuelRules,
    );
    const wearers = wearerSeats(seats);
    const perWearer = <T>(value: T): Record<string, T> =>
      Object.fromEntries(wearers.map((id) => [id, value]));
    const G: DiceDuelState = {
      rules,
      seats,
      round: 1,
      rolls: perWearer<number | null>(null),
      rollers: [...wearers],
      rollOff: false,
      losses: perWearer(0),
      bonus: perWearer(0),
      volunteered: perWearer(false),
      demandsLeft: demandsFor(seats, rules.keyholderDemands),
      results: [],
      events: [],
      requests: 0,
      lastRoll: null,
    };
    pushEvent(G.events, 'info', `Round 1 of ${rules.rounds}: every wearer rolls`);
    return G;
  },

  // Everyone may act at any time, and the turn never ends: the moves check who may do what.
  ...OPEN_TABLE,

  moves: {
    /**
     * `roll()`: a wearer who must roll this round and has not yet: D6 + their bonus. Every wearer
     * rolls at once, so a roll applies to the state it finds (not refused as stale when another
     * wearer's roll landed first): it checks that state itself.
     */
    roll: {
      ignoreStaleStateID: true,
      move: ({ G, playerID, random, verification }) => {
        if (!G.rollers.includes(playerID) || G.rolls[playerID] !== null) return INVALID_MOVE;
        const die = random.D6();
        const bonus = G.bonus[playerID] ?? 0;
        const total = die + bonus;
        G.bonus[playerID] = 0;
        G.rolls[playerID] = total;
        G.lastRoll = { playerID, die, bonus, total, n: (G.lastRoll?.n ?? 0) + 1 };
        pushEvent(
          G.events,
          'round',
          bonus > 0
            ? `${playerLabel(playerID)} rolled ${die} + ${bonus} bonus = ${total}`
            : `${playerLabel(playerID)} rolled ${total}`,
          playerID,
        );
        if (G.rollers.every((id) => G.rolls[id] !== null)) resolve(G, random, verification);
      },
    },

    // `demand(target)` for the keyholder seat; `volunteer()` for a wearer, once per round, for +1
    // on their next roll.
    ...seatMoves<DiceDuelState>('+1 on the next roll', (G, playerID) => {
      G.bonus[playerID] = (G.bonus[playerID] ?? 0) + 1;
    }),
  },

  // `roll` and `volunteer` take no arguments.
  moveArgs: DEMAND_MOVE_ARGS,

  endIf: ({ G }) => (isOver(G) ? diceDuelSummary(G) : undefined),

  plugins: [VerificationPlugin()],
};
