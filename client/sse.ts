/**
 * A Server-Sent Events reader over `fetch`. EventSource cannot send an Authorization header, and
 * the verification feed needs one, so this reads `response.body` and parses the stream itself
 * (WHATWG HTML §9.2 event-stream format), reconnecting with backoff when the stream drops.
 */

/** One dispatched event. */
export interface SseMessage {
  event: string;
  data: string;
  id: string;
}

/** Incremental event-stream parser: feed it decoded text, get whole events back. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  /** Last event id seen. */
  lastEventId = '';
  /** Reconnection delay the server asked for with `retry:`, in ms. */
  retry: number | undefined;

  /** Parses as many complete lines as `chunk` finishes. */
  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      // A trailing CR may be the first half of CRLF: wait for the next chunk to decide.
      if (c === '\r' && i === this.buffer.length - 1) break;
      this.line(this.buffer.slice(start, i), out);
      if (c === '\r' && this.buffer[i + 1] === '\n') i++;
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        out.push({
          event: this.event || 'message',
          data: this.data.join('\n'),
          id: this.lastEventId,
        });
      }
      this.data = [];
      this.event = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
  }
}

/** Where a stream stands: `reconnecting` while waiting to retry, `closed` when it gave up. */
export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Options of `openEventStream`. */
export interface EventStreamOptions {
  url: string;
  headers?: Record<string, string>;
  onMessage: (message: SseMessage) => void;
  /** State changes; `error` is the reason for `reconnecting` or `closed`. */
  onState?: (state: StreamState, error?: StreamError) => void;
  /** HTTP statuses that retrying cannot fix (default 400, 401, 403, 404). */
  fatalStatuses?: number[];
  /** Reconnect if no byte (not even a keep-alive comment) arrives for this long. */
  idleTimeoutMs?: number;
  /** Most time between two attempts. */
  maxDelayMs?: number;
}

/** Opens a self-reconnecting stream; call the returned function to close it for good. */
export function openEventStream(options: EventStreamOptions): () => void {
  const fatal = new Set(options.fatalStatuses ?? [400, 401, 403, 404]);
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  let stopped = false;
  let failures = 0;
  let controller: AbortController | undefined;
  let wake: (() => void) | undefined;
  let serverRetry: number | undefined;

  const setState = (state: StreamState, error?: StreamError) => {
    if (!stopped || state === 'closed') options.onState?.(state, error);
  };

  // Coming back online should not wait out a long backoff.
  const onOnline = () => wake?.();
  window.addEventListener('online', onOnline);

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

  async function connectOnce(): Promise<void> {
    controller = new AbortController();
    const ctrl = controller;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => ctrl.abort(new Error('The live feed went silent.')), idleTimeoutMs);
    };
    try {
      touch();
      const response = await fetch(options.url, {
        headers: { accept: 'text/event-stream', ...options.headers },
        signal: ctrl.signal,
        cache: 'no-store',
      });
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => ({}))) as { message?: unknown };
        const message =
          typeof body.message === 'string' ? body.message : `The feed answered ${response.status}.`;
        throw fatal.has(response.status)
          ? new FatalStreamError(message, response.status)
          : new Error(message);
      }
      setState('open');
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const parser = new SseParser();
      let gotData = false;
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        touch();
        for (const message of parser.push(decoder.decode(value, { stream: true }))) {
          // Only real events prove the connection healthy enough to reset the backoff.
          if (!gotData) failures = 0;
          gotData = true;
          options.onMessage(message);
        }
        serverRetry = parser.retry ?? serverRetry;
      }
      throw new Error('The live feed closed.');
    } finally {
      clearTimeout(idle);
    }
  }

  void (async () => {
    setState('connecting');
    while (!stopped) {
      try {
        await connectOnce();
      } catch (error) {
        if (stopped) break;
        if (error instanceof FatalStreamError) {
          setState('closed', { message: error.message, status: error.status });
          break;
        }
        failures++;
        // fetch's own network errors ("Failed to fetch", "network error") say nothing useful.
        const message =
          error instanceof Error && !(error instanceof TypeError) && error.message
            ? error.message
            : 'The connection to the live feed was lost.';
        setState('reconnecting', { message });
        // Exponential backoff with jitter, never sooner than the server's `retry:` hint, so that a
        // restarting server is not hit by every client at once.
        const base = Math.min(serverRetry ?? 1000, maxDelayMs);
        const cap = Math.min(maxDelayMs, base * 2 ** Math.min(failures - 1, 10));
        await sleep(base + Math.random() * (cap - base));
      }
    }
  })();

  return () => {
    stopped = true;
    window.removeEventListener('online', onOnline);
    wake?.();
    controller?.abort();
  };
}

/** Why a stream is reconnecting or closed; `status` is the HTTP status of a refusal. */
export interface StreamError {
  message: string;
  status?: number;
}

class FatalStreamError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}
