/**
 * The verification status feed: every status change of a room's requests, fanned out to that
 * room's listeners (the SSE streams of its seated players).
 */
import type { OutboxRow, VerificationStatus } from './outbox/types.js';
import { toVerificationStatus } from './outbox/types.js';

/** Receives a room's status changes. */
export type FeedListener = (status: VerificationStatus) => void;

/** Per-room fan-out of verification status changes. */
export class VerificationFeed {
  private readonly rooms = new Map<string, Set<FeedListener>>();

  /** Sends a changed row to its room's listeners. */
  publish(row: OutboxRow): void {
    const listeners = this.rooms.get(row.matchID);
    if (!listeners) return;
    const status = toVerificationStatus(row);
    for (const listener of listeners) listener(status);
  }

  /** Listens to one room; returns a function that stops listening. */
  subscribe(matchID: string, listener: FeedListener): () => void {
    let listeners = this.rooms.get(matchID);
    if (!listeners) this.rooms.set(matchID, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.rooms.delete(matchID);
    };
  }

  /** Number of open listeners, for health and leak checks. */
  get size(): number {
    let n = 0;
    for (const listeners of this.rooms.values()) n += listeners.size;
    return n;
  }
}
