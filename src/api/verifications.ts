/**
 * `GET /api/rooms/:matchID/verifications`: a room's verification requests, as JSON or as a live
 * Server-Sent Events feed.
 *
 * The feed sends `retry:`, then one `verification` event per request (its current status), then
 * one per change. Each `verification` event's `id` is its request's `updatedAt` in ms; a client
 * that reconnects with `Last-Event-ID` gets as its first events only the requests changed since
 * about then (a little earlier, so no change is missed; statuses are keyed by request id, so a
 * repeat is harmless). `login_ended` says the login ended and the feed closes.
 */
import * as z from 'zod/mini';
import type { Actor } from '../chaster/schemas.js';
import type { OutboxStatus, VerificationStatus } from '../server/outbox/types.js';
import type { Same } from './same.js';

/** Who Chaster records as asking for a picture (`src/chaster`'s `Actor`). */
export const ActorSchema = z.enum(['wearer', 'keyholder', 'extension']);
const _actor: Same<z.infer<typeof ActorSchema>, Actor> = true;

/** Where a request stands (the server's `OUTBOX_STATUSES`). */
export const OutboxStatusSchema = z.enum([
  'queued',
  'sending',
  'delivered',
  'already_pending',
  'suppressed',
  'failed',
  'dead',
  'submitted',
]);
const _status: Same<z.infer<typeof OutboxStatusSchema>, OutboxStatus> = true;

/** One verification request as the room's seated players see it. */
export const VerificationStatusSchema = z.object({
  /** The request's id, stable across its status changes. */
  id: z.string(),
  /** The seat asked for a picture. */
  playerID: z.string(),
  reason: z.string(),
  /** Who Chaster records as asking; null while not yet bound. */
  actor: z.nullable(ActorSchema),
  status: OutboxStatusSchema,
  /** Why it was refused or failed, or Chaster's answer; null when there is nothing to say. */
  message: z.nullable(z.string()),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});
const _verification: Same<z.infer<typeof VerificationStatusSchema>, VerificationStatus> = true;

/** `GET /api/rooms/:matchID/verifications` answer (JSON): every request of the room. */
export const VerificationListSchema = z.object({ requests: z.array(VerificationStatusSchema) });
/** `GET /api/rooms/:matchID/verifications` answer (JSON): every request of the room. */
export type VerificationList = z.infer<typeof VerificationListSchema>;

/**
 * `POST /api/rooms/:matchID/verifications/sandbox-submit` answer, in sandbox mode only: the
 * caller's pending picture request was answered as if they had submitted a picture.
 */
export const SandboxSubmitAnswerSchema = z.object({ submitted: z.literal(true) });
/** `POST /api/rooms/:matchID/verifications/sandbox-submit` answer (sandbox mode only). */
export type SandboxSubmitAnswer = z.infer<typeof SandboxSubmitAnswerSchema>;

/** The feed's event names: a request's status, and the end of the caller's login. */
export const FEED_EVENTS = { verification: 'verification', loginEnded: 'login_ended' } as const;

/** The id of a status's `verification` event: its `updatedAt` in ms. */
export function feedEventId(status: Pick<VerificationStatus, 'updatedAt'>): string {
  return String(Date.parse(status.updatedAt));
}

/** A `Last-Event-ID` header the feed accepts: an id it sent (digits, bounded), as ms. */
export const LastEventIdSchema = z.pipe(
  z.string().check(z.regex(/^\d{1,15}$/, 'must be the id of an event of this feed')),
  z.transform(Number),
);
