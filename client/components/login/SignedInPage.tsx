/** The signed-in page: the header, then the lobby or the room named in the URL. */
import { useCallback, useState } from 'react';
import type { SeatGrant } from 'bgio-chaster/client';
import { useSignedIn } from 'bgio-chaster/react';
import { roomFromUrl, setRoomInUrl } from '../../url.js';
import { ErrorBoundary } from '../common/ErrorBoundary.js';
import { Header } from './Header.js';
import { LobbyEntrypoint } from '../lobby/LobbyEntrypoint.js';
import { RoomEntrypoint } from '../room/RoomEntrypoint.js';

/** The header and the lobby or the current room. */
export function SignedInPage() {
  const { login } = useSignedIn();
  const [room, setRoom] = useState<{ matchID: string; grant?: SeatGrant } | null>(() => {
    const matchID = roomFromUrl();
    return matchID === null ? null : { matchID };
  });
  // The room is in the URL so that a reload (or a copied link) comes back to it.
  const enter = useCallback((matchID: string | null, grant?: SeatGrant) => {
    setRoomInUrl(matchID);
    setRoom(matchID === null ? null : { matchID, grant });
  }, []);
  return (
    <main className="page">
      <Header login={login} />
      {room === null ? (
        <LobbyEntrypoint onEnter={enter} />
      ) : (
        // A room whose data this page cannot show must not blank the page: the header stays,
        // and the way back to the lobby.
        <ErrorBoundary
          key={room.matchID}
          message="This room cannot be shown on this page."
          retryLabel="Back to the lobby"
          onReset={() => enter(null)}
        >
          <RoomEntrypoint matchID={room.matchID} grant={room.grant} onLeave={() => enter(null)} />
        </ErrorBoundary>
      )}
    </main>
  );
}
