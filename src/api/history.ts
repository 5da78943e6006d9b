/**
 * `GET /api/history`: the recent matches the wearer of the caller's lock played, for that lock's
 * keyholder (and the wearer): game, dates, the wearer's result and every request made to them,
 * including rooms the keyholder never sat in.
 */
import * as z from 'zod/mini';
import { MatchIDSchema } from './rooms.js';
import { VerificationStatusSchema } from './verifications.js';

/** Most matches one answer lists, newest first. */
export const MAX_HISTORY_MATCHES = 20;

/** How a match ended for the wearer; `playing` while it runs, `over` when the game's result has no winner list. */
export const MatchResultSchema = z.enum(['won', 'lost', 'draw', 'over', 'playing']);
/** How a match ended for the wearer. */
export type MatchResult = z.infer<typeof MatchResultSchema>;

/** One match the lock's wearer played, as their keyholder sees it. */
export const HistoryMatchSchema = z.object({
  matchID: MatchIDSchema,
  /** The game's name (`dice-duel`, …). */
  game: z.string(),
  /** The wearer's seat in it. */
  playerID: z.string(),
  result: MatchResultSchema,
  /** When the wearer took the seat (ISO 8601). */
  startedAt: z.iso.datetime({ offset: true }),
  /** The match's last change (ISO 8601). */
  updatedAt: z.iso.datetime({ offset: true }),
  /** Every picture request made to the wearer in it, oldest first, with its status. */
  requests: z.array(VerificationStatusSchema),
});
/** One match the lock's wearer played, as their keyholder sees it. */
export type HistoryMatch = z.infer<typeof HistoryMatchSchema>;

/** `GET /api/history` answer: the lock's wearer's recent matches, newest first. */
export const HistoryAnswerSchema = z.object({
  /** The lock's title, as Chaster named it at login. */
  lockTitle: z.string(),
  matches: z.array(HistoryMatchSchema),
});
/** `GET /api/history` answer: the lock's wearer's recent matches, newest first. */
export type HistoryAnswer = z.infer<typeof HistoryAnswerSchema>;
