/** The verify-cards board: deck, whose turn, the last card, shields and skips, demands, log. */
import type { BoardProps } from 'boardgame.io/react';
import type { CardKind, VerifyCardsState } from '../../../game/types.js';
import {
  ConnectionBar,
  EventLog,
  GameOver,
  KeyholderPanel,
  sharedMoves,
  useCanDemandOn,
  useMoveSender,
  useNameOf,
  wearerSeats,
} from './parts.js';
import type { ExtraBoardProps } from './parts.js';
import { summaryValueLabel } from '../../labels.js';

const CARDS: Record<CardKind, { title: string; text: string }> = {
  safe: { title: 'Safe', text: 'Nothing happens.' },
  verify: { title: 'Verify', text: 'Send a verification picture (a shield cancels it).' },
  skip: { title: 'Skip', text: 'Skip your next turn.' },
  double: { title: 'Double', text: 'Draw two more cards.' },
  shield: { title: 'Shield', text: 'Cancels your next verify card.' },
};

/** The last card drawn; keyed by its sequence number so each draw replays the flip. */
function LastCard({ card, drawer }: { card: CardKind; drawer: string }) {
  return (
    <div className="card-stage">
      <div
        className={`card card-${card}`}
        role="img"
        aria-label={`${drawer} drew ${CARDS[card].title}`}
      >
        <div className="card-inner">
          <div className="card-back" aria-hidden="true" />
          <div className="card-face">
            <strong>{CARDS[card].title}</strong>
            <span>{CARDS[card].text}</span>
          </div>
        </div>
      </div>
      <p className="muted small">{drawer} drew it.</p>
    </div>
  );
}

/** Renders `VerifyCardsState`; `data-testid="board"` with `data-game="verify-cards"`. */
export function VerifyCardsBoard({
  G,
  ctx,
  moves,
  playerID,
  isConnected,
  matchData,
  seats,
  onRejoin,
}: BoardProps<VerifyCardsState> & ExtraBoardProps) {
  const nameOf = useNameOf(matchData, seats);
  const canDemandOn = useCanDemandOn(matchData, seats);
  const me = playerID ?? null;
  const myRole = me === null ? undefined : G.seats[Number(me)];
  const over = ctx.gameover !== undefined && ctx.gameover !== null;
  const current = G.order[G.turn];
  const myTurn = !over && me !== null && current === me && G.drawsLeft > 0;
  const canVolunteer = !over && myRole === 'wearer' && me !== null && !G.volunteered[me];
  const send = useMoveSender(G);
  const draw = () =>
    send({
      send: () => moves.draw!(),
      appliedBy: (e) => e.kind === 'card' && e.playerID === me,
      allowed: (g) => g.order[g.turn] === me && g.drawsLeft > 0 && g.deckSize > 0,
    });
  const { volunteer, demand } = sharedMoves(send, moves, me);

  return (
    <div className="board panel" data-testid="board" data-game="verify-cards">
      <ConnectionBar isConnected={isConnected} onRejoin={onRejoin} />
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

      {!over && (myTurn || canVolunteer) && (
        <div className="button-row">
          {myTurn && (
            <button
              type="button"
              className="primary big"
              data-testid="draw"
              onClick={draw}
              disabled={!isConnected}
            >
              {G.drawsLeft > 1 ? `Draw (${G.drawsLeft} left)` : 'Draw a card'}
            </button>
          )}
          {canVolunteer && (
            <button
              type="button"
              className="secondary"
              data-testid="volunteer"
              disabled={!isConnected}
              onClick={volunteer}
              title="Ask Chaster to verify you now, for a bonus point"
            >
              Volunteer a picture (+1 point)
            </button>
          )}
        </div>
      )}

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

      {G.seats.includes('keyholder') && (
        <KeyholderPanel
          demandsLeft={G.demandsLeft}
          wearers={wearerSeats(G.seats)}
          isKeyholder={myRole === 'keyholder'}
          disabled={over || !isConnected}
          nameOf={nameOf}
          canDemandOn={canDemandOn}
          onDemand={demand}
        />
      )}

      {over && (
        <GameOver
          gameover={ctx.gameover}
          valueLabel={summaryValueLabel('verify-cards')}
          nameOf={nameOf}
        />
      )}
      <EventLog events={G.events} nameOf={nameOf} />
    </div>
  );
}
