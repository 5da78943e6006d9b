/**
 * One JSON call of the HTTP API: sends, reads (within a size and a time limit), and checks the
 * answer against the contract, so a caller gets either a valid answer or an `ApiError`.
 */
import type * as z from 'zod/mini';
import { ApiError, badAnswer, errorOfAnswer, networkError, timeoutError } from './errors.js';

/**
 * Largest answer body read, in bytes. The API's answers are small; a hostile server or proxy could
 * otherwise send an endless body and fill the page's memory.
 */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** The `fetch` the client calls, where the server is, and how long a call may take. */
export interface Transport {
  /** The server's origin (and path prefix) without a trailing slash; '' for the page's own. */
  baseUrl: string;
  fetch: typeof fetch;
  /** Longest a call may take, its answer's body included. */
  timeoutMs: number;
}

/** What one call sends. */
export interface CallInit {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  token?: string;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

/** Calls `path` and returns its answer checked by `schema`; throws `ApiError` on any failure. */
export async function call<T>(
  transport: Transport,
  schema: z.ZodMiniType<T>,
  path: string,
  init: CallInit = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), transport.timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout.signal]) : timeout.signal;
  let response: Response;
  let text: string;
  try {
    response = await transport.fetch(
      transport.baseUrl + path,
      noStore({
        method: init.method ?? 'GET',
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal,
      }),
    );
    text = await readBody(response);
  } catch (error) {
    // The caller's own abort is not a failure of the server: it stays fetch's AbortError.
    if (init.signal?.aborted) throw error;
    if (timeout.signal.aborted) throw timeoutError(error);
    if (error instanceof ApiError) throw error;
    throw networkError(error);
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) throw errorOfAnswer(response.status, response.statusText, text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw badAnswer(response.status, error);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw badAnswer(response.status, parsed.error);
  return parsed.data;
}

/**
 * An answer's body as text, read as a stream so that reading stops (and the body is cancelled) at
 * `MAX_ANSWER_BYTES`: a longer body is a `bad_answer`. A network failure while reading is thrown
 * as it is.
 */
export async function readBody(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      reader.cancel().catch(() => {});
      throw badAnswer(response.status, new Error('an answer over 1 MiB'));
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * `init` with `cache: 'no-store'`, so a browser never answers from its HTTP cache. Node's
 * `RequestInit` type lacks `cache` (its fetch accepts it), hence the widened type.
 */
export function noStore(init: RequestInit): RequestInit {
  const widened: RequestInit & { cache: 'no-store' } = { ...init, cache: 'no-store' };
  return widened;
}
