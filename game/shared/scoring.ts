/** The end of both games: the summary boardgame.io keeps in `ctx.gameover`, and its log line. */
import type { GameSummary } from '../types.js';
import type { RequestLog } from './requests.js';
import { listLabels, playerLabel } from './seats.js';

/**
 * The end-of-game summary: one line per wearer, winners those with the lowest value (ties broken
 * by `tieBreak`, highest first). A full tie between two or more wearers has no winners.
 */
export function summarise(
  G: RequestLog,
  wearers: readonly string[],
  value: (playerID: string) => number,
  tieBreak: (playerID: string) => number = () => 0,
): GameSummary {
  const lines = wearers.map((playerID) => ({
    playerID,
    label: playerLabel(playerID),
    value: value(playerID),
  }));
  const score = (id: string): [number, number] => [value(id), -tieBreak(id)];
  const best = wearers.reduce<[number, number] | null>((b, id) => {
    const s = score(id);
    return b === null || s[0] < b[0] || (s[0] === b[0] && s[1] < b[1]) ? s : b;
  }, null);
  const winners =
    best === null
      ? []
      : wearers.filter((id) => {
          const s = score(id);
          return s[0] === best[0] && s[1] === best[1];
        });
  return {
    winners: winners.length === wearers.length && wearers.length > 1 ? [] : winners,
    lines,
    requests: G.requests,
  };
}

/** The game-over line of the event log. */
export function gameOverText(summary: GameSummary): string {
  if (summary.winners.length === 0) return 'Game over: a draw';
  return `Game over: ${listLabels(summary.winners)} ${summary.winners.length === 1 ? 'wins' : 'win'}`;
}
