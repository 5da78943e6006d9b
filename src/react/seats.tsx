/**
 * A room's seats and where the room stands, as pure components: `SeatList` and `RoomStatus`, and
 * the names and phase they show.
 */
import type { Room, Seat } from '../client/index.js';
import { ROLE_WORDS } from './words.js';

/** How a seat is called until someone sits in it: "Player 1" for playerID "0". */
export function seatLabel(playerID: string): string {
  const n = Number(playerID);
  return Number.isInteger(n) && n >= 0 ? `Player ${n + 1}` : `Player ${playerID}`;
}

/** A seat's display name: who sits there, else its label. */
export function seatName(seats: readonly Seat[], playerID: string): string {
  return seats.find((s) => s.playerID === playerID)?.name ?? seatLabel(playerID);
}

/** Where a room stands: waiting for `missing` wearers, being played, or over. */
export type RoomPhase = { phase: 'waiting'; missing: number } | { phase: 'playing' | 'over' };

/** A room's phase: over once it has a `gameover`, else waiting while a wearer seat is free. */
export function roomPhase(room: Pick<Room, 'seats' | 'gameover'>): RoomPhase {
  if (room.gameover !== null && room.gameover !== undefined) return { phase: 'over' };
  const missing = room.seats.filter((s) => s.role === 'wearer' && !s.taken).length;
  return missing > 0 ? { phase: 'waiting', missing } : { phase: 'playing' };
}

/** Props of `SeatList`. */
export interface SeatListProps {
  seats: readonly Seat[];
  /** The viewer's playerID, marked "(you)". */
  me?: string | null;
  /** Names by playerID; default: the seat's user, else "Player N". */
  nameOf?: (playerID: string) => string;
  /** The list's accessible name; default "Seats". */
  label?: string;
}

/**
 * Who sits where: one item per seat (`data-testid="seat"`, `data-player-id`, `data-role`,
 * `data-taken`) with its role and name in words, or "free". Styled by `bgio-chaster/react/styles.css`
 * (`.bgc-seats`), themed by its CSS variables (see `VerificationTimeline`).
 */
export function SeatList({ seats, me = null, nameOf, label = 'Seats' }: SeatListProps) {
  const name = nameOf ?? ((playerID: string) => seatName(seats, playerID));
  return (
    <ul className="bgc-seats" aria-label={label}>
      {seats.map((seat) => (
        <li
          key={seat.playerID}
          className="bgc-seat"
          data-testid="seat"
          data-player-id={seat.playerID}
          data-role={seat.role}
          data-taken={String(seat.taken)}
        >
          <span className="bgc-seat-role">{ROLE_WORDS[seat.role]}</span>{' '}
          <span className="bgc-seat-name">
            {seat.taken ? name(seat.playerID) : 'free'}
            {me === seat.playerID ? ' (you)' : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Props of `RoomStatus`. */
export interface RoomStatusProps {
  room: Pick<Room, 'seats' | 'gameover'>;
}

/**
 * Where the room stands, in words ("Waiting for 2 more wearers…", "In play", "Game over"), as a
 * polite live region (`role="status"`, `data-phase`).
 */
export function RoomStatus({ room }: RoomStatusProps) {
  const phase = roomPhase(room);
  return (
    <p className="bgc-room-status" role="status" data-phase={phase.phase}>
      {phase.phase === 'waiting'
        ? `Waiting for ${phase.missing} more wearer${phase.missing === 1 ? '' : 's'}…`
        : phase.phase === 'playing'
          ? 'In play'
          : 'Game over'}
    </p>
  );
}
