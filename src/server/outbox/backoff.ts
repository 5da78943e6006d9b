/** Retries of a send to Chaster: the limits, and the full-jitter backoff between attempts. */
import type { ChasterError } from '../../chaster/index.js';

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

/**
 * What a retryable Chaster error makes of a send on its `attempts`-th attempt, made at `createdAt`:
 * `queued` again after a full-jitter backoff, never sooner than Chaster's `retryAfterMs`, unless
 * `maxAttempts` or `maxAgeMs` is reached (`dead`, with the last reason).
 */
export function retryAfter(
  { attempts, createdAt }: { attempts: number; createdAt: number },
  error: ChasterError,
  now: number,
  rules: RetryRules,
):
  | { status: 'dead'; message: string }
  | { status: 'queued'; message: string; nextAttemptAt: number } {
  const reason = `${error.code}${error.status ? ` ${error.status}` : ''}: ${error.displayMessage}`;
  if (attempts >= rules.maxAttempts || now - createdAt >= rules.maxAgeMs) {
    return { status: 'dead', message: `Gave up after ${attempts} attempts; last error ${reason}` };
  }
  const backoff = backoffDelay(attempts, {
    baseMs: rules.backoffBaseMs,
    capMs: rules.backoffCapMs,
    random: rules.random,
  });
  return {
    status: 'queued',
    message: `Retrying after ${reason}`,
    nextAttemptAt: now + Math.max(backoff, error.retryAfterMs ?? 0),
  };
}
