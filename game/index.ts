/**
 * The example games built on the verification plugin: the game objects by name, the registry,
 * their state and rules types, the rules helpers (schemas, defaults, validation) and the seat
 * helpers the client shares with them.
 */
import { DiceDuel } from './dice-duel.js';
import { GAME_NAMES } from './registry.js';
import type { GameName } from './registry.js';
import { VerifyCards } from './verify-cards.js';

export { DiceDuel, diceDuelSummary } from './dice-duel.js';
export { VerifyCards, verifyCardsSummary } from './verify-cards.js';

/** Every example game object by its name. */
export const GAMES = {
  'dice-duel': DiceDuel,
  'verify-cards': VerifyCards,
} as const satisfies Record<GameName, { name?: string }>;

/** Every example game, in registry order: the server's `games`. */
export const games = GAME_NAMES.map((name) => GAMES[name]);

export { GAME_INFO, GAME_NAMES, isGameName, playerCounts } from './registry.js';
export type { GameInfo, GameName } from './registry.js';
export { CARD_KINDS, CARD_TEXT } from './cards.js';
export {
  DECK_TOTAL,
  DEFAULT_DICE_DUEL_RULES,
  DEFAULT_RULES,
  DEFAULT_VERIFY_CARDS_RULES,
  DiceDuelRulesSchema,
  VerifyCardsRulesSchema,
  checkDiceDuelRules,
  checkVerifyCardsRules,
  deckTotal,
  parseDiceDuelRules,
  parseVerifyCardsRules,
  validateDiceDuelSetup,
  validateVerifyCardsSetup,
} from './rules.js';
export type { DefaultRules, DiceDuelRulesInput, VerifyCardsRulesInput } from './rules.js';
export { MAX_EVENTS } from './shared/log.js';
export { listLabels, playerLabel, wearerSeats, withNames } from './shared/seats.js';
export type * from './types.js';
