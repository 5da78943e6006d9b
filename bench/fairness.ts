/**
 * Fairness: while one wearer floods the Chaster budget from several rooms, how long does another
 * wearer's first request wait between its commit and its delivery? One game server on SQLite with
 * a budget of `ratePerMinute`, an in-process emulator, raw sockets as boardgame.io's client sends.
 * Wearers take turns, not rooms: the stated bound is one send per wearer with rows due (the
 * flooder, however many rooms they fill, and the quiet one) at the budget's rate, plus one second
 * for the pass and the round trip.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { createChasterEmulator } from '../src/emulator/index.js';
import { createGameServer } from '../src/server/index.js';
import type { GameServer, VerificationStatus } from '../src/server/index.js';
import { post } from './clients.js';
import { BENCH_GAME, PluginGame } from './games.js';

/** Sizes of the fairness run. */
export interface FairnessConfig {
  ratePerMinute: number;
  floodRooms: number;
  floodPerRoom: number;
  quietRooms: number;
  /** Time between two quiet rooms' requests. */
  quietEveryMs: number;
}

/** What the fairness run measured. */
export interface FairnessResult {
  config: FairnessConfig;
  /** Commit → delivered of each quiet room's first request, in ms. */
  delaysMs: number[];
  worstMs: number;
  /** One send per wearer with rows due at the budget's rate, plus a second. */
  boundMs: number;
  /** Flood rows still queued when the last quiet request was delivered (FIFO would wait for them). */
  backlogLeft: number;
  /** What first come, first served would have made the first quiet request wait, in ms. */
  fifoEstimateMs: number;
}

/** Runs the fairness measurement. */
export async function runFairness(
  config: FairnessConfig,
  log: (line: string) => void,
): Promise<FairnessResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-fairness-'));
  const emulator = createChasterEmulator();
  await emulator.listen(0);
  const sockets: Socket[] = [];
  let server: GameServer | undefined;
  try {
    server = await createGameServer({
      games: [PluginGame],
      chaster: { baseUrl: emulator.url, token: emulator.token },
      database: join(dir, 'fairness.sqlite'),
      logger: pino({ level: 'warn' }, pino.destination(2)),
      limits: { loginsPerAddressPerMinute: 1e6, loginsPerMinute: 1e6 },
      dispatcher: { ratePerMinute: config.ratePerMinute, pollMs: 50 },
    });
    const url = await server.listen(0, '127.0.0.1');
    const open = (matchID: string, credentials: string) => {
      const socket = io(`${url}/${BENCH_GAME}`, { transports: ['websocket'], forceNew: true });
      sockets.push(socket);
      socket.emit('sync', matchID, '0', credentials, 1);
      return socket;
    };
    const login = async (mainToken: string) =>
      (await post(`${url}/api/login`, { mainToken })).token;
    /** A one-seat room with no cooldown, hosted by `token`'s user. */
    const host = async (token: string) =>
      post(
        `${url}/api/rooms`,
        {
          game: BENCH_GAME,
          numPlayers: 1,
          rules: { cooldownSeconds: 0, maxRequestsPerMatch: 100 },
        },
        token,
      );
    const lose = (credentials: string, stateID: number, matchID: string) => ({
      packet: [
        { type: 'MAKE_MOVE', payload: { type: 'lose', args: [], playerID: '0', credentials } },
        stateID,
        matchID,
        '0',
      ],
    });

    // The flooder: one user, several rooms, every move a request for themselves.
    const flooder = emulator.createLock();
    const floodToken = await login(flooder.tokens.wearer);
    for (let r = 0; r < config.floodRooms; r++) {
      const room = await host(floodToken);
      const socket = open(room.matchID, room.credentials);
      for (let n = 0; n < config.floodPerRoom; n++) {
        socket.emit('update', ...lose(room.credentials, n, room.matchID).packet);
      }
    }
    const floodSent = () =>
      emulator.requests().filter((q) => q.sessionId === flooder.sessionId).length;
    const deadline = Date.now() + 30_000;
    while (floodSent() < 32 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

    // Quiet rooms, each another wearer's, one request each, while the flood goes on.
    const delaysMs: number[] = [];
    for (let q = 0; q < config.quietRooms; q++) {
      const room = await host(await login(emulator.createLock().tokens.wearer));
      const socket = open(room.matchID, room.credentials);
      await new Promise((r) => setTimeout(r, 50));
      const delivered = new Promise<number>((resolve) => {
        const stop = server!.feed.subscribe(room.matchID, (status: VerificationStatus) => {
          if (status.status === 'delivered') {
            stop();
            resolve(performance.now());
          }
        });
      });
      const committedAt = performance.now();
      socket.emit('update', ...lose(room.credentials, 0, room.matchID).packet);
      const timeout = new Promise<number>((_, reject) =>
        setTimeout(() => reject(new Error('a quiet request waited over 60 s')), 60_000),
      );
      delaysMs.push(Math.round((await Promise.race([delivered, timeout])) - committedAt));
      await new Promise((r) => setTimeout(r, config.quietEveryMs));
    }
    const backlogLeft = config.floodRooms * config.floodPerRoom - floodSent();
    const perSecond = config.ratePerMinute / 60;
    const result: FairnessResult = {
      config,
      delaysMs,
      worstMs: Math.max(...delaysMs),
      // The flooder and the quiet wearer have rows due.
      boundMs: Math.round((2 / perSecond) * 1000 + 1000),
      backlogLeft,
      fifoEstimateMs: Math.round(
        ((config.floodRooms * config.floodPerRoom - 32) / perSecond) * 1000,
      ),
    };
    log(
      `  quiet room's first request: ${delaysMs.join(', ')} ms (worst ${result.worstMs}, bound ${result.boundMs}); ` +
        `${backlogLeft} flood rows still queued (first come, first served: ~${result.fifoEstimateMs} ms)`,
    );
    return result;
  } finally {
    for (const socket of sockets) socket.disconnect();
    await server?.stop();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
