/**
 * `OutboxChanges`: the one place a process hears that outbox rows changed. Storage announces rows
 * after the transaction that changed them commits (inserted by a move, claimed, settled, an
 * outcome recorded, submitted by the webhook); the status feed and the dispatcher listen. On
 * SQLite the store and repository announce directly. On Postgres they NOTIFY inside the
 * transaction and each instance's LISTEN connection announces, so a change made on any instance
 * is heard once on every instance — and nothing else announces.
 */
import type { OutboxRow } from './types.js';

/** Receives rows whose status changed, after their commit. */
export type OutboxChangeListener = (rows: readonly OutboxRow[]) => void;

/** The outbox change announcements of one process. */
export class OutboxChanges {
  private readonly listeners = new Set<OutboxChangeListener>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  /** Listens to every change; returns a function that stops listening. */
  subscribe(listener: OutboxChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Announces committed rows; a listener's throw is reported, never thrown to the committer. */
  announce(rows: readonly OutboxRow[]): void {
    if (rows.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(rows);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
