/**
 * boardgame.io 0.50.2 sends a match's *initial* state to every client that syncs, unfiltered by
 * `playerView` (upstream #1159): a shuffled deck or the random seed in it would reach every player
 * and spectator. Clients only keep it for the debug panel's log replay, so the stores hand it out
 * without G and plugin data; the server itself never reads it.
 */
import type { State } from 'boardgame.io';

/** The initial state without G and plugin data. */
export function redactInitialState(state: State | undefined): State | undefined {
  if (state === undefined) return undefined;
  return { ...state, G: {}, plugins: {} };
}
