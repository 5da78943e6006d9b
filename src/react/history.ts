/**
 * `useHistory`: the recent matches of the signed-in lock's wearer (for their keyholder, and for
 * the wearer), polled while the page is visible. A call that says the login expired renews it
 * (`useLogin`).
 */
import type { AuthedApiClient, HistoryAnswer } from '../client/index.js';
import { useSignedIn } from './login.js';
import type { SignedIn } from './login.js';
import { usePoll } from './poll.js';
import type { Polled } from './poll.js';

/**
 * How often the history is loaded again, by default: a match's result and its requests' statuses
 * change while it is played, but nobody watches them second by second.
 */
export const HISTORY_EVERY_MS = 15_000;

/**
 * The recent matches of the signed-in lock's wearer, newest first, with the lock's title; loaded
 * again every `intervalMs` (default 15 s) while the page is visible.
 */
export function useHistory(options: { intervalMs?: number } = {}): Polled<HistoryAnswer> {
  const { api, report } = useSignedIn();
  return usePoll(historyLoader(api, report), options.intervalMs ?? HISTORY_EVERY_MS, [api]);
}

/**
 * What `useHistory` loads: the history, and any error handed to the login first (an expired login
 * is renewed), then rethrown for the hook's `error`.
 */
export function historyLoader(
  api: AuthedApiClient,
  report: SignedIn['report'],
): (signal: AbortSignal) => Promise<HistoryAnswer> {
  return (signal) =>
    api.history({ signal }).catch((error: unknown) => {
      report(error, api);
      throw error;
    });
}
