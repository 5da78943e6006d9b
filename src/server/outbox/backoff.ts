/** Retries of a send to Chaster: the limits, and the full-jitter backoff between attempts. */

/** The delay before retry number `attempt` (1-based): full jitter over an exponential ceiling. */
export function backoffDelay(
  attempt: number,
  { baseMs, capMs, random }: { baseMs: number; capMs: number; random: () => number },
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** The limits a send's outcome is judged by (`outcomeOf`, `logOutcomeOf`). */
export interface RetryRules {
  maxAttempts: number;
  maxAgeMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  random: () => number;
}
