/**
 * What the lobby needs to know about each game: default rules to prefill the host form and the
 * wearer-seat limits, taken from game/rules.ts so that the form and the server's validation never
 * disagree. Loaded on demand: rules.ts brings zod, which the first paint does not need.
 */
import type { RuleDefaults } from './components/lobby/HostForm.js';
import type { GameName } from './api.js';

/** Defaults and limits of every game the host form offers. */
export interface GameInfo {
  defaults: RuleDefaults;
  limits: Record<GameName, { min: number; max: number }>;
}

let loading: Promise<GameInfo> | undefined;

/** Loads the games' rules module once; a failed load is retried on the next call. */
export function loadGameInfo(): Promise<GameInfo> {
  loading ??= import('../game/rules.js').then(
    (rules) => ({
      defaults: {
        'dice-duel': rules.DEFAULT_DICE_DUEL_RULES,
        'verify-cards': rules.DEFAULT_VERIFY_CARDS_RULES,
      },
      limits: rules.WEARER_SEATS,
    }),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}
