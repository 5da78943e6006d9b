/**
 * A self-reconnecting Server-Sent Events reader over `fetch` (EventSource cannot send an
 * Authorization header), parsed by `eventsource-parser`. It reconnects when the stream drops or
 * goes silent, with full-jitter exponential backoff above a floor that no server (nor a proxy in
 * between) can lower, resumes with `Last-Event-ID`, and gives up on answers retrying cannot fix.
 */
import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';
import { ApiError, NETWORK_ERROR, badAnswer, errorOfAnswer, networkError } from './errors.js';
import { noStore, readBody } from './http.js';

/** Where a live feed stands: `reconnecting` while it waits to retry, `closed` once it gave up. */
export type FeedState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Statuses that retrying cannot fix: the feed closes on them. */
const FINAL_STATUSES = new Set([400, 401, 403, 404]);
/** Largest event (or unfinished line) read before the stream counts as broken. */
const MAX_EVENT_CHARS = 1024 * 1024;
/**
 * Shortest wait before a reconnect. A server's `retry:` can only raise it: a hostile one (or a
 * proxy) sending `retry: 0` and cutting every stream must not turn each page into a request loop.
 */
const MIN_RETRY_MS = 1000;
/**
 * How long a connection must have stayed open for the backoff to start over. Not its first event:
 * a server that sends one event and cuts each stream would otherwise get a flat reconnect rate.
 */
const HEALTHY_MS = 30_000;
/** The ids this kit resumes from: the server's are `updatedAt` in ms. Others are not sent back. */
const EVENT_ID = /^[0-9]{1,15}$/;

/** What `openEventStream` needs. */
export interface EventStreamOptions {
  url: string;
  fetch: typeof fetch;
  headers: Record<string, string>;
  /** Handles one event; an error returned closes the stream with it. */
  onEvent: (event: EventSourceMessage) => ApiError | undefined;
  /** State changes; `error` is why it is `reconnecting` or `closed`. */
  onState: (state: FeedState, error?: ApiError) => void;
  /** Reconnect when no byte (not even a keep-alive comment) arrives for this long. */
  idleTimeoutMs: number;
  /** Longest wait between two attempts. */
  maxDelayMs: number;
}

/** Opens the stream; the returned function closes it for good (and no callback runs after it). */
export function openEventStream(options: EventStreamOptions): () => void {
  let stopped = false;
  let failures = 0;
  let serverRetry: number | undefined;
  let lastEventId = '';
  let openedAt: number | undefined;
  let controller: AbortController | undefined;
  let wake: (() => void) | undefined;

  // Coming back online should not wait out a long backoff (browsers only; Node has no window).
  const page = (globalThis as { window?: EventTarget }).window;
  const onOnline = () => wake?.();
  page?.addEventListener('online', onOnline);

  const report = (state: FeedState, error?: ApiError) => {
    if (!stopped) options.onState(state, error);
  };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    page?.removeEventListener('online', onOnline);
    wake?.();
    controller?.abort();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  /** One connection: returns the error that closes the feed, or throws one to reconnect after. */
  async function connectOnce(): Promise<ApiError> {
    const ctrl = (controller = new AbortController());
    let silent = false;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        silent = true;
        ctrl.abort();
      }, options.idleTimeoutMs);
    };
    const lost = (cause: unknown) =>
      silent
        ? new ApiError(0, NETWORK_ERROR, 'The live feed went silent; reconnecting.', { cause })
        : networkError(cause);
    let final: ApiError | undefined;
    let overflow = false;
    const parser = createParser({
      maxBufferSize: MAX_EVENT_CHARS,
      onEvent: (event) => {
        if (final || stopped) return;
        final = options.onEvent(event);
        // Any other id would be refused by the server (400 closes the feed for good), and one
        // outside Latin-1 makes fetch throw before a request leaves.
        if (!final && event.id !== undefined && EVENT_ID.test(event.id)) lastEventId = event.id;
      },
      onRetry: (ms) => {
        serverRetry = ms;
      },
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') overflow = true;
      },
    });
    try {
      touch();
      const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
      if (lastEventId !== '') headers['last-event-id'] = lastEventId;
      let response: Response;
      try {
        response = await options.fetch(options.url, noStore({ headers, signal: ctrl.signal }));
      } catch (error) {
        throw lost(error);
      }
      if (!response.ok) {
        // Capped, and bounded in time by the idle timer (not touched while it is read).
        const text = await readBody(response).catch(() => '');
        const error = errorOfAnswer(response.status, response.statusText, text);
        if (FINAL_STATUSES.has(response.status)) return error;
        throw error;
      }
      const type = response.headers.get('content-type') ?? '';
      if (!response.body || !/^text\/event-stream\b/i.test(type)) {
        return badAnswer(response.status, new Error(`expected an event stream, got "${type}"`));
      }
      report('open');
      openedAt = Date.now();
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      while (true) {
        const chunk = await reader.read().catch((error: unknown) => {
          throw lost(error);
        });
        if (chunk.done) break;
        touch();
        parser.feed(decoder.decode(chunk.value, { stream: true }));
        if (final) return final;
        if (overflow) return badAnswer(response.status, new Error('an event over 1 MiB'));
      }
      throw new ApiError(0, NETWORK_ERROR, 'The live feed closed; reconnecting.');
    } finally {
      clearTimeout(idle);
      // Ends the connection when the feed closes on an event rather than on the network.
      ctrl.abort();
    }
  }

  void (async () => {
    report('connecting');
    while (!stopped) {
      try {
        const final = await connectOnce();
        report('closed', final);
        stop();
      } catch (error) {
        if (stopped) break;
        if (openedAt !== undefined && Date.now() - openedAt >= HEALTHY_MS) failures = 0;
        openedAt = undefined;
        failures++;
        report('reconnecting', error instanceof ApiError ? error : networkError(error));
        // Never sooner than the floor (which the server's `retry:` may raise, so that a restarting
        // server is not hit by every client at once); then exponential with full jitter up to
        // `maxDelayMs`, which also bounds the floor.
        const floor = Math.min(Math.max(MIN_RETRY_MS, serverRetry ?? 0), options.maxDelayMs);
        const cap = Math.min(options.maxDelayMs, floor * 2 ** Math.min(failures - 1, 10));
        await sleep(floor + Math.random() * (cap - floor));
      }
    }
  })();

  return stop;
}
