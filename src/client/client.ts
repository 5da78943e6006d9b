/**
 * `createApiClient`: the game server's HTTP API for a browser page or a Node program. Every
 * answer is checked against the contract in `src/api`; every failure is an `ApiError`.
 */
import {
  ConfigurationAnswerSchema,
  CreatedRoomSchema,
  FEED_EVENTS,
  HistoryAnswerSchema,
  LoginAnswerSchema,
  LogoutAnswerSchema,
  MatchIDSchema,
  PartnerConfigurationTokenSchema,
  RoomListSchema,
  RoomSchema,
  SeatGrantSchema,
  SandboxSubmitAnswerSchema,
  VerificationListSchema,
  VerificationStatusSchema,
} from '../api/index.js';
import type {
  ConfigurationAnswer,
  CreateRoomInput,
  CreatedRoom,
  HistoryAnswer,
  HouseRules,
  LoginAnswer,
  Room,
  SeatGrant,
  VerificationStatus,
} from '../api/index.js';
import { ApiError, badAnswer } from './errors.js';
import { openEventStream } from './event-stream.js';
import type { FeedState } from './event-stream.js';
import { call } from './http.js';
import type { Transport } from './http.js';

/** Where the game server is and how to reach it. */
export interface ApiClientOptions {
  /**
   * The game server's URL (`https://games.example`, or a path such as `/games` on the page's own
   * origin). Default: the page's own origin; outside a browser it must be given.
   */
  baseUrl?: string;
  /** The `fetch` to use; default: the global one. */
  fetch?: typeof fetch;
  /**
   * Longest a call may take, its answer included, in ms; default 30 s. A call that takes longer
   * fails with an `ApiError` of code `timeout`. (The live feed has its own idle timeout.)
   */
  timeoutMs?: number;
}

/** What any single call may take. */
export interface CallOptions {
  /** Aborts the call; it then rejects with fetch's own AbortError, not an `ApiError`. */
  signal?: AbortSignal;
}

/** The calls made before signing in. */
export interface ApiClient {
  /** Exchanges Chaster's mainToken (see `parseChasterHash`) for this server's login. */
  login(mainToken: string, options?: CallOptions): Promise<LoginAnswer>;
  /** The calls that need a login, bound to its bearer token (`LoginAnswer.token`). */
  withToken(token: string): AuthedApiClient;
  /**
   * The configuration page's calls, with the `partnerConfigurationToken` Chaster gives the page
   * (no login needed): the lock's house rules, and who may save them.
   */
  configuration: {
    /** The saved house rules (`{}` and a `problem` when what is saved is not valid). */
    get(token: string, options?: CallOptions): Promise<ConfigurationAnswer>;
    /** Saves the house rules (the keyholder only); answers them as saved. */
    save(token: string, config: HouseRules, options?: CallOptions): Promise<ConfigurationAnswer>;
  };
}

/** What the live feed of a room's verification requests calls. */
export interface FeedHandlers {
  /** A request's current status: first one per request (the snapshot), then one per change. */
  onStatus(status: VerificationStatus): void;
  /** The connection's state; `error` says why it is `reconnecting` or `closed`. */
  onState?(state: FeedState, error?: ApiError): void;
  /** The login ended (logged out, expired or revoked): the feed closes after this call. */
  onLoginEnded?(): void;
}

/** How the live feed reconnects. */
export interface FeedOptions {
  /** Reconnect when no byte arrives for this long (the server sends keep-alives); default 45 s. */
  idleTimeoutMs?: number;
  /**
   * Longest wait between two reconnects; default 30 s. The shortest is 1 s (or the server's
   * `retry:` when longer), unless this is shorter.
   */
  maxDelayMs?: number;
}

/** The calls that need a login, bound to its bearer token. */
export interface AuthedApiClient {
  /** Ends the login on the server, and every live feed it has open. */
  logout(options?: CallOptions): Promise<void>;
  rooms: {
    /** The open rooms, newest first. */
    list(options?: CallOptions): Promise<Room[]>;
    /** One room. */
    get(matchID: string, options?: CallOptions): Promise<Room>;
    /** Hosts a room and seats the caller in it. */
    create(input: CreateRoomInput, options?: CallOptions): Promise<CreatedRoom>;
    /** Takes a free seat of the caller's role, or the caller's own seat again (fresh credentials). */
    join(matchID: string, options?: CallOptions): Promise<SeatGrant>;
  };
  verifications: {
    /** Every verification request of a room the caller is seated in. */
    list(matchID: string, options?: CallOptions): Promise<VerificationStatus[]>;
    /**
     * The room's requests, live: reconnects by itself (resuming where it stopped) until the
     * returned function is called, the login ends, or the server refuses (400, 401, 403, 404).
     * A handler that throws does not stop the feed; its error is rethrown on its own.
     */
    subscribe(matchID: string, handlers: FeedHandlers, options?: FeedOptions): () => void;
    /**
     * Sandbox mode only (`LoginAnswer.sandbox`): answers the caller's pending picture request as
     * if they had submitted a picture, so its status becomes `submitted`. A 404 elsewhere.
     */
    sandboxSubmit(matchID: string, options?: CallOptions): Promise<void>;
  };
  /**
   * The recent matches of the wearer of the caller's lock (keyholder or wearer), newest first:
   * game, dates, the wearer's result and every request made to them.
   */
  history(options?: CallOptions): Promise<HistoryAnswer>;
}

/** Makes a client of the game server's HTTP API. */
export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const transport: Transport = {
    baseUrl: baseUrlOf(options.baseUrl),
    // Called through a closure: browsers refuse a `fetch` called as another object's method.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    timeoutMs: options.timeoutMs ?? 30_000,
  };
  return {
    login: (mainToken, { signal } = {}) =>
      call(transport, LoginAnswerSchema, '/api/login', {
        method: 'POST',
        body: { mainToken },
        signal,
      }),
    withToken: (token) => authed(transport, token),
    configuration: {
      get: async (token, { signal } = {}) =>
        call(transport, ConfigurationAnswerSchema, configurationPath(token), { signal }),
      save: async (token, config, { signal } = {}) =>
        call(transport, ConfigurationAnswerSchema, configurationPath(token), {
          method: 'PUT',
          body: { config },
          signal,
        }),
    },
  };
}

function authed(transport: Transport, token: string): AuthedApiClient {
  return {
    logout: async ({ signal } = {}) => {
      await call(transport, LogoutAnswerSchema, '/api/login', { method: 'DELETE', token, signal });
    },
    rooms: {
      list: async ({ signal } = {}) =>
        (await call(transport, RoomListSchema, '/api/rooms', { token, signal })).rooms,
      get: async (matchID, { signal } = {}) =>
        call(transport, RoomSchema, roomPath(matchID), { token, signal }),
      create: (input, { signal } = {}) =>
        call(transport, CreatedRoomSchema, '/api/rooms', {
          method: 'POST',
          token,
          body: input,
          signal,
        }),
      join: async (matchID, { signal } = {}) =>
        call(transport, SeatGrantSchema, `${roomPath(matchID)}/join`, {
          method: 'POST',
          token,
          signal,
        }),
    },
    verifications: {
      list: async (matchID, { signal } = {}) =>
        (
          await call(transport, VerificationListSchema, `${roomPath(matchID)}/verifications`, {
            token,
            signal,
          })
        ).requests,
      subscribe: (matchID, handlers, options = {}) =>
        subscribe(transport, token, matchID, handlers, options),
      sandboxSubmit: async (matchID, { signal } = {}) => {
        await call(
          transport,
          SandboxSubmitAnswerSchema,
          `${roomPath(matchID)}/verifications/sandbox-submit`,
          { method: 'POST', token, signal },
        );
      },
    },
    history: async ({ signal } = {}) =>
      call(transport, HistoryAnswerSchema, '/api/history', { token, signal }),
  };
}

function subscribe(
  transport: Transport,
  token: string,
  matchID: string,
  handlers: FeedHandlers,
  options: FeedOptions,
): () => void {
  let path: string;
  try {
    path = `${roomPath(matchID)}/verifications`;
  } catch (error) {
    // Told like any other refusal, through onState, never thrown at the caller.
    let stopped = false;
    queueMicrotask(() => {
      if (!stopped) guarded(() => handlers.onState?.('closed', error as ApiError));
    });
    return () => void (stopped = true);
  }
  return openEventStream({
    url: transport.baseUrl + path,
    fetch: transport.fetch,
    headers: { authorization: `Bearer ${token}` },
    idleTimeoutMs: options.idleTimeoutMs ?? 45_000,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    onState: (state, error) => guarded(() => handlers.onState?.(state, error)),
    onEvent: (event) => {
      if (event.event === FEED_EVENTS.loginEnded) {
        guarded(() => handlers.onLoginEnded?.());
        return new ApiError(
          401,
          'login_ended',
          'Your login has ended: open the game again from Chaster.',
        );
      }
      // Other events are a newer server's: skipped, so that it may add some.
      if (event.event !== FEED_EVENTS.verification) return undefined;
      let json: unknown;
      try {
        json = JSON.parse(event.data);
      } catch (error) {
        return badAnswer(200, error);
      }
      const status = VerificationStatusSchema.safeParse(json);
      if (!status.success) return badAnswer(200, status.error);
      guarded(() => handlers.onStatus(status.data));
      return undefined;
    },
  });
}

/** Runs a caller's handler; what it throws is rethrown on its own, as an event listener's is. */
function guarded(handler: () => void): void {
  try {
    handler();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** A room's path; a matchID that is not one is refused here, as the server would refuse it. */
function roomPath(matchID: string): string {
  const parsed = MatchIDSchema.safeParse(matchID);
  if (!parsed.success) {
    throw new ApiError(400, 'invalid_request', 'Invalid matchID: must be a room id.');
  }
  return `/api/rooms/${parsed.data}`;
}

/** A configuration's path; a token that is not one is refused here, as the server would refuse it. */
function configurationPath(token: string): string {
  const parsed = PartnerConfigurationTokenSchema.safeParse(token);
  if (!parsed.success) {
    throw new ApiError(
      400,
      'invalid_request',
      "Invalid configuration token: open the extension's settings from Chaster again.",
    );
  }
  return `/api/configurations/${parsed.data}`;
}

function baseUrlOf(given: string | undefined): string {
  if (given === undefined) {
    if ((globalThis as { location?: unknown }).location === undefined) {
      throw new TypeError(
        'createApiClient needs a baseUrl here: there is no page whose origin it could use.',
      );
    }
    return '';
  }
  const base = given.replace(/\/+$/, '');
  if (given.startsWith('/') ? !staysOnPage(base) : !isHttpUrl(given)) {
    throw new TypeError(
      `createApiClient: baseUrl must be an http(s) URL or a path on the page's own origin ` +
        `(starting with one "/"), not "${given}".`,
    );
  }
  return base;
}

function isHttpUrl(given: string): boolean {
  try {
    const { protocol } = new URL(given);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Whether a path (and any route after it) stays on the page's origin: `//host`, `/\host`, and
 * the same with a tab or newline in it (URL parsing drops those) name another host, where the
 * bearer token would go.
 */
function staysOnPage(path: string): boolean {
  const page = 'http://page.invalid';
  try {
    return new URL(`${path}/api/login`, page).origin === page;
  } catch {
    return false;
  }
}
