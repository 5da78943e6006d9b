/**
 * The token bucket behind the Chaster budget: its arithmetic and nothing else — no I/O, the clock
 * injected. A bucket of `capacity` tokens refills at `ratePerMinute`; a caller takes whole tokens
 * and refunds what it did not use, or spends one token that may run the bucket into debt (down to
 * half a bucket), so that a login is never locked out by a backlog of deliveries.
 *
 *   tokens ──take(n)──▶ up to n whole tokens (refund(k) gives back the k not used);
 *      │                take(n, keep) leaves `keep` for others (history logs leave requests half)
 *      ▲   └─spend()──▶ one token, down to −capacity/2 (whoever takes next waits for the debt)
 *      └── refilled at ratePerMinute, up to capacity
 *
 * `localBudget` is this bucket; `redisBudget` runs the same arithmetic in a Lua script on Redis's
 * clock and shares `msUntilTokens` and `debtFloor` with it.
 */

/** A bucket's size: refilled at `ratePerMinute`, holding at most `capacity` tokens. */
export interface BucketSize {
  ratePerMinute: number;
  capacity: number;
}

/** The lowest a spend may run a bucket: half a bucket of debt. */
export function debtFloor(capacity: number): number {
  return -capacity / 2;
}

/** The ms until a bucket holding `tokens` has refilled to `target` (0 when it holds as many). */
export function msUntilTokens(tokens: number, target: number, ratePerMinute: number): number {
  return tokens >= target ? 0 : ((target - tokens) * 60_000) / ratePerMinute;
}

/** The ms a refused spend waits: until the bucket is a whole token above its debt floor. */
export function msUntilSpendable(tokens: number, { ratePerMinute, capacity }: BucketSize): number {
  return Math.ceil(msUntilTokens(tokens, debtFloor(capacity) + 1, ratePerMinute));
}

/** A token bucket on an injected clock. */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly size: BucketSize,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = size.capacity;
    this.refilledAt = now();
  }

  /**
   * Takes up to `want` whole tokens, leaving at least `keep` in the bucket; returns how many it
   * granted (0 when none is whole).
   */
  take(want: number, keep = 0): number {
    this.refill();
    const granted = Math.max(0, Math.min(want, Math.floor(this.tokens - keep)));
    this.tokens -= granted;
    return granted;
  }

  /** Gives back `n` tokens taken and not used (never above capacity). */
  refund(n: number): void {
    this.tokens = Math.min(this.size.capacity, this.tokens + n);
  }

  /** Spends one token, into debt down to the floor: 0 when spent, else the ms until it may be. */
  spend(): number {
    this.refill();
    if (this.tokens <= debtFloor(this.size.capacity)) {
      return msUntilSpendable(this.tokens, this.size);
    }
    this.tokens -= 1;
    return 0;
  }

  /** The ms until a whole token is free (0 when one is). */
  msUntilToken(): number {
    this.refill();
    return msUntilTokens(this.tokens, 1, this.size.ratePerMinute);
  }

  private refill(): void {
    const t = this.now();
    const { capacity, ratePerMinute } = this.size;
    this.tokens = Math.min(
      capacity,
      this.tokens + ((t - this.refilledAt) * ratePerMinute) / 60_000,
    );
    this.refilledAt = t;
  }
}
