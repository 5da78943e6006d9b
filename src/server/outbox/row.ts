/**
 * How an outbox row is made: its id, and a fresh row for an intent bound at commit. A stored row
 * is read back with `toOutboxRow` (`db/rows.ts`); nothing else builds one.
 */
import type { Refusal } from './policy.js';
import type { OutboxRow } from './types.js';

/** The id of the `index`-th intent of a match's state `stateID`: no two intents share one. */
export function outboxRowId(matchID: string, stateID: number, index: number): string {
  return `${matchID}:${stateID}:${index}`;
}

/** An intent bound at commit: what it asks, as whom, and its refusal when refused at once. */
export type BoundIntent = Pick<
  OutboxRow,
  'matchID' | 'stateID' | 'index' | 'playerID' | 'reason' | 'requestedBy' | 'requesterID' | 'actor'
> & { refusal?: Refusal };

/** A fresh outbox row, due at once: `queued`, or settled with its refusal. */
export function newOutboxRow(intent: BoundIntent, now: number): OutboxRow {
  return {
    id: outboxRowId(intent.matchID, intent.stateID, intent.index),
    matchID: intent.matchID,
    stateID: intent.stateID,
    index: intent.index,
    playerID: intent.playerID,
    reason: intent.reason,
    requestedBy: intent.requestedBy,
    requesterID: intent.requesterID,
    actor: intent.actor,
    status: intent.refusal?.status ?? 'queued',
    message: intent.refusal?.message ?? null,
    attempts: 0,
    nextAttemptAt: now,
    leaseUntil: null,
    createdAt: now,
    updatedAt: now,
  };
}
