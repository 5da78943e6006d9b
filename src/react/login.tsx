/**
 * `ChasterLoginProvider`: reads Chaster's iframe hash, signs in with its mainToken, keeps the
 * login fresh (see `createLoginStore`), and shares it with every component below it through
 * `useLogin` and `useSignedIn`.
 */
import { createContext, useContext, useEffect, useMemo, useSyncExternalStore } from 'react';
import type { ReactNode } from 'react';
import { createApiClient, parseChasterHash } from '../client/index.js';
import type { ApiClient, AuthedApiClient, ChasterHash, LoginAnswer } from '../client/index.js';
import { createLoginStore } from './login-store.js';
import type { LoginActions, LoginState } from './login-store.js';

/** What `useLogin` gives: the login's state, the hash it came from, and its actions. */
export type LoginContextValue = LoginState & LoginActions & { hash: ChasterHash };

/** What `useSignedIn` gives: the login, the API bound to its token, and the login's actions. */
export type SignedIn = LoginActions & { login: LoginAnswer; api: AuthedApiClient };

const LoginContext = createContext<LoginContextValue | null>(null);

/** Props of `ChasterLoginProvider`. */
export interface ChasterLoginProviderProps {
  /** The game server's URL or path; default: the page's own origin. */
  baseUrl?: string;
  /** A ready client (a custom `fetch`, tests); `baseUrl` is then unused. */
  client?: ApiClient;
  /** The hash to read; default: the page's `location.hash`, followed as it changes. */
  hash?: string;
  /**
   * What shows instead of `children` until the login is `ready` (signing in, no token, error,
   * expired); it reads the state with `useLogin`. Default `<LoginFallback />`.
   */
  fallback?: ReactNode;
  /** Rendered once signed in; `useSignedIn` works in them. */
  children: ReactNode;
}

/**
 * Signs the page in from Chaster's iframe hash (`#{"mainToken":…}`) and renders `children` once
 * signed in, `fallback` until then. A new mainToken in the hash signs in again.
 */
export function ChasterLoginProvider({
  baseUrl,
  client,
  hash,
  fallback = <LoginFallback />,
  children,
}: ChasterLoginProviderProps) {
  const pageHash = usePageHash();
  const parsed = useMemo(() => parseChasterHash(hash ?? pageHash), [hash, pageHash]);
  const api = useMemo(
    () => client ?? createApiClient(baseUrl === undefined ? {} : { baseUrl }),
    [client, baseUrl],
  );
  const token = parsed.ok ? parsed.mainToken : `no token: ${parsed.reason}`;
  // One store per mainToken: the same token in a new hash is the same login.
  const store = useMemo(() => createLoginStore({ client: api, hash: parsed }), [api, token]);
  useEffect(() => store.start(), [store]);
  const state = useSyncExternalStore(store.subscribe, store.getState, store.getState);
  const value = useMemo<LoginContextValue>(
    () => ({ ...state, hash: parsed, retry: store.retry, report: store.report }),
    [state, parsed, store],
  );
  return (
    <LoginContext value={value}>{value.status === 'ready' ? children : fallback}</LoginContext>
  );
}

/** The login, in whatever state it is; only below `ChasterLoginProvider`. */
export function useLogin(): LoginContextValue {
  const value = useContext(LoginContext);
  if (value === null) throw new Error('useLogin is only available below <ChasterLoginProvider>.');
  return value;
}

/** The signed-in login and its API; only in `ChasterLoginProvider`'s children (once `ready`). */
export function useSignedIn(): SignedIn {
  const value = useLogin();
  if (value.status !== 'ready') {
    throw new Error(
      'useSignedIn is only available once signed in (<ChasterLoginProvider> children).',
    );
  }
  return value;
}

/**
 * The default fallback: a short status line while signing in, else the reason in words
 * (`role="alert"`, `data-testid="login-problem"`) with a "Try again" button where retrying can
 * help.
 */
export function LoginFallback() {
  const login = useLogin();
  if (login.status === 'signing_in' || login.status === 'ready') {
    return (
      <p className="bgc-login" role="status">
        Signing you in with Chaster…
      </p>
    );
  }
  return (
    <div className="bgc-login" role="alert" data-testid="login-problem" data-status={login.status}>
      <p>{login.message}</p>
      {login.status === 'no_token' && (
        <p>Open this page from Chaster: your lock's extensions, or the keyholder's lock page.</p>
      )}
      {login.status === 'error' && (
        <button type="button" onClick={login.retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** The part of `window` read here (absent when rendering on a server). */
interface HashSource {
  addEventListener(type: 'hashchange', listener: () => void): void;
  removeEventListener(type: 'hashchange', listener: () => void): void;
}

const subscribeToHash = (listener: () => void) => {
  const page = (globalThis as { window?: HashSource }).window;
  page?.addEventListener('hashchange', listener);
  return () => page?.removeEventListener('hashchange', listener);
};
const readHash = () => (globalThis as { location?: { hash: string } }).location?.hash ?? '';
const noHash = () => '';

/** The page's hash, followed through `hashchange` (pasting a new link changes only the hash). */
function usePageHash(): string {
  return useSyncExternalStore(subscribeToHash, readHash, noHash);
}
