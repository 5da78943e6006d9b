/**
 * The room policy as the claim applies it, on its edges: clocks of several instances (or a claim's
 * `now` taken before it waited for a lock) can put the last admission after `now`.
 */
import { describe, expect, it } from 'vitest';
import { policyRefusal } from '../../src/server/outbox/policy.js';

describe('room policy', () => {
  it('no cooldown never refuses, even when the last admission looks later than now', () => {
    const policy = { cooldownMs: 0, maxRequestsPerMatch: 100 };
    expect(policyRefusal(policy, 1, 1_000, 1_000)).toBeUndefined();
    expect(policyRefusal(policy, 1, 1_500, 1_000)).toBeUndefined();
  });

  it('a cooldown counts an admission after now as just now', () => {
    const refusal = policyRefusal(
      { cooldownMs: 60_000, maxRequestsPerMatch: 100 },
      1,
      1_500,
      1_000,
    );
    expect(refusal).toEqual({
      status: 'suppressed',
      message:
        'Cooldown: this wearer was asked 0 s ago; the room waits 60 s between requests (60 s left).',
    });
  });

  it('the cap comes first', () => {
    expect(policyRefusal({ cooldownMs: 0, maxRequestsPerMatch: 2 }, 2, null, 0)).toMatchObject({
      status: 'suppressed',
      message: 'This room allows 2 requests per match; the limit is reached.',
    });
  });
});
