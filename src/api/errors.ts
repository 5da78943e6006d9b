/**
 * The error body of every failed call of the HTTP API.
 */
import * as z from 'zod/mini';

/** Every error answer's body: a stable code and a sentence meant for the user. */
export const ApiErrorBodySchema = z.object({
  /** Stable code (`invalid_request`, `room_not_found`, `token_expired`…). */
  error: z.string().check(z.minLength(1)),
  /** What went wrong, worded for the person using the page. */
  message: z.string(),
});
/** Every error answer's body: a stable code and a sentence meant for the user. */
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;
