/**
 * `MatchHistory`: the recent matches of a lock's wearer as a pure component (feed it
 * `useHistory`'s data): each match's game, dates, the wearer's result, and every request made to
 * the wearer in it, worded and styled as the verification timeline words and styles them.
 */
import { useId } from 'react';
import type { ReactNode } from 'react';
import type { HistoryMatch, MatchResult, VerificationStatus } from '../client/index.js';
import { ChasterMessage, StatusBadge } from './timeline.js';
import { STATUS_TONES, actorWords, reasonWords } from './words.js';
import type { StatusTone } from './words.js';

/** The wearer's result in a word or two, as its badge shows it. */
export const RESULT_WORDS: Readonly<Record<MatchResult, string>> = {
  won: 'won',
  lost: 'lost',
  draw: 'draw',
  over: 'ended',
  playing: 'in play',
};

/** The wearer's result in one sentence, for the badge's title (hover, long-press). */
export const RESULT_HINTS: Readonly<Record<MatchResult, string>> = {
  won: 'The wearer won this match.',
  lost: 'The wearer lost this match.',
  draw: 'This match ended in a draw.',
  over: 'This match is over; its game names no winner.',
  playing: 'This match is still being played.',
};

/** How a result reads at a glance; themes colour each tone (the words always come too). */
export const RESULT_TONES: Readonly<Record<MatchResult, StatusTone>> = {
  won: 'success',
  lost: 'warning',
  draw: 'info',
  over: 'info',
  playing: 'info',
};

/** Props of `MatchHistory`. */
export interface MatchHistoryProps {
  /** The matches, shown in the order given (the server's: newest first). */
  matches: readonly HistoryMatch[];
  /** The lock's title, shown under the heading; omit to leave it out. */
  lockTitle?: string;
  /** A game's title from its name; default: the name in words ("dice-duel" → "dice duel"). */
  gameTitle?: (game: string) => string;
  /** The heading; default "Recent matches". */
  title?: ReactNode;
  /** The heading's level; each match's title is one level below. Default 2. */
  headingLevel?: 2 | 3 | 4 | 5;
  /** What shows at the end of a match (e.g. a button back into a running one). */
  actions?: (match: HistoryMatch) => ReactNode;
  /** What shows between the heading and the list (e.g. a refresh button). */
  children?: ReactNode;
}

/**
 * A wearer's recent matches: for each, the game's title (a heading), the wearer's result in
 * words (with a tone; colour is never the only cue), when the wearer took their seat and when the
 * match last changed (`<time>`), and every request made to the wearer in it, oldest first, with
 * its reason, who asked, its status in words and mark, and the message that came with it.
 *
 * Markup: `data-testid="history"` (the list); each match `data-testid="history-match"` with
 * `data-match-id`, `data-game`, `data-result`, `data-tone`; each request
 * `data-testid="history-request"` with `data-status`, `data-tone`, `data-actor`, `data-reason`.
 *
 * Style: `bgio-chaster/react/styles.css`, themed by the CSS variables `VerificationTimeline`
 * documents (`--bgc-text`, `--bgc-muted`, `--bgc-surface`, `--bgc-border`, `--bgc-info`,
 * `--bgc-success`, `--bgc-warning`, `--bgc-danger`, `--bgc-radius`).
 */
export function MatchHistory({
  matches,
  lockTitle,
  gameTitle = reasonWords,
  title = 'Recent matches',
  headingLevel = 2,
  actions,
  children,
}: MatchHistoryProps) {
  const headingId = useId();
  const Heading = `h${headingLevel}` as const;
  const MatchHeading = `h${headingLevel + 1}` as 'h3' | 'h4' | 'h5' | 'h6';
  return (
    <section className="bgc-history" aria-labelledby={headingId}>
      <Heading id={headingId}>{title}</Heading>
      {lockTitle !== undefined && <p className="bgc-history-lock">Lock: {lockTitle}</p>}
      {children}
      <ol className="bgc-history-list" data-testid="history">
        {matches.length === 0 && <li className="bgc-history-empty">No matches yet.</li>}
        {matches.map((match) => (
          <MatchEntry
            key={match.matchID}
            match={match}
            title={gameTitle(match.game)}
            Heading={MatchHeading}
            actions={actions?.(match)}
          />
        ))}
      </ol>
    </section>
  );
}

/** One match of the history. */
function MatchEntry({
  match,
  title,
  Heading,
  actions,
}: {
  match: HistoryMatch;
  title: string;
  Heading: 'h3' | 'h4' | 'h5' | 'h6';
  actions: ReactNode;
}) {
  const tone = RESULT_TONES[match.result];
  const count = match.requests.length;
  return (
    <li
      className="bgc-history-match"
      data-testid="history-match"
      data-match-id={match.matchID}
      data-game={match.game}
      data-result={match.result}
      data-tone={tone}
    >
      <div className="bgc-history-head">
        <Heading className="bgc-history-game">{title}</Heading>
        <span className="bgc-result" data-tone={tone} title={RESULT_HINTS[match.result]}>
          {RESULT_WORDS[match.result]}
        </span>
      </div>
      <p className="bgc-history-detail">
        Started <time dateTime={match.startedAt}>{dateAndTime(match.startedAt)}</time> · last change{' '}
        <time dateTime={match.updatedAt}>{dateAndTime(match.updatedAt)}</time> · {count}{' '}
        {count === 1 ? 'request' : 'requests'}
      </p>
      {count > 0 && (
        <ol className="bgc-history-requests" aria-label={`Requests in this ${title} match`}>
          {match.requests.map((request) => (
            <RequestEntry key={request.id} request={request} />
          ))}
        </ol>
      )}
      {actions !== undefined && actions !== null && (
        <div className="bgc-history-actions">{actions}</div>
      )}
    </li>
  );
}

/** One request made to the wearer, as the timeline shows one. */
function RequestEntry({ request }: { request: VerificationStatus }) {
  const tone = STATUS_TONES[request.status];
  return (
    <li
      className="bgc-timeline-item"
      data-testid="history-request"
      data-status={request.status}
      data-tone={tone}
      data-actor={request.actor ?? ''}
      data-reason={request.reason}
    >
      <div className="bgc-timeline-row">
        <span className="bgc-who">{reasonWords(request.reason)}</span>
        <StatusBadge status={request.status} />
      </div>
      <div className="bgc-timeline-detail">
        asked by {actorWords(request.actor)} ·{' '}
        <time dateTime={request.updatedAt}>{dateAndTime(request.updatedAt)}</time>
      </div>
      <ChasterMessage message={request.message} />
    </li>
  );
}

/** Date and time of day of an ISO date, or nothing when it is not a date. */
function dateAndTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? ''
    : date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}
