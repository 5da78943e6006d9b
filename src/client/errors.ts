/**
 * The one error class of `bgio-chaster/client`: every failed call and every reason a live feed
 * reconnects or closes is an `ApiError` with a stable `code` and a message meant for the user.
 */
import { ApiErrorBodySchema } from '../api/index.js';

/** `code` of an error where the server could not be reached (status 0). */
export const NETWORK_ERROR = 'network';
/** `code` of an answer that is not what the API promises (a proxy's page, another version…). */
export const BAD_ANSWER = 'bad_answer';
/** `code` of a call the server did not answer in time (`ApiClientOptions.timeoutMs`); status 0. */
export const TIMEOUT_ERROR = 'timeout';

/**
 * A failed call. `code` is the server's own (`invalid_request`, `room_not_found`,
 * `token_expired`…), or `network`, `timeout` or `bad_answer`; `message` is the server's sentence,
 * meant for the user.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    /** The server's error code, or `network`, `timeout` or `bad_answer`. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Whether signing in again (a new mainToken exchange) could fix it. */
  get loginExpired(): boolean {
    return this.status === 401 && this.code !== 'invalid_main_token';
  }
}

/** Turns anything thrown into a sentence for an error box (`fallback` when it carries none). */
export function errorMessage(
  error: unknown,
  fallback = 'Something went wrong; try again.',
): string {
  if (error instanceof Error && error.message) return error.message;
  return fallback;
}

/** The error of a network failure: the server could not be reached. */
export function networkError(cause: unknown): ApiError {
  return new ApiError(
    0,
    NETWORK_ERROR,
    'The game server cannot be reached; check your connection.',
    { cause },
  );
}

/** The error of a call the server did not answer (headers and body) in time. */
export function timeoutError(cause: unknown): ApiError {
  return new ApiError(
    0,
    TIMEOUT_ERROR,
    'The game server did not answer in time; check your connection and try again.',
    { cause },
  );
}

/** The error of an answer the contract does not allow. */
export function badAnswer(status: number, cause: unknown): ApiError {
  return new ApiError(
    status,
    BAD_ANSWER,
    'The game server sent an answer this page cannot read; reload it or try again later.',
    { cause },
  );
}

/** The error an answer with a failing status stands for: the server's own, when it sent one. */
export function errorOfAnswer(status: number, statusText: string, text: string): ApiError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const body = ApiErrorBodySchema.safeParse(json);
  if (body.success && body.data.message !== '') {
    return new ApiError(status, body.data.error, body.data.message);
  }
  return new ApiError(
    status,
    BAD_ANSWER,
    `The game server answered ${`${status} ${statusText}`.trim()}; try again later.`,
  );
}
