/** The end-of-game summary, on a board and on a finished room seen without a seat. */
import type { GameSummary } from '../../../game/types.js';

/** Whether `gameover` has the shape of a `GameSummary`. */
function isSummary(gameover: unknown): gameover is GameSummary {
  return (
    typeof gameover === 'object' &&
    gameover !== null &&
    Array.isArray((gameover as GameSummary).lines) &&
    Array.isArray((gameover as GameSummary).winners)
  );
}

/** The game-over summary table; `data-testid="gameover"`. */
export function GameOver({
  gameover,
  valueLabel,
  nameOf,
}: {
  gameover: unknown;
  /** What a line's value counts (the games put a seat label in `label`). */
  valueLabel: string;
  nameOf: (playerID: string) => string;
}) {
  const summary = isSummary(gameover) ? gameover : undefined;
  return (
    <section className="gameover panel" data-testid="gameover" aria-label="Game over">
      <h3>Game over</h3>
      {summary ? (
        <>
          <p>
            {summary.winners.length === 0
              ? 'Nobody won: a full tie.'
              : `Winner${summary.winners.length > 1 ? 's' : ''}: ${summary.winners.map(nameOf).join(', ')}`}
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Player</th>
                <th scope="col">{valueLabel}</th>
              </tr>
            </thead>
            <tbody>
              {summary.lines.map((line) => (
                <tr
                  key={line.playerID}
                  className={summary.winners.includes(line.playerID) ? 'winner' : ''}
                >
                  <th scope="row">
                    {nameOf(line.playerID)}
                    {summary.winners.includes(line.playerID) ? ' (winner)' : ''}
                  </th>
                  <td>{line.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">
            The game recorded {summary.requests} verification request
            {summary.requests === 1 ? '' : 's'}.
          </p>
        </>
      ) : (
        <p>The game has ended.</p>
      )}
    </section>
  );
}
