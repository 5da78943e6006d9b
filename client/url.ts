/**
 * The shareable part of the URL: `?room=<matchID>`. The hash belongs to Chaster (it carries the
 * mainToken), so the room lives in the query string and every change keeps the hash intact.
 */
import { MatchIDSchema } from 'bgio-chaster/client';

/** Whether `code` looks like a room code (the API's matchID pattern). */
export function isRoomCode(code: string): boolean {
  return MatchIDSchema.safeParse(code).success;
}

/** The room named in the URL, if it is a plausible room code. */
export function roomFromUrl(): string | null {
  const room = new URLSearchParams(window.location.search).get('room');
  return room !== null && isRoomCode(room) ? room : null;
}

/** Puts the room in the URL (or removes it) without reloading and without touching the hash. */
export function setRoomInUrl(matchID: string | null): void {
  const url = new URL(window.location.href);
  if (matchID === null) url.searchParams.delete('room');
  else url.searchParams.set('room', matchID);
  if (url.href !== window.location.href) window.history.replaceState(null, '', url);
}
