/**
 * boardgame.io's SocketIO transport, made safe for the open internet. In 0.50.2 its `sync` handler
 * runs removeClient → `await master.onSync` → addClient: two syncs from one socket that overlap
 * (or a disconnect in between) leave a socket id in a match's room that has no client entry, and
 * from then on every broadcast of that match throws. Because the Master broadcasts *before* it
 * writes, that throw also skipped every later write: one socket froze a match until restart.
 *
 * Here a socket belongs to at most one match at any time (adding it removes it from wherever it
 * was, in the same synchronous step), a closed socket is never added, a broadcast skips entries it
 * cannot serve, and publishing never throws and happens only after the store has committed.
 */
import type { Logger } from 'pino';
import { SocketIO, getFilterPlayerView } from './bgio.js';
import type { AnyGame } from './bgio.js';

/** boardgame.io's pub/sub interface (from `boardgame.io/server`, not exported as a type there). */
export interface GenericPubSub<T> {
  publish(channelId: string, payload: T): void;
  subscribe(channelId: string, callback: (payload: T) => void): void;
  unsubscribeAll(channelId: string): void;
}

/**
 * Whether the store committed (or will commit) the state with `stateID`: a boolean, a promise of
 * one, or undefined when the store knows nothing of that write.
 */
export type CommittedCheck = (
  matchID: string,
  stateID: number,
) => Promise<boolean> | boolean | undefined;

/** The match and `_stateID` of an `update` or `patch` broadcast; undefined for anything else. */
function newState(payload: unknown): { matchID: string; stateID: number } | undefined {
  const { type, args } = payload as { type?: string; args?: unknown[] };
  const state = (type === 'update' ? args?.[1] : type === 'patch' ? args?.[3] : undefined) as
    { _stateID?: unknown } | undefined;
  if (typeof args?.[0] !== 'string' || typeof state?._stateID !== 'number') return undefined;
  return { matchID: args[0], stateID: state._stateID };
}

/**
 * Calls `send` once the store has committed the state `payload` carries (never if the write was
 * refused or failed). The Master calls `setState` right after it publishes, in the same
 * synchronous run, so the check is made a microtask later. Never throws.
 */
export function afterCommit(
  committed: CommittedCheck | undefined,
  payload: unknown,
  send: () => void,
  onError: (error: unknown) => void,
): void {
  const safeSend = () => {
    try {
      send();
    } catch (error) {
      onError(error);
    }
  };
  queueMicrotask(() => {
    const update = newState(payload);
    let verdict: ReturnType<CommittedCheck>;
    try {
      verdict = update && committed ? committed(update.matchID, update.stateID) : undefined;
    } catch (error) {
      onError(error);
      return;
    }
    if (verdict === undefined || verdict === true) return safeSend();
    if (verdict === false) return;
    verdict.then((ok) => ok && safeSend(), onError);
  });
}

/** The subscribers of each channel of a pub/sub; no subscriber's throw reaches the publisher. */
export class Channels<T> {
  private readonly callbacks = new Map<string, Set<(payload: T) => void>>();

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Adds a subscriber; true when it is the channel's first. */
  add(channelId: string, callback: (payload: T) => void): boolean {
    const callbacks = this.callbacks.get(channelId);
    if (callbacks) callbacks.add(callback);
    else this.callbacks.set(channelId, new Set([callback]));
    return callbacks === undefined;
  }

  /** Drops a channel's subscribers; true when it had any. */
  remove(channelId: string): boolean {
    return this.callbacks.delete(channelId);
  }

  /** Whether the channel has subscribers. */
  has(channelId: string): boolean {
    return this.callbacks.has(channelId);
  }

  /** Hands `payload` to each subscriber of the channel; a throw goes to `onError`. */
  deliver(channelId: string, payload: T): void {
    for (const callback of this.callbacks.get(channelId) ?? []) {
      try {
        callback(payload);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  clear(): void {
    this.callbacks.clear();
  }
}

/** In-process pub/sub for one instance: publishes after commit, and no subscriber's throw escapes. */
export class LocalPubSub<T = unknown> implements GenericPubSub<T> {
  private readonly channels: Channels<T>;

  constructor(
    private readonly committed?: CommittedCheck,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.channels = new Channels(onError);
  }

  publish(channelId: string, payload: T): void {
    afterCommit(
      this.committed,
      payload,
      () => this.channels.deliver(channelId, payload),
      this.onError,
    );
  }

  subscribe(channelId: string, callback: (payload: T) => void): void {
    this.channels.add(channelId, callback);
  }

  unsubscribeAll(channelId: string): void {
    this.channels.remove(channelId);
  }
}

/** The socket.io socket, as the transport keeps it. */
interface TransportSocket {
  id: string;
  disconnected: boolean;
  emit(event: string, ...args: unknown[]): boolean;
}
interface TransportClient {
  matchID: string;
  playerID: string | null | undefined;
  socket: TransportSocket;
  credentials?: string;
}
/** The parts of boardgame.io's SocketIO this class replaces (private in its typings). */
interface TransportInternals {
  clientInfo: Map<string, TransportClient>;
  roomInfo: Map<string, Set<string>>;
  pubSub: GenericPubSub<unknown>;
  addClient(client: TransportClient, game: AnyGame): void;
  removeClient(socketID: string): void;
  subscribePubSubChannel(matchID: string, game: AnyGame): void;
  unsubscribePubSubChannel(matchID: string): void;
  deleteMatchQueue(matchID: string): void;
}

type SocketIOOptions = NonNullable<ConstructorParameters<typeof SocketIO>[0]>;

/** boardgame.io's SocketIO transport with consistent client bookkeeping and safe broadcasts. */
export class MatchTransport extends SocketIO {
  constructor(options: SocketIOOptions & { logger?: Logger }) {
    const { logger, ...rest } = options;
    super(rest);
    const self = this as unknown as TransportInternals;
    const removeClient = (socketID: string) => {
      const client = self.clientInfo.get(socketID);
      self.clientInfo.delete(socketID);
      if (!client) return;
      const clients = self.roomInfo.get(client.matchID);
      clients?.delete(socketID);
      if (clients?.size === 0) {
        self.unsubscribePubSubChannel(client.matchID);
        self.roomInfo.delete(client.matchID);
        self.deleteMatchQueue(client.matchID);
      }
    };
    // Instance properties shadow the prototype's methods that boardgame.io's `init` calls.
    Object.assign(self, {
      removeClient,
      addClient(client: TransportClient, game: AnyGame) {
        // One match per socket, decided now: whatever the socket synced before is forgotten.
        removeClient(client.socket.id);
        // A socket that closed while its sync was answered must not stay in a room.
        if (client.socket.disconnected) return;
        let clients = self.roomInfo.get(client.matchID);
        if (!clients) {
          self.subscribePubSubChannel(client.matchID, game);
          self.roomInfo.set(client.matchID, (clients = new Set()));
        }
        clients.add(client.socket.id);
        self.clientInfo.set(client.socket.id, client);
      },
      subscribePubSubChannel(matchID: string, game: AnyGame) {
        const filterPlayerView = getFilterPlayerView(game);
        self.pubSub.subscribe(`MATCH-${matchID}`, (payload) => {
          for (const id of [...(self.roomInfo.get(matchID) ?? [])]) {
            const client = self.clientInfo.get(id);
            if (!client || client.matchID !== matchID || client.socket.disconnected) {
              removeClient(id);
              self.roomInfo.get(matchID)?.delete(id);
              continue;
            }
            try {
              const view = filterPlayerView as (playerID: string | null, data: unknown) => unknown;
              const { type, args } = view(client.playerID ?? null, payload) as {
                type: string;
                args: unknown[];
              };
              client.socket.emit(type, ...args);
            } catch (error) {
              logger?.error({ err: error, matchID }, 'broadcast to one socket failed');
            }
          }
          if (self.roomInfo.get(matchID)?.size === 0) {
            self.unsubscribePubSubChannel(matchID);
            self.roomInfo.delete(matchID);
            self.deleteMatchQueue(matchID);
          }
        });
      },
    });
  }
}
