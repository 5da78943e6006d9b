/** The lobby's data side: lists open rooms, creates and joins rooms, then enters the room. */
import { Suspense, use, useState } from 'react';
import { ApiError } from 'bgio-chaster/client';
import type { CreateRoomInput, HouseRules, SeatGrant } from 'bgio-chaster/client';
import { useRooms, useSignedIn } from 'bgio-chaster/react';
import type { DefaultRules } from '../../../game/rules.js';
import type { SeatRole } from '../../../game/types.js';
import { loadRuleDefaults } from '../../rule-defaults.js';
import { isRoomCode } from '../../url.js';
import { ErrorBoundary } from '../common/ErrorBoundary.js';
import { ErrorBox, Loading } from '../common/Feedback.js';
import { HostForm } from './HostForm.js';
import { RoomRefusal } from './HouseRules.js';
import { JoinByCode } from './JoinByCode.js';
import { RoomList } from './RoomList.js';

/** Lobby: host form, join by code, open rooms (refreshed every few seconds). */
export function LobbyEntrypoint({
  onEnter,
}: {
  /** Enters a room made (`joined` false) or joined; the grant may say what house rules forced. */
  onEnter: (matchID: string, grant: SeatGrant, joined: boolean) => void;
}) {
  const { api, login } = useSignedIn();
  const rooms = useRooms();
  const [hosting, setHosting] = useState(false);
  const [hostError, setHostError] = useState<unknown>(null);
  const [joining, setJoining] = useState<string | null>(null);
  const [joinError, setJoinError] = useState<unknown>(null);

  async function host(input: CreateRoomInput) {
    setHosting(true);
    setHostError(null);
    try {
      const { matchID, ...grant } = await api.rooms.create(input);
      onEnter(matchID, grant, false);
    } catch (error) {
      setHostError(error);
      setHosting(false);
    }
  }

  async function join(matchID: string) {
    setJoinError(null);
    if (!isRoomCode(matchID)) {
      setJoinError(
        new ApiError(400, 'invalid_code', 'A room code is 1–64 letters, digits, “-” or “_”.'),
      );
      return;
    }
    setJoining(matchID);
    try {
      onEnter(matchID, await api.rooms.join(matchID), true);
    } catch (error) {
      setJoinError(error);
      setJoining(null);
      rooms.refresh();
    }
  }

  return (
    <div className="lobby">
      <section className="panel" aria-labelledby="rooms-title">
        <div className="section-head">
          <h2 id="rooms-title">Open rooms</h2>
          <button type="button" className="secondary small" onClick={rooms.refresh}>
            Refresh
          </button>
        </div>
        <JoinByCode busy={joining !== null} onJoin={(code) => void join(code)} />
        {joinError !== null && <RoomRefusal error={joinError} during="join" />}
        {rooms.error !== null && <ErrorBox error={rooms.error} onRetry={rooms.refresh} />}
        {rooms.data === undefined ? (
          rooms.loading && <Loading>Loading rooms…</Loading>
        ) : (
          <RoomList
            rooms={rooms.data}
            role={login.role}
            username={login.user.username}
            houseRules={login.role === 'wearer' ? login.houseRules : null}
            joining={joining}
            onJoin={(id) => void join(id)}
          />
        )}
      </section>
      <ErrorBoundary>
        <Suspense fallback={<Loading>Loading the games…</Loading>}>
          <HostFormEntrypoint
            defaults={loadRuleDefaults()}
            role={login.role}
            houseRules={login.houseRules ?? null}
            wearer={login.lock.wearer}
            busy={hosting}
            error={hostError}
            onSubmit={(input) => void host(input)}
          />
        </Suspense>
      </ErrorBoundary>
    </div>
  );
}

/** The host form once the games' default rules are loaded (suspends until then). */
function HostFormEntrypoint({
  defaults,
  ...props
}: {
  defaults: Promise<DefaultRules>;
  role: SeatRole;
  houseRules: HouseRules | null;
  wearer: string;
  busy: boolean;
  error: unknown;
  onSubmit: (input: CreateRoomInput) => void;
}) {
  return <HostForm {...props} defaults={use(defaults)} />;
}
