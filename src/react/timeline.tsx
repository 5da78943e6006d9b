/**
 * The verification timeline: `VerificationTimeline` lays out statuses it is given (pure), and
 * `LiveVerificationTimeline` feeds it a room's live requests (`useVerifications`).
 */
import { useId, useMemo } from 'react';
import type { ReactNode } from 'react';
import type { FeedState, OutboxStatus, Seat, VerificationStatus } from '../client/index.js';
import { seatName } from './seats.js';
import { useVerifications } from './verifications.js';
import type { VerificationFeed } from './verifications.js';
import { newestFirst } from './verifications.js';
import {
  FEED_STATE_WORDS,
  STATUS_HINTS,
  STATUS_TONES,
  STATUS_WORDS,
  TONE_MARKS,
  actorWords,
  reasonWords,
} from './words.js';

/** Props of `VerificationTimeline`. */
export interface VerificationTimelineProps {
  /** The requests to show, in any order: shown newest first. */
  statuses: readonly VerificationStatus[];
  /** The room's seats, for names; unknown seats read "Player N". */
  seats?: readonly Seat[];
  /** Names by playerID; default: from `seats`. */
  nameOf?: (playerID: string) => string;
  /** The feed's connection, shown in words next to the heading; omit for a static list. */
  state?: FeedState;
  /** Why the feed is reconnecting or closed. */
  error?: Error | null;
  /** Offered as a "Reconnect" button when the feed is closed. */
  onReconnect?: () => void;
  /** The heading; default "Verification requests". */
  title?: ReactNode;
  /** The heading's level; default 2. */
  headingLevel?: 2 | 3 | 4 | 5 | 6;
  /** What shows between the heading and the list (e.g. an action on the viewer's request). */
  children?: ReactNode;
}

/**
 * A room's verification requests, newest first, each with who is asked, the reason, who asked,
 * its status in words (and a mark; colour is never the only cue), the time of its last change
 * (`<time>`), and the message that came with it, e.g. Chaster's own refusal. The list is a polite
 * live region, so screen readers hear new requests and status changes.
 *
 * Markup: `data-testid="timeline"`; each request `data-testid="timeline-item"` with `data-status`,
 * `data-tone`, `data-actor`, `data-player-id`, `data-reason`; the connection
 * `data-testid="timeline-connection"`.
 *
 * Style: import `bgio-chaster/react/styles.css`, then theme it with CSS variables (each has a
 * default): `--bgc-text`, `--bgc-muted`, `--bgc-surface`, `--bgc-border`, `--bgc-accent`,
 * `--bgc-info`, `--bgc-success`, `--bgc-warning`, `--bgc-danger`, `--bgc-radius`.
 */
export function VerificationTimeline({
  statuses,
  seats = [],
  nameOf,
  state,
  error = null,
  onReconnect,
  title = 'Verification requests',
  headingLevel = 2,
  children,
}: VerificationTimelineProps) {
  const headingId = useId();
  const Heading = `h${headingLevel}` as const;
  const name = nameOf ?? ((playerID: string) => seatName(seats, playerID));
  const sorted = useMemo(() => newestFirst(statuses), [statuses]);
  return (
    <section className="bgc-timeline" aria-labelledby={headingId}>
      <div className="bgc-timeline-head">
        <Heading id={headingId}>{title}</Heading>
        {state !== undefined && (
          <span className="bgc-feed-state" data-state={state} data-testid="timeline-connection">
            {FEED_STATE_WORDS[state]}
          </span>
        )}
      </div>
      {state === 'reconnecting' && error !== null && (
        <p className="bgc-feed-problem" role="status">
          {error.message}
        </p>
      )}
      {state === 'closed' && error !== null && (
        <div className="bgc-feed-problem" role="alert" data-tone="danger">
          <p>{error.message}</p>
          {onReconnect && (
            <button type="button" onClick={onReconnect}>
              Reconnect
            </button>
          )}
        </div>
      )}
      {children}
      <ol className="bgc-timeline-list" data-testid="timeline" aria-live="polite">
        {sorted.length === 0 && <li className="bgc-timeline-empty">No requests yet.</li>}
        {sorted.map((item) => (
          <TimelineEntry key={item.id} item={item} who={name(item.playerID)} />
        ))}
      </ol>
    </section>
  );
}

/** A request's status in words, with its tone's mark and a hint (the timeline's and the history's). */
export function StatusBadge({ status }: { status: OutboxStatus }) {
  const tone = STATUS_TONES[status];
  return (
    <span className="bgc-status" data-tone={tone} title={STATUS_HINTS[status]}>
      <span aria-hidden="true">{TONE_MARKS[tone]} </span>
      {STATUS_WORDS[status]}
    </span>
  );
}

/** Chaster's (or the server's) message about a request, when it has one. */
export function ChasterMessage({ message }: { message: string | null }) {
  if (message === null || message === '') return null;
  return <p className="bgc-timeline-message">{message}</p>;
}

/** One request of the timeline. */
function TimelineEntry({ item, who }: { item: VerificationStatus; who: string }) {
  const tone = STATUS_TONES[item.status];
  return (
    <li
      className="bgc-timeline-item"
      data-testid="timeline-item"
      data-status={item.status}
      data-tone={tone}
      data-actor={item.actor ?? ''}
      data-player-id={item.playerID}
      data-reason={item.reason}
    >
      <div className="bgc-timeline-row">
        <span className="bgc-who">{who}</span>
        <StatusBadge status={item.status} />
      </div>
      <div className="bgc-timeline-detail">
        {reasonWords(item.reason)} · asked by {actorWords(item.actor)} ·{' '}
        <time dateTime={item.updatedAt}>{clock(item.updatedAt)}</time>
      </div>
      <ChasterMessage message={item.message} />
    </li>
  );
}

/** Props of `LiveVerificationTimeline`. */
export interface LiveVerificationTimelineProps extends Omit<
  VerificationTimelineProps,
  'statuses' | 'state' | 'error' | 'onReconnect' | 'children'
> {
  /** The room; the signed-in caller must be seated in it. */
  matchID: string;
  /** What shows between the heading and the list, given the live feed. */
  children?: (feed: VerificationFeed) => ReactNode;
}

/** `VerificationTimeline` of a room's live requests, with its connection state; once signed in. */
export function LiveVerificationTimeline({
  matchID,
  children,
  ...props
}: LiveVerificationTimelineProps) {
  const feed = useVerifications(matchID);
  return (
    <VerificationTimeline
      {...props}
      statuses={feed.statuses}
      state={feed.state}
      error={feed.error}
      onReconnect={feed.reconnect}
    >
      {children?.(feed)}
    </VerificationTimeline>
  );
}

/** Time of day of an ISO date, or nothing when it is not a date. */
function clock(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? ''
    : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
