/**
 * Test helpers: an emulator plus a real game server on loopback, logins through the HTTP API, and
 * boardgame.io Node clients over SocketIO.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import type { AnyGame } from '../../src/server/bgio.js';
import { Client } from 'boardgame.io/client';
import { SocketIO } from 'boardgame.io/multiplayer';
import { waitFor } from './http-core.js';
import { pino } from 'pino';
import { afterEach, expect } from 'vitest';
import { createChasterEmulator } from '../../src/emulator/index.js';
import type { ChasterEmulator } from '../../src/emulator/index.js';
import { createGameServer } from '../../src/server/index.js';
import type { ApiLimits } from '../../src/server/limits.js';
import { TEST_LIMITS } from '../fixtures/limits.js';
import type {
  DispatcherOptions,
  GameServer,
  SqliteStore,
  VerificationStatus,
} from '../../src/server/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A running emulator and game server. */
export interface Stack {
  emulator: ChasterEmulator;
  server: GameServer<SqliteStore>;
  url: string;
  dir: string;
  logs: string[];
}

/** Starts an emulator and a game server on a fresh database; both stop after the test. */
export async function startStack({
  games,
  dispatcher,
  webhook,
  limits,
}: {
  games: AnyGame[];
  limits?: Partial<ApiLimits>;
  dispatcher?: DispatcherOptions;
  webhook?: { user: string; password: string };
}): Promise<Stack> {
  const dir = mkdtempSync(joinPath(tmpdir(), 'bgio-chaster-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const emulator = createChasterEmulator();
  await emulator.listen(0);
  cleanups.push(() => emulator.close());
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const server = await createGameServer({
    games,
    limits: { ...TEST_LIMITS, ...limits },
    chaster: { baseUrl: emulator.url, token: emulator.token, timeoutMs: 2000 },
    database: joinPath(dir, 'test.sqlite'),
    synchronous: 'NORMAL',
    webhook,
    logger,
    dispatcher: {
      backoffBaseMs: 20,
      backoffCapMs: 200,
      pollMs: 50,
      ratePerMinute: 6000,
      ...dispatcher,
    },
  });
  const url = await server.listen(0, '127.0.0.1');
  cleanups.push(() => server.stop());
  // A file database: the store is the SQLite one.
  return { emulator, server: server as GameServer<SqliteStore>, url, dir, logs };
}

/** Calls our HTTP API; returns status and parsed JSON. */
export async function api(
  url: string,
  method: string,
  path: string,
  { token, body }: { token?: string; body?: unknown } = {},
): Promise<{ status: number; json: any }> {
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** Exchanges a mainToken for our bearer token. */
export async function login(stack: Stack, mainToken: string): Promise<string> {
  const res = await api(stack.url, 'POST', '/api/login', { body: { mainToken } });
  expect(res.status).toBe(201);
  return res.json.token as string;
}

/** A player's seat: bearer token, playerID and credentials. */
export interface Seat {
  token: string;
  playerID: string;
  credentials: string;
}

/** The action boardgame.io's client sends for a move. */
export function makeMove(
  type: string,
  seat: Pick<Seat, 'playerID' | 'credentials'>,
  args: unknown[] = [],
) {
  return {
    type: 'MAKE_MOVE',
    payload: { type, args, playerID: seat.playerID, credentials: seat.credentials },
  };
}

/** Hosts a room as `mainToken`'s user and returns the room id and the host's seat. */
export async function host(
  stack: Stack,
  mainToken: string,
  room: {
    game: string;
    numPlayers: number;
    rules?: Record<string, unknown>;
    keyholderSeat?: boolean;
  },
): Promise<{ matchID: string; seat: Seat }> {
  const token = await login(stack, mainToken);
  const res = await api(stack.url, 'POST', '/api/rooms', {
    token,
    body: { rules: { cooldownSeconds: 0, maxRequestsPerMatch: 100 }, ...room },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return {
    matchID: res.json.matchID,
    seat: { token, playerID: res.json.playerID, credentials: res.json.credentials },
  };
}

/** Joins a room as `mainToken`'s user. */
export async function join(stack: Stack, mainToken: string, matchID: string): Promise<Seat> {
  const token = await login(stack, mainToken);
  const res = await api(stack.url, 'POST', `/api/rooms/${matchID}/join`, { token });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return { token, playerID: res.json.playerID, credentials: res.json.credentials };
}

/** A started boardgame.io client for a seat, stopped after the test. */
export async function connect(
  stack: Stack,
  game: AnyGame,
  matchID: string,
  seat?: Pick<Seat, 'playerID' | 'credentials'>,
) {
  const client = Client({
    game,
    matchID,
    playerID: seat?.playerID,
    credentials: seat?.credentials,
    multiplayer: SocketIO({ server: stack.url }),
    debug: false,
  });
  client.start();
  let stopped = false;
  const stop = client.stop.bind(client);
  // A test may stop its client itself (boardgame.io throws on a second stop).
  client.stop = () => {
    if (!stopped) stop();
    stopped = true;
  };
  cleanups.push(() => client.stop());
  await until(() => client.getState() !== null, 'client synced');
  return client;
}

/** Polls until `check` is truthy (or throws after `ms`). */
export const until = waitFor;

/** The room's verification requests as the JSON feed shows them. */
export async function requests(
  stack: Stack,
  matchID: string,
  token: string,
): Promise<VerificationStatus[]> {
  const res = await api(stack.url, 'GET', `/api/rooms/${matchID}/verifications`, { token });
  expect(res.status).toBe(200);
  return res.json.requests;
}

/** Waits until every request of a room has left `queued`/`sending`. */
export async function settled(stack: Stack, matchID: string, token: string, count?: number) {
  return until(async () => {
    const list = await requests(stack, matchID, token);
    const done = list.every((r) => r.status !== 'queued' && r.status !== 'sending');
    return done && (count === undefined || list.length === count) ? list : undefined;
  }, 'requests to settle');
}
