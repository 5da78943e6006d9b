/**
 * Hardening of boardgame.io 0.50.2's socket transport. Its Master accepts any action type from an
 * authenticated player (RESET/UPDATE/SYNC replace the whole state, PLUGIN rewrites plugin data),
 * lets a socket create a match by syncing an unknown matchID, and trusts `action.payload.playerID`.
 * This middleware sits in front of every game namespace and lets through only:
 * - `update` with MAKE_MOVE, an enabled GAME_EVENT, or UNDO/REDO where the game allows them,
 *   never `automatic`, acting for the seat the credentials belong to;
 * - `sync` of a match that exists, as a spectator or with the seat's credentials.
 * Everything else (other packets, chat, forged actions) is dropped and logged.
 */
import type { Game } from 'boardgame.io';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SeatCheck } from './auth.js';
import { ProcessGameConfig } from './bgio.js';
import type { AnyGame } from './bgio.js';

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

const SyncPacket = z.tuple([
  MatchID,
  PlayerID.nullable().optional(),
  z.string().max(256).nullable().optional(),
  z.number().int().min(1).max(16).optional(),
]);

/** What the guard needs to judge a packet. */
export interface GuardContext {
  game: Game;
  seats: SeatCheck;
  matchExists: (matchID: string) => Promise<boolean>;
  /** Events a client may send (the game's `flow.enabledEventNames`). */
  enabledEvents: ReadonlySet<string>;
  /**
   * The game's move names (`flow.moveNames`). boardgame.io 0.50.2 looks moves up with `in`, so a
   * move called `toString` would reach Object.prototype and corrupt the match.
   */
  moveNames?: ReadonlySet<string>;
}

/** Why a socket packet is refused, or undefined when it may pass. */
export async function judgePacket(
  { game, seats, matchExists, enabledEvents, moveNames }: GuardContext,
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
    if (action.type === 'MAKE_MOVE' && moveNames && !moveNames.has(action.payload.type ?? '')) {
      return 'unknown move';
    }
    if (action.type === 'GAME_EVENT' && !enabledEvents.has(action.payload.type ?? '')) {
      return 'event not enabled';
    }
    if ((action.type === 'UNDO' || action.type === 'REDO') && game.disableUndo)
      return 'undo disabled';
    if (!(await seats.valid(matchID, playerID, action.payload.credentials))) {
      return 'bad credentials';
    }
    return undefined;
  }
  if (event === 'sync') {
    const parsed = SyncPacket.safeParse(args);
    if (!parsed.success) return 'malformed sync';
    const [matchID, playerID, credentials] = parsed.data;
    if (!(await matchExists(matchID))) return 'unknown match';
    if (playerID !== null && playerID !== undefined) {
      if (!(await seats.valid(matchID, playerID, credentials))) return 'bad credentials';
    }
    return undefined;
  }
  return `event ${typeof event === 'string' ? event.slice(0, 32) : typeof event} not allowed`;
}

/** Minimal shape of the socket.io objects the guard touches. */
interface GuardedSocket {
  id: string;
  use(fn: (packet: unknown[], next: (err?: Error) => void) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
}
interface Namespace {
  use(fn: (socket: GuardedSocket, next: (err?: Error) => void) => void): void;
}

/** Installs the guard on every game namespace of a boardgame.io server's socket.io instance. */
export function guardSockets({
  io,
  games,
  seats,
  matchExists,
  logger,
}: {
  io: { of(name: string): Namespace };
  games: AnyGame[];
  seats: SeatCheck;
  matchExists: (matchID: string) => Promise<boolean>;
  logger?: Logger;
}): void {
  for (const game of games) {
    const { flow } = ProcessGameConfig(game);
    const enabledEvents = new Set<string>(flow.enabledEventNames);
    const moveNames = new Set<string>(flow.moveNames as string[]);
    const context = { game, seats, matchExists, enabledEvents, moveNames };
    io.of(game.name!).use((socket, next) => {
      // A refused packet is reported as an 'error' on the socket; without a handler socket.io logs noise.
      socket.on('error', () => {});
      // Packets pass in the order they arrived: boardgame.io relies on a client's moves being
      // processed in order, and the checks take different times.
      let previous: Promise<void> = Promise.resolve();
      socket.use((packet, nextPacket) => {
        previous = previous
          .then(() => judgePacket(context, packet))
          .then(
            (refusal) => {
              if (refusal === undefined) return nextPacket();
              logger?.warn(
                {
                  game: game.name,
                  socket: socket.id,
                  event: String(packet[0]).slice(0, 32),
                  refusal,
                },
                'socket packet refused',
              );
              nextPacket(new Error(refusal));
            },
            (error: unknown) => {
              logger?.error({ err: error }, 'socket guard failed; packet refused');
              nextPacket(new Error('guard error'));
            },
          );
      });
      next();
    });
  }
}
