/** Signs in with the mainToken, then shows the header and the lobby or the current room. */
import { useCallback, useState } from 'react';
import { useLogin, LoginContext, useLoginValue } from '../../login.js';
import type { Api, SeatGrant, Login } from '../../api.js';
import { roomFromUrl, setRoomInUrl } from '../../url.js';
import { ErrorBox, Loading } from '../common/Feedback.js';
import { Header } from './Header.js';
import { LobbyEntrypoint } from '../lobby/LobbyEntrypoint.js';
import { RoomEntrypoint } from '../room/RoomEntrypoint.js';

/** Data side of the app once a mainToken is known. */
export function LoginEntrypoint({ mainToken }: { mainToken: string }) {
  const { state, retry } = useLogin(mainToken);
  if (state.status === 'loading') {
    return (
      <main className="page narrow">
        <Loading>Signing you in with Chaster…</Loading>
      </main>
    );
  }
  if (state.status === 'error') {
    return (
      <main className="page narrow">
        <h1>Chaster Games</h1>
        <ErrorBox error={new Error(state.message)} onRetry={retry} />
      </main>
    );
  }
  return <SignedIn login={state.login} api={state.api} renew={retry} />;
}

function SignedIn({ login, api, renew }: { login: Login; api: Api; renew: () => void }) {
  const value = useLoginValue(login, api, renew);
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
    <LoginContext value={value}>
      <main className="page">
        <Header login={login} />
        {room === null ? (
          <LobbyEntrypoint onEnter={enter} />
        ) : (
          <RoomEntrypoint
            key={room.matchID}
            matchID={room.matchID}
            grant={room.grant}
            onLeave={() => enter(null)}
          />
        )}
      </main>
    </LoginContext>
  );
}
