/**
 * The page: signs in from Chaster's iframe hash, lets the player host a room or take a seat in an
 * open one, then plays it on `WheelBoard` over socket.io.
 */
import { useState } from 'react';
import { Client } from 'boardgame.io/react';
import { SocketIO } from 'boardgame.io/multiplayer';
import { errorMessage } from 'bgio-chaster/client';
import type { SeatGrant } from 'bgio-chaster/client';
import {
  ChasterLoginProvider,
  roomPhase,
  useRooms,
  useSeat,
  useSignedIn,
} from 'bgio-chaster/react';
import { WheelBoard } from './Board.js';
import { WheelOfFortune } from './game.js';

/** boardgame.io's React client of the game, talking to the server that serves this page. */
const WheelClient = Client({
  game: WheelOfFortune,
  board: WheelBoard,
  multiplayer: SocketIO({ server: window.location.origin }),
  debug: false,
});

/** A room to sit in, and the seat already granted when the player just hosted it. */
interface Choice {
  matchID: string;
  grant?: SeatGrant;
}

/** The whole page. */
export function App() {
  const [choice, setChoice] = useState<Choice | null>(null);
  return (
    <ChasterLoginProvider>
      {choice ? <Table {...choice} /> : <Lobby onChoose={setChoice} />}
    </ChasterLoginProvider>
  );
}

/** Host a room, or pick an open room of this game. */
function Lobby({ onChoose }: { onChoose: (choice: Choice) => void }) {
  const { api, login } = useSignedIn();
  const rooms = useRooms();
  const [seats, setSeats] = useState(2);
  const [problem, setProblem] = useState<string | null>(null);
  const open = (rooms.data ?? []).filter(
    (room) => room.game === WheelOfFortune.name && roomPhase(room).phase === 'waiting',
  );
  const host = () =>
    api.rooms.create({ game: WheelOfFortune.name!, numPlayers: seats }).then(
      (room) => onChoose({ matchID: room.matchID, grant: room }),
      (error: unknown) => setProblem(errorMessage(error)),
    );
  return (
    <main>
      <h1>Wheel of Fortune</h1>
      <p>
        Signed in as {login.user.username} ({login.role}).
      </p>
      <p>
        <label>
          Seats{' '}
          <select value={seats} onChange={(e) => setSeats(Number(e.target.value))}>
            {[1, 2, 3, 4, 5, 6].map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>{' '}
        <button type="button" onClick={host}>
          Host a room
        </button>
      </p>
      {problem && <p role="alert">{problem}</p>}
      <h2>Open rooms</h2>
      <ul>
        {open.length === 0 && <li>None yet.</li>}
        {open.map((room) => (
          <li key={room.matchID}>
            <button type="button" onClick={() => onChoose({ matchID: room.matchID })}>
              Join {room.seats.find((s) => s.taken)?.name ?? 'a room'}
            </button>
          </li>
        ))}
      </ul>
    </main>
  );
}

/** Takes the player's seat in the room, then shows the board. */
function Table({ matchID, grant }: Choice) {
  const seat = useSeat(matchID, grant);
  if (seat.status === 'joining') return <p role="status">Taking your seat…</p>;
  if (seat.status === 'error') {
    return (
      <p role="alert">
        {errorMessage(seat.error)}{' '}
        <button type="button" onClick={seat.rejoin}>
          Try again
        </button>
      </p>
    );
  }
  // A fresh grant (rejoin) has fresh credentials: a new client connects with them.
  return (
    <WheelClient
      key={seat.epoch}
      matchID={matchID}
      playerID={seat.grant.playerID}
      credentials={seat.grant.credentials}
    />
  );
}
