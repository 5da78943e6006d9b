/**
 * The login: exchanges the mainToken from Chaster's hash for this server's session token, and
 * shares the session (and the API bound to its token) with every component below it.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { createApi, createSession, errorMessage } from './api.js';
import type { Api, Session } from './api.js';

/** Where the session exchange stands. */
export type SessionState =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | { status: 'ready'; session: Session; api: Api };

/** Exchanges `mainToken` once per mount (and again on `retry`). */
export function useSession(mainToken: string): { state: SessionState; retry: () => void } {
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    setState({ status: 'loading' });
    createSession(mainToken, controller.signal).then(
      (session) => setState({ status: 'ready', session, api: createApi(session.token) }),
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

/** What components read from the session context. */
export interface SessionContextValue {
  session: Session;
  api: Api;
  /** Exchanges the mainToken again, e.g. after a call answered `token_expired`. */
  renew: () => void;
}

/** The signed-in session; provided by `SessionEntrypoint`. */
export const SessionContext = createContext<SessionContextValue | null>(null);

/** The current session; only valid below `SessionEntrypoint`. */
export function useSessionContext(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSessionContext outside SessionEntrypoint');
  return value;
}

/** Memoised context value, so consumers re-render only when the session changes. */
export function useSessionValue(
  session: Session,
  api: Api,
  renew: () => void,
): SessionContextValue {
  return useMemo(() => ({ session, api, renew }), [session, api, renew]);
}
