/**
 * The games' default rules for the host form, taken from game/rules.ts so that the form and the
 * server's validation never disagree. Loaded on demand: rules.ts brings zod, which the first
 * paint does not need.
 */
import type { DefaultRules } from '../game/rules.js';

let loading: Promise<DefaultRules> | undefined;

/** Loads the games' rules module once; a failed load is retried on the next call. */
export function loadRuleDefaults(): Promise<DefaultRules> {
  loading ??= import('../game/rules.js').then(
    (rules) => rules.DEFAULT_RULES,
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}
