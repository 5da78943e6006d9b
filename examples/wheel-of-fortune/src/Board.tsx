/**
 * The Wheel of Fortune board for boardgame.io's React client, built on `bgio-chaster/react`: the
 * wheel and whose turn it is (`WheelView`, from props only), the room's seats and status, and the
 * room's verification requests, live, with the sandbox's "submit a picture" button.
 */
import { useState } from 'react';
import type { BoardProps } from 'boardgame.io/react';
import {
  LiveVerificationTimeline,
  RoomStatus,
  SeatList,
  seatName,
  useRoom,
  useSignedIn,
} from 'bgio-chaster/react';
import type { Seat } from 'bgio-chaster/client';
import { SPINS_PER_PLAYER, WHEEL } from './game.js';
import './board.css';
import type { WheelResult, WheelState } from './game.js';

/** What `WheelView` shows: the state, the viewer's seat, and how to spin. */
export interface WheelViewProps {
  G: WheelState;
  currentPlayer: string;
  gameover: WheelResult | undefined;
  /** The viewer's playerID (null for nobody). */
  me: string | null;
  nameOf: (playerID: string) => string;
  onSpin: () => void;
}

/** The wheel, whose turn it is, the spin button for the current spinner, and every spin. */
export function WheelView({ G, currentPlayer, gameover, me, nameOf, onSpin }: WheelViewProps) {
  const last = G.spins.at(-1);
  const who = (id: string) => (id === me ? 'you' : nameOf(id));
  return (
    <section className="wheel" aria-label="Wheel of Fortune">
      <h1>Wheel of Fortune</h1>
      <ol className="segments" aria-label="The wheel">
        {WHEEL.map((segment, index) => (
          <li key={index} aria-current={last?.index === index ? 'true' : undefined}>
            {segment}
          </li>
        ))}
      </ol>
      {last && (
        <p role="status">
          {who(last.playerID)} landed on “{last.segment}”.
        </p>
      )}
      {gameover ? (
        <p data-testid="gameover">
          Game over: the wheel asked for {gameover.pictures} verification picture
          {gameover.pictures === 1 ? '' : 's'}.
        </p>
      ) : currentPlayer === me ? (
        <button type="button" data-testid="spin" onClick={onSpin}>
          Spin the wheel ({G.spinsLeft[me] ?? 0} of {SPINS_PER_PLAYER} left)
        </button>
      ) : (
        <p>Waiting for {nameOf(currentPlayer)} to spin.</p>
      )}
      <ol className="spins" aria-label="Spins so far">
        {G.spins.map((spin, n) => (
          <li key={n}>
            {who(spin.playerID)}: {spin.segment}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The board boardgame.io's `Client` renders, once signed in (`ChasterLoginProvider`). */
export function WheelBoard({ G, ctx, moves, playerID, matchID }: BoardProps<WheelState>) {
  const room = useRoom(matchID);
  const seats: Seat[] = room.data?.seats ?? [];
  const nameOf = (id: string) => seatName(seats, id);
  return (
    <main className="board">
      <WheelView
        G={G}
        currentPlayer={ctx.currentPlayer}
        gameover={ctx.gameover as WheelResult | undefined}
        me={playerID}
        nameOf={nameOf}
        onSpin={() => moves.spin!()}
      />
      {room.data && (
        <aside>
          <RoomStatus room={room.data} />
          <SeatList seats={seats} me={playerID} />
        </aside>
      )}
      <LiveVerificationTimeline matchID={matchID} seats={seats}>
        {(feed) =>
          feed.statuses.some(
            (r) =>
              r.playerID === playerID &&
              (r.status === 'delivered' || r.status === 'already_pending'),
          ) && <SandboxSubmit matchID={matchID} />
        }
      </LiveVerificationTimeline>
    </main>
  );
}

/**
 * Sandbox mode only (the server runs its own emulator), while the viewer has a request waiting for
 * a picture: answers it as if they had sent one, so its status becomes "submitted".
 */
function SandboxSubmit({ matchID }: { matchID: string }) {
  const { login, api } = useSignedIn();
  const [problem, setProblem] = useState<string | null>(null);
  if (!login.sandbox || login.role !== 'wearer') return null;
  const submit = () =>
    api.verifications.sandboxSubmit(matchID).then(
      () => setProblem(null),
      (error: unknown) => setProblem(error instanceof Error ? error.message : String(error)),
    );
  return (
    <p>
      <button type="button" onClick={submit}>
        Submit a picture (sandbox)
      </button>
      {problem && <span role="alert"> {problem}</span>}
    </p>
  );
}
