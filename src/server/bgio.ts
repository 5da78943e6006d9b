/**
 * boardgame.io's server-side modules, loaded so that plain Node ESM can run them: 0.50.2 has no
 * exports map, and `import 'boardgame.io/server'` fails with ERR_UNSUPPORTED_DIR_IMPORT.
 * Types come from the subpaths as usual; values come through `createRequire`.
 */
import { createRequire } from 'node:module';
import type { Game } from 'boardgame.io';
import type * as InternalModule from 'boardgame.io/internal';
import type * as ServerModule from 'boardgame.io/server';

const require = createRequire(import.meta.url);

const server = require('boardgame.io/server') as typeof ServerModule;
const internal = require('boardgame.io/internal') as typeof InternalModule;

/** boardgame.io's `Server` factory. */
export const Server = server.Server;
/** boardgame.io's SocketIO transport. */
export const SocketIO = server.SocketIO;
/** Base class of synchronous storage adapters. */
export const Sync = internal.Sync;
/** Base class of asynchronous storage adapters. */
export const Async = internal.Async;
/** Builds the initial state and metadata of a match (runs `validateSetupData` and `setup`). */
export const createMatch = internal.createMatch;
/** Builds the function that filters a broadcast for one player (`playerView`, no deltalog). */
export const getFilterPlayerView = internal.getFilterPlayerView;
/** Normalises a game config (flow, enabled events, moves). */
export const ProcessGameConfig = internal.ProcessGameConfig;

/**
 * Any game, whatever its state and plugin APIs: in boardgame.io 0.50.2 a `Game<G, APIs>` is not
 * assignable to `Game` (boardgame.io#1269), so the server takes games as this.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyGame = Game<any, any, any>;

/** The game reducer, as the server runs it (for tests and tools that replay actions). */
export const CreateGameReducer = internal.CreateGameReducer;
