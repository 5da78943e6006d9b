/**
 * An undici Pool whose sockets live in a worker thread. undici (7.30+) writes a request on a
 * reused keep-alive socket only in the check phase that follows the poll phase in which the
 * request was made (GHSA-35p6-xmwp-9g52). On a game server every poll phase is full of moves, so
 * each Chaster call waited for them: milliseconds at the median, tens of them at p99. The
 * worker's event loop has nothing else to do and writes at once; the main thread only posts the
 * request and hears back the answer.
 *
 * It implements the part of undici's `Dispatcher` that the client uses: `dispatch` with the
 * controller-style handler (abort; no pause: answers are small and capped by the client) and
 * `close`.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Dispatcher, Pool } from 'undici';

/** What the client needs of a dispatcher: undici's `dispatch` and `close`. */
export type ChasterDispatcher = Pick<Dispatcher, 'dispatch' | 'close'>;

/** The fields of a request that cross to the worker. */
interface WorkerRequest {
  origin?: string | URL;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | null;
}

/** What the worker posts back, one message per handler event. */
type WorkerEvent =
  | { id: number; type: 'start'; status: number; headers: Record<string, string | string[]> }
  | { id: number; type: 'data'; chunk: Uint8Array }
  | { id: number; type: 'end' }
  | { id: number; type: 'error'; name: string; message: string; code?: string };

// Plain CommonJS, run with `eval`: no build step or file path to resolve at run time.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { Pool } = require(workerData.undici);
const pool = new Pool(workerData.origin, workerData.options);
const controllers = new Map();
const post = (message) => parentPort.postMessage(message);
const failed = (id, error) =>
  post({ id, type: 'error', name: String(error && error.name), message: String(error && error.message), code: error && error.code });
parentPort.on('message', (m) => {
  if (m.type === 'dispatch') {
    const { id, request } = m;
    try {
      pool.dispatch(request, {
        onRequestStart(controller) { controllers.set(id, controller); },
        onResponseStart(_c, status, headers) { post({ id, type: 'start', status, headers }); },
        onResponseData(_c, chunk) { post({ id, type: 'data', chunk }); },
        onResponseEnd() { controllers.delete(id); post({ id, type: 'end' }); },
        onResponseError(_c, error) { controllers.delete(id); failed(id, error); },
      });
    } catch (error) {
      failed(id, error);
    }
  } else if (m.type === 'abort') {
    const controller = controllers.get(m.id);
    controllers.delete(m.id);
    if (controller) controller.abort(new Error('aborted by the caller'));
  } else if (m.type === 'close') {
    pool.close().then(() => parentPort.close());
  }
});
`;

/** A request in flight: its handler and the controller it was given. */
interface Exchange {
  handler: Dispatcher.DispatchHandler;
  controller: Dispatcher.DispatchController;
}

/** Creates a Pool to `origin` with `options`, run in a worker thread. */
export class WorkerPool implements ChasterDispatcher {
  private readonly worker: Worker;
  private readonly exchanges = new Map<number, Exchange>();
  private nextId = 0;
  private closing: Promise<void> | undefined;
  /** Why the worker is gone, once it is: later requests fail with it at once. */
  private gone: Error | undefined;
  private readonly exited: Promise<void>;

  constructor(origin: string, options: Pool.Options) {
    const undici = createRequire(import.meta.url).resolve('undici');
    this.worker = new Worker(WORKER, { eval: true, workerData: { undici, origin, options } });
    // Like an idle socket, an idle worker does not keep the process alive.
    this.worker.unref();
    this.worker.on('message', (event: WorkerEvent) => this.onEvent(event));
    this.worker.on('error', (error) => {
      this.gone = error;
      this.failAll(error);
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        this.gone ??= new Error('the Chaster connection worker exited');
        this.failAll(this.gone);
        resolve();
      }),
    );
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.closing) {
      throw Object.assign(new Error('the client is closed'), { code: 'UND_ERR_CLOSED' });
    }
    if (this.gone) throw this.gone;
    const id = ++this.nextId;
    let reason: Error | null = null;
    const controller: Dispatcher.DispatchController = {
      get aborted() {
        return reason !== null;
      },
      get paused() {
        return false;
      },
      get reason() {
        return reason;
      },
      abort: (error: Error) => {
        if (reason !== null || !this.exchanges.has(id)) return;
        reason = error;
        this.worker.postMessage({ type: 'abort', id });
        this.settle(id);
        handler.onResponseError?.(controller, error);
      },
      pause() {},
      resume() {},
    };
    this.exchanges.set(id, { handler, controller });
    this.worker.ref();
    handler.onRequestStart?.(controller, {});
    if (reason !== null) return true;
    const request: WorkerRequest = {
      origin: options.origin,
      method: options.method,
      path: options.path,
      headers: options.headers as Record<string, string> | undefined,
      body: options.body as string | null | undefined,
    };
    this.worker.postMessage({ type: 'dispatch', id, request });
    return true;
  }

  close(): Promise<void>;
  close(callback: () => void): void;
  close(callback?: () => void): Promise<void> | void {
    this.closing ??= (async () => {
      this.worker.ref();
      this.worker.postMessage({ type: 'close' });
      await this.exited;
    })();
    if (callback) void this.closing.then(callback);
    else return this.closing;
  }

  private onEvent(event: WorkerEvent): void {
    const exchange = this.exchanges.get(event.id);
    if (!exchange) return;
    const { handler, controller } = exchange;
    switch (event.type) {
      case 'start':
        handler.onResponseStart?.(controller, event.status, event.headers);
        break;
      case 'data': {
        const { buffer, byteOffset, byteLength } = event.chunk;
        handler.onResponseData?.(controller, Buffer.from(buffer, byteOffset, byteLength));
        break;
      }
      case 'end':
        this.settle(event.id);
        handler.onResponseEnd?.(controller, {});
        break;
      case 'error':
        this.settle(event.id);
        handler.onResponseError?.(
          controller,
          Object.assign(new Error(event.message), { name: event.name, code: event.code }),
        );
        break;
    }
  }

  /** Forgets a finished exchange; with none left, the worker no longer holds the process. */
  private settle(id: number): void {
    this.exchanges.delete(id);
    if (this.exchanges.size === 0 && !this.closing) this.worker.unref();
  }

  private failAll(error: Error): void {
    for (const [id, { handler, controller }] of this.exchanges) {
      this.settle(id);
      handler.onResponseError?.(controller, error);
    }
  }
}
