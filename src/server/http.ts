/**
 * Small HTTP helpers for our Koa routes: JSON errors `{error, message}`, a bounded JSON body
 * reader, and zod validation that says what was wrong.
 */
import type { Context, Next } from 'koa';
import { z } from 'zod';
import type { ApiErrorBody } from '../api/index.js';

/** An error answer: `status` with `{error: code, message}`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  /** Headers to send with the answer (e.g. `retry-after` with a 429). */
  headers: Record<string, string> = {};
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Largest JSON body our routes accept. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Reads and parses a JSON body, refusing wrong content types, oversized and invalid bodies. */
export async function readJson(ctx: Context, limit = MAX_BODY_BYTES): Promise<unknown> {
  const type = ctx.get('content-type');
  const length = Number(ctx.get('content-length') || 0);
  if (length > limit) {
    // The rest of the body is never read: close the connection rather than leave it stalled.
    ctx.set('connection', 'close');
    throw new HttpError(413, 'body_too_large', `The body is larger than ${limit} bytes.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      ctx.set('connection', 'close');
      throw new HttpError(413, 'body_too_large', `The body is larger than ${limit} bytes.`);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      'Send the body as JSON with Content-Type: application/json.',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
  }
  const forbidden = forbiddenKeyPath(parsed, '');
  if (forbidden !== undefined) {
    throw new HttpError(
      400,
      'invalid_request',
      `Invalid body: ${forbidden} is not an allowed key.`,
    );
  }
  return parsed;
}

/** The path of the first `__proto__`, `constructor` or `prototype` key, at any depth. */
function forbiddenKeyPath(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > 32)
    throw new HttpError(400, 'invalid_request', 'Invalid body: nested more than 32 levels deep.');
  for (const key of Object.keys(value)) {
    const here = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) return here;
    const found = forbiddenKeyPath((value as Record<string, unknown>)[key], here, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

// Keys that could reach an object's prototype if a body were ever merged into another object.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Validates with zod (its full API or `zod/mini`); a failure is a 400 naming each wrong field. */
export function parseWith<T>(schema: z.core.$ZodType<T>, value: unknown, what = 'body'): T {
  const parsed = z.safeParse(schema, value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : what}: ${issue.message}`);
  throw new HttpError(400, 'invalid_request', `Invalid ${what}: ${problems.join('; ')}`);
}

/** Koa middleware turning any error into a JSON answer; unexpected ones are a logged 500. */
export function jsonErrors(onUnexpected: (error: unknown) => void) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (error) {
      if (error instanceof HttpError) {
        ctx.set(error.headers);
        ctx.status = error.status;
        ctx.body = { error: error.code, message: error.message } satisfies ApiErrorBody;
        return;
      }
      // Koa's own errors (`ctx.throw(400)` and the like, in a user's middleware) keep their 4xx.
      const { status, expose, message } = (error ?? {}) as {
        status?: unknown;
        expose?: unknown;
        message?: unknown;
      };
      if (typeof status === 'number' && status >= 400 && status < 500 && expose === true) {
        ctx.status = status;
        ctx.body = {
          error: status === 404 ? 'not_found' : 'bad_request',
          message: typeof message === 'string' ? message.slice(0, 200) : 'Bad request.',
        } satisfies ApiErrorBody;
        return;
      }
      onUnexpected(error);
      ctx.status = 500;
      ctx.body = {
        error: 'internal',
        message: 'Something went wrong on the server; try again.',
      } satisfies ApiErrorBody;
    }
  };
}

/**
 * Whether a browser page at `origin` may use this server: its own origin (same host; the scheme is
 * not compared, since a TLS proxy may sit in front) or one listed in `origins`. `origin` must be a
 * serialised origin, as browsers send it; the list's entries are compared as parsed URLs.
 */
export function originAllowed(
  origin: string,
  host: string | undefined,
  origins: readonly string[],
): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  // Browsers send an origin exactly as the URL serialises it; anything else is not a browser's.
  if (parsed.origin !== origin) return false;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (host !== undefined && parsed.host === host.toLowerCase()) return true;
  return origins.some((allowed) => {
    try {
      return new URL(allowed).origin === parsed.origin;
    } catch {
      return false;
    }
  });
}

/**
 * CORS for the HTTP API: pages of an allowed origin (see `originAllowed`) may call it with a
 * bearer token; preflights are answered here. Other origins get no CORS headers, so browsers keep
 * their pages from reading any answer.
 */
export function cors(origins: readonly string[]) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const origin = ctx.get('origin');
    ctx.vary('Origin');
    const allowed = origin !== '' && originAllowed(origin, ctx.get('host'), origins);
    if (allowed) ctx.set('access-control-allow-origin', origin);
    if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method') !== '') {
      if (allowed) {
        ctx.set('access-control-allow-methods', 'GET, POST, DELETE');
        ctx.set('access-control-allow-headers', 'authorization, content-type, last-event-id');
        ctx.set('access-control-max-age', '600');
      }
      ctx.status = 204;
      return;
    }
    await next();
  };
}
