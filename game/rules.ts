/**
 * The rules of the example games: zod schemas with defaults and one readable message per problem,
 * the defaults by game, and each game's `validateSetupData` (seats and rules). Browser-safe: the
 * client loads this on demand to prefill its host form, so that the form and the server's
 * validation never disagree.
 */
import { z } from 'zod';
import { CARD_KINDS } from './cards.js';
import { GAME_INFO } from './registry.js';
import type { GameName } from './registry.js';
import type {
  CardKind,
  DiceDuelRules,
  GameSetupData,
  SeatRole,
  VerifyCardsRules,
} from './types.js';

// --- schemas -------------------------------------------------------------------------------

/** A whole-number rule whose message names the rule and its range, whatever is wrong with it. */
function wholeNumber(name: string, min: number, max: number, fallback: number) {
  const error = `${name} must be a whole number from ${min} to ${max}`;
  return z
    .number({ error })
    .int({ error })
    .min(min, { error })
    .max(max, { error })
    .default(fallback);
}

/** A strict object: a typo in a rule name is an error, not a silently ignored key. */
function strictRules<Shape extends z.ZodRawShape>(shape: Shape, what: string, noun = 'rule') {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown ${noun}${issue.keys.length === 1 ? '' : 's'} ${issue.keys
            .map((k) => JSON.stringify(k))
            .join(', ')} in ${what} (known: ${known})`
        : `${what} must be an object`,
  });
}

const commonShape = {
  cooldownSeconds: wholeNumber('cooldownSeconds', 0, 86_400, 120),
  maxRequestsPerMatch: wholeNumber('maxRequestsPerMatch', 0, 100, 5),
  randomCheckChance: z
    .number({ error: 'randomCheckChance must be a number from 0 to 1' })
    .min(0, { error: 'randomCheckChance must be a number from 0 to 1' })
    .max(1, { error: 'randomCheckChance must be a number from 0 to 1' })
    .default(0),
  keyholderDemands: wholeNumber('keyholderDemands', 0, 5, 1),
};

/** Fewest and most cards a verify-cards deck may hold in total. */
export const DECK_TOTAL = { min: 1, max: 80 } as const;

const DeckSchema = strictRules(
  {
    safe: wholeNumber('deck.safe', 0, 30, 10),
    verify: wholeNumber('deck.verify', 0, 30, 4),
    skip: wholeNumber('deck.skip', 0, 30, 3),
    double: wholeNumber('deck.double', 0, 30, 3),
    shield: wholeNumber('deck.shield', 0, 30, 2),
  },
  'deck',
  'card kind',
)
  .superRefine((deck, ctx) => {
    const total = deckTotal(deck);
    if (total < DECK_TOTAL.min || total > DECK_TOTAL.max) {
      ctx.addIssue({
        code: 'custom',
        message: `the deck must hold ${DECK_TOTAL.min} to ${DECK_TOTAL.max} cards in total, these counts make ${total}`,
      });
    }
  })
  // prefault (not default) so a missing deck is parsed too and gets every per-kind default.
  .prefault({});

/** Host-chosen rules of dice-duel; every key is optional and has a default. */
export const DiceDuelRulesSchema = strictRules(
  {
    ...commonShape,
    rounds: wholeNumber('rounds', 1, 9, 3),
    loserRequest: z.boolean({ error: 'loserRequest must be true or false' }).default(true),
  },
  'dice-duel rules',
);

/** Host-chosen rules of verify-cards; every key (and every card kind) is optional and has a default. */
export const VerifyCardsRulesSchema = strictRules(
  { ...commonShape, deck: DeckSchema },
  'verify-cards rules',
);

/** What a host may send as dice-duel rules (before defaults). */
export type DiceDuelRulesInput = z.input<typeof DiceDuelRulesSchema>;
/** What a host may send as verify-cards rules (before defaults). */
export type VerifyCardsRulesInput = z.input<typeof VerifyCardsRulesSchema>;

/** Total number of cards a deck holds. */
export function deckTotal(deck: Readonly<Record<CardKind, number>>): number {
  return CARD_KINDS.reduce((sum, kind) => sum + deck[kind], 0);
}

function firstProblem(result: z.ZodSafeParseResult<unknown>): string | undefined {
  return result.success ? undefined : (result.error.issues[0]?.message ?? 'invalid rules');
}

// `undefined` means "all defaults": matches created without setupData (Local(), a debug client).
// `null` is not undefined: it is refused like any other non-object.
const orDefaults = (input: unknown) => (input === undefined ? {} : input);

/** The first problem with dice-duel rules as one readable sentence, or undefined if they are fine. */
export function checkDiceDuelRules(input: unknown): string | undefined {
  return firstProblem(DiceDuelRulesSchema.safeParse(orDefaults(input)));
}

/** The first problem with verify-cards rules as one readable sentence, or undefined if they are fine. */
export function checkVerifyCardsRules(input: unknown): string | undefined {
  return firstProblem(VerifyCardsRulesSchema.safeParse(orDefaults(input)));
}

/** Dice-duel rules with defaults filled in; throws a RangeError with the readable message if invalid. */
export function parseDiceDuelRules(input: unknown): DiceDuelRules {
  const result = DiceDuelRulesSchema.safeParse(orDefaults(input));
  if (!result.success) throw new RangeError(firstProblem(result));
  return result.data;
}

/** Verify-cards rules with defaults filled in; throws a RangeError with the readable message if invalid. */
export function parseVerifyCardsRules(input: unknown): VerifyCardsRules {
  const result = VerifyCardsRulesSchema.safeParse(orDefaults(input));
  if (!result.success) throw new RangeError(firstProblem(result));
  return result.data;
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}

/** Dice-duel's default rules, to prefill a form (frozen: copy before editing). */
export const DEFAULT_DICE_DUEL_RULES: Readonly<DiceDuelRules> = deepFreeze(parseDiceDuelRules({}));

/** Verify-cards' default rules, to prefill a form (frozen, deck included: copy before editing). */
export const DEFAULT_VERIFY_CARDS_RULES: Readonly<Omit<VerifyCardsRules, 'deck'>> & {
  readonly deck: Readonly<Record<CardKind, number>>;
} = deepFreeze(parseVerifyCardsRules({}));

/** Every game's default rules by name, what the host form prefills. */
export const DEFAULT_RULES = {
  'dice-duel': DEFAULT_DICE_DUEL_RULES,
  'verify-cards': DEFAULT_VERIFY_CARDS_RULES,
} as const satisfies Record<GameName, object>;

/** The default rules of each game, by name. */
export type DefaultRules = typeof DEFAULT_RULES;

// --- seats and setupData -----------------------------------------------------------------

const SeatsSchema = z.array(z.enum(['wearer', 'keyholder']));

/** The seats of a match: as sent, or every seat a wearer when there is no setupData. */
function seatsOf(setupData: unknown, numPlayers: number): unknown {
  if (setupData === undefined) return Array.from({ length: numPlayers }, () => 'wearer');
  return (setupData as { seats?: unknown }).seats;
}

function setupProblem(
  game: GameName,
  setupData: unknown,
  numPlayers: number,
  checkRules: (rules: unknown) => string | undefined,
): string | undefined {
  if (!Number.isInteger(numPlayers) || numPlayers < 1) {
    return `numPlayers must be a whole number of at least 1, got ${String(numPlayers)}`;
  }
  if (setupData !== undefined && (setupData === null || typeof setupData !== 'object')) {
    return 'setupData must be an object { rules, seats }';
  }
  const seats = SeatsSchema.safeParse(seatsOf(setupData, numPlayers));
  if (!seats.success) {
    return `seats must be a list with "wearer" or "keyholder" for each seat`;
  }
  if (seats.data.length !== numPlayers) {
    return `seats lists ${seats.data.length} seats but the match has ${numPlayers} players`;
  }
  const keyholders = seats.data.filter((s) => s === 'keyholder').length;
  if (keyholders > 1) {
    return `a room may have at most one keyholder seat, this one has ${keyholders}`;
  }
  const wearers = seats.data.length - keyholders;
  const { min, max } = GAME_INFO[game].wearers;
  if (wearers < min || wearers > max) {
    return `${game} needs ${min} to ${max} wearer seats, this room has ${wearers}`;
  }
  return checkRules((setupData as { rules?: unknown } | undefined)?.rules);
}

/** `validateSetupData` of dice-duel: one readable message for the first problem, or undefined. */
export function validateDiceDuelSetup(setupData: unknown, numPlayers: number): string | undefined {
  return setupProblem('dice-duel', setupData, numPlayers, checkDiceDuelRules);
}

/** `validateSetupData` of verify-cards: one readable message for the first problem, or undefined. */
export function validateVerifyCardsSetup(
  setupData: unknown,
  numPlayers: number,
): string | undefined {
  return setupProblem('verify-cards', setupData, numPlayers, checkVerifyCardsRules);
}

/**
 * Validated rules and seats for `setup`. boardgame.io's clients call `setup` without ever running
 * `validateSetupData`, so setup checks again and throws rather than start a broken match.
 */
export function readSetup<Rules>(
  game: GameName,
  setupData: GameSetupData<unknown> | undefined,
  numPlayers: number,
  validate: (setupData: unknown, numPlayers: number) => string | undefined,
  parse: (input: unknown) => Rules,
): { rules: Rules; seats: SeatRole[] } {
  const problem = validate(setupData, numPlayers);
  if (problem !== undefined) throw new RangeError(`${game}: ${problem}`);
  return {
    rules: parse(setupData?.rules),
    seats: [...(seatsOf(setupData, numPlayers) as SeatRole[])],
  };
}
