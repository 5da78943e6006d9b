/**
 * The example games built on the verification plugin, their state and rules types, and the rules
 * helpers (schemas, defaults, validation) the client uses for its forms.
 */
import { DiceDuel } from './dice-duel.js';
import { VerifyCards } from './verify-cards.js';

export { DiceDuel, diceDuelSummary } from './dice-duel.js';
export { VerifyCards, verifyCardsSummary } from './verify-cards.js';

/** Every example game, for the server's `games` and the client's game picker. */
export const games = [DiceDuel, VerifyCards];

export {
  CARD_KINDS,
  DECK_TOTAL,
  DEFAULT_DICE_DUEL_RULES,
  DEFAULT_VERIFY_CARDS_RULES,
  DiceDuelRulesSchema,
  VerifyCardsRulesSchema,
  WEARER_SEATS,
  checkDiceDuelRules,
  checkVerifyCardsRules,
  deckTotal,
  parseDiceDuelRules,
  parseVerifyCardsRules,
  playerLabel,
  validateDiceDuelSetup,
  validateVerifyCardsSetup,
  wearerSeats,
} from './rules.js';
export type { DiceDuelRulesInput, VerifyCardsRulesInput } from './rules.js';
export type * from './types.js';
