/**
 * Seats and how the games name them: the "Player N" label the event log uses, its inverse the
 * client uses to put names in, and which seats are wearers. No imports beyond types, so the
 * client's first paint can use them.
 */
import type { SeatRole } from '../types.js';

/** How events name a seat; the client swaps in player names by `playerID` (`withNames`). */
export function playerLabel(playerID: string): string {
  return `Player ${Number(playerID) + 1}`;
}

/** Replaces every `playerLabel` in `text` with the name of that seat. */
export function withNames(text: string, nameOf: (playerID: string) => string): string {
  return text.replace(/\bPlayer (\d{1,3})\b/g, (_, n: string) => nameOf(String(Number(n) - 1)));
}

/** "Player 1", "Player 1 and Player 3", "Player 1, Player 2 and Player 4". */
export function listLabels(playerIDs: readonly string[]): string {
  const labels = playerIDs.map(playerLabel);
  return labels.length <= 1
    ? (labels[0] ?? 'nobody')
    : `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
}

/** Wearer seats (playerIDs) in seat order. */
export function wearerSeats(seats: readonly SeatRole[]): string[] {
  return seats.flatMap((role, i) => (role === 'wearer' ? [String(i)] : []));
}

/** Whether `value` (an untrusted move argument) is the playerID of a seat with `role`. */
export function isSeat(seats: readonly SeatRole[], value: unknown, role: SeatRole): boolean {
  return (
    typeof value === 'string' && /^(0|[1-9]\d{0,2})$/.test(value) && seats[Number(value)] === role
  );
}
