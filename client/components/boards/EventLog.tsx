/** The game's event log below a board. */
import { withNames } from '../../../game/shared/seats.js';
import type { GameEvent } from '../../../game/types.js';

/** The game's event log, newest first, with player names in place of seat labels. */
export function EventLog({
  events,
  nameOf,
}: {
  events: GameEvent[];
  nameOf: (playerID: string) => string;
}) {
  const recent = events.slice(-40).reverse();
  return (
    <section className="event-log" aria-label="Game log">
      <h3>Log</h3>
      {recent.length === 0 ? (
        <p className="muted small">Nothing happened yet.</p>
      ) : (
        <ol>
          {recent.map((event) => (
            <li key={event.n} className={`event event-${event.kind}`}>
              {withNames(event.text, nameOf)}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
