/** The verify-cards board: deck, whose turn, the last card, shields and skips, demands, log. */
import { CARD_TEXT } from '../../../game/cards.js';
import type { CardKind, VerifyCardsState } from '../../../game/types.js';
import { ActionButtons, BoardFrame, useBoard } from './BoardFrame.js';
import type { GameBoardProps } from './BoardFrame.js';

/** The last card drawn; keyed by its sequence number so each draw replays the flip. */
function LastCard({ card, drawer }: { card: CardKind; drawer: string }) {
  return (
    <div className="card-stage">
      <div
        className={`card card-${card}`}
        role="img"
        aria-label={`${drawer} drew ${CARD_TEXT[card].title}`}
      >
        <div className="card-inner">
          <div className="card-back" aria-hidden="true" />
          <div className="card-face">
            <strong>{CARD_TEXT[card].title}</strong>
            <span>{CARD_TEXT[card].text}</span>
          </div>
        </div>
      </div>
      <p className="muted small">{drawer} drew it.</p>
    </div>
  );
}

/** Renders `VerifyCardsState` inside the `BoardFrame` of `verify-cards`. */
export function VerifyCardsBoard(props: GameBoardProps<VerifyCardsState>) {
  const board = useBoard(props);
  const { G } = props;
  const { me, nameOf, over } = board;
  const current = G.order[G.turn];
  const myTurn = !over && me !== null && current === me && G.drawsLeft > 0;
  const draw = () =>
    board.send({
      send: () => props.moves.draw!(),
      appliedBy: (e) => e.kind === 'card' && e.playerID === me,
      allowed: (g) => g.order[g.turn] === me && g.drawsLeft > 0 && g.deckSize > 0,
    });

  return (
    <BoardFrame game="verify-cards" board={board}>
      <div className="round-line" data-testid="round">
        Round {G.round + 1} · <span className="deck-size">{G.deckSize} cards left</span>
      </div>
      {!over && current !== undefined && (
        <p className="awaiting" role="status">
          {current === me ? 'Your turn' : `${nameOf(current)}’s turn`}
          {G.drawsLeft > 1 ? ` · ${G.drawsLeft} draws left (double)` : ''}
        </p>
      )}

      {G.lastCard ? (
        <LastCard key={G.lastCard.n} card={G.lastCard.card} drawer={nameOf(G.lastCard.playerID)} />
      ) : (
        <p className="muted">No card drawn yet.</p>
      )}

      <ActionButtons
        board={board}
        move={
          myTurn
            ? {
                testId: 'draw',
                label: G.drawsLeft > 1 ? `Draw (${G.drawsLeft} left)` : 'Draw a card',
                onClick: draw,
              }
            : undefined
        }
        volunteer={{
          label: 'Volunteer a picture (+1 point)',
          title: 'Ask Chaster to verify you now, for a bonus point',
        }}
      />

      <ul className="players" aria-label="Wearers">
        {G.order.map((p) => (
          <li key={p} className={p === current && !over ? 'current' : ''}>
            <span className="die-name">
              {nameOf(p)}
              {p === me ? ' (you)' : ''}
            </span>
            <span className="muted small">
              {(G.shields[p] ?? 0) > 0
                ? `${G.shields[p]} shield${G.shields[p] === 1 ? '' : 's'}`
                : 'no shield'}
              {G.skipping[p] ? ' · skips next turn' : ''}
              {(G.points[p] ?? 0) > 0 ? ` · ${G.points[p]} bonus` : ''}
              {` · ${(G.drawn[p] ?? []).length} drawn`}
            </span>
          </li>
        ))}
      </ul>
    </BoardFrame>
  );
}
