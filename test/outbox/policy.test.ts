/**
 * The delivery policy on its own: each refusal and its one wording, the actor bound at commit from
 * the seats' roles (never from the intent), whom a seat may ask, and the order of the first-claim
 * checks (seats, room, cap, cooldown), which reads the counts only when a check needs them.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  REFUSALS,
  admissionRefusal,
  bindRequest,
  deliveryRefusal,
  isFirstAttempt,
  policyRefusal,
  seatRefusal,
} from '../../src/server/outbox/policy.js';
import type { Asker, FirstClaim, SeatFacts } from '../../src/server/outbox/policy.js';
import type { SeatRole } from '../../src/plugin/index.js';
import { OUTBOX_STATUSES } from '../../src/server/outbox/types.js';

const seatId = fc.constantFrom('0', '1', '2', '3', '4', '5');
const role = fc.constantFrom<SeatRole>('wearer', 'keyholder');
const seatRoles = fc.dictionary(seatId, role).map((d) => new Map(Object.entries(d)));
const asker: fc.Arbitrary<Asker> = fc.record({
  playerID: seatId,
  requestedBy: fc.constantFrom('rules' as const, 'self' as const),
  requesterID: fc.option(seatId, { nil: null }),
});
const seatFacts: fc.Arbitrary<SeatFacts> = fc.record({
  role,
  lockId: fc.constantFrom('lock-a', 'lock-b'),
  sessionId: fc.constantFrom('s-a', 's-b', 's-c'),
});

describe('REFUSALS: one wording per refusal', () => {
  it('words every refusal exactly so, with the status it settles a row with', () => {
    expect({
      targetNotSeated: REFUSALS.targetNotSeated('1'),
      targetUnbound: REFUSALS.targetUnbound('1'),
      requesterNotSeated: REFUSALS.requesterNotSeated('0'),
      requesterNotSeatedNone: REFUSALS.requesterNotSeated(null),
      targetNotWearer: REFUSALS.targetNotWearer('2'),
      notOwnWearer: REFUSALS.notOwnWearer(),
      notThemselves: REFUSALS.notThemselves(),
      noRoom: REFUSALS.noRoom(),
      tooOld: REFUSALS.tooOld(24 * 60 * 60 * 1000),
      capReached: REFUSALS.capReached(1),
      capReachedMany: REFUSALS.capReached(2),
      coolingDown: REFUSALS.coolingDown(15_000, 60_000),
    }).toEqual({
      targetNotSeated: {
        status: 'failed',
        message:
          'No wearer in seat 1: nobody sat there when this was recorded, so nobody is asked.',
      },
      targetUnbound: { status: 'failed', message: 'Seat 1 has no Chaster session.' },
      requesterNotSeated: {
        status: 'failed',
        message: 'Seat 0 has no Chaster session, so it cannot ask for a picture itself.',
      },
      requesterNotSeatedNone: {
        status: 'failed',
        message: 'Seat (none) has no Chaster session, so it cannot ask for a picture itself.',
      },
      targetNotWearer: {
        status: 'failed',
        message: 'Seat 2 is a keyholder; only wearers can be asked for a picture.',
      },
      notOwnWearer: {
        status: 'failed',
        message: 'A keyholder may only ask their own wearer for a picture.',
      },
      notThemselves: {
        status: 'failed',
        message: 'A wearer may only ask for a picture of themselves.',
      },
      noRoom: {
        status: 'failed',
        message:
          'This match has no room, so no room policy allows a request; rooms are made with POST /api/rooms.',
      },
      tooOld: { status: 'dead', message: 'Not delivered within 1440 minutes; given up.' },
      capReached: {
        status: 'suppressed',
        message: 'This room allows 1 request per match; the limit is reached.',
      },
      capReachedMany: {
        status: 'suppressed',
        message: 'This room allows 2 requests per match; the limit is reached.',
      },
      coolingDown: {
        status: 'suppressed',
        message:
          'Cooldown: this wearer was asked 15 s ago; the room waits 60 s between requests (45 s left).',
      },
    });
  });

  it('no two refusals share a wording, and a seat id never puts more than 8 characters in one', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{9,60}$/), (id) => {
        const messages = [
          REFUSALS.targetNotSeated(id),
          REFUSALS.targetUnbound(id),
          REFUSALS.requesterNotSeated(id),
          REFUSALS.targetNotWearer(id),
          REFUSALS.notOwnWearer(),
          REFUSALS.notThemselves(),
          REFUSALS.noRoom(),
        ].map((r) => r.message);
        expect(new Set(messages).size).toBe(messages.length);
        for (const message of messages.slice(0, 4)) {
          expect(message).toContain(id.slice(0, 8));
          expect(message).not.toContain(id.slice(0, 9));
        }
      }),
    );
  });
});

describe('bindRequest: the actor and target bound at commit', () => {
  it('the rules ask as the extension and `self` as the asking seat’s stored role; an unseated target or asker is refused at once with no actor', () => {
    fc.assert(
      fc.property(asker, seatRoles, (a, roles) => {
        const bound = bindRequest(a, roles);
        if (!roles.has(a.playerID)) {
          expect(bound).toEqual({ actor: null, refusal: REFUSALS.targetNotSeated(a.playerID) });
        } else if (a.requestedBy === 'rules') {
          expect(bound).toEqual({ actor: 'extension' });
        } else if (a.requesterID !== null && roles.has(a.requesterID)) {
          expect(bound).toEqual({ actor: roles.get(a.requesterID) });
        } else {
          expect(bound).toEqual({
            actor: null,
            refusal: REFUSALS.requesterNotSeated(a.requesterID),
          });
        }
      }),
    );
  });

  it('the target is checked before the asker', () => {
    expect(
      bindRequest({ playerID: '1', requestedBy: 'self', requesterID: '0' }, new Map()).refusal,
    ).toEqual(REFUSALS.targetNotSeated('1'));
  });
});

describe('seatRefusal: whom a seat may ask', () => {
  it('the target must be a wearer; a keyholder asks only a wearer of their lock, a wearer only about themselves', () => {
    fc.assert(
      fc.property(asker, seatFacts, fc.option(seatFacts, { nil: undefined }), (a, target, by) => {
        const refusal = seatRefusal(a, target, by);
        if (target.role !== 'wearer') {
          expect(refusal).toEqual(REFUSALS.targetNotWearer(a.playerID));
        } else if (a.requestedBy === 'rules') {
          expect(refusal).toBeUndefined();
        } else if (!by) {
          expect(refusal).toEqual(REFUSALS.requesterNotSeated(a.requesterID));
        } else if (by.role === 'keyholder') {
          expect(refusal).toEqual(
            by.lockId === target.lockId ? undefined : REFUSALS.notOwnWearer(),
          );
        } else {
          expect(refusal).toEqual(
            by.sessionId === target.sessionId ? undefined : REFUSALS.notThemselves(),
          );
        }
      }),
    );
  });
});

describe('policyRefusal: the room’s cap and cooldown', () => {
  const policies = fc.record({
    cooldownMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 * 60_000 })),
    maxRequestsPerMatch: fc.integer({ min: 1, max: 50 }),
  });

  it('refuses at the cap first, then within the cooldown (an admission after now counts as just now), else lets the request go', () => {
    fc.assert(
      fc.property(
        policies,
        fc.integer({ min: 0, max: 60 }),
        fc.option(fc.integer({ min: -20 * 60_000, max: 20 * 60_000 }), { nil: null }),
        (policy, charged, lastOffset) => {
          const now = 1_000_000_000;
          const last = lastOffset === null ? null : now + lastOffset;
          const refusal = policyRefusal(policy, charged, last, now);
          if (charged >= policy.maxRequestsPerMatch) {
            expect(refusal).toEqual(REFUSALS.capReached(policy.maxRequestsPerMatch));
          } else if (policy.cooldownMs > 0 && last !== null && now - last < policy.cooldownMs) {
            const ago = Math.max(0, now - last);
            expect(refusal).toEqual(REFUSALS.coolingDown(ago, policy.cooldownMs));
            expect(refusal!.status).toBe('suppressed');
          } else {
            expect(refusal).toBeUndefined();
          }
        },
      ),
    );
  });
});

describe('deliveryRefusal and isFirstAttempt: checked on every claim', () => {
  it('a row older than maxAgeMs is given up before its seat is looked at; an unbound target fails', () => {
    const row = { createdAt: 0, playerID: '1' };
    expect(deliveryRefusal(row, null, 1_001, 1_000)).toEqual(REFUSALS.tooOld(1_000));
    expect(deliveryRefusal(row, null, 1_000, 1_000)).toEqual(REFUSALS.targetUnbound('1'));
    expect(deliveryRefusal(row, 's', 1_000, 1_000)).toBeUndefined();
  });

  it('only a queued row never attempted is a first attempt', () => {
    for (const status of OUTBOX_STATUSES) {
      expect(isFirstAttempt({ attempts: 0, status })).toBe(status === 'queued');
      expect(isFirstAttempt({ attempts: 1, status })).toBe(false);
    }
  });
});

describe('admissionRefusal: the first claim’s checks in order', () => {
  const wearer: SeatFacts = { role: 'wearer', lockId: 'lock-a', sessionId: 's-a' };
  const claim = (over: Partial<FirstClaim>): FirstClaim => ({
    asker: { playerID: '0', requestedBy: 'rules', requesterID: null },
    target: wearer,
    requester: undefined,
    policy: { cooldownMs: 60_000, maxRequestsPerMatch: 1 },
    charged: vi.fn(() => 5),
    lastAdmittedAt: vi.fn(() => 0),
    now: 1_000,
    ...over,
  });

  it('the seats come first, and no count is read for a request they refuse', () => {
    const c = claim({ target: { ...wearer, role: 'keyholder' }, policy: null });
    expect(admissionRefusal(c)).toEqual(REFUSALS.targetNotWearer('0'));
    expect(c.charged).not.toHaveBeenCalled();
    expect(c.lastAdmittedAt).not.toHaveBeenCalled();
  });

  it('then a match without a room is refused, before any count', () => {
    const c = claim({ policy: null });
    expect(admissionRefusal(c)).toEqual(REFUSALS.noRoom());
    expect(c.charged).not.toHaveBeenCalled();
  });

  it('then the cap, then the cooldown; without a cooldown the last admission is never read', () => {
    expect(admissionRefusal(claim({}))).toEqual(REFUSALS.capReached(1));
    const cooling = claim({ charged: () => 0, lastAdmittedAt: () => 500 });
    expect(admissionRefusal(cooling)).toEqual(REFUSALS.coolingDown(500, 60_000));
    const free = claim({ policy: { cooldownMs: 0, maxRequestsPerMatch: 9 }, charged: () => 0 });
    expect(admissionRefusal(free)).toBeUndefined();
    expect(free.lastAdmittedAt).not.toHaveBeenCalled();
  });
});
