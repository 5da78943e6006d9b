/**
 * The login: exchanges the mainToken from Chaster's hash for this server's bearer token, and
 * shares the login (and the API bound to its token) with every component below it.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { createApi, createLogin, errorMessage } from './api.js';
import type { Api, Login } from './api.js';

/** Where the login exchange stands. */
export type LoginState =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'ready'; login: Login; api: Api };

/** Exchanges `mainToken` once per mount (and again on `retry`). */
export function useLogin(mainToken: string): { state: LoginState; retry: () => void } {
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<LoginState>({ status: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    setState({ status: 'loading' });
    createLogin(mainToken, controller.signal).then(
      (login) => setState({ status: 'ready', login, api: createApi(login.token) }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: 'error', message: errorMessage(error) });
      },
    );
    // StrictMode and retries mount twice: the first answer must not overwrite the second.
    return () => controller.abort();
  }, [mainToken, attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, retry };
}

/** What components read from the login context. */
export interface SessionContextValue {
  login: Login;
  api: Api;
  /** Exchanges the mainToken again, e.g. after a call answered `token_expired`. */
  renew: () => void;
}

/** The signed-in login; provided by `LoginEntrypoint`. */
export const LoginContext = createContext<SessionContextValue | null>(null);

/** The current login; only valid below `LoginEntrypoint`. */
export function useLoginContext(): SessionContextValue {
  const value = useContext(LoginContext);
  if (!value) throw new Error('useLoginContext outside LoginEntrypoint');
  return value;
}

/** Memoised context value, so consumers re-render only when the login changes. */
export function useLoginValue(login: Login, api: Api, renew: () => void): SessionContextValue {
  return useMemo(() => ({ login, api, renew }), [login, api, renew]);
}
