/**
 * House rules in the lobby, in words: what a lock's house rules say, what they would change in a
 * room's rules, and whether they let a wearer play a game or join a room. The server decides (its
 * `forced` answer and its 409s are what counts); this lets the form say so before it is sent.
 * The server also holds every room within its operator's bounds, which the page does not know:
 * its `forced` reasons say when a bound won instead.
 */
import { ApiError } from 'bgio-chaster/client';
import type { ForcedRule, HouseRules } from 'bgio-chaster/client';
import type { SeatRole } from '../../../game/types.js';
import { gameTitle } from '../../labels.js';

/** The room rules a house rule can tighten, by their names in a room's rules. */
export type HouseBoundRule =
  | 'cooldownSeconds'
  | 'maxRequestsPerMatch'
  | 'randomCheckChance'
  | 'keyholderDemands'
  | 'loserRequest';

/**
 * Game rules fixed for the whole room when it is made: a wearer whose house rules ask for more of
 * one cannot join a room made with less (409 `house_rules_stricter`). A tighter cooldown or cap
 * binds only the joiner's own seat instead.
 */
export const ROOM_WIDE_RULES: readonly HouseBoundRule[] = [
  'randomCheckChance',
  'keyholderDemands',
  'loserRequest',
];

/** One rule the house rules ask more of than a room's rules: what they require instead. */
export interface RuleGap {
  rule: HouseBoundRule;
  /** The room's value. */
  room: number | boolean;
  /** The house rules' value, which binds the wearer instead. */
  required: number | boolean;
}

/** The error codes of a house rule refusing a room (409). */
export const HOUSE_RULE_REFUSALS = ['game_not_allowed', 'house_rules_stricter'] as const;

/**
 * Where `rules` (a room's, the game's defaults filled in) ask for less than `house`: a longer
 * cooldown, a lower cap, a lower surprise chance, fewer demands, or a loser not asked. A rule the
 * room's game does not have binds nothing, as on the server.
 */
export function ruleGaps(rules: Readonly<Record<string, unknown>>, house: HouseRules): RuleGap[] {
  const gaps: RuleGap[] = [];
  const number = (name: HouseBoundRule) => {
    const value = rules[name];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  const cooldown = number('cooldownSeconds');
  if (house.maxCooldownSeconds !== undefined && cooldown !== undefined) {
    if (house.maxCooldownSeconds < cooldown) {
      gaps.push({ rule: 'cooldownSeconds', room: cooldown, required: house.maxCooldownSeconds });
    }
  }
  const cap = number('maxRequestsPerMatch');
  if (house.minRequestsPerMatch !== undefined && cap !== undefined) {
    if (house.minRequestsPerMatch > cap) {
      gaps.push({ rule: 'maxRequestsPerMatch', room: cap, required: house.minRequestsPerMatch });
    }
  }
  const chance = number('randomCheckChance');
  if (house.minRandomCheckChance !== undefined && chance !== undefined) {
    if (house.minRandomCheckChance > chance) {
      gaps.push({ rule: 'randomCheckChance', room: chance, required: house.minRandomCheckChance });
    }
  }
  const demands = number('keyholderDemands');
  if (house.minKeyholderDemands !== undefined && demands !== undefined) {
    if (house.minKeyholderDemands > demands) {
      gaps.push({ rule: 'keyholderDemands', room: demands, required: house.minKeyholderDemands });
    }
  }
  if (house.loserRequest === true && rules.loserRequest === false) {
    gaps.push({ rule: 'loserRequest', room: false, required: true });
  }
  return gaps;
}

/** Whether `house` lets its wearer play `game`: an absent list allows every game. */
export function gameAllowed(house: HouseRules | null | undefined, game: string): boolean {
  return house?.allowedGames === undefined || house.allowedGames.includes(game);
}

/** What each house rule says, one short line per rule that binds anything. */
export function houseRuleLines(house: HouseRules): string[] {
  const lines: string[] = [];
  const games = house.allowedGames;
  if (games !== undefined) {
    lines.push(
      games.length === 0
        ? 'No game is allowed.'
        : `Allowed games: ${games.map((game) => gameTitle(game)).join(', ')}.`,
    );
  }
  if (house.loserRequest === true) {
    lines.push('The loser of a round is always asked for a verification picture.');
  }
  if (house.minRandomCheckChance !== undefined) {
    lines.push(`Surprise check chance of at least ${percent(house.minRandomCheckChance)}.`);
  }
  if (house.maxCooldownSeconds !== undefined) {
    lines.push(`Cooldown of at most ${house.maxCooldownSeconds} s between two requests.`);
  }
  if (house.minRequestsPerMatch !== undefined) {
    lines.push(`At least ${count(house.minRequestsPerMatch, 'request')} sent per match.`);
  }
  if (house.minKeyholderDemands !== undefined) {
    lines.push(`At least ${count(house.minKeyholderDemands, 'keyholder demand')} per match.`);
  }
  return lines;
}

/** What the house rules require of one rule, as a phrase ("a cooldown of at most 60 s"). */
export function requirementWords(gap: RuleGap): string {
  switch (gap.rule) {
    case 'cooldownSeconds':
      return `a cooldown of at most ${String(gap.required)} s`;
    case 'maxRequestsPerMatch':
      return `at least ${count(Number(gap.required), 'request')} per match`;
    case 'randomCheckChance':
      return `a surprise check chance of at least ${percent(Number(gap.required))}`;
    case 'keyholderDemands':
      return `at least ${count(Number(gap.required), 'keyholder demand')} per match`;
    case 'loserRequest':
      return 'that the loser of a round is asked for a picture';
  }
}

/**
 * What a gap means for whoever fills in the host form: a wearer's rule is applied to their own
 * room; a keyholder's binds their wearer (`wearer`) when they join it.
 */
export function hostNote(gap: RuleGap, role: SeatRole, wearer: string): string {
  const asked = requirementWords(gap);
  const value = valueWords(gap.rule, gap.required);
  if (role === 'wearer') return `Your keyholder requires ${asked}: ${value} applies.`;
  return (ROOM_WIDE_RULES as readonly string[]).includes(gap.rule)
    ? `Your house rules require ${asked}: ${wearer} cannot join a room with less.`
    : `Your house rules require ${asked}: ${wearer}'s seat gets ${value} when they join.`;
}

/**
 * Why a wearer under `house` cannot join `room` (a game not allowed, or a room-wide game rule
 * their house rules ask more of), or undefined when the server would seat them.
 */
export function joinBlock(
  room: { game: string; rules: Readonly<Record<string, unknown>> },
  house: HouseRules | null | undefined,
): string | undefined {
  if (!house) return undefined;
  if (!gameAllowed(house, room.game)) {
    return `Your keyholder does not allow ${gameTitle(room.game)}.`;
  }
  const stricter = ruleGaps(room.rules, house).filter((gap) =>
    (ROOM_WIDE_RULES as readonly string[]).includes(gap.rule),
  );
  if (stricter.length === 0) return undefined;
  return `Your keyholder requires ${stricter.map(requirementWords).join(' and ')}, more than this room: host your own room instead.`;
}

/** How the lobby names each rule a house rule can decide (the host form's labels). */
export const RULE_LABELS: Readonly<Record<HouseBoundRule, string>> = {
  cooldownSeconds: 'Cooldown between two requests to a wearer',
  maxRequestsPerMatch: 'Most requests sent per match',
  randomCheckChance: 'Surprise check chance per round',
  keyholderDemands: 'Keyholder demands per match',
  loserRequest: 'The loser of each round sends a verification picture',
};

/** A forced rule's name in words; a rule this page does not know keeps its name. */
export function ruleLabel(rule: string): string {
  return Object.hasOwn(RULE_LABELS, rule) ? RULE_LABELS[rule as HouseBoundRule] : rule;
}

/**
 * A rule's value in words ("600 s", "12.5%", "yes"). The server's `value` is not trusted to be
 * of any type: anything but a number or a boolean is shown as nothing.
 */
export function valueWords(rule: string, value: ForcedRule['value']): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value !== 'number' || !Number.isFinite(value)) return '';
  if (rule === 'cooldownSeconds') return `${value} s`;
  if (rule === 'randomCheckChance') return percent(value);
  return String(value);
}

/** Whether an error is a house rule refusing a room: 409 with one of `HOUSE_RULE_REFUSALS`. */
export function houseRuleRefusal(error: unknown): (typeof HOUSE_RULE_REFUSALS)[number] | undefined {
  if (!(error instanceof ApiError) || error.status !== 409) return undefined;
  return HOUSE_RULE_REFUSALS.find((known) => known === error.code);
}

function count(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun : `${noun}s`}`;
}

/** A chance as a percentage, without float noise (0.07 → "7%", 0.125 → "12.5%"). */
function percent(chance: number): string {
  return `${Number((chance * 100).toPrecision(4))}%`;
}
