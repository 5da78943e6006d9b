/**
 * Hardening of boardgame.io 0.50.2's socket transport. Its Master accepts any action type from an
 * authenticated player (RESET/UPDATE/SYNC replace the whole state, PLUGIN rewrites plugin data),
 * lets a socket create a match by syncing an unknown matchID, trusts `action.payload.playerID`,
 * and stores whatever arguments a move is sent. This middleware sits in front of every game
 * namespace and, denying by default, lets through only:
 * - `update` with MAKE_MOVE of a known move whose arguments match what the game declares
 *   (`moveArgs`; none when undeclared), an enabled GAME_EVENT with small arguments, or UNDO/REDO
 *   where the game allows them, never `automatic`, acting for the seat the credentials belong to;
 * - `sync` of a match that exists, with a seat's credentials (there are no anonymous spectators).
 * Everything else (other packets, chat, forged actions) is dropped and logged, and a socket that
 * sends refused packets eight times in a row is disconnected. The handshake itself checks the Origin and the
 * number of open sockets (`socketAdmission`).
 */
import type { IncomingMessage } from 'node:http';
import type { Game } from 'boardgame.io';
import type { Logger } from 'pino';
import { z } from 'zod';
import { NO_ARGS } from '../plugin/move-args.js';
import type { MoveArgs, WithMoveArgs } from '../plugin/move-args.js';
import type { SeatCheck } from './auth.js';
import { ProcessGameConfig } from './bgio.js';
import type { AnyGame } from './bgio.js';
import { originAllowed } from './http.js';

const MatchID = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const PlayerID = z.string().regex(/^\d{1,3}$/);

const UpdatePacket = z.tuple([
  z.strictObject({
    type: z.enum(['MAKE_MOVE', 'GAME_EVENT', 'UNDO', 'REDO']),
    payload: z.strictObject({
      // null for UNDO/REDO, a move or event name otherwise.
      type: z.string().max(64).nullable(),
      args: z.unknown().optional(),
      playerID: PlayerID,
      credentials: z.string().max(256),
    }),
    automatic: z.literal(false).optional(),
  }),
  z.number().int().min(0),
  MatchID,
  PlayerID,
]);

// A seat and its credentials are required: nobody watches a match without sitting in it.
const SyncPacket = z.tuple([
  MatchID,
  PlayerID,
  z.string().min(1).max(256),
  z.number().int().min(1).max(16).optional(),
]);

/** Largest JSON of a game event's arguments (`endTurn({ next })` and the like). */
const MAX_EVENT_ARGS_CHARS = 256;
/** Refused packets in a row after which a socket is disconnected. */
const MAX_REFUSALS = 8;
/** Packets of one socket waiting for the guard, beyond which the socket is disconnected. */
const MAX_WAITING_PACKETS = 256;
/**
 * Sockets one connection may open (a client multiplexes one per game namespace on a connection);
 * one more closes the connection. Each CONNECT packet would otherwise make a socket that lives as
 * long as the connection.
 */
const MAX_SOCKETS_PER_CONNECTION = 4;
/** Refusal lines logged per second at most; the rest are counted in the next line. */
const MAX_REFUSAL_LOGS_PER_SECOND = 200;

/** What the guard needs to judge a packet. */
export interface GuardContext {
  game: Game;
  seatCheck: SeatCheck;
  matchExists: (matchID: string) => Promise<boolean>;
  /** Events a client may send (the game's `flow.enabledEventNames`). */
  enabledEvents: ReadonlySet<string>;
  /**
   * The game's move names (`flow.moveNames`). boardgame.io 0.50.2 looks moves up with `in`, so a
   * move called `toString` would reach Object.prototype and corrupt the match.
   */
  moveNames?: ReadonlySet<string>;
  /** The arguments each move accepts (the game's `moveArgs`); a move not named takes none. */
  moveArgs?: MoveArgs;
}

/** Why a socket packet is refused, or undefined when it may pass. */
export async function judgePacket(
  { game, seatCheck, matchExists, enabledEvents, moveNames, moveArgs = {} }: GuardContext,
  packet: unknown[],
): Promise<string | undefined> {
  const [event, ...args] = packet;
  if (event === 'update') {
    const parsed = UpdatePacket.safeParse(args);
    if (!parsed.success) return 'malformed update';
    const [action, , matchID, playerID] = parsed.data;
    if (action.payload.playerID !== playerID) return 'acting for another seat';
    const named = action.type === 'MAKE_MOVE' || action.type === 'GAME_EVENT';
    if (named !== (typeof action.payload.type === 'string')) return 'malformed update';
    const name = action.payload.type ?? '';
    // boardgame.io's client sends `args: null` with UNDO and REDO only.
    const given =
      action.payload.args === undefined ||
      (action.payload.args === null && (action.type === 'UNDO' || action.type === 'REDO'))
        ? []
        : action.payload.args;
    if (action.type === 'MAKE_MOVE') {
      if (moveNames && !moveNames.has(name)) return 'unknown move';
      const schema = Object.hasOwn(moveArgs, name) ? moveArgs[name]! : NO_ARGS;
      if (!schema.safeParse(given).success) return `arguments not accepted by move ${name}`;
    }
    if (action.type === 'GAME_EVENT') {
      if (!enabledEvents.has(name)) return 'event not enabled';
      if (JSON.stringify(given).length > MAX_EVENT_ARGS_CHARS) return 'event arguments too large';
    }
    if (action.type === 'UNDO' || action.type === 'REDO') {
      if (game.disableUndo) return 'undo disabled';
      if (JSON.stringify(given) !== '[]') return 'undo and redo take no arguments';
    }
    if (!(await seatCheck.valid(matchID, playerID, action.payload.credentials))) {
      return 'bad credentials';
    }
    return undefined;
  }
  if (event === 'sync') {
    const parsed = SyncPacket.safeParse(args);
    if (!parsed.success) return 'malformed sync';
    const [matchID, playerID, credentials] = parsed.data;
    if (!(await matchExists(matchID))) return 'unknown match';
    if (!(await seatCheck.valid(matchID, playerID, credentials))) return 'bad credentials';
    return undefined;
  }
  return `event ${typeof event === 'string' ? event.slice(0, 32) : typeof event} not allowed`;
}

/** Minimal shape of the socket.io objects the guard touches. */
interface GuardedSocket {
  id: string;
  disconnected: boolean;
  /** The connection the socket is multiplexed on (socket.io's Client). */
  client: { conn: { close(): void } };
  disconnect(close?: boolean): void;
  use(fn: (packet: unknown[], next: (err?: Error) => void) => void): void;
  on(event: 'error' | 'disconnect', fn: (err: Error) => void): void;
}
interface Namespace {
  use(fn: (socket: GuardedSocket, next: (err?: Error) => void) => void): void;
}

/** Installs the guard on every game namespace of a boardgame.io server's socket.io instance. */
export function guardSockets({
  io,
  games,
  seatCheck,
  matchExists,
  logger,
}: {
  io: { of(name: string): Namespace };
  games: AnyGame[];
  seatCheck: SeatCheck;
  matchExists: (matchID: string) => Promise<boolean>;
  logger?: Logger;
}): void {
  // The main namespace serves nothing: socket.io 3 would re-emit a client's "error" event there
  // with no listener, which throws out of the event loop (CVE-2024-38355).
  io.of('/').use((socket, next) => {
    socket.on('error', () => {});
    next(new Error('no such namespace'));
  });
  const perConnection = new WeakMap<object, number>();
  const log = refusalLog(logger);
  for (const game of games) {
    const { flow } = ProcessGameConfig(game);
    const enabledEvents = new Set<string>(flow.enabledEventNames);
    const moveNames = new Set<string>(flow.moveNames as string[]);
    const moveArgs = (game as WithMoveArgs).moveArgs ?? {};
    const context = { game, seatCheck, matchExists, enabledEvents, moveNames, moveArgs };
    io.of(game.name!).use((socket, next) => {
      // A refused packet is reported as an 'error' on the socket, and a client may send an event
      // named "error": without a listener, either throws.
      socket.on('error', () => {});
      const open = perConnection.get(socket.client) ?? 0;
      if (open >= MAX_SOCKETS_PER_CONNECTION) {
        log.refused({
          game: game.name,
          socket: socket.id,
          refusal: 'too many sockets on one connection',
        });
        socket.client.conn.close();
        return next(new Error('too many sockets on one connection'));
      }
      perConnection.set(socket.client, open + 1);
      socket.on('disconnect', () =>
        perConnection.set(socket.client, (perConnection.get(socket.client) ?? 1) - 1),
      );
      // Packets pass in the order they arrived: boardgame.io relies on a client's moves being
      // processed in order, and the checks take different times.
      let previous: Promise<void> = Promise.resolve();
      let refusals = 0;
      let waiting = 0;
      const drop = (reason: string) => {
        logger?.warn({ game: game.name, socket: socket.id, reason }, 'socket disconnected');
        socket.disconnect(true);
      };
      socket.use((packet, nextPacket) => {
        if (++waiting > MAX_WAITING_PACKETS) {
          waiting -= 1;
          if (!socket.disconnected) drop(`more than ${MAX_WAITING_PACKETS} packets waiting`);
          return;
        }
        previous = previous
          .then(() => (socket.disconnected ? 'socket closed' : judgePacket(context, packet)))
          .then(
            (refusal) => {
              if (refusal === undefined) {
                refusals = 0;
                return nextPacket();
              }
              if (socket.disconnected) return;
              log.refused({
                game: game.name,
                socket: socket.id,
                event: String(packet[0]).slice(0, 32),
                refusal,
              });
              nextPacket(new Error(refusal));
              if (++refusals === MAX_REFUSALS) drop(`${MAX_REFUSALS} refused packets in a row`);
            },
            (error: unknown) => {
              logger?.error({ err: error }, 'socket guard failed; packet refused');
              nextPacket(new Error('guard error'));
            },
          )
          .finally(() => {
            waiting -= 1;
          });
      });
      next();
    });
  }
}

/** Limits of the socket handshake. */
export interface SocketLimits {
  /** Origins (besides the server's own) whose pages may open sockets. */
  origins: readonly string[];
  /** Open sockets in all. */
  maxSockets: number;
  /** Open sockets from one client address. */
  maxSocketsPerAddress: number;
}

/** What socket.io calls with each handshake, and what counts its open connections. */
export interface SocketAdmission {
  /** socket.io's `allowRequest`: refuses foreign Origins and sockets over the limits. */
  allowRequest(req: IncomingMessage, answer: (error: string | null, ok: boolean) => void): void;
  /** Counts the open connections of socket.io's engine. */
  track(engine: { on(event: 'connection', fn: (socket: EngineSocket) => void): void }): void;
}
interface EngineSocket {
  request: IncomingMessage;
  once(event: 'close', fn: () => void): void;
}

/**
 * The socket handshake's admission: a browser page may open a socket only from the server's own
 * origin or one of `origins` (the same allow-list as HTTP), and the open sockets of one address
 * and of all are capped. Clients that send no Origin are not browsers and pass that check.
 */
export function socketAdmission(
  { origins, maxSockets, maxSocketsPerAddress }: SocketLimits,
  logger?: Logger,
): SocketAdmission {
  const perAddress = new Map<string, number>();
  let open = 0;
  const addressOf = (req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown';
  return {
    allowRequest(req, answer) {
      const origin = req.headers.origin;
      if (origin !== undefined && !originAllowed(origin, req.headers.host, origins)) {
        logger?.warn({ origin: origin.slice(0, 100) }, 'socket refused: origin not allowed');
        return answer('origin not allowed', false);
      }
      const address = addressOf(req);
      if (open >= maxSockets || (perAddress.get(address) ?? 0) >= maxSocketsPerAddress) {
        logger?.warn({ address, open }, 'socket refused: too many open sockets');
        return answer('too many open sockets', false);
      }
      answer(null, true);
    },
    track(engine) {
      engine.on('connection', (socket) => {
        const address = addressOf(socket.request);
        open += 1;
        perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
        socket.once('close', () => {
          open -= 1;
          const left = (perAddress.get(address) ?? 1) - 1;
          if (left > 0) perAddress.set(address, left);
          else perAddress.delete(address);
        });
      });
    },
  };
}

/**
 * Refusal log lines, at most `MAX_REFUSAL_LOGS_PER_SECOND`: an anonymous client could otherwise
 * write log lines as fast as it sends packets. The first line after a quiet second says how many
 * were left out.
 */
function refusalLog(logger: Logger | undefined) {
  let second = 0;
  let written = 0;
  let dropped = 0;
  return {
    refused(fields: Record<string, unknown>) {
      const now = Math.floor(Date.now() / 1000);
      if (now !== second) {
        second = now;
        written = 0;
      }
      if (++written > MAX_REFUSAL_LOGS_PER_SECOND) {
        dropped += 1;
        return;
      }
      logger?.warn(
        dropped > 0 ? { ...fields, notLogged: dropped } : fields,
        'socket packet refused',
      );
      dropped = 0;
    },
  };
}
