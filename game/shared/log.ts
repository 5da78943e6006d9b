/** The event log both games keep in G: numbered entries, capped so the state stays small. */
import type { GameEvent } from '../types.js';

/** Most events G keeps: the whole state goes to every client on every move. */
export const MAX_EVENTS = 300;

/** Appends one event to the log, numbering it after the last one and dropping the oldest past the cap. */
export function pushEvent(
  events: GameEvent[],
  kind: GameEvent['kind'],
  text: string,
  playerID?: string,
): void {
  const n = (events[events.length - 1]?.n ?? 0) + 1;
  events.push(playerID === undefined ? { n, kind, text } : { n, kind, text, playerID });
  if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
}
