/**
 * `useVerifications`: a room's verification requests, live, one status per request id, with the
 * feed's connection state. A feed closed because the login expired renews the login, and the
 * feed opens again with the new one.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ApiError, FeedState, VerificationStatus } from '../client/index.js';
import { useSignedIn } from './login.js';

/** A room's live verification requests. */
export interface VerificationFeed {
  /** One status per request id, newest request first. */
  statuses: VerificationStatus[];
  /** The feed's connection: `connecting`, `open`, `reconnecting` or `closed`. */
  state: FeedState;
  /** Why the feed is `reconnecting` or `closed`; null otherwise. */
  error: ApiError | null;
  /** Opens a `closed` feed again. */
  reconnect: () => void;
}

/** Requests by id, for one room. */
interface Statuses {
  matchID: string;
  byId: ReadonlyMap<string, VerificationStatus>;
}

/**
 * `byId` with `status` in it: the same id comes again on each change and on each reconnect, so a
 * status replaces its request's, unless it is older (a late copy). Returns `byId` itself when
 * nothing changes.
 */
export function mergeStatus(
  byId: ReadonlyMap<string, VerificationStatus>,
  status: VerificationStatus,
): ReadonlyMap<string, VerificationStatus> {
  const old = byId.get(status.id);
  if (old !== undefined && Date.parse(old.updatedAt) > Date.parse(status.updatedAt)) return byId;
  const next = new Map(byId);
  next.set(status.id, status);
  return next;
}

/** The statuses newest request first (by `createdAt`, then id), as a timeline shows them. */
export function newestFirst(statuses: Iterable<VerificationStatus>): VerificationStatus[] {
  return [...statuses].sort(
    (a, b) =>
      Date.parse(b.createdAt) - Date.parse(a.createdAt) || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0),
  );
}

/** Follows `GET /api/rooms/:matchID/verifications` live; the caller must be seated in the room. */
export function useVerifications(matchID: string): VerificationFeed {
  const { api, report } = useSignedIn();
  const [statuses, setStatuses] = useState<Statuses>(() => ({ matchID, byId: new Map() }));
  const [state, setState] = useState<FeedState>('connecting');
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    setState('connecting');
    setError(null);
    return api.verifications.subscribe(matchID, {
      onStatus: (status) =>
        setStatuses((prev) => {
          const byId = prev.matchID === matchID ? prev.byId : new Map();
          const next = mergeStatus(byId, status);
          return next === prev.byId ? prev : { matchID, byId: next };
        }),
      onState: (next, problem) => {
        setState(next);
        setError(problem ?? null);
        if (next === 'closed' && problem !== undefined) report(problem, api);
      },
    });
  }, [api, report, matchID, attempt]);

  const reconnect = useCallback(() => setAttempt((n) => n + 1), []);
  const sorted = useMemo(
    () => (statuses.matchID === matchID ? newestFirst(statuses.byId.values()) : []),
    [statuses, matchID],
  );
  return { statuses: sorted, state, error, reconnect };
}
