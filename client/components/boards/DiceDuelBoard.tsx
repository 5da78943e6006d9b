/** The dice-duel board: this round's dice, who still rolls, volunteer, keyholder demands, results. */
import type { DiceDuelState } from '../../../game/types.js';
import { wearerSeats } from '../../../game/shared/seats.js';
import { ActionButtons, BoardFrame, useBoard } from './BoardFrame.js';
import type { GameBoardProps } from './BoardFrame.js';

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

/** Renders `DiceDuelState` inside the `BoardFrame` of `dice-duel`. */
export function DiceDuelBoard(props: GameBoardProps<DiceDuelState>) {
  const board = useBoard(props);
  const { G } = props;
  const { me, nameOf, over } = board;
  const wearers = wearerSeats(G.seats);
  const awaited = G.rollers.filter((p) => G.rolls[p] === null || G.rolls[p] === undefined);
  const canRoll = !over && me !== null && G.rollers.includes(me) && G.rolls[me] == null;
  const roll = () =>
    board.send({
      send: () => props.moves.roll!(),
      appliedBy: (e) => e.kind === 'round' && e.playerID === me,
      allowed: (g) => me !== null && g.rollers.includes(me) && g.rolls[me] === null,
    });

  return (
    <BoardFrame game="dice-duel" board={board} after={<Results G={G} nameOf={nameOf} />}>
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

      <ActionButtons
        board={board}
        move={canRoll ? { testId: 'roll', label: 'Roll the die', onClick: roll } : undefined}
        volunteer={{
          label: 'Volunteer a picture (+1 bonus)',
          title: 'Ask Chaster to verify you now, for +1 on your next roll',
        }}
      />
    </BoardFrame>
  );
}

/** The results of the finished rounds, one row per round and one column per wearer. */
function Results({ G, nameOf }: { G: DiceDuelState; nameOf: (playerID: string) => string }) {
  if (G.results.length === 0) return null;
  const wearers = wearerSeats(G.seats);
  return (
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
  );
}
