/** Names of the seats on a board, and whose wearer a keyholder may ask. */
import type { FilteredMetadata } from 'boardgame.io';
import type { Seat } from 'bgio-chaster/client';
import { useSignedIn } from 'bgio-chaster/react';
import { playerLabel } from '../../../game/shared/seats.js';

/** Names by playerID: matchData's names first, then the room's seats. */
export function useNameOf(
  matchData: FilteredMetadata | undefined,
  seats: Seat[],
): (playerID: string) => string {
  return (playerID) => knownName(matchData, seats, playerID) ?? playerLabel(playerID);
}

/** The seat's username if anyone knows it yet. */
function knownName(
  matchData: FilteredMetadata | undefined,
  seats: Seat[],
  playerID: string,
): string | undefined {
  return (
    matchData?.find((p) => String(p.id) === playerID)?.name ??
    seats.find((s) => s.playerID === playerID)?.name ??
    undefined
  );
}

/**
 * Whether a demand on `playerID` can work: the server only lets a keyholder ask the wearer of the
 * lock they opened the game from, and the game spends the demand either way.
 */
export function useCanDemandOn(
  matchData: FilteredMetadata | undefined,
  seats: Seat[],
): (playerID: string) => boolean {
  const wearer = useSignedIn().login.lock.wearer;
  return (playerID) => {
    const name = knownName(matchData, seats, playerID);
    return name === undefined || name === wearer;
  };
}
