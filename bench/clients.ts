/**
 * The client side of the benchmarks: making matches on either server (plain Lobby routes on the
 * bare side, our HTTP API with emulator logins on the plugin side) and boardgame.io Node clients
 * over SocketIO that report each move's round trip (from the call to the server's update).
 */
import { Client } from 'boardgame.io/client';
import { SocketIO } from 'boardgame.io/multiplayer';
import type { CreatedLock } from '../src/emulator/index.js';
import type { AnyGame } from '../src/server/bgio.js';
import { BENCH_GAME } from './games.js';
import type { Child } from './procs.js';

/** One seat of a match, as a client needs it. */
export interface BenchSeat {
  playerID: string;
  credentials: string;
  /** The Chaster session bound to the seat (plugin side only). */
  sessionId?: string;
}

/** A match with both seats taken. */
export interface BenchMatch {
  matchID: string;
  seats: BenchSeat[];
}

/** The emulator child as the benchmarks use it. */
export type EmulatorChild = Child<{ url: string; token: string }>;

/** JSON answers of the routes the benchmarks call (only the fields they read). */
interface Answer {
  matchID: string;
  playerID: string;
  credentials: string;
  playerCredentials: string;
  token: string;
}

/** POSTs JSON (with a bearer token when given); throws with the answer unless it is 2xx. */
export async function post(url: string, body: unknown, token?: string): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text || '{}') as Answer;
}

/** Runs `fn` over `items` with at most `limit` at a time; results keep the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Creates `n` two-seat matches on a plain boardgame.io server through its Lobby routes. */
export async function bareMatches(url: string, n: number, concurrency = 16): Promise<BenchMatch[]> {
  return mapLimit(Array.from({ length: n }), concurrency, async () => {
    const { matchID } = await post(`${url}/games/${BENCH_GAME}/create`, { numPlayers: 2 });
    const seats: BenchSeat[] = [];
    for (const playerID of ['0', '1']) {
      const joined = await post(`${url}/games/${BENCH_GAME}/${matchID}/join`, {
        playerID,
        playerName: `p${playerID}`,
      });
      seats.push({ playerID, credentials: joined.playerCredentials });
    }
    return { matchID, seats };
  });
}

/**
 * Creates `n` two-seat matches on our server: two emulated locks per match, a login for each
 * wearer (`POST /api/login`), a room (`POST /api/rooms`, cooldown 0, cap 100) and a join.
 * With several instances (`url` a list) match i is made on instance i and joined on instance
 * i + 1 (modulo their number), as a load balancer spreading HTTP requests would do.
 */
export async function pluginMatches(
  url: string | readonly string[],
  emulator: EmulatorChild,
  n: number,
  concurrency = 16,
): Promise<BenchMatch[]> {
  const urls = typeof url === 'string' ? [url] : url;
  const locks = await emulator.call<CreatedLock[]>('locks', { n: 2 * n });
  return mapLimit(Array.from({ length: n }), concurrency, async (_, i) => {
    const [a, b] = [locks[2 * i]!, locks[2 * i + 1]!];
    const host = urls[i % urls.length]!;
    const guest = urls[(i + 1) % urls.length]!;
    const hostLogin = await post(`${host}/api/login`, { mainToken: a.tokens.wearer });
    const room = await post(
      `${host}/api/rooms`,
      { game: BENCH_GAME, numPlayers: 2, rules: { cooldownSeconds: 0, maxRequestsPerMatch: 100 } },
      hostLogin.token,
    );
    const guestLogin = await post(`${guest}/api/login`, { mainToken: b.tokens.wearer });
    const joined = await post(`${guest}/api/rooms/${room.matchID}/join`, {}, guestLogin.token);
    return {
      matchID: room.matchID,
      seats: [
        { playerID: room.playerID, credentials: room.credentials, sessionId: a.sessionId },
        { playerID: joined.playerID, credentials: joined.credentials, sessionId: b.sessionId },
      ].sort((x, y) => Number(x.playerID) - Number(y.playerID)),
    };
  });
}

interface RawSocket {
  on(event: 'update', fn: (matchID: string, state: { _stateID: number }) => void): void;
  on(event: 'sync', fn: (matchID: string, info: { state: { _stateID: number } }) => void): void;
}

/** A boardgame.io Node client that knows the server's latest stateID. */
export class Player {
  private serverStateID = -1;
  private waiters: Array<{ stateID: number; resolve(): void }> = [];
  /** When set, each new stateID's arrival time (performance.now()) is noted here. */
  times?: Map<number, number>;

  private constructor(private readonly client: ReturnType<typeof Client>) {}

  /** Starts a client for `seat` and resolves once the server has synced it. */
  static async connect(
    url: string,
    game: AnyGame,
    matchID: string,
    seat: BenchSeat,
    timeoutMs = 30_000,
  ): Promise<Player> {
    const client = Client({
      game,
      numPlayers: 2,
      matchID,
      playerID: seat.playerID,
      credentials: seat.credentials,
      multiplayer: SocketIO({ server: url, socketOpts: { transports: ['websocket'] } }),
      debug: false,
    });
    const player = new Player(client);
    client.start();
    const socket = (client as unknown as { transport: { socket: RawSocket } }).transport.socket;
    // These run after boardgame.io's own listeners, so the client's store is already updated.
    socket.on('update', (_matchID: string, state: { _stateID: number }) =>
      player.seen(state._stateID),
    );
    socket.on('sync', (_matchID: string, info: { state: { _stateID: number } }) =>
      player.seen(info.state._stateID),
    );
    await player.reach(0, timeoutMs, 'sync');
    return player;
  }

  private seen(stateID: number): void {
    if (stateID <= this.serverStateID) return;
    this.serverStateID = stateID;
    this.times?.set(stateID, performance.now());
    const ready = this.waiters.filter((w) => w.stateID <= stateID);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.stateID > stateID);
    for (const w of ready) w.resolve();
  }

  /** Resolves once the server's state has reached `stateID` (rejects after `timeoutMs`). */
  reach(stateID: number, timeoutMs: number, what = `stateID ${stateID}`): Promise<void> {
    if (this.serverStateID >= stateID) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no server update reaching ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        stateID,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** The latest stateID the server sent. */
  get stateID(): number {
    return this.serverStateID;
  }

  /** Makes a move and resolves with its round trip in ms, once the server's update arrives. */
  async move(name: string, args: unknown[], timeoutMs = 30_000): Promise<number> {
    const target = this.serverStateID + 1;
    const start = performance.now();
    this.client.moves[name]!(...args);
    await this.reach(target, timeoutMs, `${name} → stateID ${target}`);
    return performance.now() - start;
  }

  stop(): void {
    this.client.stop();
  }
}
