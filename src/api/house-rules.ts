/**
 * House rules: what a keyholder saves on the configuration page, as the extension's config on
 * their wearer's lock. They bind every room that wearer plays in; every field is optional and an
 * absent one binds nothing. The server reads them from the Chaster session at login and applies
 * the stricter of each room's rules and them (`src/server/house-rules.ts`).
 */
import * as z from 'zod/mini';

/** The bounds of each house rule, for the configuration page's form and the schema alike. */
export const HOUSE_RULE_LIMITS = {
  /** Most games a keyholder may list, and the longest name. */
  allowedGames: { maxGames: 32, maxNameLength: 64 },
  minRandomCheckChance: { min: 0, max: 1 },
  maxCooldownSeconds: { min: 0, max: 86_400 },
  minRequestsPerMatch: { min: 0, max: 100 },
  minKeyholderDemands: { min: 0, max: 5 },
} as const;

/** The names of the house rules, in the order the configuration page shows them. */
export const HOUSE_RULE_NAMES = [
  'allowedGames',
  'loserRequest',
  'minRandomCheckChance',
  'maxCooldownSeconds',
  'minRequestsPerMatch',
  'minKeyholderDemands',
] as const;

/** A whole-number house rule whose one message names the rule and its range. */
function wholeNumber(name: 'maxCooldownSeconds' | 'minRequestsPerMatch' | 'minKeyholderDemands') {
  const { min, max } = HOUSE_RULE_LIMITS[name];
  const error = `${name} must be a whole number from ${min} to ${max}`;
  return z.optional(z.int({ error }).check(z.minimum(min, { error }), z.maximum(max, { error })));
}

const { maxGames, maxNameLength } = HOUSE_RULE_LIMITS.allowedGames;
const gameNameError = `each name in allowedGames must be 1 to ${maxNameLength} characters`;
const allowedGamesError = `allowedGames must be a list of at most ${maxGames} game names`;
const chance = HOUSE_RULE_LIMITS.minRandomCheckChance;
const chanceError = `minRandomCheckChance must be a number from ${chance.min} to ${chance.max}`;

/**
 * The house rules a keyholder saves (the extension's config). Unknown keys are refused, so a
 * misspelt rule is an error rather than a rule that silently binds nothing. An empty
 * `allowedGames` allows no game.
 */
export const HouseRulesSchema = z.strictObject(
  {
    /** The games the wearer may play; absent: every game. */
    allowedGames: z.optional(
      z
        .array(
          z
            .string({ error: gameNameError })
            .check(
              z.minLength(1, { error: gameNameError }),
              z.maxLength(maxNameLength, { error: gameNameError }),
            ),
          { error: allowedGamesError },
        )
        .check(z.maxLength(maxGames, { error: allowedGamesError })),
    ),
    /** When true, the loser of a round is always asked for a picture (where a game has losers). */
    loserRequest: z.optional(z.boolean({ error: 'loserRequest must be true or false' })),
    /** The least chance (0–1) per round of a surprise check. */
    minRandomCheckChance: z.optional(
      z
        .number({ error: chanceError })
        .check(
          z.minimum(chance.min, { error: chanceError }),
          z.maximum(chance.max, { error: chanceError }),
        ),
    ),
    /** The longest cooldown (seconds) a room may keep between two requests to the wearer. */
    maxCooldownSeconds: wholeNumber('maxCooldownSeconds'),
    /** The least cap on requests per match a room may keep. */
    minRequestsPerMatch: wholeNumber('minRequestsPerMatch'),
    /** The least number of `demand`s the seated keyholder may play per match. */
    minKeyholderDemands: wholeNumber('minKeyholderDemands'),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown house rule${issue.keys.length === 1 ? '' : 's'} ${issue.keys
            // A few, each cut short: the message repeats what was sent, which may be large.
            .slice(0, 5)
            .map((key) => JSON.stringify(key.slice(0, 40)))
            .join(', ')} (known: ${HOUSE_RULE_NAMES.join(', ')})`
        : 'house rules must be an object',
  },
);
/** The house rules a keyholder saves; every field optional, an absent one binds nothing. */
export type HouseRules = z.infer<typeof HouseRulesSchema>;

/** `PUT` body of the configuration page's save: `{config}`, the house rules. */
export const SaveHouseRulesBodySchema = z.strictObject({ config: HouseRulesSchema });
/** `PUT` body of the configuration page's save: `{config}`, the house rules. */
export type SaveHouseRulesBody = z.infer<typeof SaveHouseRulesBodySchema>;
