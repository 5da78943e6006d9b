/** Pieces both boards share: names, connection bar, keyholder panel, event log, summary. */
import { useContext, useEffect, useRef, useState } from 'react';
import type { FilteredMetadata } from 'boardgame.io';
import type { BoardProps } from 'boardgame.io/react';
import type { Seat } from '../../api.js';
import type { GameEvent, GameSummary, SeatRole } from '../../../game/types.js';
import { withNames } from '../../labels.js';
import { SessionContext } from '../../session.js';
import { seatName } from '../room/Seats.js';

/** Props every board gets besides boardgame.io's own. */
export interface ExtraBoardProps {
  /** The room's seats (names from the lobby API, before matchData has them). */
  seats: Seat[];
  /** Takes the seat again for fresh credentials and reconnects the board. */
  onRejoin: () => void;
}

/** Names by playerID: matchData's names first, then the room's seats. */
export function useNameOf(
  matchData: FilteredMetadata | undefined,
  seats: Seat[],
): (playerID: string) => string {
  return (playerID) => knownName(matchData, seats, playerID) ?? seatName(undefined, playerID);
}

/** The seat's username if anyone knows it yet. */
function knownName(
  matchData: FilteredMetadata | undefined,
  seats: Seat[],
  playerID: string,
): string | undefined {
  return (
    matchData?.find((p) => String(p.id) === playerID)?.name ??
    seats.find((s) => s.playerID === playerID)?.name ??
    undefined
  );
}

/**
 * Whether a demand on `playerID` can work: the server only lets a keyholder ask the wearer of the
 * lock they opened the game from, and the game spends the demand either way.
 */
export function useCanDemandOn(
  matchData: FilteredMetadata | undefined,
  seats: Seat[],
): (playerID: string) => boolean {
  const wearer = useContext(SessionContext)?.session.lock.wearer;
  return (playerID) => {
    const name = knownName(matchData, seats, playerID);
    return wearer === undefined || name === undefined || name === wearer;
  };
}

/** Seats of `roles` that are wearers, as playerIDs. */
export function wearerSeats(roles: SeatRole[]): string[] {
  return roles.flatMap((role, i) => (role === 'wearer' ? [String(i)] : []));
}

/** A move the board sent and watches until its event shows up in the log. */
interface PendingMove<G> {
  /** Whether `event` is the one this move logs (e.g. a `round` event about me for `roll`). */
  appliedBy: (event: GameEvent) => boolean;
  /** Whether the move still makes sense in `G` (still my turn, demands left, …). */
  allowed: (G: G) => boolean;
  send: () => void;
  /** Last event number when it was sent: only later events can prove it applied. */
  after: number;
  seen: G;
  tries: number;
  until: number;
}

const RESEND_TRIES = 3;
const RESEND_WINDOW_MS = 5000;

/**
 * Sends moves, and sends them again when boardgame.io dropped them. The master silently drops an
 * action whose `_stateID` is stale, which happens whenever two seats act at nearly the same time
 * (everyone may move at any time in these games); the board would just show the button again. A
 * resend is safe: if the first copy had been applied, its event would be in the newer state, and
 * a copy carrying an old `_stateID` can never be applied twice.
 */
export function useMoveSender<G extends { events: GameEvent[] }>(
  G: G,
): (move: Pick<PendingMove<G>, 'appliedBy' | 'allowed' | 'send'>) => void {
  const pending = useRef<PendingMove<G>[]>([]);
  useEffect(() => {
    const now = Date.now();
    pending.current = pending.current.filter((p) => {
      if (now > p.until) return false;
      if (p.seen === G) return true;
      p.seen = G;
      if (G.events.some((e) => e.n > p.after && p.appliedBy(e))) return true;
      if (p.tries >= RESEND_TRIES || !p.allowed(G)) return false;
      p.tries += 1;
      p.until = now + RESEND_WINDOW_MS;
      p.send();
      return true;
    });
  }, [G]);
  return (move) => {
    pending.current.push({
      ...move,
      after: G.events[G.events.length - 1]?.n ?? 0,
      seen: G,
      tries: 0,
      until: Date.now() + RESEND_WINDOW_MS,
    });
    move.send();
  };
}

/** The moves both games have, sent through `useMoveSender`: volunteer, and a keyholder's demand. */
export function sharedMoves<
  G extends { events: GameEvent[]; volunteered: Record<string, boolean>; demandsLeft: number },
>(
  send: ReturnType<typeof useMoveSender<G>>,
  moves: BoardProps['moves'],
  me: string | null,
): { volunteer: () => void; demand: (target: string) => void } {
  return {
    volunteer: () =>
      send({
        send: () => moves.volunteer!(),
        appliedBy: (e) => e.kind === 'volunteer' && e.playerID === me,
        allowed: (g) => me !== null && !g.volunteered[me],
      }),
    demand: (target) =>
      send({
        send: () => moves.demand!(target),
        appliedBy: (e) => e.kind === 'demand' && e.playerID === target,
        allowed: (g) => g.demandsLeft > 0,
      }),
  };
}

/** The game connection's state; offers a reconnect when it has been down for a while. */
export function ConnectionBar({
  isConnected,
  onRejoin,
}: {
  isConnected: boolean;
  onRejoin: () => void;
}) {
  const [longDown, setLongDown] = useState(false);
  useEffect(() => {
    if (isConnected) {
      setLongDown(false);
      return;
    }
    // socket.io retries by itself; only offer a manual rejoin once that seems not to work.
    const timer = setTimeout(() => setLongDown(true), 8000);
    return () => clearTimeout(timer);
  }, [isConnected]);
  return (
    <div className={`connection ${isConnected ? 'online' : 'offline'}`} role="status">
      <span data-testid="connection">{isConnected ? 'Connected' : 'Reconnecting…'}</span>
      {longDown && (
        <button type="button" className="secondary small" onClick={onRejoin}>
          Reconnect now
        </button>
      )}
    </div>
  );
}

/** Demands left and (for the seated keyholder) one Demand button per wearer. */
export function KeyholderPanel({
  demandsLeft,
  wearers,
  isKeyholder,
  disabled,
  nameOf,
  canDemandOn,
  onDemand,
}: {
  demandsLeft: number;
  wearers: string[];
  isKeyholder: boolean;
  disabled: boolean;
  nameOf: (playerID: string) => string;
  canDemandOn: (playerID: string) => boolean;
  onDemand: (target: string) => void;
}) {
  const others = wearers.filter((p) => !canDemandOn(p));
  return (
    <section className="keyholder-panel" aria-label="Keyholder">
      <p>
        Keyholder demands left: <strong data-testid="demands-left">{demandsLeft}</strong>
      </p>
      {isKeyholder && (
        <div className="button-row">
          {wearers.map((target) => (
            <button
              key={target}
              type="button"
              className="demand"
              data-testid="demand"
              data-target={target}
              disabled={disabled || demandsLeft <= 0 || !canDemandOn(target)}
              onClick={() => onDemand(target)}
            >
              Demand a picture from {nameOf(target)}
            </button>
          ))}
        </div>
      )}
      {isKeyholder && others.length > 0 && (
        <p className="muted small">
          You can only demand from the wearer of your own lock; {others.map(nameOf).join(', ')}{' '}
          {others.length === 1 ? 'is' : 'are'} someone else’s.
        </p>
      )}
    </section>
  );
}

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

/** Whether `gameover` has the shape of a `GameSummary`. */
export function isSummary(gameover: unknown): gameover is GameSummary {
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
