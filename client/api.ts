/**
 * The game server's HTTP API as the client sees it (docs/design.md "Contracts", src/server/routes.ts):
 * typed answers and one fetch wrapper whose errors carry the server's human `message`. The types
 * the server and the games define are imported from them (type-only, so no server code is
 * bundled).
 */
import type { GameName } from '../game/registry.js';
import type { SeatRole } from '../game/types.js';

/** `POST /api/login` answer. */
export interface Login {
  token: string;
  expiresAt: string;
  /** Role of the signed-in user on their lock. */
  role: SeatRole;
  user: { id: string; username: string };
  lock: {
    id: string;
    title: string;
    status: string;
    wearer: string;
    keyholder: string | null;
    verificationPicture: boolean;
  };
}

/** One seat of a room. */
export interface Seat {
  playerID: string;
  role: SeatRole;
  name: string | null;
  taken: boolean;
}

/** A room as `GET /api/rooms` and `GET /api/rooms/:matchID` show it. */
export interface Room {
  matchID: string;
  game: string;
  rules: Record<string, unknown>;
  gameover: unknown;
  createdAt: string;
  seats: Seat[];
}

/** What the server answers when a seat is taken or taken again. */
export interface SeatGrant {
  playerID: string;
  credentials: string;
}

/** A failed call: `message` is the server's own text, meant for the user. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    /** The server's error code (`invalid_rules`, `no_free_seat`, …) or `network`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** Whether signing in again (a new login exchange) could fix it. */
  get loginExpired(): boolean {
    return this.status === 401 && this.code !== 'invalid_main_token';
  }
}

/** Turns anything thrown into a sentence for an error box. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong; try again.';
}

/** Calls the API; throws `ApiError` with the server's message on any failure. */
export async function request<T>(
  path: string,
  options: { method?: 'GET' | 'POST'; token?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      cache: 'no-store',
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError(0, 'network', 'The game server cannot be reached; check your connection.');
  }
  const text = await response.text().catch(() => '');
  let data: unknown;
  try {
    data = text === '' ? undefined : JSON.parse(text);
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const body = (data ?? {}) as { error?: unknown; message?: unknown };
    throw new ApiError(
      response.status,
      typeof body.error === 'string' ? body.error : 'http_' + response.status,
      typeof body.message === 'string' && body.message
        ? body.message
        : `The game server answered ${response.status} ${response.statusText}.`.replace(' .', '.'),
    );
  }
  return data as T;
}

/** Body of `POST /api/rooms`. */
export interface CreateRoomInput {
  game: GameName;
  numPlayers: number;
  rules: Record<string, unknown>;
  keyholderSeat?: boolean;
}

/** The calls that need a bearer token, bound to one token. */
export interface Api {
  listRooms(signal?: AbortSignal): Promise<Room[]>;
  getRoom(matchID: string, signal?: AbortSignal): Promise<Room>;
  createRoom(input: CreateRoomInput): Promise<SeatGrant & { matchID: string }>;
  joinRoom(matchID: string): Promise<SeatGrant>;
}

/** Exchanges Chaster's mainToken for this server's login. */
export function createLogin(mainToken: string, signal?: AbortSignal): Promise<Login> {
  return request<Login>('/api/login', { method: 'POST', body: { mainToken }, signal });
}

/** Binds the token-taking calls to a bearer token. */
export function createApi(token: string): Api {
  const room = (matchID: string) => `/api/rooms/${encodeURIComponent(matchID)}`;
  return {
    listRooms: async (signal) =>
      (await request<{ rooms: Room[] }>('/api/rooms', { token, signal })).rooms,
    getRoom: (matchID, signal) => request<Room>(room(matchID), { token, signal }),
    createRoom: (input) => request('/api/rooms', { method: 'POST', token, body: input }),
    joinRoom: (matchID) =>
      request<SeatGrant>(`${room(matchID)}/join`, { method: 'POST', token, body: {} }),
  };
}
