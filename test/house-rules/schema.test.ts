/**
 * The house-rules contract (`src/api/house-rules.ts`): every field optional, the bounds of the
 * contract, unknown keys refused, and one readable message naming the rule for each problem.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HOUSE_RULE_LIMITS,
  HOUSE_RULE_NAMES,
  HouseRulesSchema,
  SaveHouseRulesBodySchema,
} from '../../src/api/house-rules.js';

function problems(value: unknown): string[] {
  const parsed = HouseRulesSchema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
}

describe('HouseRulesSchema', () => {
  it('takes the whole contract, and nothing at all (which binds nothing)', () => {
    const full = {
      allowedGames: ['dice-duel', 'verify-cards'],
      loserRequest: true,
      minRandomCheckChance: 0.25,
      maxCooldownSeconds: 600,
      minRequestsPerMatch: 3,
      minKeyholderDemands: 2,
    };
    expect(HouseRulesSchema.parse(full)).toEqual(full);
    expect(HouseRulesSchema.parse({})).toEqual({});
    expect(HouseRulesSchema.parse({ allowedGames: [] })).toEqual({ allowedGames: [] });
    expect(Object.keys(full)).toEqual([...HOUSE_RULE_NAMES]);
  });

  it('takes every value at the edges of its bounds', () => {
    for (const [name, bounds] of Object.entries(HOUSE_RULE_LIMITS)) {
      if (!('min' in bounds)) continue;
      expect(problems({ [name]: bounds.min }), name).toEqual([]);
      expect(problems({ [name]: bounds.max }), name).toEqual([]);
    }
    const { maxGames, maxNameLength } = HOUSE_RULE_LIMITS.allowedGames;
    expect(problems({ allowedGames: Array.from({ length: maxGames }, (_, i) => `g${i}`) })).toEqual(
      [],
    );
    expect(problems({ allowedGames: ['x'.repeat(maxNameLength)] })).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['maxCooldownSeconds', 86_401, 'maxCooldownSeconds must be a whole number from 0 to 86400'],
    ['maxCooldownSeconds', -1, 'maxCooldownSeconds must be a whole number from 0 to 86400'],
    ['maxCooldownSeconds', 1.5, 'maxCooldownSeconds must be a whole number from 0 to 86400'],
    ['maxCooldownSeconds', '60', 'maxCooldownSeconds must be a whole number from 0 to 86400'],
    ['minRequestsPerMatch', 101, 'minRequestsPerMatch must be a whole number from 0 to 100'],
    ['minKeyholderDemands', 6, 'minKeyholderDemands must be a whole number from 0 to 5'],
    ['minKeyholderDemands', null, 'minKeyholderDemands must be a whole number from 0 to 5'],
    ['minRandomCheckChance', 1.01, 'minRandomCheckChance must be a number from 0 to 1'],
    ['minRandomCheckChance', -0.1, 'minRandomCheckChance must be a number from 0 to 1'],
    ['minRandomCheckChance', '0.5', 'minRandomCheckChance must be a number from 0 to 1'],
    ['loserRequest', 'yes', 'loserRequest must be true or false'],
    ['allowedGames', 'dice-duel', 'allowedGames must be a list of at most 32 game names'],
    ['allowedGames', Array(33).fill('g'), 'allowedGames must be a list of at most 32 game names'],
    ['allowedGames', [''], 'each name in allowedGames must be 1 to 64 characters'],
    ['allowedGames', ['x'.repeat(65)], 'each name in allowedGames must be 1 to 64 characters'],
    ['allowedGames', [7], 'each name in allowedGames must be 1 to 64 characters'],
  ])('%s = %j is refused: "%s"', (name, value, message) => {
    expect(problems({ [name]: value })).toEqual([message]);
  });

  it('refuses unknown keys, naming them and the known ones', () => {
    expect(problems({ maxCooldown: 60 })).toEqual([
      'unknown house rule "maxCooldown" (known: allowedGames, loserRequest, minRandomCheckChance, maxCooldownSeconds, minRequestsPerMatch, minKeyholderDemands)',
    ]);
    expect(problems({ a: 1, b: 2 })[0]).toMatch(/^unknown house rules "a", "b" \(known: /);
    // However many and however long the unknown keys, the message stays short.
    const many = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`${'k'.repeat(300)}${i}`, 1]),
    );
    expect(problems(many)[0]!.length).toBeLessThan(400);
  });

  it('refuses anything but an object', () => {
    for (const value of [null, [], 'rules', 3, undefined]) {
      expect(problems(value)).toEqual(['house rules must be an object']);
    }
  });

  it('never accepts a number outside its bounds (property)', () => {
    const numeric = ['maxCooldownSeconds', 'minRequestsPerMatch', 'minKeyholderDemands'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...numeric), fc.double(), (name, value) => {
        const { min, max } = HOUSE_RULE_LIMITS[name];
        const fits = Number.isInteger(value) && value >= min && value <= max;
        expect(HouseRulesSchema.safeParse({ [name]: value }).success).toBe(fits);
      }),
    );
  });

  it('SaveHouseRulesBodySchema is {config} with the house rules in it, and nothing else', () => {
    expect(SaveHouseRulesBodySchema.parse({ config: { loserRequest: true } })).toEqual({
      config: { loserRequest: true },
    });
    expect(SaveHouseRulesBodySchema.safeParse({ config: { nope: 1 } }).success).toBe(false);
    expect(SaveHouseRulesBodySchema.safeParse({ config: {}, extra: 1 }).success).toBe(false);
    expect(SaveHouseRulesBodySchema.safeParse({}).success).toBe(false);
  });
});
