/**
 * The Wheel of Fortune server: `createGameServer` from `bgio-chaster/server` with the game, and
 * the built page (`dist/`) on the same port. Without a developer token it runs in sandbox mode: a
 * Chaster emulator in this process stands in for Chaster, and a wearer may answer their own
 * picture request from the page.
 */
import { randomUUID } from 'node:crypto';
import { createChasterEmulator } from 'bgio-chaster/emulator';
import type { ChasterEmulator } from 'bgio-chaster/emulator';
import { createGameServer, serveStatic } from 'bgio-chaster/server';
import type { GameServer, GameServerOptions } from 'bgio-chaster/server';
import { WheelOfFortune } from './game.js';

/** How to start the server. */
export interface WheelServerOptions {
  /** The real Chaster and your developer token; without it, sandbox mode. */
  chaster?: { baseUrl: string; token: string; clientId?: string };
  /** Basic auth of Chaster's webhook; sandbox mode makes its own. */
  webhook?: { user: string; password: string };
  /** SQLite file, or a `postgres://` URL. */
  database: string;
  /** The built page to serve, if any. */
  pageDir?: string;
  port?: number;
  host?: string;
  /** The game to serve; tests pass a copy whose wheel they steer. */
  game?: typeof WheelOfFortune;
  logger?: GameServerOptions['logger'];
}

/** A running server, and its emulator in sandbox mode. */
export interface WheelServer {
  url: string;
  server: GameServer;
  /** Sandbox mode's Chaster: make demo locks with it (`createLock`), see what it received. */
  emulator: ChasterEmulator | undefined;
  /** Finishes the requests in flight, then stops the server and the emulator. */
  stop(): Promise<void>;
}

/** Starts the game server (and, without `chaster`, the emulator it talks to). */
export async function startWheelServer(options: WheelServerOptions): Promise<WheelServer> {
  const emulator = options.chaster ? undefined : createChasterEmulator();
  const chaster = emulator
    ? { baseUrl: await emulator.listen(0, '127.0.0.1'), token: emulator.token }
    : options.chaster!;
  const webhook = emulator ? { user: 'sandbox', password: randomUUID() } : options.webhook;
  const server = await createGameServer({
    games: [options.game ?? WheelOfFortune],
    chaster,
    database: options.database,
    webhook,
    // Sandbox mode only: the page may answer its own picture requests. Never against Chaster.
    sandbox: emulator ? { submitPicture: (sessionId) => emulator.submit(sessionId) } : undefined,
    // A local emulator need not be spared.
    dispatcher: emulator ? { ratePerMinute: 600 } : undefined,
    logger: options.logger,
  });
  if (options.pageDir) server.app.use(serveStatic(options.pageDir));
  const url = await server.listen(options.port ?? 8000, options.host ?? '127.0.0.1');
  // The emulator tells the server when a picture is submitted, as Chaster's webhook would.
  emulator?.setWebhook({ url: `${url}/api/chaster/webhooks`, ...webhook! });
  return {
    url,
    server,
    emulator,
    stop: async () => {
      await server.stop();
      await emulator?.close();
    },
  };
}
