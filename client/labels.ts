/**
 * The app's words for its games, from the game registry: titles and what a game's summary counts.
 * Request statuses and seat roles are worded by `bgio-chaster/react`.
 */
import { GAME_INFO, isGameName } from '../game/registry.js';

/** Display name of a game; a name the registry does not know is shown as it is. */
export function gameTitle(game: string): string {
  return isGameName(game) ? GAME_INFO[game].title : game;
}

/** What the numbers in a game's end-of-game summary count. */
export function summaryLabel(game: string): string {
  return isGameName(game) ? GAME_INFO[game].summaryLabel : 'Score';
}
