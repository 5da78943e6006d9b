/**
 * The registry of the example games: every name the server serves and the client offers, with
 * what is known about a game before its code is loaded (title, a one-line description, what its
 * end-of-game summary counts, how many wearer seats it takes). Plain data with no imports, so the
 * client's first paint can read it. Everything else about a game is keyed by these names: its
 * rules (`DEFAULT_RULES` in rules.ts), its game object (`GAMES` in index.ts), and in the client
 * its board (`GAME_CLIENTS`) and its host-form fields.
 */

/** The example games' names, a public contract: rooms are made and joined by them. */
export const GAME_NAMES = ['dice-duel', 'verify-cards'] as const;

/** The name of an example game. */
export type GameName = (typeof GAME_NAMES)[number];

/** What the lobby, the host form and a game object read about a game. */
export interface GameInfo {
  /** Display name. */
  title: string;
  /** One sentence for the host form. */
  description: string;
  /** What the values of the game's end-of-game summary count. */
  summaryLabel: string;
  /** Fewest and most wearer seats; a room may add one keyholder seat. */
  wearers: { readonly min: number; readonly max: number };
}

/** Every example game by name. */
export const GAME_INFO: Readonly<Record<GameName, Readonly<GameInfo>>> = {
  'dice-duel': {
    title: 'Dice Duel',
    description: 'Everyone rolls a die each round; the lowest roll loses the round.',
    summaryLabel: 'Rounds lost',
    wearers: { min: 2, max: 6 },
  },
  'verify-cards': {
    title: 'Verify Cards',
    description:
      'Wearers take turns drawing from one shared deck; a verify card asks for a picture.',
    summaryLabel: 'Verify cards drawn',
    wearers: { min: 1, max: 6 },
  },
};

/** Whether `name` (e.g. a room's game, as the server sends it) is an example game. */
export function isGameName(name: string): name is GameName {
  return (GAME_NAMES as readonly string[]).includes(name);
}

/**
 * boardgame.io's `name`, `minPlayers` and `maxPlayers` of a game: its wearer seats, plus one for
 * the keyholder seat a room may add.
 */
export function playerCounts<Name extends GameName>(
  name: Name,
): { name: Name; minPlayers: number; maxPlayers: number } {
  const { min, max } = GAME_INFO[name].wearers;
  return { name, minPlayers: min, maxPlayers: max + 1 };
}
