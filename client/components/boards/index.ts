/**
 * The client's registry of game clients: for every game of the registry, the boardgame.io React
 * client that plays its game object on its board. Loaded with the room (it brings boardgame.io
 * and the games), never by the lobby.
 */
import type { ComponentType } from 'react';
import type { Game } from 'boardgame.io';
import { Client } from 'boardgame.io/react';
import type { SocketIO } from 'boardgame.io/multiplayer';
import type { WithVerification } from 'bgio-chaster';
import { GAMES } from '../../../game/index.js';
import type { GameName } from '../../../game/registry.js';
import type { ExtraBoardProps, GameBoardProps } from './BoardFrame.js';
import { DiceDuelBoard } from './DiceDuelBoard.js';
import { VerifyCardsBoard } from './VerifyCardsBoard.js';

/** What a game client is built with besides its game and board. */
export interface GameClientOptions {
  multiplayer: ReturnType<typeof SocketIO>;
  /** Shown until the first state arrives. */
  loading: ComponentType;
}

/** The props of a built game client: the seat it plays and the board's own. */
export type GameClientProps = {
  matchID?: string;
  playerID?: string;
  credentials?: string;
} & ExtraBoardProps;

/** Builds the React client of one game. */
export type GameClientFactory = (options: GameClientOptions) => ComponentType<GameClientProps>;

/** Builds the client of `game` on `board`; the types tie the board to the game's state. */
function clientOf<G>(
  game: Game<G, WithVerification>,
  board: ComponentType<GameBoardProps<G>>,
): GameClientFactory {
  return (options) => Client({ game, board, debug: false, ...options });
}

/** Every game's client factory, by game name. */
export const GAME_CLIENTS: Readonly<Record<GameName, GameClientFactory>> = {
  'dice-duel': clientOf(GAMES['dice-duel'], DiceDuelBoard),
  'verify-cards': clientOf(GAMES['verify-cards'], VerifyCardsBoard),
};
