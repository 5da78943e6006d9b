/**
 * `useVerifications`: a room's verification requests, live, one status per request id (at most
 * `MAX_STATUSES`, the newest), with the feed's connection state. A feed closed because the login
 * expired renews the login, and the feed opens again with the new one.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ApiError, FeedState, VerificationStatus } from '../client/index.js';
import { useSignedIn } from './login.js';

/** A room's live verification requests. */
export interface VerificationFeed {
  /** One status per request id, newest request first (at most `MAX_STATUSES`). */
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
 * Most requests a feed keeps, the newest created: a room has far fewer, and a server sending
 * endless ids must not grow the page without bound.
 */
export const MAX_STATUSES = 1000;

/**
 * `byId` with `batch` in it, one status per request id, at most `max` of them. The same id comes
 * again on each change and on each reconnect; the copy that arrives last is the current one (the
 * server's snapshot reads its database, then live changes follow in order), whatever its
 * `updatedAt` says (instances' clocks differ). Past `max` ids, the oldest created are dropped down
 * to nine tenths of `max`, so that a stream of new ids does not sort the kept ones once per event.
 * Returns `byId` itself for an empty batch.
 */
export function mergeStatuses(
  byId: ReadonlyMap<string, VerificationStatus>,
  batch: readonly VerificationStatus[],
  max = MAX_STATUSES,
): ReadonlyMap<string, VerificationStatus> {
  if (batch.length === 0) return byId;
  const next = new Map(byId);
  for (const status of batch) next.set(status.id, status);
  if (next.size <= max) return next;
  const kept = newestFirst(next.values()).slice(0, Math.floor(max * 0.9));
  return new Map(kept.map((status) => [status.id, status]));
}

/** The statuses newest request first (by `createdAt`, then id), as a timeline shows them. */
export function newestFirst(statuses: Iterable<VerificationStatus>): VerificationStatus[] {
  // Each date parsed once, not once per comparison.
  return [...statuses]
    .map((status) => ({ status, at: Date.parse(status.createdAt) }))
    .sort(
      (a, b) => b.at - a.at || (b.status.id < a.status.id ? -1 : b.status.id > a.status.id ? 1 : 0),
    )
    .map(({ status }) => status);
}

/**
 * Collects what `push` is given and hands it to `flush` in one array on the next microtask, so
 * that the many events of one read of the stream make one state update, not one each.
 */
export function batched<T>(flush: (items: T[]) => void): { push(item: T): void; cancel(): void } {
  let pending: T[] = [];
  let cancelled = false;
  return {
    push(item) {
      if (cancelled) return;
      pending.push(item);
      if (pending.length > 1) return;
      queueMicrotask(() => {
        const items = pending;
        pending = [];
        if (!cancelled) flush(items);
      });
    },
    cancel() {
      cancelled = true;
      pending = [];
    },
  };
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
    const arrived = batched((batch: VerificationStatus[]) =>
      setStatuses((prev) => ({
        matchID,
        byId: mergeStatuses(prev.matchID === matchID ? prev.byId : new Map(), batch),
      })),
    );
    const stop = api.verifications.subscribe(matchID, {
      onStatus: (status) => arrived.push(status),
      onState: (next, problem) => {
        setState(next);
        setError(problem ?? null);
        if (next === 'closed' && problem !== undefined) report(problem, api);
      },
    });
    return () => {
      stop();
      arrived.cancel();
    };
  }, [api, report, matchID, attempt]);

  const reconnect = useCallback(() => setAttempt((n) => n + 1), []);
  const sorted = useMemo(
    () => (statuses.matchID === matchID ? newestFirst(statuses.byId.values()) : []),
    [statuses, matchID],
  );
  return { statuses: sorted, state, error, reconnect };
}
