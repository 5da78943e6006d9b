/**
 * One JSON call of the HTTP API: sends, reads, and checks the answer against the contract, so a
 * caller gets either a valid answer or an `ApiError`.
 */
import type * as z from 'zod/mini';
import { badAnswer, errorOfAnswer, networkError } from './errors.js';

/** The `fetch` the client calls, and where the server is. */
export interface Transport {
  /** The server's origin (and path prefix) without a trailing slash; '' for the page's own. */
  baseUrl: string;
  fetch: typeof fetch;
}

/** What one call sends. */
export interface CallInit {
  method?: 'GET' | 'POST' | 'DELETE';
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
  let response: Response;
  let text: string;
  try {
    response = await transport.fetch(
      transport.baseUrl + path,
      noStore({
        method: init.method ?? 'GET',
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal,
      }),
    );
    text = await response.text();
  } catch (error) {
    // The caller's own abort is not a failure of the server: it stays fetch's AbortError.
    if (init.signal?.aborted) throw error;
    throw networkError(error);
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
 * `init` with `cache: 'no-store'`, so a browser never answers from its HTTP cache. Node's
 * `RequestInit` type lacks `cache` (its fetch accepts it), hence the widened type.
 */
export function noStore(init: RequestInit): RequestInit {
  const widened: RequestInit & { cache: 'no-store' } = { ...init, cache: 'no-store' };
  return widened;
}
