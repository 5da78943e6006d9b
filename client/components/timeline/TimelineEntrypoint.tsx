/** The timeline's data side: the room's live verification feed, merged by request id. */
import { useEffect, useState } from 'react';
import { ApiError } from '../../api.js';
import type { Seat } from '../../api.js';
import type { VerificationStatus } from '../../../src/server/outbox/types.js';
import { useLoginContext } from '../../login.js';
import { openEventStream } from '../../sse.js';
import type { StreamState } from '../../sse.js';
import { TimelineView } from './TimelineView.js';

/** Live state of a room's verification requests. */
export interface VerificationFeedState {
  items: VerificationStatus[];
  state: StreamState;
  /** Why the feed is reconnecting or closed. */
  error: ApiError | null;
}

/** Subscribes to `GET /api/rooms/:matchID/verifications` (SSE) and keeps one entry per id. */
export function useVerifications(
  matchID: string,
  token: string,
): VerificationFeedState & {
  retry: () => void;
} {
  const [items, setItems] = useState<Map<string, VerificationStatus>>(() => new Map());
  const [state, setState] = useState<StreamState>('connecting');
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const close = openEventStream({
      url: `/api/rooms/${encodeURIComponent(matchID)}/verifications`,
      headers: { authorization: `Bearer ${token}` },
      onMessage: (message) => {
        if (message.event !== 'verification') return;
        let item: VerificationStatus;
        try {
          item = JSON.parse(message.data) as VerificationStatus;
        } catch {
          return;
        }
        if (typeof item?.id !== 'string') return;
        // The same id comes again on every status change (and on every reconnect): replace it,
        // unless an older copy arrives after a newer one.
        setItems((prev) => {
          const old = prev.get(item.id);
          if (old && old.updatedAt > item.updatedAt) return prev;
          const next = new Map(prev);
          next.set(item.id, item);
          return next;
        });
      },
      onState: (next, problem) => {
        setState(next);
        setError(
          problem
            ? new ApiError(
                problem.status ?? 0,
                problem.status === 401 ? 'token_expired' : 'stream',
                problem.message,
              )
            : null,
        );
      },
    });
    return close;
  }, [matchID, token, attempt]);

  return {
    items: [...items.values()],
    state,
    error,
    retry: () => setAttempt((n) => n + 1),
  };
}

/** The verification timeline of a room, always shown while seated. */
export function TimelineEntrypoint({ matchID, seats }: { matchID: string; seats: Seat[] }) {
  const { login } = useLoginContext();
  const feed = useVerifications(matchID, login.token);
  return <TimelineView {...feed} seats={seats} />;
}
