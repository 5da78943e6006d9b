/**
 * The host form's rules and the app's words for its games: an untouched form sends each game's
 * default rules exactly, an emptied field is left out for the game's default, and every game has
 * a title (request statuses are worded by the kit: test/kit/react.test.tsx).
 */
import { describe, expect, it } from 'vitest';
import { fieldsOf, rulesOf } from '../../client/components/lobby/rule-fields.js';
import { gameTitle, summaryLabel } from '../../client/labels.js';
import { GAME_INFO, GAME_NAMES } from '../../game/registry.js';
import { DEFAULT_RULES, checkDiceDuelRules, checkVerifyCardsRules } from '../../game/rules.js';

describe('host form rules', () => {
  it.each(GAME_NAMES)('an untouched form sends the default rules of %s', (game) => {
    expect(rulesOf(game, fieldsOf(game, DEFAULT_RULES))).toEqual(DEFAULT_RULES[game]);
  });

  it('an emptied field is left out; what is typed is sent as typed, for the server to judge', () => {
    const fields = fieldsOf('dice-duel', DEFAULT_RULES);
    const rules = rulesOf('dice-duel', {
      ...fields,
      rounds: ' ',
      cooldownSeconds: 'soon',
      randomCheckPercent: '12.5',
    });
    expect(rules).not.toHaveProperty('rounds');
    expect(rules).toMatchObject({ cooldownSeconds: null, randomCheckChance: 0.125 });
    expect(checkDiceDuelRules(rules)).toBe(
      'cooldownSeconds must be a whole number from 0 to 86400',
    );
  });

  it('verify-cards sends one count per card kind', () => {
    const fields = { ...fieldsOf('verify-cards', DEFAULT_RULES), 'deck.verify': '9' };
    const rules = rulesOf('verify-cards', fields);
    expect(rules.deck).toEqual({ ...DEFAULT_RULES['verify-cards'].deck, verify: 9 });
    expect(checkVerifyCardsRules(rules)).toBeUndefined();
  });
});

describe('client words', () => {
  it('games are titled from the registry; an unknown game keeps its name', () => {
    for (const name of GAME_NAMES) {
      expect(gameTitle(name)).toBe(GAME_INFO[name].title);
      expect(summaryLabel(name)).toBe(GAME_INFO[name].summaryLabel);
    }
    expect(gameTitle('chess')).toBe('chess');
  });
});
