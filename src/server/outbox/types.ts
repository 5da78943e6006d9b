/**
 * Types of the outbox: one row per recorded verification intent, from commit to final status.
 */
import type { Actor } from '../../chaster/index.js';

/**
 * Every status a request goes through: two open, then the final ones (a delivered request may
 * still become `submitted`).
 */
export const OUTBOX_STATUSES = [
  'queued',
  'sending',
  'delivered',
  'already_pending',
  'suppressed',
  'failed',
  'dead',
  'submitted',
] as const;

/** Where a request stands. */
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** Statuses of rows still on their way: waiting for a send, or out with a lease. */
export const OPEN_STATUSES: readonly OutboxStatus[] = ['queued', 'sending'];

/** Statuses after which the dispatcher never touches a row again. */
export const FINAL_STATUSES: ReadonlySet<OutboxStatus> = new Set(
  OUTBOX_STATUSES.filter((s) => !OPEN_STATUSES.includes(s)),
);

/** One outbox row as stored. */
export interface OutboxRow {
  id: string;
  matchID: string;
  stateID: number;
  index: number;
  playerID: string;
  reason: string;
  requestedBy: 'rules' | 'self';
  requesterID: string | null;
  actor: Actor | null;
  status: OutboxStatus;
  message: string | null;
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  createdAt: number;
  updatedAt: number;
}

/** A request as the status feed shows it to the players of a room. */
export interface VerificationStatus {
  id: string;
  playerID: string;
  reason: string;
  actor: Actor | null;
  status: OutboxStatus;
  message: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The feed's view of a row: no sessionId, no internal fields. */
export function toVerificationStatus(row: OutboxRow): VerificationStatus {
  return {
    id: row.id,
    playerID: row.playerID,
    reason: row.reason,
    actor: row.actor,
    status: row.status,
    message: row.message,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}
