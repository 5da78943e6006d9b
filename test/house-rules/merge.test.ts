/**
 * The house-rule merge (`src/server/house-rules.ts`): the rules binding a wearer are never looser
 * than the room's nor than their house rules, each held within the operator's bounds, and always
 * within those bounds; each rule a house rule decided gets a sentence saying why.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HouseRulesSchema } from '../../src/api/house-rules.js';
import type { HouseRules } from '../../src/api/house-rules.js';
import { gameAllowed, mergeHouseRules } from '../../src/server/house-rules.js';
import type { OperatorBounds, RoomRules } from '../../src/server/house-rules.js';
import {
  checkDiceDuelRules,
  checkVerifyCardsRules,
  parseDiceDuelRules,
  parseVerifyCardsRules,
} from '../../game/rules.js';

const OPEN: OperatorBounds = { minCooldownSeconds: 0, maxRequestsPerMatch: 100 };

/** A dice-duel room as the game reads its rules: every default filled in. */
const DICE_ROOM = {
  cooldownSeconds: 120,
  maxRequestsPerMatch: 5,
  randomCheckChance: 0,
  keyholderDemands: 1,
  rounds: 3,
  loserRequest: false,
};

// --- arbitraries ---------------------------------------------------------------------------

// Small values often, so that the two sides and the bounds meet, tie and cross one another.
const whole = (max: number) =>
  fc.oneof(
    fc.integer({ min: 0, max: Math.min(6, max) }),
    fc.integer({ min: 0, max }),
    fc.constant(max),
  );
const chance = fc.oneof(
  fc.constantFrom(0, 0.25, 0.5, 1),
  fc.double({ min: 0, max: 1, noNaN: true }),
);
const roomRules = fc.record(
  {
    cooldownSeconds: whole(86_400),
    maxRequestsPerMatch: whole(100),
    randomCheckChance: chance,
    keyholderDemands: whole(5),
    loserRequest: fc.boolean(),
    rounds: fc.integer({ min: 1, max: 9 }),
  },
  // Game rules may be absent: a game without them (verify-cards has no loser).
  { requiredKeys: ['cooldownSeconds', 'maxRequestsPerMatch'] },
);
const houseRules: fc.Arbitrary<HouseRules> = fc.record(
  {
    allowedGames: fc.array(fc.string({ minLength: 1, maxLength: 64 }), { maxLength: 32 }),
    loserRequest: fc.boolean(),
    minRandomCheckChance: chance,
    maxCooldownSeconds: whole(86_400),
    minRequestsPerMatch: whole(100),
    minKeyholderDemands: whole(5),
  },
  { requiredKeys: [] },
);
const operatorBounds: fc.Arbitrary<OperatorBounds> = fc.record({
  minCooldownSeconds: whole(86_400),
  maxRequestsPerMatch: whole(100),
});

const clampCooldown = (seconds: number, bounds: OperatorBounds) =>
  Math.max(seconds, bounds.minCooldownSeconds);
const clampCap = (cap: number, bounds: OperatorBounds) => Math.min(cap, bounds.maxRequestsPerMatch);

// --- properties ----------------------------------------------------------------------------

describe('mergeHouseRules: properties over every room × house rules × operator bounds', () => {
  it('draws only house rules the contract accepts', () => {
    fc.assert(
      fc.property(houseRules, (house) => {
        expect(HouseRulesSchema.safeParse(house).success).toBe(true);
      }),
    );
  });

  it('stays within the operator’s bounds', () => {
    fc.assert(
      fc.property(roomRules, houseRules, operatorBounds, (room, house, bounds) => {
        const { rules } = mergeHouseRules(room, house, bounds);
        expect(rules.cooldownSeconds).toBeGreaterThanOrEqual(bounds.minCooldownSeconds);
        expect(rules.maxRequestsPerMatch).toBeLessThanOrEqual(bounds.maxRequestsPerMatch);
      }),
    );
  });

  it('is at least as strict as the room’s rules, held within the bounds', () => {
    fc.assert(
      fc.property(roomRules, houseRules, operatorBounds, (room, house, bounds) => {
        const { rules } = mergeHouseRules(room, house, bounds);
        expect(rules.cooldownSeconds).toBeLessThanOrEqual(
          clampCooldown(room.cooldownSeconds, bounds),
        );
        expect(rules.maxRequestsPerMatch).toBeGreaterThanOrEqual(
          clampCap(room.maxRequestsPerMatch, bounds),
        );
        if (typeof room.randomCheckChance === 'number')
          expect(rules.randomCheckChance).toBeGreaterThanOrEqual(room.randomCheckChance);
        if (typeof room.keyholderDemands === 'number')
          expect(rules.keyholderDemands).toBeGreaterThanOrEqual(room.keyholderDemands);
        if (room.loserRequest === true) expect(rules.loserRequest).toBe(true);
      }),
    );
  });

  it('is at least as strict as the house rules, held within the bounds, on every rule the game has', () => {
    fc.assert(
      fc.property(roomRules, houseRules, operatorBounds, (room, house, bounds) => {
        const { rules } = mergeHouseRules(room, house, bounds);
        if (house.maxCooldownSeconds !== undefined)
          expect(rules.cooldownSeconds).toBeLessThanOrEqual(
            clampCooldown(house.maxCooldownSeconds, bounds),
          );
        if (house.minRequestsPerMatch !== undefined)
          expect(rules.maxRequestsPerMatch).toBeGreaterThanOrEqual(
            clampCap(house.minRequestsPerMatch, bounds),
          );
        if (house.minRandomCheckChance !== undefined && 'randomCheckChance' in room)
          expect(rules.randomCheckChance).toBeGreaterThanOrEqual(house.minRandomCheckChance);
        if (house.minKeyholderDemands !== undefined && 'keyholderDemands' in room)
          expect(rules.keyholderDemands).toBeGreaterThanOrEqual(house.minKeyholderDemands);
        if (house.loserRequest === true && 'loserRequest' in room)
          expect(rules.loserRequest).toBe(true);
      }),
    );
  });

  it('is no stricter than the stricter side: each rule is the room’s or the house’s, within the bounds', () => {
    fc.assert(
      fc.property(roomRules, houseRules, operatorBounds, (room, house, bounds) => {
        const { rules } = mergeHouseRules(room, house, bounds);
        expect(rules.cooldownSeconds).toBe(
          clampCooldown(
            Math.min(room.cooldownSeconds, house.maxCooldownSeconds ?? Infinity),
            bounds,
          ),
        );
        expect(rules.maxRequestsPerMatch).toBe(
          clampCap(Math.max(room.maxRequestsPerMatch, house.minRequestsPerMatch ?? 0), bounds),
        );
        if (typeof room.randomCheckChance === 'number')
          expect(rules.randomCheckChance).toBe(
            Math.max(room.randomCheckChance, house.minRandomCheckChance ?? 0),
          );
        if (typeof room.keyholderDemands === 'number')
          expect(rules.keyholderDemands).toBe(
            Math.max(room.keyholderDemands, house.minKeyholderDemands ?? 0),
          );
        if (typeof room.loserRequest === 'boolean')
          expect(rules.loserRequest).toBe(room.loserRequest || house.loserRequest === true);
      }),
    );
  });

  it('never adds a rule the room’s game does not have, and leaves every other rule alone', () => {
    fc.assert(
      fc.property(roomRules, houseRules, operatorBounds, (room, house, bounds) => {
        const before = structuredClone(room);
        const { rules } = mergeHouseRules(room, house, bounds);
        expect(Object.keys(rules).sort()).toEqual(Object.keys(room).sort());
        expect(rules.rounds).toBe(room.rounds);
        expect(room).toEqual(before);
      }),
    );
  });

  it('gives a reason exactly for the rules where the house asked for more than the room', () => {
    fc.assert(
      fc.property(roomRules, houseRules, operatorBounds, (room, house, bounds) => {
        const { reasons } = mergeHouseRules(room, house, bounds);
        const asked = {
          cooldownSeconds:
            house.maxCooldownSeconds !== undefined &&
            house.maxCooldownSeconds < clampCooldown(room.cooldownSeconds, bounds),
          maxRequestsPerMatch:
            house.minRequestsPerMatch !== undefined &&
            house.minRequestsPerMatch > clampCap(room.maxRequestsPerMatch, bounds),
          randomCheckChance:
            typeof room.randomCheckChance === 'number' &&
            (house.minRandomCheckChance ?? 0) > room.randomCheckChance,
          keyholderDemands:
            typeof room.keyholderDemands === 'number' &&
            (house.minKeyholderDemands ?? 0) > room.keyholderDemands,
          loserRequest: room.loserRequest === false && house.loserRequest === true,
        };
        for (const [rule, yes] of Object.entries(asked)) {
          expect(rule in reasons, rule).toBe(yes);
          if (yes)
            expect(reasons[rule as keyof typeof reasons]).toMatch(/^Your keyholder requires /);
        }
      }),
    );
  });

  it('keeps the example games’ rules valid for their own validation', () => {
    const diceInput = fc.record(
      {
        cooldownSeconds: whole(86_400),
        maxRequestsPerMatch: whole(100),
        randomCheckChance: chance,
        keyholderDemands: whole(5),
        loserRequest: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(diceInput, houseRules, operatorBounds, (input, house, bounds) => {
        const dice = mergeHouseRules(parseDiceDuelRules(input), house, bounds).rules;
        expect(checkDiceDuelRules(dice)).toBeUndefined();
        const { loserRequest: _, ...common } = input;
        const cards = mergeHouseRules(parseVerifyCardsRules(common), house, bounds).rules;
        expect(checkVerifyCardsRules(cards)).toBeUndefined();
        expect('loserRequest' in cards).toBe(false);
      }),
    );
  });
});

// --- examples ------------------------------------------------------------------------------

describe('mergeHouseRules: the sentences', () => {
  it('no house rules: the room’s rules, nothing to say', () => {
    expect(mergeHouseRules(DICE_ROOM, {}, OPEN)).toEqual({ rules: DICE_ROOM, reasons: {} });
  });

  it('a house rule the room already meets changes nothing and says nothing', () => {
    const house = { maxCooldownSeconds: 600, minRequestsPerMatch: 2, minKeyholderDemands: 1 };
    expect(mergeHouseRules(DICE_ROOM, house, OPEN)).toEqual({ rules: DICE_ROOM, reasons: {} });
  });

  it('each house rule stricter than the room binds, and says why', () => {
    const room = { ...DICE_ROOM, cooldownSeconds: 3600 };
    const house: HouseRules = {
      maxCooldownSeconds: 600,
      minRequestsPerMatch: 10,
      minRandomCheckChance: 0.07,
      minKeyholderDemands: 2,
      loserRequest: true,
    };
    expect(mergeHouseRules(room, house, OPEN)).toEqual({
      rules: {
        ...room,
        cooldownSeconds: 600,
        maxRequestsPerMatch: 10,
        randomCheckChance: 0.07,
        keyholderDemands: 2,
        loserRequest: true,
      },
      reasons: {
        cooldownSeconds: 'Your keyholder requires a cooldown of at most 600 s.',
        maxRequestsPerMatch: 'Your keyholder requires at least 10 requests per match.',
        randomCheckChance: 'Your keyholder requires a random check chance of at least 7%.',
        keyholderDemands: 'Your keyholder requires at least 2 keyholder demands per match.',
        loserRequest:
          'Your keyholder requires that the loser of a round is asked for a verification picture.',
      },
    });
  });

  it('one request, one demand: singular nouns', () => {
    const room = { ...DICE_ROOM, maxRequestsPerMatch: 0, keyholderDemands: 0 };
    const { reasons } = mergeHouseRules(
      room,
      { minRequestsPerMatch: 1, minKeyholderDemands: 1 },
      OPEN,
    );
    expect(reasons.maxRequestsPerMatch).toBe(
      'Your keyholder requires at least 1 request per match.',
    );
    expect(reasons.keyholderDemands).toBe(
      'Your keyholder requires at least 1 keyholder demand per match.',
    );
  });

  it('the operator wins a conflict, and the sentence says so', () => {
    const bounds = { minCooldownSeconds: 300, maxRequestsPerMatch: 8 };
    const { rules, reasons } = mergeHouseRules(
      { ...DICE_ROOM, cooldownSeconds: 900 },
      { maxCooldownSeconds: 60, minRequestsPerMatch: 20 },
      bounds,
    );
    expect(rules.cooldownSeconds).toBe(300);
    expect(rules.maxRequestsPerMatch).toBe(8);
    expect(reasons).toEqual({
      cooldownSeconds:
        "Your keyholder requires a cooldown of at most 60 s, but this server's least cooldown is 300 s, so 300 s applies.",
      maxRequestsPerMatch:
        'Your keyholder requires at least 20 requests per match, but this server allows at most 8, so 8 applies.',
    });
  });

  it('the operator wins even when the room already sits on its bound', () => {
    const { rules, reasons } = mergeHouseRules(
      { ...DICE_ROOM, cooldownSeconds: 300 },
      { maxCooldownSeconds: 60 },
      { minCooldownSeconds: 300, maxRequestsPerMatch: 100 },
    );
    expect(rules.cooldownSeconds).toBe(300);
    expect(reasons.cooldownSeconds).toContain("this server's least cooldown is 300 s");
  });

  it('holds the room’s own rules within the operator’s bounds, without a house rule to blame', () => {
    const { rules, reasons } = mergeHouseRules(
      { ...DICE_ROOM, cooldownSeconds: 10, maxRequestsPerMatch: 50 },
      {},
      { minCooldownSeconds: 30, maxRequestsPerMatch: 20 },
    );
    expect(rules).toMatchObject({ cooldownSeconds: 30, maxRequestsPerMatch: 20 });
    expect(reasons).toEqual({});
  });

  it('a house rule on a rule the game does not have binds nothing (verify-cards has no loser)', () => {
    const cards: RoomRules = { cooldownSeconds: 120, maxRequestsPerMatch: 5, randomCheckChance: 0 };
    const { rules, reasons } = mergeHouseRules(cards, { loserRequest: true }, OPEN);
    expect(rules).toEqual(cards);
    expect(reasons).toEqual({});
  });
});

describe('gameAllowed', () => {
  it('no list allows every game', () => {
    expect(gameAllowed({}, 'dice-duel')).toEqual({ allowed: true });
  });

  it('a list allows only its games, and the refusal names them', () => {
    const house = { allowedGames: ['dice-duel', 'wheel-of-fortune'] };
    expect(gameAllowed(house, 'dice-duel')).toEqual({ allowed: true });
    expect(gameAllowed(house, 'verify-cards')).toEqual({
      allowed: false,
      reason: 'Your keyholder does not allow verify-cards; allowed: dice-duel, wheel-of-fortune.',
    });
  });

  it('an empty list allows no game', () => {
    expect(gameAllowed({ allowedGames: [] }, 'dice-duel')).toEqual({
      allowed: false,
      reason: 'Your keyholder allows no game, so you cannot play dice-duel.',
    });
  });
});
