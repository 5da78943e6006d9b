/**
 * Our bearer tokens and seat credentials. A bearer token is `v1.<payload>.<hmac>`: the payload
 * names one of our login rows and its expiry, the HMAC-SHA256 (keyed by TOKEN_SECRET) makes it
 * unforgeable. It never carries a Chaster sessionId or token. Seat credentials are random secrets
 * whose sha256 lives in the seats table, tied to one match and one seat.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Repository } from './db/types.js';

/** Longest life of a bearer token: a Chaster mainToken lives 12 h. */
export const TOKEN_TTL_MS = 12 * 60 * 60 * 1000;

/** What a bearer token says. */
export interface TokenPayload {
  /** Our login row id. */
  login: string;
  /** Expiry, ms since epoch. */
  exp: number;
}

/** Why a bearer token was refused. */
export type TokenProblem = 'malformed' | 'bad_signature' | 'expired';

/** Signs a bearer token. */
export function signToken(secret: string, payload: TokenPayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `v1.${body}.${mac(secret, body)}`;
}

/** Verifies a bearer token's signature and expiry. */
export function verifyToken(
  secret: string,
  token: string,
  now: number = Date.now(),
): { ok: true; payload: TokenPayload } | { ok: false; problem: TokenProblem } {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1' || parts[1]!.length > 512)
    return { ok: false, problem: 'malformed' };
  const [, body, signature] = parts as [string, string, string];
  if (!safeEqual(signature, mac(secret, body))) return { ok: false, problem: 'bad_signature' };
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  const { login, exp } = (payload ?? {}) as Partial<TokenPayload>;
  if (typeof login !== 'string' || typeof exp !== 'number')
    return { ok: false, problem: 'malformed' };
  if (exp <= now) return { ok: false, problem: 'expired' };
  return { ok: true, payload: { login, exp } };
}

/** A fresh random id or secret, URL-safe. */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/** Seat credentials: `<matchID>.<playerID>.<secret>`, so a check can find the seat they belong to. */
export function seatCredentials(
  matchID: string,
  playerID: string,
): { credentials: string; hash: string } {
  const credentials = `${matchID}.${playerID}.${randomId(24)}`;
  return { credentials, hash: sha256(credentials) };
}

/** Reads the match and seat out of seat credentials, or undefined when they are not ours. */
export function parseSeatCredentials(
  credentials: unknown,
): { matchID: string; playerID: string } | undefined {
  if (typeof credentials !== 'string' || credentials.length > 256) return undefined;
  const m = credentials.match(/^([A-Za-z0-9_-]{1,64})\.(\d{1,3})\.[A-Za-z0-9_-]{16,64}$/);
  return m ? { matchID: m[1]!, playerID: m[2]! } : undefined;
}

/** Checks seat credentials against the seats table; see `createSeatCheck`. */
export interface SeatCheck {
  /** True when `credentials` are the current credentials of seat `playerID` of `matchID`. */
  valid(matchID: string, playerID: string, credentials: unknown): Promise<boolean>;
  /** Forgets what was verified for a seat (its credentials were just replaced). */
  forget(matchID: string, playerID: string): void;
}

/** How long a verified seat is believed without asking the seats table again (ms). */
const SEAT_VERDICT_TTL_MS = 10_000;
const SEAT_VERDICTS = 10_000;

/**
 * A seat check that remembers recent successes. Every move is checked twice (the socket guard,
 * then boardgame.io's `authenticateCredentials`), each time with the same credentials; a verdict
 * is reused for a few seconds instead of reading the seat and hashing again. Replacing a seat's
 * credentials on this instance forgets them at once; another instance sharing the database may
 * accept the replaced ones until the verdict expires.
 */
export function createSeatCheck(repository: Repository): SeatCheck {
  const verdicts = new Map<string, number>();
  return {
    async valid(matchID, playerID, credentials) {
      const owner = parseSeatCredentials(credentials);
      if (!owner || owner.matchID !== matchID || owner.playerID !== playerID) return false;
      const key = credentials as string;
      const until = verdicts.get(key);
      if (until !== undefined && until > Date.now()) return true;
      verdicts.delete(key);
      const seat = await repository.seatOf(matchID, playerID);
      if (seat === undefined || !safeEqual(seat.credentialsHash, sha256(key))) return false;
      if (verdicts.size >= SEAT_VERDICTS) verdicts.delete(verdicts.keys().next().value!);
      verdicts.set(key, Date.now() + SEAT_VERDICT_TTL_MS);
      return true;
    },
    forget(matchID, playerID) {
      const prefix = `${matchID}.${playerID}.`;
      for (const key of verdicts.keys()) if (key.startsWith(prefix)) verdicts.delete(key);
    },
  };
}

/** sha256 as hex. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function mac(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}
