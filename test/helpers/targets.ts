/**
 * A real server to attack, on either storage: one instance on SQLite, or two instances sharing one
 * fresh Postgres database and Redis (players of one room on different instances). With the
 * emulator they call, logins and hosted rooms. Everything stops after the test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { pino } from 'pino';
import { io } from 'socket.io-client';
import { afterEach, expect } from 'vitest';
import { createChasterEmulator } from '../../src/emulator/index.js';
import type { ChasterEmulator } from '../../src/emulator/index.js';
import { createGameServer } from '../../src/server/index.js';
import type { GameServer, GameServerOptions } from '../../src/server/index.js';
import { REDIS_URL, freshDatabase } from './services.js';
import { waitFor } from './http-core.js';
import { api, makeMove } from './stack.js';
import type { Seat } from './stack.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** SQLite (one instance) or Postgres + Redis (two instances). */
export type TargetKind = 'sqlite' | 'postgres';

/** One or two running game servers on one storage, and the emulator they call. */
export interface Target {
  emulator: ChasterEmulator;
  servers: GameServer[];
  urls: string[];
  /** Deletes a room's row, as if its match had been made without POST /api/rooms. */
  dropRoom(matchID: string): Promise<void>;
}

export async function startTarget(
  kind: TargetKind,
  settings: Omit<GameServerOptions, 'chaster' | 'database' | 'redisUrl'>,
): Promise<Target> {
  const emulator = createChasterEmulator();
  await emulator.listen(0);
  cleanups.push(() => emulator.close());
  let database: string;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(joinPath(tmpdir(), 'bgio-chaster-anon-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    database = joinPath(dir, 'test.sqlite');
  } else {
    const db = await freshDatabase();
    cleanups.push(db.drop);
    database = db.url;
  }
  const options: GameServerOptions = {
    chaster: { baseUrl: emulator.url, token: emulator.token, timeoutMs: 2000 },
    database,
    redisUrl: kind === 'postgres' ? REDIS_URL : undefined,
    logger: pino({ level: 'silent' }),
    dispatcher: { backoffBaseMs: 20, backoffCapMs: 200, pollMs: 50, ratePerMinute: 6000 },
    ...settings,
  };
  const servers: GameServer[] = [];
  const urls: string[] = [];
  for (let i = 0; i < (kind === 'sqlite' ? 1 : 2); i++) {
    const server = await createGameServer(options);
    urls.push(await server.listen(0, '127.0.0.1'));
    servers.push(server);
    cleanups.push(() => server.stop());
  }
  return {
    emulator,
    servers,
    urls,
    async dropRoom(matchID) {
      const store = servers[0]!.store as {
        db?: { prepare(sql: string): { run(id: string): unknown } };
        pool?: { query(sql: string, values: unknown[]): Promise<unknown> };
      };
      if (store.db) store.db.prepare('DELETE FROM rooms WHERE match_id = ?').run(matchID);
      else await store.pool!.query('DELETE FROM rooms WHERE match_id = $1', [matchID]);
    },
  };
}

export async function login(url: string, mainToken: string): Promise<string> {
  const res = await api(url, 'POST', '/api/login', { body: { mainToken } });
  expect(res.status).toBe(201);
  return res.json.token as string;
}

/** Hosts a room at `url` as a new wearer; `others` more wearers join, on the last instance. */
export async function room(
  target: Target,
  game: string,
  numPlayers: number,
  joiners = numPlayers - 1,
): Promise<{ matchID: string; seats: Seat[]; createdAt: number }> {
  const url = target.urls[0]!;
  const token = await login(url, target.emulator.createLock().tokens.wearer);
  const res = await api(url, 'POST', '/api/rooms', {
    token,
    body: { game, numPlayers, rules: { cooldownSeconds: 0, maxRequestsPerMatch: 100 } },
  });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  const seats: Seat[] = [{ token, playerID: res.json.playerID, credentials: res.json.credentials }];
  const last = target.urls[target.urls.length - 1]!;
  for (let i = 0; i < joiners; i++) {
    const joiner = await login(last, target.emulator.createLock().tokens.wearer);
    const joined = await api(last, 'POST', `/api/rooms/${res.json.matchID}/join`, {
      token: joiner,
    });
    expect(joined.status).toBe(200);
    seats.push({ token: joiner, ...joined.json });
  }
  const view = await api(url, 'GET', `/api/rooms/${res.json.matchID}`, { token });
  return { matchID: res.json.matchID, seats, createdAt: Date.parse(view.json.createdAt) };
}

/**
 * Hosts a one-seat room of the `penalty` test game at `url` and sends `moves` losing moves at
 * once: each one a request for the host. With `finish`, the game then ends, and this waits until it
 * is over (its requests still queued). Resolves to the room's id.
 */
export async function flood(
  url: string,
  token: string,
  moves: number,
  { finish = false }: { finish?: boolean } = {},
): Promise<string> {
  const hosted = await api(url, 'POST', '/api/rooms', {
    token,
    body: {
      game: 'penalty',
      numPlayers: 1,
      rules: { cooldownSeconds: 0, maxRequestsPerMatch: 100 },
    },
  });
  expect(hosted.status, JSON.stringify(hosted.json)).toBe(201);
  const matchID = hosted.json.matchID as string;
  const seat = { playerID: '0', credentials: hosted.json.credentials as string };
  const socket = io(`${url}/penalty`, { transports: ['websocket'], forceNew: true });
  cleanups.push(() => void socket.disconnect());
  socket.emit('sync', matchID, '0', seat.credentials, 1);
  for (let n = 0; n < moves; n++) socket.emit('update', makeMove('lose', seat), n, matchID, '0');
  if (!finish) return matchID;
  socket.emit('update', makeMove('finish', seat), moves, matchID, '0');
  await waitFor(
    async () => (await api(url, 'GET', `/api/rooms/${matchID}`, { token })).json.gameover,
    'the flooding room to finish',
  );
  return matchID;
}
