/**
 * The lock's history: what the server writes into a wearer's Chaster lock history as custom logs,
 * and how. One log follows each delivered request, and one result log per wearer follows each
 * finished match. They are rows of their own table (`history_logs`), inserted in the transaction of
 * the event they tell, and sent by the dispatcher with the Chaster budget left over once picture
 * requests have had theirs (a log never holds up a request).
 *
 * Never twice: Chaster's custom-log call has no idempotency key, so a send that may have reached
 * Chaster (a crash mid-send, a timeout) marks its row `unsure`; before sending such a row again the
 * dispatcher looks for the log in the lock's history (`searchLogs`) and only sends when it is not
 * there. Each log's text is unique to its event (it names the match and the move), which is what
 * that look compares.
 */
import { ChasterError } from '../../chaster/index.js';
import type { CustomLog } from '../../chaster/index.js';
import type { MatchResult } from '../../api/history.js';
import { retryAfter } from './backoff.js';
import type { RetryRules } from './backoff.js';

/** Every status a history log goes through: two open, then the final ones. */
export const HISTORY_LOG_STATUSES = ['queued', 'sending', 'posted', 'failed', 'dead'] as const;

/** Where a history log stands. */
export type HistoryLogStatus = (typeof HISTORY_LOG_STATUSES)[number];

/** One history log as stored. */
export interface HistoryLogRow {
  id: string;
  kind: 'request' | 'result';
  matchID: string;
  playerID: string;
  /** The wearer's Chaster session: whose lock history it goes into. */
  sessionId: string;
  gameName: string;
  /** A request log's reason (null for a result). */
  reason: string | null;
  /** The move that asked, and the request's place among its intents (null for a result). */
  stateID: number | null;
  index: number | null;
  /** A result log's outcome for the wearer (null for a request). */
  result: MatchResult | null;
  /** A result log's count of requests made to the wearer in the match (null for a request). */
  requests: number | null;
  status: HistoryLogStatus;
  message: string | null;
  attempts: number;
  /** A send may have reached Chaster: look in the history before sending again. */
  unsure: boolean;
  nextAttemptAt: number;
  leaseUntil: number | null;
  createdAt: number;
  updatedAt: number;
}

/** A claimed log and what the dispatcher does with it: send it, or first look for it. */
export interface ClaimedLog {
  row: HistoryLogRow;
  /** `check`: an earlier send may have reached Chaster; find it in the history before sending. */
  job: 'send' | 'check';
}

/** How a log's send or check ended, as recorded on its row. */
export interface LogOutcome {
  id: string;
  status: HistoryLogStatus;
  message: string | null;
  unsure: boolean;
  nextAttemptAt?: number;
  now: number;
}

/** The id of the log that follows the delivery of outbox row `requestId`. */
export function requestLogId(requestId: string): string {
  return `request:${requestId}`;
}

/** The id of the result log of `playerID` in `matchID`. */
export function resultLogId(matchID: string, playerID: string): string {
  return `result:${matchID}:${playerID}`;
}

/**
 * How a match ended for one seat, from boardgame.io's `gameover`: `{winner}` (boardgame.io's
 * convention) or `{winners: [...]}` (this project's games), `{draw: true}`, an empty winner list
 * among several players is a draw; anything else over is `over`, and no gameover is `playing`.
 */
export function matchResult(gameover: unknown, playerID: string): MatchResult {
  if (gameover === undefined || gameover === null) return 'playing';
  if (typeof gameover !== 'object') return 'over';
  const g = gameover as { winner?: unknown; winners?: unknown; draw?: unknown };
  if (g.draw === true) return 'draw';
  if (typeof g.winner === 'string') return g.winner === playerID ? 'won' : 'lost';
  if (Array.isArray(g.winners)) {
    if (g.winners.length === 0) return 'draw';
    return g.winners.includes(playerID) ? 'won' : 'lost';
  }
  return 'over';
}

/** A game's name as a title: `dice-duel` → `Dice Duel`. */
export function gameTitle(name: string): string {
  return name
    .split(/[-_\s]+/)
    .filter((word) => word.length > 0)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join(' ');
}

const RESULT_WORDS: Record<MatchResult, string> = {
  won: 'won the match',
  lost: 'lost the match',
  draw: 'drew the match',
  over: 'finished the match',
  playing: 'is playing',
};

/**
 * The custom log a row becomes. The text names the match and the move, so no two events share
 * one (the look before a second send compares it). Written by the extension, as Chaster shows it.
 */
export function customLogOf(row: HistoryLogRow): CustomLog {
  // A game's name is at most a room's; a reason at most the plugin's bound: both fit Chaster's.
  const game = gameTitle(row.gameName).slice(0, 100);
  if (row.kind === 'request') {
    const nth = row.index !== null && row.index > 0 ? ` (${row.index + 1})` : '';
    const reason = (row.reason ?? 'Requested by the game').slice(0, 1000);
    return {
      title: `${game}: verification picture requested`,
      description: `${reason} (match ${row.matchID}, move ${row.stateID ?? 0}${nth})`,
      role: 'extension',
      icon: 'camera',
    };
  }
  const n = row.requests ?? 0;
  return {
    title: `${game}: the wearer ${RESULT_WORDS[row.result ?? 'over']}`,
    description: `Match ${row.matchID}: ${n} verification picture ${n === 1 ? 'request' : 'requests'} in this match.`,
    role: 'extension',
    icon: 'dice',
  };
}

/** A logged entry of the lock's history, as `searchLogs` gives it. */
export interface HistoryEntry {
  title: string;
  description?: string | null;
  createdAt?: string;
}

/**
 * Whether the history holds `row`'s log: the same title and description, written no earlier than
 * a minute before the row was made (clocks differ; its text names its event, so an older entry
 * with the same text cannot be another event's).
 */
export function historyHolds(entries: readonly HistoryEntry[], row: HistoryLogRow): boolean {
  const log = customLogOf(row);
  const since = row.createdAt - 60_000;
  return entries.some(
    (e) =>
      e.title === log.title &&
      (e.description ?? '') === log.description &&
      (e.createdAt === undefined || !(Date.parse(e.createdAt) < since)),
  );
}

/** How one send or check ended. */
export type LogJobResult =
  | { type: 'posted' }
  | { type: 'found' }
  | { type: 'not_found' }
  | { type: 'error'; error: unknown }
  | { type: 'exhausted' };

/**
 * Whether a failed call may have reached Chaster: only a refusal Chaster answered (a 4xx, a 429)
 * says it did nothing; a timeout, a dropped connection or a 5xx may have come after the write.
 */
function mayHaveReached(error: unknown): boolean {
  if (!(error instanceof ChasterError)) return false;
  return error.status === undefined || error.status >= 500;
}

/**
 * What a send or check makes of its row, at `now`: posted or found → `posted`; not found →
 * `queued` at once, sure; claimed past `maxAttempts` → `dead`; a retryable error → `queued` after a backoff (`unsure` when the call may
 * have reached Chaster), unless `maxAttempts` or `maxAgeMs` is reached (→ `dead`); any other
 * refusal → `failed` with Chaster's message.
 */
export function logOutcomeOf(
  row: HistoryLogRow,
  job: ClaimedLog['job'],
  result: LogJobResult,
  now: number,
  rules: RetryRules,
): LogOutcome {
  const id = row.id;
  if (result.type === 'posted') return { id, status: 'posted', message: null, unsure: false, now };
  if (result.type === 'found') {
    return {
      id,
      status: 'posted',
      message: 'Found in the lock history after an interrupted send.',
      unsure: false,
      now,
    };
  }
  if (result.type === 'exhausted') {
    const message = `Gave up after ${rules.maxAttempts} attempts.`;
    return { id, status: 'dead', message, unsure: row.unsure, now };
  }
  if (result.type === 'not_found') {
    return { id, status: 'queued', message: null, unsure: false, nextAttemptAt: now, now };
  }
  const { error } = result;
  // A look that failed leaves the row as unsure as it was; a send that failed may have landed.
  const unsure = job === 'check' ? true : mayHaveReached(error);
  if (!(error instanceof ChasterError)) {
    return { id, status: 'failed', message: 'Internal error while sending.', unsure, now };
  }
  if (!error.retryable) return { id, status: 'failed', message: error.displayMessage, unsure, now };
  return { id, ...retryAfter(row, error, now, rules), unsure, now };
}
