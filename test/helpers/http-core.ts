/** Driving a game server over HTTP and sockets like a player, without test hooks (for scripts). */
import { Client } from 'boardgame.io/client';
import { SocketIO } from 'boardgame.io/multiplayer';
import type { AnyGame } from '../../src/server/bgio.js';

/** A seat: bearer token, playerID and credentials. */
export interface SeatInfo {
  token: string;
  playerID: string;
  credentials: string;
}

async function post(url: string, path: string, body: unknown, token?: string): Promise<any> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { message?: string };
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${json.message}`);
  return json;
}

/** Logs in with a mainToken and hosts a room with a permissive policy. */
export async function hostRoom(
  url: string,
  mainToken: string,
  game: string,
  numPlayers: number,
): Promise<{ matchID: string; seat: SeatInfo }> {
  const { token } = await post(url, '/api/login', { mainToken });
  const room = await post(
    url,
    '/api/rooms',
    { game, numPlayers, rules: { cooldownSeconds: 0, maxRequestsPerMatch: 100 } },
    token,
  );
  return {
    matchID: room.matchID,
    seat: { token, playerID: room.playerID, credentials: room.credentials },
  };
}

/** Logs in with a mainToken and joins a room. */
export async function joinRoom(url: string, mainToken: string, matchID: string): Promise<SeatInfo> {
  const { token } = await post(url, '/api/login', { mainToken });
  const seat = await post(url, `/api/rooms/${matchID}/join`, {}, token);
  return { token, playerID: seat.playerID, credentials: seat.credentials };
}

/** A started boardgame.io client for a seat (stop it yourself). */
export function connectClient(
  url: string,
  game: AnyGame,
  matchID: string,
  seat: Pick<SeatInfo, 'playerID' | 'credentials'>,
) {
  const client = Client({
    game,
    matchID,
    playerID: seat.playerID,
    credentials: seat.credentials,
    multiplayer: SocketIO({ server: url }),
    debug: false,
  });
  client.start();
  return client;
}

/** Polls until `check` is truthy (and returns that value), or rejects after `ms`. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  ms = 5000,
): Promise<Exclude<T, undefined | null | false | 0 | ''>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, undefined | null | false | 0 | ''>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
