/**
 * What both games share at the table: every seat may act at any time, and the two seat moves,
 * `demand(target)` for the keyholder seat and `volunteer()` for a wearer, with their arguments.
 */
import type { MoveFn } from 'boardgame.io';
import { ActivePlayers, INVALID_MOVE } from 'boardgame.io/core';
import { z } from 'zod';
import { seatArg } from '../../src/plugin/index.js';
import type { MoveArgs, WithVerification } from '../../src/plugin/index.js';
import type { SeatRole } from '../types.js';
import { recordRequest } from './requests.js';
import type { RequestLog } from './requests.js';
import { isSeat, playerLabel } from './seats.js';

/**
 * Turn and events of both games: every seat is active at any time, the turn never ends, and no
 * client may send an event.
 */
export const OPEN_TABLE = {
  turn: { activePlayers: ActivePlayers.ALL },
  events: {
    endTurn: false,
    endPhase: false,
    setPhase: false,
    endGame: false,
    setActivePlayers: false,
    endStage: false,
    setStage: false,
    pass: false,
  },
};

/** The arguments of `demand(target)`: one seat. Both games' other moves take none. */
export const DEMAND_MOVE_ARGS: MoveArgs = { demand: z.tuple([seatArg]) };

/** The parts of both games' state `demand` and `volunteer` need. */
export interface SeatedState extends RequestLog {
  seats: SeatRole[];
  demandsLeft: number;
  volunteered: Record<string, boolean>;
}

/** Demands the keyholder seat starts with: the rules' number, or none without a keyholder seat. */
export function demandsFor(seats: readonly SeatRole[], keyholderDemands: number): number {
  return seats.includes('keyholder') ? keyholderDemands : 0;
}

/**
 * `demand(target)` and `volunteer()`, as both games declare them; `reward` says in the log what
 * volunteering earns and `grant` gives it.
 *
 * - `demand(target)`: the keyholder seat, while demands are left, asks a wearer seat for a
 *   picture (`by: 'self'`, so the server sends it as the keyholder and checks the target is
 *   theirs).
 * - `volunteer()`: a wearer asks for their own picture, once per round (`by: 'self'`: the server
 *   sends it as the wearer).
 */
export function seatMoves<S extends SeatedState>(
  reward: string,
  grant: (G: S, playerID: string) => void,
): { demand: MoveFn<S, WithVerification>; volunteer: MoveFn<S, WithVerification> } {
  return {
    demand: ({ G, playerID, verification }, target: unknown) => {
      if (!isSeat(G.seats, playerID, 'keyholder') || G.demandsLeft <= 0) return INVALID_MOVE;
      if (!isSeat(G.seats, target, 'wearer')) return INVALID_MOVE;
      const player = target as string;
      G.demandsLeft -= 1;
      recordRequest(
        G,
        verification,
        { player, reason: 'keyholder demand', by: 'self' },
        {
          kind: 'demand',
          text: `${playerLabel(playerID)} (keyholder) demands a verification picture from ${playerLabel(player)}`,
        },
      );
    },

    volunteer: ({ G, playerID, verification }) => {
      if (!isSeat(G.seats, playerID, 'wearer') || G.volunteered[playerID]) return INVALID_MOVE;
      G.volunteered[playerID] = true;
      recordRequest(
        G,
        verification,
        { player: playerID, reason: 'volunteered', by: 'self' },
        {
          kind: 'volunteer',
          text: `${playerLabel(playerID)} volunteers for a verification picture (${reward})`,
        },
      );
      grant(G, playerID);
    },
  };
}
