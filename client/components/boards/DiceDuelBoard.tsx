/** The dice-duel board: this round's dice, who still rolls, volunteer, keyholder demands, results. */
import type { BoardProps } from 'boardgame.io/react';
import type { DiceDuelState } from '../../../game/types.js';
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

/** One die; remounts (and so replays its roll animation) whenever its value changes. */
function Die({ value, label }: { value: number | null; label: string }) {
  return value === null ? (
    <span className="die pending" role="img" aria-label={`${label}: not rolled yet`}>
      ?
    </span>
  ) : (
    <span key={value} className="die rolled" role="img" aria-label={`${label}: rolled ${value}`}>
      {value}
    </span>
  );
}

/** Renders `DiceDuelState`; `data-testid="board"` with `data-game="dice-duel"`. */
export function DiceDuelBoard({
  G,
  ctx,
  moves,
  playerID,
  isConnected,
  matchData,
  seats,
  onRejoin,
}: BoardProps<DiceDuelState> & ExtraBoardProps) {
  const nameOf = useNameOf(matchData, seats);
  const canDemandOn = useCanDemandOn(matchData, seats);
  const me = playerID ?? null;
  const myRole = me === null ? undefined : G.seats[Number(me)];
  const over = ctx.gameover !== undefined && ctx.gameover !== null;
  const wearers = wearerSeats(G.seats);
  const awaited = G.rollers.filter((p) => G.rolls[p] === null || G.rolls[p] === undefined);
  const canRoll = !over && me !== null && G.rollers.includes(me) && G.rolls[me] == null;
  const canVolunteer = !over && myRole === 'wearer' && me !== null && !G.volunteered[me];
  const hasKeyholder = G.seats.includes('keyholder');
  const send = useMoveSender(G);
  const roll = () =>
    send({
      send: () => moves.roll!(),
      appliedBy: (e) => e.kind === 'round' && e.playerID === me,
      allowed: (g) => me !== null && g.rollers.includes(me) && g.rolls[me] === null,
    });
  const { volunteer, demand } = sharedMoves(send, moves, me);

  return (
    <div className="board panel" data-testid="board" data-game="dice-duel">
      <ConnectionBar isConnected={isConnected} onRejoin={onRejoin} />
      <div className="round-line" data-testid="round">
        Round {Math.min(G.round, G.rules.rounds)} of {G.rules.rounds}
        {G.rollOff && (
          <span className="notice" role="status">
            {' '}
            Roll-off: {G.rollers.map(nameOf).join(' and ')} tied for the lowest roll.
          </span>
        )}
      </div>

      <ul className="dice" aria-label="This round's dice">
        {wearers.map((p) => (
          <li key={p} className={`die-seat ${G.rollers.includes(p) ? 'rolling' : 'out'}`}>
            <Die value={G.rolls[p] ?? null} label={nameOf(p)} />
            <span className="die-name">
              {nameOf(p)}
              {p === me ? ' (you)' : ''}
            </span>
            <span className="muted small">
              lost {G.losses[p] ?? 0}
              {(G.bonus[p] ?? 0) > 0 ? ` · +${G.bonus[p]} bonus` : ''}
            </span>
          </li>
        ))}
      </ul>

      {G.lastRoll && (
        <p className="muted small">
          Last roll: {G.lastRoll.playerID === me ? 'you' : nameOf(G.lastRoll.playerID)} rolled{' '}
          {G.lastRoll.bonus > 0
            ? `${G.lastRoll.die} + ${G.lastRoll.bonus} bonus = ${G.lastRoll.total}`
            : G.lastRoll.total}
          .
        </p>
      )}
      {!over && (
        <p className="awaiting" role="status">
          {awaited.length === 0
            ? 'Everyone has rolled.'
            : `Waiting for ${awaited.map((p) => (p === me ? 'you' : nameOf(p))).join(', ')} to roll.`}
        </p>
      )}

      {!over && (myRole === 'wearer' || canRoll) && (
        <div className="button-row">
          {canRoll && (
            <button
              type="button"
              className="primary big"
              data-testid="roll"
              onClick={roll}
              disabled={!isConnected}
            >
              Roll the die
            </button>
          )}
          {canVolunteer && (
            <button
              type="button"
              className="secondary"
              data-testid="volunteer"
              disabled={!isConnected}
              onClick={volunteer}
              title="Ask Chaster to verify you now, for +1 on your next roll"
            >
              Volunteer a picture (+1 bonus)
            </button>
          )}
        </div>
      )}

      {hasKeyholder && (
        <KeyholderPanel
          demandsLeft={G.demandsLeft}
          wearers={wearers}
          isKeyholder={myRole === 'keyholder'}
          disabled={over || !isConnected}
          nameOf={nameOf}
          canDemandOn={canDemandOn}
          onDemand={demand}
        />
      )}

      {G.results.length > 0 && (
        <section className="results" aria-label="Round results">
          <h3>Results</h3>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Round</th>
                  {wearers.map((p) => (
                    <th key={p} scope="col">
                      {nameOf(p)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {G.results.map((r, i) => (
                  <tr key={i}>
                    <th scope="row">{r.round}</th>
                    {wearers.map((p) => (
                      <td key={p} className={r.loser === p ? 'loser' : ''}>
                        {r.rolls[p] ?? '–'}
                        {r.loser === p ? ' (lost)' : ''}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}

      {over && (
        <GameOver
          gameover={ctx.gameover}
          valueLabel={summaryValueLabel('dice-duel')}
          nameOf={nameOf}
        />
      )}
      <EventLog events={G.events} nameOf={nameOf} />
    </div>
  );
}
