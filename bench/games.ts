/**
 * The benchmark game, twice: with `VerificationPlugin` (side b) and the same moves without it
 * (side a, plain boardgame.io). Every seat may move at any time; undo is off so the state stays
 * small however long a match runs.
 */
import type { Game } from 'boardgame.io';
import { ActivePlayers } from 'boardgame.io/core';
import { z } from 'zod';
import { VerificationPlugin, seatArg } from '../src/plugin/index.js';
import type { WithMoveArgs, WithVerification } from '../src/plugin/index.js';

/** Name both games register under, so clients and URLs are the same on both sides. */
export const BENCH_GAME = 'bench';

export interface BenchState {
  moves: number;
}

/** With the plugin: `lose` records one verification request for `target`. */
export const PluginGame: Game<BenchState, WithVerification> & WithMoveArgs = {
  name: BENCH_GAME,
  setup: () => ({ moves: 0 }),
  disableUndo: true,
  turn: { activePlayers: ActivePlayers.ALL },
  events: { endGame: false },
  moves: {
    pass: ({ G }) => {
      G.moves += 1;
    },
    lose: ({ G, playerID, verification }, target?: string) => {
      G.moves += 1;
      verification.request({
        player: target ?? playerID,
        reason: `seat ${target ?? playerID} lost`,
      });
    },
  },
  moveArgs: { lose: z.union([z.tuple([]), z.tuple([seatArg])]) },
  plugins: [VerificationPlugin()],
};

/** The same game without the plugin: `lose` is just a move. */
export const BareGame: Game<BenchState> = {
  name: BENCH_GAME,
  setup: () => ({ moves: 0 }),
  disableUndo: true,
  turn: { activePlayers: ActivePlayers.ALL },
  events: { endGame: false },
  moves: {
    pass: ({ G }) => {
      G.moves += 1;
    },
    lose: ({ G }, _target?: string) => {
      G.moves += 1;
    },
  },
};

/** Every `lossEvery`-th move (1-based) is a `lose`, aimed alternately at seat 0 and seat 1. */
export function moveAt(i: number, lossEvery = 10): { move: 'pass' | 'lose'; args: string[] } {
  if ((i + 1) % lossEvery !== 0) return { move: 'pass', args: [] };
  const k = Math.floor((i + 1) / lossEvery);
  return { move: 'lose', args: [String(k % 2)] };
}
