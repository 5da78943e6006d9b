/**
 * The login's life, without React: exchange Chaster's mainToken for a login, renew it once with
 * the same mainToken when it expires (its `expiresAt` comes, or a call answers that it expired),
 * and after that say to open the game again from Chaster. `ChasterLoginProvider` renders it; this
 * module holds the rules so that they can be tested without a page.
 */
import { ApiError, errorMessage } from '../client/index.js';
import type { ApiClient, AuthedApiClient, ChasterHash, LoginAnswer } from '../client/index.js';

/**
 * Where the login stands: `no_token` (the page has no usable Chaster hash), `signing_in`,
 * `ready`, `error` (retrying may help) or `expired` (only opening the game again from Chaster
 * helps).
 */
export type LoginState =
  | { status: 'no_token'; message: string }
  | { status: 'signing_in' }
  | { status: 'ready'; login: LoginAnswer; api: AuthedApiClient }
  | { status: 'error'; error: unknown; message: string }
  | { status: 'expired'; message: string };

/** What the login lets its users do besides reading its state. */
export interface LoginActions {
  /** Exchanges the mainToken again now: after an error, or to renew a login (stays `ready`). */
  retry(): void;
  /**
   * Hands over a failed call's error: an `ApiError` saying the login expired renews it (once;
   * then the state is `expired`). `from` is the client that failed: an error of a login already
   * replaced is ignored. Other errors are left to the caller.
   */
  report(error: unknown, from?: AuthedApiClient): void;
}

/** A login's state, its changes, and its actions. */
export interface LoginStore extends LoginActions {
  getState(): LoginState;
  subscribe(listener: () => void): () => void;
  /** Signs in (unless already signed in) and keeps the login fresh; returns what stops it. */
  start(): () => void;
}

/** What `createLoginStore` needs. */
export interface LoginStoreOptions {
  client: ApiClient;
  /** The page's Chaster hash, read by `parseChasterHash`. */
  hash: ChasterHash;
  /** How long before its `expiresAt` a login is renewed; default 30 s. */
  renewBeforeMs?: number;
  /** The clock; default `Date.now`. */
  now?: () => number;
}

/** What the page says once the login cannot be renewed any more. */
export const LOGIN_EXPIRED_MESSAGE = 'Your login has expired: open the game again from Chaster.';

/** setTimeout's longest delay; a later expiry is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Makes the store of one page's login from one mainToken. */
export function createLoginStore(options: LoginStoreOptions): LoginStore {
  const { client, hash } = options;
  const renewBeforeMs = options.renewBeforeMs ?? 30_000;
  const now = options.now ?? Date.now;
  const listeners = new Set<() => void>();
  let state: LoginState = hash.ok
    ? { status: 'signing_in' }
    : { status: 'no_token', message: hash.reason };
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  // The one automatic renewal a mainToken gets: Chaster's mainToken and our login last about as
  // long, so a second one would fail anyway, and a server that keeps refusing must not make the
  // page sign in again and again.
  let renewed = false;

  const set = (next: LoginState) => {
    state = next;
    for (const listener of [...listeners]) listener();
  };

  function exchange() {
    if (!hash.ok) return;
    controller?.abort();
    clearTimeout(timer);
    const ctrl = (controller = new AbortController());
    // A renewal keeps the page as it is (still `ready`) until the new login arrives.
    if (state.status !== 'ready' && state.status !== 'signing_in') set({ status: 'signing_in' });
    client.login(hash.mainToken, { signal: ctrl.signal }).then(
      (login) => {
        if (ctrl.signal.aborted) return;
        set({ status: 'ready', login, api: client.withToken(login.token) });
        schedule(login);
      },
      (error: unknown) => {
        if (ctrl.signal.aborted) return;
        if (error instanceof ApiError && error.status === 401) {
          set({ status: 'expired', message: error.message });
        } else {
          set({ status: 'error', error, message: messageOf(error) });
        }
      },
    );
  }

  function schedule(login: LoginAnswer) {
    const wait = Date.parse(login.expiresAt) - renewBeforeMs - now();
    timer = setTimeout(
      () => (wait > MAX_TIMER_MS ? schedule(login) : expire()),
      Math.min(Math.max(wait, 0), MAX_TIMER_MS),
    );
  }

  function expire(error?: ApiError) {
    if (renewed) {
      controller?.abort();
      clearTimeout(timer);
      set({ status: 'expired', message: error?.message ?? LOGIN_EXPIRED_MESSAGE });
      return;
    }
    renewed = true;
    exchange();
  }

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start() {
      running = true;
      if (state.status === 'signing_in') exchange();
      else if (state.status === 'ready') schedule(state.login);
      // Stopped mid-exchange (React's StrictMode mounts twice), the next start signs in again.
      return () => {
        running = false;
        controller?.abort();
        clearTimeout(timer);
      };
    },
    retry() {
      if (running) exchange();
    },
    report(error, from) {
      if (!running || state.status !== 'ready') return;
      if (from !== undefined && from !== state.api) return;
      if (error instanceof ApiError && error.loginExpired) expire(error);
    },
  };
}

function messageOf(error: unknown): string {
  return errorMessage(error, 'Signing in failed; try again.');
}
