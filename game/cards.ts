/**
 * The cards of verify-cards: their kinds in the order decks, forms and summaries list them, and
 * what each one does in words. No imports, so the host form and the board can read it.
 */
import type { CardKind } from './types.js';

/** Card kinds of verify-cards, in the order forms and summaries list them. */
export const CARD_KINDS: readonly CardKind[] = ['safe', 'verify', 'skip', 'double', 'shield'];

/** Each card's name and what drawing it does. */
export const CARD_TEXT: Readonly<Record<CardKind, { title: string; text: string }>> = {
  safe: { title: 'Safe', text: 'Nothing happens.' },
  verify: { title: 'Verify', text: 'Send a verification picture (a shield cancels it).' },
  skip: { title: 'Skip', text: 'Skip your next turn.' },
  double: { title: 'Double', text: 'Draw two more cards.' },
  shield: { title: 'Shield', text: 'Cancels your next verify card.' },
};
