/**
 * The shared shapes of the example games: their state (what boards render) and their rules (what
 * a host chooses). Games validate rules with zod in `validateSetupData`; the server passes
 * `setupData = { rules, seats }` (see `RoomSetupData` in bgio-chaster/server).
 */

import type { SeatRole } from '../src/plugin/index.js';

export type { SeatRole };

/** What the server passes to `setup` and `validateSetupData`. */
export interface GameSetupData<Rules> {
  rules: Rules;
  seats: SeatRole[];
}

/** Rules both games share. */
export interface CommonRules {
  /** Least seconds between two requests to the same wearer (enforced by the server). */
  cooldownSeconds: number;
  /** Most requests delivered per match (enforced by the server). */
  maxRequestsPerMatch: number;
  /** Chance (0–1) per round that one random wearer gets a surprise check. */
  randomCheckChance: number;
  /** How many `demand`s the seated keyholder may play in the whole match. */
  keyholderDemands: number;
}

/** One entry of a game's event log, shown on the board ("Ann lost round 2 (rolled 1)"). */
export interface GameEvent {
  /** Sequence number, for React keys. */
  n: number;
  text: string;
  /** The seat it is about, if any. */
  playerID?: string;
  kind: 'round' | 'request' | 'demand' | 'volunteer' | 'card' | 'info' | 'gameover';
}

/** End-of-game summary shared by both games (`ctx.gameover`). */
export interface GameSummary {
  /** Seats that won (lowest losses / most points); empty on a full tie. */
  winners: string[];
  /** Per-seat line for the summary table. */
  lines: Array<{ playerID: string; label: string; value: number }>;
  /** Requests the game recorded during the match, by reason (delivery may still have been suppressed). */
  requests: number;
}

// --- dice-duel ---------------------------------------------------------------------------

/** Rules of dice-duel. */
export interface DiceDuelRules extends CommonRules {
  /** Rounds to play (best of N: fewest lost rounds wins). 1–9, default 3. */
  rounds: number;
  /** Whether the loser of a round is asked for a picture. Default true. */
  loserRequest: boolean;
}

/** State of dice-duel. */
export interface DiceDuelState {
  rules: DiceDuelRules;
  seats: SeatRole[];
  /** 1-based round number. */
  round: number;
  /** This round's rolls by seat; null = not rolled yet. Only wearers appear. */
  rolls: Record<string, number | null>;
  /**
   * Seats that must roll this round: all wearers, or only the tied lowest during a roll-off.
   * A roll-off happens when several wearers tie for the lowest roll.
   */
  rollers: string[];
  /** Whether the current round is a roll-off between tied wearers. */
  rollOff: boolean;
  /** Rounds lost, by wearer seat. */
  losses: Record<string, number>;
  /** Bonus added to a wearer's next roll, earned by `volunteer`. */
  bonus: Record<string, number>;
  /** Whether a wearer has volunteered this round (once per round). */
  volunteered: Record<string, boolean>;
  /** Demands the keyholder has left. */
  demandsLeft: number;
  /** Results of finished rounds. */
  results: Array<{ round: number; rolls: Record<string, number>; loser: string }>;
  events: GameEvent[];
  /** Requests the game has recorded so far, all reasons. */
  requests: number;
  /** The latest roll, for the animation: die face, bonus added, total; `n` counts rolls. */
  lastRoll: { playerID: string; die: number; bonus: number; total: number; n: number } | null;
}

// --- verify-cards ------------------------------------------------------------------------

/** Card kinds of verify-cards. */
export type CardKind = 'safe' | 'verify' | 'skip' | 'double' | 'shield';

/** Rules of verify-cards. */
export interface VerifyCardsRules extends CommonRules {
  /** How many of each card the deck holds. Default safe 10, verify 4, skip 3, double 3, shield 2. */
  deck: Record<CardKind, number>;
}

/** State of verify-cards. */
export interface VerifyCardsState {
  rules: VerifyCardsRules;
  seats: SeatRole[];
  /** The shared deck, top card last. Hidden from players by playerView (only its size is shown). */
  deck: CardKind[];
  /** Cards left in the deck (what boards show). */
  deckSize: number;
  /** Wearer seats in turn order. */
  order: string[];
  /** Index into `order` of the wearer whose turn it is. */
  turn: number;
  /** Draws the current wearer still has to make this turn (2 after a `double`). */
  drawsLeft: number;
  /** Seats that skip their next turn (from `skip`). */
  skipping: Record<string, boolean>;
  /** Shields held (each cancels one verify card). */
  shields: Record<string, number>;
  /** Cards drawn by seat, for the summary. */
  drawn: Record<string, CardKind[]>;
  /** The last card drawn, for the animation. */
  lastCard: { playerID: string; card: CardKind; n: number } | null;
  /** Full rounds completed (every wearer had a turn), for the random check. */
  round: number;
  /** Demands the keyholder has left. */
  demandsLeft: number;
  /** Bonus points earned by volunteering. */
  points: Record<string, number>;
  volunteered: Record<string, boolean>;
  events: GameEvent[];
  /** Requests the game has recorded so far, all reasons. */
  requests: number;
}
