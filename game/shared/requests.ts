/**
 * How both games ask for a verification picture: one call that records the request with the
 * plugin, counts it and logs it, and the random check that picks a wearer by chance.
 */
import type { VerificationAPI } from '../../src/plugin/index.js';
import type { GameEvent } from '../types.js';
import { pushEvent } from './log.js';
import { playerLabel } from './seats.js';

/** The parts of both games' state that recording a request touches. */
export interface RequestLog {
  events: GameEvent[];
  /** Requests the game has recorded so far, all reasons. */
  requests: number;
}

/** Records one verification request, counts it and logs it. */
export function recordRequest(
  G: RequestLog,
  verification: VerificationAPI,
  request: { player: string; reason: string; by?: 'self' },
  event: { kind: GameEvent['kind']; text: string },
): void {
  verification.request(request);
  G.requests += 1;
  pushEvent(G.events, event.kind, event.text, request.player);
}

/** What the random check needs from the random plugin. */
export interface RandomCheckDice {
  Number(): number;
  Die(spotvalue?: number): number;
}

/**
 * With probability `chance`, asks one random wearer for a picture. Chance 0 draws nothing, so
 * turning the check off leaves every later roll and shuffle as it was.
 */
export function randomCheck(
  G: RequestLog,
  random: RandomCheckDice,
  verification: VerificationAPI,
  chance: number,
  wearers: readonly string[],
): void {
  if (chance <= 0 || wearers.length === 0 || !(random.Number() < chance)) return;
  const player = wearers[random.Die(wearers.length) - 1];
  if (player === undefined) return;
  recordRequest(
    G,
    verification,
    { player, reason: 'random check' },
    {
      kind: 'request',
      text: `Random check: ${playerLabel(player)} is asked for a verification picture`,
    },
  );
}
