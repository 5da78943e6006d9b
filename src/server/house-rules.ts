/**
 * House rules meet a room: the rules that bind one wearer are the stricter of the room's and their
 * keyholder's house rules, within the operator's bounds, with one sentence for each rule a house
 * rule decided. "Stricter" is stricter for the wearer: more requests, sooner. Pure: no I/O.
 */
import type { HouseRules } from '../api/house-rules.js';
import type { RoomPolicyRules } from '../api/index.js';
import type { ApiLimits } from './limits.js';

/** The operator's server-wide bounds; they win over any house rule. */
export type OperatorBounds = Pick<ApiLimits, 'minCooldownSeconds' | 'maxRequestsPerMatch'>;

/**
 * A room's rules as its game reads them, the game's defaults filled in. A game rule a house rule
 * speaks of (`randomCheckChance`, `keyholderDemands`, `loserRequest`) is one the game does not
 * have when it is absent here, and that house rule then binds nothing in this room.
 */
export type RoomRules = Readonly<
  RoomPolicyRules & {
    randomCheckChance?: unknown;
    keyholderDemands?: unknown;
    loserRequest?: unknown;
  }
>;

/** The rules a house rule can tighten, by their names in a room's rules. */
export type BoundRule =
  | 'cooldownSeconds'
  | 'maxRequestsPerMatch'
  | 'randomCheckChance'
  | 'keyholderDemands'
  | 'loserRequest';

/** What binds one wearer in one room. */
export interface BindingRules<Rules extends RoomRules = RoomRules> {
  /** The room's rules, tightened by the house rules and held within the operator's bounds. */
  rules: Rules;
  /**
   * For each rule where the house rules asked for more than the room, why it is what it is
   * ("Your keyholder requires a cooldown of at most 600 s."), saying so when the operator's bound
   * won instead.
   */
  reasons: Partial<Record<BoundRule, string>>;
}

/** Whether a wearer's house rules let them play a game, and if not the 409's message. */
export type GameAllowance = { allowed: true } | { allowed: false; reason: string };

/**
 * The rules binding one wearer: the room's and their house rules, the stricter of each, within
 * the operator's bounds (which also hold the room's own rules in).
 */
export function mergeHouseRules<Rules extends RoomRules>(
  room: Rules,
  house: HouseRules,
  bounds: OperatorBounds,
): BindingRules<Rules> {
  const rules: Record<string, unknown> & RoomPolicyRules = { ...room };
  const reasons: Partial<Record<BoundRule, string>> = {};
  const { minCooldownSeconds: leastCooldown, maxRequestsPerMatch: mostRequests } = bounds;

  rules.cooldownSeconds = Math.max(room.cooldownSeconds, leastCooldown);
  const maxCooldown = house.maxCooldownSeconds;
  if (maxCooldown !== undefined && maxCooldown < rules.cooldownSeconds) {
    const asked = `Your keyholder requires a cooldown of at most ${maxCooldown} s`;
    if (maxCooldown >= leastCooldown) {
      rules.cooldownSeconds = maxCooldown;
      reasons.cooldownSeconds = `${asked}.`;
    } else {
      rules.cooldownSeconds = leastCooldown;
      reasons.cooldownSeconds = `${asked}, but this server's least cooldown is ${leastCooldown} s, so ${leastCooldown} s applies.`;
    }
  }

  rules.maxRequestsPerMatch = Math.min(room.maxRequestsPerMatch, mostRequests);
  const minRequests = house.minRequestsPerMatch;
  if (minRequests !== undefined && minRequests > rules.maxRequestsPerMatch) {
    const asked = `Your keyholder requires at least ${minRequests} ${plural(minRequests, 'request')} per match`;
    if (minRequests <= mostRequests) {
      rules.maxRequestsPerMatch = minRequests;
      reasons.maxRequestsPerMatch = `${asked}.`;
    } else {
      rules.maxRequestsPerMatch = mostRequests;
      reasons.maxRequestsPerMatch = `${asked}, but this server allows at most ${mostRequests}, so ${mostRequests} applies.`;
    }
  }

  const chance = house.minRandomCheckChance;
  if (
    chance !== undefined &&
    typeof room.randomCheckChance === 'number' &&
    chance > room.randomCheckChance
  ) {
    rules.randomCheckChance = chance;
    reasons.randomCheckChance = `Your keyholder requires a random check chance of at least ${percent(chance)}.`;
  }

  const demands = house.minKeyholderDemands;
  if (
    demands !== undefined &&
    typeof room.keyholderDemands === 'number' &&
    demands > room.keyholderDemands
  ) {
    rules.keyholderDemands = demands;
    reasons.keyholderDemands = `Your keyholder requires at least ${demands} keyholder ${plural(demands, 'demand')} per match.`;
  }

  if (house.loserRequest === true && room.loserRequest === false) {
    rules.loserRequest = true;
    reasons.loserRequest =
      'Your keyholder requires that the loser of a round is asked for a verification picture.';
  }

  // Only rules the room already has were written, each with a value of its own type.
  return { rules: rules as Rules, reasons };
}

/** Whether a wearer's house rules allow `game` (a game's name); an absent list allows every game. */
export function gameAllowed(house: HouseRules, game: string): GameAllowance {
  const allowed = house.allowedGames;
  if (allowed === undefined || allowed.includes(game)) return { allowed: true };
  return {
    allowed: false,
    reason:
      allowed.length === 0
        ? `Your keyholder allows no game, so you cannot play ${game}.`
        : `Your keyholder does not allow ${game}; allowed: ${allowed.join(', ')}.`,
  };
}

function plural(n: number, noun: string): string {
  return n === 1 ? noun : `${noun}s`;
}

/** A chance as a percentage, without float noise (0.07 → "7%", 0.125 → "12.5%"). */
function percent(chance: number): string {
  return `${Number((chance * 100).toPrecision(4))}%`;
}
