/** The end-of-game summary, on a board and on a finished room seen without a seat. */
import type { GameSummary } from '../../../game/types.js';

/** A `GameSummary` as far as it could be read; `requests` is undefined when it was not a count. */
export type ReadSummary = Omit<GameSummary, 'requests'> & { requests: number | undefined };

/**
 * What of `gameover` reads as a `GameSummary`, or undefined when its shape is not one. It comes
 * from the server (room data) or the game state: parts of another shape are left out rather than
 * rendered, since React throws on an object where it expects text.
 */
export function summaryOf(gameover: unknown): ReadSummary | undefined {
  if (typeof gameover !== 'object' || gameover === null) return undefined;
  const { winners, lines, requests } = gameover as Record<string, unknown>;
  if (!Array.isArray(winners) || !Array.isArray(lines)) return undefined;
  const seen = new Set<string>();
  const kept: GameSummary['lines'] = [];
  for (const line of lines as unknown[]) {
    if (typeof line !== 'object' || line === null) continue;
    const { playerID, label, value } = line as Record<string, unknown>;
    if (typeof playerID !== 'string' || seen.has(playerID)) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    seen.add(playerID);
    kept.push({ playerID, label: typeof label === 'string' ? label : '', value });
  }
  return {
    winners: (winners as unknown[]).filter((w): w is string => typeof w === 'string'),
    lines: kept,
    requests: typeof requests === 'number' && Number.isSafeInteger(requests) ? requests : undefined,
  };
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
  const summary = summaryOf(gameover);
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
          {summary.requests !== undefined && (
            <p className="muted small">
              The game recorded {summary.requests} verification request
              {summary.requests === 1 ? '' : 's'}.
            </p>
          )}
        </>
      ) : (
        <p>The game has ended.</p>
      )}
    </section>
  );
}
