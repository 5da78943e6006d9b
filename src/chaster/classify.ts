/**
 * Turns an HTTP answer into a `ChasterError`. Chaster documents neither its error codes nor its
 * error bodies for the endpoints we use, so this reads Chaster's own message first and the status
 * second, tolerates any status and any body, and keeps the raw text.
 */
import { ChasterError } from './errors.js';
import type { ChasterErrorCode } from './errors.js';
import { NestErrorSchema } from './schemas.js';

/** The call an answer belongs to; some statuses mean different things per call. */
export type ChasterOperation =
  | 'getSessionAuth'
  | 'getSession'
  | 'requestVerificationPicture'
  | 'createCustomLog'
  | 'searchLogs'
  | 'getConfiguration'
  | 'updateConfiguration';

/** The calls whose path carries a partnerConfigurationToken instead of a session. */
const CONFIGURATION_OPERATIONS: ReadonlySet<ChasterOperation> = new Set([
  'getConfiguration',
  'updateConfiguration',
]);

/** An HTTP answer as the classifier needs it. */
export interface ChasterAnswer {
  operation: ChasterOperation;
  /** `METHOD /route/:template`, without ids or tokens. */
  route: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Values to blank out of Chaster's message and body (the sessionId or mainToken of the call). */
  secrets?: readonly string[];
  now?: number;
}

const MAX_RAW_BODY = 4096;

// Message patterns, tried in this order. The first two follow the one public client that calls
// this endpoint ("already pending", "not found"); the rest cover NestJS's usual wording.
const MESSAGE_PATTERNS: ReadonlyArray<readonly [RegExp, ChasterErrorCode]> = [
  [/configuration\b.*\bnot\s+found/i, 'configuration_not_found'],
  [
    /already\s+(a\s+)?pending|pending\s+(verification\s+)?request|already\s+been\s+requested/i,
    'already_pending',
  ],
  [
    /no\s+keyholder|without\s+(a\s+)?keyholder|(does\s+not|doesn't)\s+have\s+(a\s+)?keyholder|keyholder\s+(is\s+)?(required|missing)/i,
    'no_keyholder',
  ],
  [
    /session\b.*\bnot\s+found|(invalid|expired|unknown)\s+(main\s*)?token|token\s+(has\s+)?expired/i,
    'session_not_found',
  ],
  [
    /(extension|verification[\s_-]*picture).*(not\s+(found|enabled|active|installed)|disabled|missing)|not\s+(found|enabled).*(extension|verification[\s_-]*picture)/i,
    'extension_not_enabled',
  ],
];

/** Classifies a non-2xx answer (or a 2xx whose body we could not use) into a `ChasterError`. */
export function classifyAnswer(answer: ChasterAnswer): ChasterError {
  const { status, operation, route } = answer;
  const rawBody = redact(answer.body, answer.secrets).slice(0, MAX_RAW_BODY);
  const serverMessage = readServerMessage(rawBody, header(answer.headers, 'content-type'));
  const code = codeFor(status, operation, serverMessage);
  const retryAfterMs = parseRetryAfter(answer.headers, answer.now ?? Date.now());
  const said = serverMessage === undefined ? '' : `: ${[serverMessage].flat().join('; ')}`;
  return new ChasterError({
    code,
    message: `Chaster answered ${status} to ${route} (${code})${said}`,
    status,
    serverMessage,
    rawBody,
    retryAfterMs,
    operation: route,
  });
}

function codeFor(
  status: number,
  operation: ChasterOperation,
  serverMessage: string | string[] | undefined,
): ChasterErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (status >= 500 && status <= 599) return 'server_error';
  if (status < 400 || status > 499) return 'bad_response';
  const text = [serverMessage ?? []].flat().join(' ');
  const code = codeForText(status, operation, text);
  // A configuration call names no session: what is unknown or expired there is its token.
  return code === 'session_not_found' && CONFIGURATION_OPERATIONS.has(operation)
    ? 'configuration_not_found'
    : code;
}

function codeForText(status: number, operation: ChasterOperation, text: string): ChasterErrorCode {
  for (const [pattern, code] of MESSAGE_PATTERNS) if (pattern.test(text)) return code;
  if (status === 403) return 'forbidden';
  if (status === 404) return 'session_not_found';
  if (status === 409 && operation === 'requestVerificationPicture') return 'already_pending';
  return 'invalid_request';
}

function readServerMessage(
  body: string,
  contentType: string | undefined,
): string | string[] | undefined {
  const trimmed = body.trim();
  if (trimmed === '') return undefined;
  try {
    const json: unknown = JSON.parse(trimmed);
    if (typeof json === 'string') return json;
    const parsed = NestErrorSchema.safeParse(json);
    if (parsed.success) return parsed.data.message ?? parsed.data.error;
    return undefined;
  } catch {
    // Not JSON: a proxy's page or plain text. Plain text is Chaster's (or the proxy's) own words.
    const isPlain = contentType === undefined || contentType.startsWith('text/plain');
    return isPlain && trimmed.length <= 500 && !trimmed.startsWith('<') ? trimmed : undefined;
  }
}

/**
 * How long to wait before the next attempt, from `Retry-After` (seconds or an HTTP date) and
 * `X-RateLimit-Reset` (Chaster documents "a timestamp": epoch seconds, epoch milliseconds, an HTTP
 * date, or, as some APIs do, seconds from now). When both are present the later one wins.
 */
export function parseRetryAfter(
  headers: Record<string, string | string[] | undefined>,
  now: number = Date.now(),
): number | undefined {
  const waits: number[] = [];
  const retryAfter = header(headers, 'retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) waits.push(Number(retryAfter) * 1000);
    else {
      const at = Date.parse(retryAfter);
      if (!Number.isNaN(at)) waits.push(at - now);
    }
  }
  const reset = header(headers, 'x-ratelimit-reset')?.trim();
  if (reset) {
    if (/^\d+(\.\d+)?$/.test(reset)) {
      const n = Number(reset);
      if (n > 1e12) waits.push(n - now);
      else if (n > 1e9) waits.push(n * 1000 - now);
      else waits.push(n * 1000);
    } else {
      const at = Date.parse(reset);
      if (!Number.isNaN(at)) waits.push(at - now);
    }
  }
  if (waits.length === 0) return undefined;
  return Math.max(0, Math.ceil(Math.max(...waits)));
}

function header(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Blanks every occurrence of the given secrets (sessionIds, tokens) out of a text. */
export function redact(text: string, secrets: readonly string[] | undefined): string {
  let out = text;
  for (const secret of secrets ?? [])
    if (secret.length > 0) out = out.split(secret).join('[redacted]');
  return out;
}
