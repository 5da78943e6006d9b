/** The verification timeline: one row per request, newest first, with live status badges. */
import type { Seat } from '../../api.js';
import type { VerificationStatus } from '../../../src/server/outbox/types.js';
import { STATUS_HINTS, STATUS_WORDS, actorWords, reasonWords } from '../../labels.js';
import type { StreamState } from '../../sse.js';
import { ErrorBox } from '../common/Feedback.js';
import { seatName } from '../room/Seats.js';

const STATE_WORDS: Record<StreamState, string> = {
  connecting: 'connecting…',
  open: 'live',
  reconnecting: 'reconnecting…',
  closed: 'stopped',
};

/** Time of day of an ISO date, or nothing when it is not a date. */
function clock(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? ''
    : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Renders the requests; `data-testid="timeline"`, rows `timeline-item`. */
export function TimelineView({
  items,
  state,
  error,
  retry,
  seats,
}: {
  items: VerificationStatus[];
  state: StreamState;
  error: Error | null;
  retry: () => void;
  seats: Seat[];
}) {
  const sorted = [...items].sort(
    (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id),
  );
  return (
    <section className="panel timeline" aria-labelledby="timeline-title">
      <div className="section-head">
        <h2 id="timeline-title">Verification requests</h2>
        <span className={`feed-state feed-${state}`} data-testid="timeline-connection">
          {STATE_WORDS[state]}
        </span>
      </div>
      {state === 'reconnecting' && error && (
        <p className="muted small" role="status">
          {error.message} Reconnecting…
        </p>
      )}
      {state === 'closed' && error && (
        <ErrorBox error={error} onRetry={retry} retryLabel="Reconnect" />
      )}
      <ol className="timeline-list" data-testid="timeline" aria-live="polite" aria-relevant="all">
        {sorted.length === 0 && <li className="muted empty">No requests yet.</li>}
        {sorted.map((item) => (
          <li
            key={item.id}
            className={`timeline-item status-${item.status}`}
            data-testid="timeline-item"
            data-status={item.status}
            data-actor={item.actor ?? ''}
            data-player-id={item.playerID}
            data-reason={item.reason}
          >
            <div className="timeline-row">
              <span className="who">
                {seatName(
                  seats.find((s) => s.playerID === item.playerID),
                  item.playerID,
                )}
              </span>
              <span
                className={`badge badge-${item.status}`}
                title={STATUS_HINTS[item.status] ?? item.status}
              >
                {STATUS_WORDS[item.status] ?? item.status}
              </span>
            </div>
            <div className="muted small">
              {reasonWords(item.reason)} · asked by {actorWords(item.actor)} ·{' '}
              <time dateTime={item.updatedAt}>{clock(item.updatedAt)}</time>
            </div>
            {item.message && <p className="timeline-message">{item.message}</p>}
          </li>
        ))}
      </ol>
    </section>
  );
}
