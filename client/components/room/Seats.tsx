/** Seats of a room: who sits where, which seats are still free. */
import { playerLabel } from '../../../game/shared/seats.js';
import type { Seat } from '../../api.js';

/** Name of a seat for display; an empty seat is called what the games call it ("Player 2"). */
export function seatName(
  seat: Pick<Seat, 'playerID' | 'name'> | undefined,
  playerID: string,
): string {
  return seat?.name ?? playerLabel(playerID);
}

/** The seats as a list of chips; each `data-testid="seat"`. */
export function SeatChips({ seats, me }: { seats: Seat[]; me?: string | null }) {
  return (
    <ul className="seats" aria-label="Seats">
      {seats.map((seat) => (
        <li
          key={seat.playerID}
          className={`seat ${seat.taken ? 'taken' : 'free'} role-${seat.role}`}
          data-testid="seat"
          data-player-id={seat.playerID}
          data-taken={String(seat.taken)}
        >
          <span className="seat-role">{seat.role === 'keyholder' ? 'Keyholder' : 'Wearer'}</span>{' '}
          <span className="seat-name">
            {seat.taken ? seatName(seat, seat.playerID) : 'free'}
            {me === seat.playerID ? ' (you)' : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}
