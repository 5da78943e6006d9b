/**
 * The boardgame.io client of one match. Loaded lazily with the room: it brings boardgame.io,
 * socket.io and the game code, which the lobby does not need.
 */
import { createContext, useContext, useEffect, useMemo, useState } from 'react';
import { SocketIO } from 'boardgame.io/multiplayer';
import type { Seat } from 'bgio-chaster/client';
import type { GameName } from '../../../game/registry.js';
import { GAME_CLIENTS } from '../boards/index.js';
import { Loading } from '../common/Feedback.js';

/** Props of `GameView`. */
export interface GameViewProps {
  game: GameName;
  matchID: string;
  playerID: string;
  credentials: string;
  seats: Seat[];
  onRejoin: () => void;
}

// boardgame.io renders `loading` without props; the rejoin action reaches it through context.
const RejoinContext = createContext<() => void>(() => window.location.reload());

/** Shown by boardgame.io until the first state arrives; offers a way out if that takes long. */
function Connecting() {
  const rejoin = useContext(RejoinContext);
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setSlow(true), 8000);
    return () => clearTimeout(timer);
  }, []);
  return (
    <div className="panel">
      <Loading>Connecting to the game…</Loading>
      {slow && (
        <p className="muted small" data-testid="connection">
          Still connecting. Reconnecting…{' '}
          <button type="button" className="secondary small" onClick={rejoin}>
            Reconnect now
          </button>
        </p>
      )}
    </div>
  );
}

function makeClient(game: GameName, matchID: string) {
  // The matchID in the handshake query lets a load balancer keep a match on one instance.
  const multiplayer = SocketIO({
    server: window.location.origin,
    socketOpts: { query: { matchID } },
  });
  return GAME_CLIENTS[game]({ multiplayer, loading: Connecting });
}

/** The live board of one match (the client is rebuilt only when the game or match changes). */
export default function GameView({
  game,
  matchID,
  playerID,
  credentials,
  seats,
  onRejoin,
}: GameViewProps) {
  const GameClient = useMemo(() => makeClient(game, matchID), [game, matchID]);
  return (
    <RejoinContext value={onRejoin}>
      <GameClient
        matchID={matchID}
        playerID={playerID}
        credentials={credentials}
        seats={seats}
        onRejoin={onRejoin}
      />
    </RejoinContext>
  );
}
