/**
 * A room's data side: takes (or retakes) the seat for fresh credentials, polls the room for its
 * seats, then shows the waiting list or the board, and the verification timeline.
 */
import { Suspense, lazy, useCallback, useEffect, useState } from 'react';
import { ApiError } from '../../api.js';
import type { Room, SeatGrant } from '../../api.js';
import { usePoll } from '../../hooks.js';
import { isGameName } from '../../../game/registry.js';
import { gameTitle, summaryLabel } from '../../labels.js';
import { useLoginContext } from '../../login.js';
import { CopyButton, ErrorBox, Loading } from '../common/Feedback.js';
import { ErrorBoundary } from '../common/ErrorBoundary.js';
import { TimelineEntrypoint } from '../timeline/TimelineEntrypoint.js';
import { GameOver } from '../boards/GameOver.js';
import { SeatChips, seatName } from './Seats.js';

// The game code (boardgame.io, socket.io, the games) is the heavy part: load it with the room.
const GameView = lazy(() => import('./GameView.js'));

type SeatState =
  | { status: 'joining' }
  | { status: 'error'; error: unknown }
  | { status: 'ready'; grant: SeatGrant; epoch: number };

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
  const { api } = useLoginContext();
  const [seat, setSeat] = useState<SeatState>(
    grant ? { status: 'ready', grant, epoch: 0 } : { status: 'joining' },
  );
  const [attempt, setAttempt] = useState(grant ? 0 : 1);

  useEffect(() => {
    if (attempt === 0) return;
    let live = true;
    setSeat((s) => (s.status === 'ready' ? s : { status: 'joining' }));
    // Joining again returns the same seat with fresh credentials: the way back in after a
    // reload, another device, or a connection that went bad.
    api.joinRoom(matchID).then(
      (g) => live && setSeat({ status: 'ready', grant: g, epoch: attempt }),
      (error: unknown) => live && setSeat({ status: 'error', error }),
    );
    return () => {
      live = false;
    };
  }, [api, matchID, attempt]);

  const rejoin = useCallback(() => setAttempt((n) => n + 1), []);
  const [full, setFull] = useState(false);
  // While seats are free, poll often so the board appears soon after the last player sits down;
  // afterwards only names can change.
  const room = usePoll((signal) => api.getRoom(matchID, signal), full ? 15_000 : 3000, [
    api,
    matchID,
  ]);
  const data = room.data;
  const nowFull = data !== undefined && data.seats.every((s) => s.taken);
  if (nowFull !== full) setFull(nowFull);
  // A finished room refuses joins, even from its own players; its result and requests
  // (which can still turn "submitted") stay visible from the room data and the feed.
  const finished =
    seat.status === 'error' && seat.error instanceof ApiError && seat.error.code === 'game_over';

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
          data && <FinishedRoom room={data} />
        ) : (
          <ErrorBox error={seat.error} onRetry={rejoin} />
        ))}
      {room.error !== null && <ErrorBox error={room.error} onRetry={room.refresh} />}
      {data === undefined && room.loading && <Loading>Loading the room…</Loading>}
      {data && !finished && (
        <RoomBody room={data} seat={seat.status === 'ready' ? seat : undefined} onRejoin={rejoin} />
      )}
      {(seat.status === 'ready' || finished) && (
        <TimelineEntrypoint matchID={matchID} seats={data?.seats ?? []} />
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
  const me = seat?.grant.playerID ?? null;
  const missing = room.seats.filter((s) => s.role === 'wearer' && !s.taken).length;
  const started = missing === 0 || (room.gameover !== null && room.gameover !== undefined);
  return (
    <>
      <SeatChips seats={room.seats} me={me} />
      {!isGameName(room.game) ? (
        <ErrorBox error={new Error(`This page cannot show the game “${room.game}”.`)} />
      ) : !started ? (
        <div className="panel waiting" role="status">
          <p>
            <strong>
              Waiting for {missing} more wearer{missing === 1 ? '' : 's'}…
            </strong>
          </p>
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
  const nameOf = (playerID: string) =>
    seatName(
      room.seats.find((s) => s.playerID === playerID),
      playerID,
    );
  return (
    <>
      <SeatChips seats={room.seats} />
      <GameOver gameover={room.gameover} valueLabel={summaryLabel(room.game)} nameOf={nameOf} />
    </>
  );
}
