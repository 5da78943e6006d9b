/**
 * Typed errors of the Chaster client. Every failure of a call is a `ChasterError` with a stable
 * `code`; every bad argument is a `ChasterArgumentError`, thrown before any request is made.
 */

/** Stable codes of `ChasterError`; callers branch on these, never on message text. */
export type ChasterErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'session_not_found'
  | 'configuration_not_found'
  | 'extension_not_enabled'
  | 'already_pending'
  | 'no_keyholder'
  | 'invalid_request'
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'network'
  | 'bad_response';

/** Codes worth another attempt later: the same call may succeed once the cause passes. */
export const RETRYABLE_CODES: ReadonlySet<ChasterErrorCode> = new Set([
  'rate_limited',
  'server_error',
  'timeout',
  'network',
]);

/** What a `ChasterError` is built from. */
export interface ChasterErrorInit {
  code: ChasterErrorCode;
  /** Our one-line summary, used as `error.message`. */
  message: string;
  /** The HTTP status Chaster answered, or `undefined` when no response arrived. */
  status?: number;
  /** Chaster's own message (NestJS sends a string, or an array of validation messages). */
  serverMessage?: string | string[];
  /** The response body as received, kept for diagnosis (truncated to 4 KiB). */
  rawBody?: string;
  /** How long to wait before trying again, from `Retry-After` or `X-RateLimit-Reset`. */
  retryAfterMs?: number;
  /** `METHOD /path` of the call, with ids left in and no token. */
  operation: string;
  cause?: unknown;
}

/** A call to the Chaster API that failed: an error answer, a timeout or a network fault. */
export class ChasterError extends Error {
  override readonly name = 'ChasterError';
  readonly code: ChasterErrorCode;
  /** True when the same call may succeed later (429, 5xx, timeout, network). */
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly serverMessage: string | string[] | undefined;
  readonly rawBody: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly operation: string;

  constructor(init: ChasterErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.retryable = RETRYABLE_CODES.has(init.code);
    this.status = init.status;
    this.serverMessage = init.serverMessage;
    this.rawBody = init.rawBody;
    this.retryAfterMs = init.retryAfterMs;
    this.operation = init.operation;
  }

  /** Chaster's own words when it gave some, else our summary: what to show a player. */
  get displayMessage(): string {
    const m = this.serverMessage;
    const said = Array.isArray(m) ? m.join('; ') : (m ?? '');
    return displayable(said) || displayable(this.message);
  }

  /** A plain object for logs and storage (no token is ever part of an error). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      retryable: this.retryable,
      status: this.status,
      message: this.message,
      serverMessage: this.serverMessage,
      retryAfterMs: this.retryAfterMs,
      operation: this.operation,
    };
  }
}

/** A bad argument given to the client; thrown before anything is sent. */
export class ChasterArgumentError extends TypeError {
  override readonly name = 'ChasterArgumentError';
  readonly code = 'invalid_argument' as const;
  /** Name of the offending argument, e.g. `sessionId` or `options.token`. */
  readonly argument: string;

  constructor(argument: string, problem: string) {
    super(`Invalid ${argument}: ${problem}`);
    this.argument = argument;
  }
}

/** Longest text shown to players (and stored) for one Chaster answer. */
export const MAX_DISPLAY_MESSAGE = 300;

/**
 * Text from a remote server made fit to show and store: control characters (NUL, line breaks…)
 * become spaces, runs of space collapse, and it is cut to `MAX_DISPLAY_MESSAGE` characters.
 */
function displayable(text: string): string {
  const plain = text
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = Array.from(plain);
  return chars.length <= MAX_DISPLAY_MESSAGE
    ? plain
    : chars.slice(0, MAX_DISPLAY_MESSAGE - 1).join('') + '…';
}
