/**
 * The retention rule, written once for both repositories: what a prune deletes, in which order,
 * and how long what no policy sets is kept. Each repository runs the statements inside one
 * transaction of its own (`pruneSync` on SQLite, `pruneAsync` on Postgres); only how a list of
 * match ids is bound, and whether rows can be locked by others, differ between them
 * (`PruneDialect`).
 */
import { FAIR_FLOOR, OPEN_IN } from './outbox-sql.js';
import type { PruneResult, RetentionPolicy } from './types.js';

/** One statement of a prune, with `?` placeholders. */
export interface PruneStatement {
  sql: string;
  params: unknown[];
}

/** What a statement gave back: its rows (a SELECT), or how many rows it deleted. */
export interface PruneAnswer {
  rows: unknown[];
  changes: number;
}

/** What the prune's SQL spells differently on each database. */
export interface PruneDialect {
  /** SQL true when `match_id` is one of the ids bound to its `?`. */
  matchIn: string;
  /** The value bound to that `?`. */
  bindMatches(ids: string[]): unknown;
  /**
   * Ends a SELECT whose rows a DELETE then removes: passes over rows another transaction holds
   * ('' where no other transaction can hold one).
   */
  skipLocked: string;
}

/** Chaster retries a webhook for a few minutes; a day of ids is plenty to stay idempotent. */
export const WEBHOOK_IDS_KEPT_MS = 24 * 60 * 60 * 1000;

/** The tables of a match's own rows, deleted with it (its requests are counted apart). */
const MATCH_TABLES = ['matches', 'match_log', 'seats', 'rooms'] as const;

/**
 * The prune, statement by statement: each `yield` hands a statement to the repository's runner and
 * receives its answer. A match with a request still on its way is never deleted.
 */
function* pruneStatements(
  dialect: PruneDialect,
  now: number,
  policy: RetentionPolicy,
): Generator<PruneStatement, PruneResult, PruneAnswer> {
  const stale = (yield {
    sql: `SELECT match_id FROM matches m
          WHERE ((gameover AND updated_at < ?) OR updated_at < ?)
            AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.match_id = m.match_id AND o.status IN ${OPEN_IN})`,
    params: [now - policy.finishedMatchesMs, now - policy.idleMatchesMs],
  }).rows as Array<{ match_id: string }>;
  let requests = 0;
  if (stale.length > 0) {
    const ids = dialect.bindMatches(stale.map((r) => r.match_id));
    for (const table of MATCH_TABLES) {
      yield { sql: `DELETE FROM ${table} WHERE ${dialect.matchIn}`, params: [ids] };
    }
    requests += (yield { sql: `DELETE FROM outbox WHERE ${dialect.matchIn}`, params: [ids] })
      .changes;
  }
  requests += (yield {
    sql: `DELETE FROM outbox WHERE status NOT IN ${OPEN_IN} AND updated_at < ?`,
    params: [now - policy.finalRequestsMs],
  }).changes;
  // A history log is its own record (it names its session and game): kept open whatever happens
  // to its match, deleted once final like a request.
  const historyLogs = (yield {
    sql: `DELETE FROM history_logs WHERE status NOT IN ('queued', 'sending') AND updated_at < ?`,
    params: [now - policy.finalRequestsMs],
  }).changes;
  const logins = (yield { sql: `DELETE FROM logins WHERE expires_at < ?`, params: [now] }).changes;
  const webhookEvents = (yield {
    sql: `DELETE FROM webhook_events WHERE received_at < ?`,
    params: [now - WEBHOOK_IDS_KEPT_MS],
  }).changes;
  // A wearer whose last tag is below the queue's floor starts at the floor either way
  // (outbox/fair-queue.ts): their turn changes no tag. Turns a commit holds now are left for the
  // next prune, so the prune never waits on a move; last, so that a move for a wearer whose turn
  // is being deleted waits only for the prune's commit.
  yield {
    sql: `DELETE FROM fair_turns WHERE session_id IN (
            SELECT session_id FROM fair_turns WHERE last_tag < (${FAIR_FLOOR}) ${dialect.skipLocked})`,
    params: [],
  };
  return { matches: stale.length, requests, historyLogs, logins, webhookEvents };
}

/** Runs the prune with a synchronous runner (SQLite, inside its transaction). */
export function pruneSync(
  run: (statement: PruneStatement) => PruneAnswer,
  dialect: PruneDialect,
  now: number,
  policy: RetentionPolicy,
): PruneResult {
  const steps = pruneStatements(dialect, now, policy);
  let step = steps.next();
  while (!step.done) step = steps.next(run(step.value));
  return step.value;
}

/** Runs the prune with an asynchronous runner (Postgres, inside its transaction). */
export async function pruneAsync(
  run: (statement: PruneStatement) => Promise<PruneAnswer>,
  dialect: PruneDialect,
  now: number,
  policy: RetentionPolicy,
): Promise<PruneResult> {
  const steps = pruneStatements(dialect, now, policy);
  let step = steps.next();
  while (!step.done) step = steps.next(await run(step.value));
  return step.value;
}
