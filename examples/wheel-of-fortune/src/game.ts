/**
 * Wheel of Fortune, after Chaster's own game: the wearers take turns spinning a wheel. Landing on
 * "Verification picture" asks the spinner for one; the other segments are harmless. Each wearer
 * has `SPINS_PER_PLAYER` spins, and the game ends when every spin is spun.
 *
 * The game only records requests (`verification.request`); the server sends them to Chaster once
 * the spin is stored, with the room's cooldown and cap.
 */
import type { Game } from 'boardgame.io';
import { INVALID_MOVE } from 'boardgame.io/core';
import { NO_ARGS, VerificationPlugin } from 'bgio-chaster';
import type { SeatRole, WithMoveArgs, WithVerification } from 'bgio-chaster';

/** What a segment of the wheel does when the wheel stops on it. */
export type Segment = 'Nothing' | 'Spin again' | 'Skip a turn' | 'Verification picture';

/** The wheel, clockwise; every segment is as likely as any other. */
export const WHEEL: readonly Segment[] = [
  'Nothing',
  'Spin again',
  'Verification picture',
  'Nothing',
  'Skip a turn',
  'Nothing',
];

/** Spins each wearer has; a game lasts at most this many turns per wearer. */
export const SPINS_PER_PLAYER = 3;

/** Why the spinner is asked, as the room's verification feed shows it. */
export const VERIFICATION_REASON = 'Wheel of Fortune: landed on "Verification picture"';

/** One spin: who spun, and where the wheel stopped. */
export interface Spin {
  playerID: string;
  /** The segment's position on `WHEEL`, so a board can turn the wheel to it. */
  index: number;
  segment: Segment;
}

/** The whole game state; nothing in it is secret. */
export interface WheelState {
  /** The wearer seats, in turn order. A keyholder's seat watches. */
  spinners: string[];
  spinsLeft: Record<string, number>;
  /** Every spin so far, oldest first. */
  spins: Spin[];
  /** Whether the current turn ends now (set by `spin`, cleared when a turn begins). */
  turnOver: boolean;
}

/** What the game server passes as `setupData`: the seats' roles (and the host's rules). */
export interface WheelSetupData {
  seats?: SeatRole[];
}

/** What `ctx.gameover` holds at the end: how many pictures the wheel asked for. */
export interface WheelResult {
  pictures: number;
}

/** The seats that spin: the wearers' (every seat when no roles are given, as in local play). */
export function spinnersOf(setupData: WheelSetupData | undefined, numPlayers: number): string[] {
  const seats = setupData?.seats ?? Array.from({ length: numPlayers }, (): SeatRole => 'wearer');
  return seats.flatMap((role, seat) => (role === 'wearer' ? [String(seat)] : []));
}

/** Position in `G.spinners` of the next spinner with spins left after `pos` (or `pos` again). */
function nextSpinner(G: WheelState, pos: number): number {
  for (let step = 1; step <= G.spinners.length; step++) {
    const next = (pos + step) % G.spinners.length;
    if ((G.spinsLeft[G.spinners[next]!] ?? 0) > 0) return next;
  }
  // Nobody has spins left: the game has ended before the turn passes.
  return pos;
}

/** The game; its name and its one move, `spin()`, are what clients and rooms rely on. */
export const WheelOfFortune: Game<WheelState, WithVerification, WheelSetupData> & WithMoveArgs = {
  name: 'wheel-of-fortune',
  minPlayers: 1,
  maxPlayers: 6,
  // A request is a real-world effect: an undone spin would not take it back.
  disableUndo: true,

  validateSetupData: (setupData, numPlayers) =>
    spinnersOf(setupData, numPlayers).length === 0 ? 'needs at least one wearer seat' : undefined,

  setup: ({ ctx }, setupData) => {
    const spinners = spinnersOf(setupData, ctx.numPlayers);
    return {
      spinners,
      spinsLeft: Object.fromEntries(spinners.map((id) => [id, SPINS_PER_PLAYER])),
      spins: [],
      turnOver: false,
    };
  },

  turn: {
    order: {
      playOrder: ({ G }) => G.spinners,
      first: () => 0,
      next: ({ G, ctx }) => nextSpinner(G, ctx.playOrderPos),
    },
    onBegin: ({ G }) => {
      G.turnOver = false;
    },
    endIf: ({ G }) => G.turnOver,
  },

  // Turns end by the rules only: no client may end a turn (and so dodge a spin).
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

  moves: {
    /** `spin()`: the current spinner turns the wheel and does what its segment says. */
    spin: ({ G, playerID, random, verification }) => {
      const left = (G.spinsLeft[playerID] ?? 0) - 1;
      if (left < 0) return INVALID_MOVE;
      const index = random.Die(WHEEL.length) - 1;
      const segment = WHEEL[index]!;
      G.spins.push({ playerID, index, segment });
      G.spinsLeft[playerID] = left;
      if (segment === 'Verification picture') {
        verification.request({ player: playerID, reason: VERIFICATION_REASON });
      }
      // Skipping a turn costs the spin that turn would have had.
      if (segment === 'Skip a turn') G.spinsLeft[playerID] = Math.max(0, left - 1);
      // "Spin again" keeps the turn, unless that spin was the spinner's last.
      G.turnOver = segment !== 'Spin again' || G.spinsLeft[playerID] === 0;
    },
  },

  // The server refuses any argument a game does not declare; `spin` takes none.
  moveArgs: { spin: NO_ARGS },

  endIf: ({ G }): WheelResult | undefined =>
    G.spinners.every((id) => G.spinsLeft[id] === 0)
      ? { pictures: G.spins.filter((s) => s.segment === 'Verification picture').length }
      : undefined,

  plugins: [VerificationPlugin()],
};
