/**
 * A room's data side: takes (or retakes) the seat for fresh credentials, polls the room for its
 * seats, then shows the waiting list or the board, and the verification timeline.
 */
import { Suspense, lazy } from 'react';
import { ApiError } from 'bgio-chaster/client';
import type { Room, SeatGrant } from 'bgio-chaster/client';
import {
  LiveVerificationTimeline,
  RoomStatus,
  SeatList,
  roomPhase,
  seatName,
  useRoom,
  useSeat,
  useSignedIn,
} from 'bgio-chaster/react';
import { isGameName } from '../../../game/registry.js';
import { gameTitle, summaryLabel } from '../../labels.js';
import { CopyButton, ErrorBox, Loading } from '../common/Feedback.js';
import { ErrorBoundary } from '../common/ErrorBoundary.js';
import { GameOver } from '../boards/GameOver.js';
import { SandboxSubmit, sandboxPictures } from './SandboxSubmit.js';

// The game code (boardgame.io, socket.io, the games) is the heavy part: load it with the room.
const GameView = lazy(() => import('./GameView.js'));

/** One room: seat, seats list, board and timeline. */
export function RoomEntrypoint({
  matchID,
  grant,
  onLeave,
}: {
  matchID: string;
  /** Credentials from the lobby's create/join call, so entering does not join twice. */
  grant?: SeatGrant;
  onLeave: () => void;
}) {
  const { login } = useSignedIn();
  const seat = useSeat(matchID, grant);
  const room = useRoom(matchID);
  const data = room.data;
  // A finished room refuses joins, even from its own players; its result and requests
  // (which can still turn "submitted") stay visible from the room data and the feed.
  const finished =
    seat.status === 'error' && seat.error instanceof ApiError && seat.error.code === 'game_over';
  // In a finished room there is no fresh grant: the caller's seat is the one with their name.
  const me =
    seat.status === 'ready'
      ? seat.grant.playerID
      : data?.seats.find((s) => s.taken && s.name === login.user.username)?.playerID;

  return (
    <section className="room" aria-labelledby="room-title">
      <div className="room-bar panel">
        <h2 id="room-title">
          {data ? gameTitle(data.game) : 'Room'}{' '}
          <span className="muted small">
            code <code data-testid="room-code">{matchID}</code>
          </span>
        </h2>
        <div className="inline">
          <CopyButton text={matchID} label="Copy code" />
          <button type="button" className="secondary small" onClick={onLeave}>
            Back to lobby
          </button>
        </div>
      </div>
      {seat.status === 'joining' && <Loading>Taking your seat…</Loading>}
      {seat.status === 'error' &&
        (finished ? (
          data && (
            <ErrorBoundary
              message="This room's result cannot be shown; its requests are listed below."
              retryLabel="Try again"
            >
              <FinishedRoom room={data} />
            </ErrorBoundary>
          )
        ) : (
          <ErrorBox error={seat.error} onRetry={seat.rejoin} />
        ))}
      {room.error !== null && <ErrorBox error={room.error} onRetry={room.refresh} />}
      {data === undefined && room.loading && <Loading>Loading the room…</Loading>}
      {data && !finished && (
        <RoomBody
          room={data}
          seat={seat.status === 'ready' ? seat : undefined}
          onRejoin={seat.rejoin}
        />
      )}
      {(seat.status === 'ready' || finished) && (
        <div className="panel">
          <LiveVerificationTimeline matchID={matchID} seats={data?.seats ?? []}>
            {(feed) => (
              <SandboxSubmit
                matchID={matchID}
                pending={sandboxPictures(login, me, feed.statuses)}
              />
            )}
          </LiveVerificationTimeline>
        </div>
      )}
    </section>
  );
}

function RoomBody({
  room,
  seat,
  onRejoin,
}: {
  room: Room;
  seat: { grant: SeatGrant; epoch: number } | undefined;
  onRejoin: () => void;
}) {
  const phase = roomPhase(room);
  return (
    <>
      <SeatList seats={room.seats} me={seat?.grant.playerID ?? null} />
      {!isGameName(room.game) ? (
        <ErrorBox error={new Error(`This page cannot show the game “${room.game}”.`)} />
      ) : phase.phase === 'waiting' ? (
        <div className="panel waiting">
          <RoomStatus room={room} />
          <p className="muted">
            Share the room code <code>{room.matchID}</code>; the game starts when every wearer seat
            is taken.
            {room.seats.some((s) => s.role === 'keyholder' && !s.taken) &&
              ' The keyholder seat can be taken at any time.'}
          </p>
        </div>
      ) : seat ? (
        <ErrorBoundary onReset={onRejoin}>
          <Suspense fallback={<Loading>Loading the game…</Loading>}>
            <GameView
              key={seat.epoch}
              game={room.game}
              matchID={room.matchID}
              playerID={seat.grant.playerID}
              credentials={seat.grant.credentials}
              seats={room.seats}
              onRejoin={onRejoin}
            />
          </Suspense>
        </ErrorBoundary>
      ) : null}
    </>
  );
}

/** A finished room seen without a seat: the summary from the room data. */
function FinishedRoom({ room }: { room: Room }) {
  return (
    <>
      <SeatList seats={room.seats} />
      <GameOver
        gameover={room.gameover}
        valueLabel={summaryLabel(room.game)}
        nameOf={(playerID) => seatName(room.seats, playerID)}
      />
    </>
  );
}
