/**
 * What every board has around its own game: the seat it is seen from, the connection bar, the
 * move buttons, the keyholder panel, the game-over summary and the event log. A board renders
 * its game inside `BoardFrame`.
 */
import type { ReactNode } from 'react';
import type { BoardProps } from 'boardgame.io/react';
import type { Seat } from 'bgio-chaster/client';
import { GAME_INFO } from '../../../game/registry.js';
import type { GameName } from '../../../game/registry.js';
import type { SeatedState } from '../../../game/shared/moves.js';
import { wearerSeats } from '../../../game/shared/seats.js';
import { ConnectionBar } from './ConnectionBar.js';
import { EventLog } from './EventLog.js';
import { GameOver } from './GameOver.js';
import { KeyholderPanel } from './KeyholderPanel.js';
import { sharedMoves, useMoveSender } from './move-sender.js';
import { useCanDemandOn, useNameOf } from './names.js';

/** Props every board gets besides boardgame.io's own. */
export interface ExtraBoardProps {
  /** The room's seats (names from the lobby API, before matchData has them). */
  seats: Seat[];
  /** Takes the seat again for fresh credentials and reconnects the board. */
  onRejoin: () => void;
}

/** Props of a board of a game whose state is `G`. */
export type GameBoardProps<G> = BoardProps<G> & ExtraBoardProps;

/** What a board knows about its viewer and the match, and the moves both games share. */
export function useBoard<G extends SeatedState>(props: GameBoardProps<G>) {
  const { G, ctx, moves, playerID, matchData, seats } = props;
  const nameOf = useNameOf(matchData, seats);
  const canDemandOn = useCanDemandOn(matchData, seats);
  const me = playerID ?? null;
  const myRole = me === null ? undefined : G.seats[Number(me)];
  const over = ctx.gameover !== undefined && ctx.gameover !== null;
  const send = useMoveSender(G);
  const { volunteer, demand } = sharedMoves(send, moves, me);
  return {
    props,
    nameOf,
    canDemandOn,
    me,
    myRole,
    over,
    canVolunteer: !over && myRole === 'wearer' && me !== null && !G.volunteered[me],
    send,
    volunteer,
    demand,
  };
}

/** What `useBoard` gives a board. */
export type Board<G extends SeatedState> = ReturnType<typeof useBoard<G>>;

/** A button of the action row: the game's own move, or volunteering. */
interface Action {
  label: string;
  onClick: () => void;
  title?: string;
}

/**
 * The viewer's buttons: the game's own move (`data-testid` `testId`) while they may make it, and
 * volunteering while they may; nothing once the game is over.
 */
export function ActionButtons<G extends SeatedState>({
  board,
  move,
  volunteer,
}: {
  board: Board<G>;
  /** The game's move, when the viewer may make it now. */
  move: (Action & { testId: string }) | undefined;
  /** What volunteering earns, in the button's words. */
  volunteer: Omit<Action, 'onClick'>;
}) {
  const disabled = !board.props.isConnected;
  if (board.over || (move === undefined && !board.canVolunteer)) return null;
  return (
    <div className="button-row">
      {move && (
        <button
          type="button"
          className="primary big"
          data-testid={move.testId}
          onClick={move.onClick}
          disabled={disabled}
        >
          {move.label}
        </button>
      )}
      {board.canVolunteer && (
        <button
          type="button"
          className="secondary"
          data-testid="volunteer"
          disabled={disabled}
          onClick={board.volunteer}
          title={volunteer.title}
        >
          {volunteer.label}
        </button>
      )}
    </div>
  );
}

/**
 * The board `data-testid="board"` with `data-game`: the connection bar, the game's own view
 * (`children`), the keyholder panel, what comes after it (`after`), the summary and the log.
 */
export function BoardFrame<G extends SeatedState>({
  game,
  board,
  children,
  after,
}: {
  game: GameName;
  board: Board<G>;
  children: ReactNode;
  after?: ReactNode;
}) {
  const { G, ctx, isConnected, onRejoin } = board.props;
  const { nameOf, over } = board;
  return (
    <div className="board panel" data-testid="board" data-game={game}>
      <ConnectionBar isConnected={isConnected} onRejoin={onRejoin} />
      {children}
      {G.seats.includes('keyholder') && (
        <KeyholderPanel
          demandsLeft={G.demandsLeft}
          wearers={wearerSeats(G.seats)}
          isKeyholder={board.myRole === 'keyholder'}
          disabled={over || !isConnected}
          nameOf={nameOf}
          canDemandOn={board.canDemandOn}
          onDemand={board.demand}
        />
      )}
      {after}
      {over && (
        <GameOver
          gameover={ctx.gameover}
          valueLabel={GAME_INFO[game].summaryLabel}
          nameOf={nameOf}
        />
      )}
      <EventLog events={G.events} nameOf={nameOf} />
    </div>
  );
}
