/**
 * Types of the verification plugin, shared by games (which record intents) and the server
 * (which reads them from committed state and delivers them).
 */
import type { PlayerID } from 'boardgame.io';

/** A seat's role, fixed when its room is created: who plays for stakes, and who holds the key. */
export type SeatRole = 'wearer' | 'keyholder';

/** Who asks: the game's rules (Chaster actor `extension`) or the seat making the move itself. */
export type RequestedBy = 'rules' | 'self';

/** What a move passes to `verification.request`. */
export interface VerificationRequestInput {
  /** The seat whose wearer is asked for a picture. */
  player: PlayerID;
  /** Why, in a few words shown to the players ("lost round 3"). */
  reason: string;
  /**
   * `'rules'` (default): the game asks, Chaster shows the extension as the actor.
   * `'self'`: the seat making this move asks; the server turns it into `keyholder` or `wearer`
   * from that seat's authenticated Chaster role, never from anything the client sent.
   */
  by?: RequestedBy;
}

/** One recorded intent, as stored in the plugin's data for the action that made it. */
export interface VerificationIntent {
  player: PlayerID;
  reason: string;
  by: RequestedBy;
  /** The seat that made the move (`null` in hooks that run without a player). */
  requestedBy: PlayerID | null;
}

/** The plugin's data in `state.plugins.verification.data`: this action's intents only. */
export interface VerificationData {
  intents: VerificationIntent[];
}

/** The API moves and hooks see as `verification`. */
export interface VerificationAPI {
  /** Records that `player` should be asked for a verification picture once this action commits. */
  request(input: VerificationRequestInput): void;
}

/** Plugin APIs a game using `VerificationPlugin` declares: `Game<G, WithVerification>`. */
export interface WithVerification extends Record<string, unknown> {
  verification: VerificationAPI;
}

/** Options of `VerificationPlugin`. */
export interface VerificationPluginOptions {
  /** Most intents one action may record; more is a bug in the game and throws. Default 16. */
  maxPerAction?: number;
  /** Longest reason, in characters. Default 200. */
  maxReasonLength?: number;
}

/**
 * What a game may add to tell the server its full default rules: the server fills them in under
 * the host's rules, since a house rule tightens only a rule the room's rules contain.
 */
export interface WithDefaultRules {
  /** Every rule the game reads, at its default (delivery policy included); frozen is fine. */
  defaultRules?: Readonly<Record<string, unknown>>;
}
