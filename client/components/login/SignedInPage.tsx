/**
 * The signed-in page: the header, then the lobby or the history (two sections), or the room named
 * in the URL, with what house rules forced in a room just made or joined.
 */
import { useCallback, useState } from 'react';
import type { ForcedRule, SeatGrant } from 'bgio-chaster/client';
import { useSignedIn } from 'bgio-chaster/react';
import { roomFromUrl, setRoomInUrl } from '../../url.js';
import { ErrorBoundary } from '../common/ErrorBoundary.js';
import { HistoryEntrypoint } from '../history/HistoryEntrypoint.js';
import { ForcedRules } from '../lobby/HouseRules.js';
import { LobbyEntrypoint } from '../lobby/LobbyEntrypoint.js';
import { Header } from './Header.js';
import { RoomEntrypoint } from '../room/RoomEntrypoint.js';

/** The sections of the page outside a room. */
type Section = 'lobby' | 'history';

/** What the caller's house rules forced in the room just entered, and whether it was joined. */
interface Forced {
  matchID: string;
  forced: readonly ForcedRule[];
  joined: boolean;
}

/** The header and the lobby, the history, or the current room. */
export function SignedInPage() {
  const { login } = useSignedIn();
  const [room, setRoom] = useState<{ matchID: string; grant?: SeatGrant } | null>(() => {
    const matchID = roomFromUrl();
    return matchID === null ? null : { matchID };
  });
  const [section, setSection] = useState<Section>('lobby');
  const [forced, setForced] = useState<Forced | null>(null);
  // The room is in the URL so that a reload (or a copied link) comes back to it.
  const enter = useCallback((matchID: string | null, grant?: SeatGrant, joined = true) => {
    setRoomInUrl(matchID);
    setRoom(matchID === null ? null : { matchID, grant });
    const rules = grant?.forced ?? [];
    setForced(matchID !== null && rules.length > 0 ? { matchID, forced: rules, joined } : null);
  }, []);
  return (
    <main className="page">
      <Header login={login} />
      {room === null ? (
        <>
          <nav className="sections" aria-label="Sections">
            <SectionButton current={section} section="lobby" onChoose={setSection}>
              Lobby
            </SectionButton>
            <SectionButton current={section} section="history" onChoose={setSection}>
              {login.role === 'wearer' ? 'Your history' : `History of ${login.lock.wearer}`}
            </SectionButton>
          </nav>
          {section === 'lobby' ? (
            <LobbyEntrypoint onEnter={enter} />
          ) : (
            <ErrorBoundary message="The history cannot be shown on this page.">
              <HistoryEntrypoint onEnter={(matchID) => enter(matchID)} />
            </ErrorBoundary>
          )}
        </>
      ) : (
        <>
          {forced !== null && forced.matchID === room.matchID && (
            <ForcedRules
              forced={forced.forced}
              joined={forced.joined}
              onDismiss={() => setForced(null)}
            />
          )}
          {/* A room whose data this page cannot show must not blank the page: the header
              stays, and the way back to the lobby. */}
          <ErrorBoundary
            key={room.matchID}
            message="This room cannot be shown on this page."
            retryLabel="Back to the lobby"
            onReset={() => enter(null)}
          >
            <RoomEntrypoint matchID={room.matchID} grant={room.grant} onLeave={() => enter(null)} />
          </ErrorBoundary>
        </>
      )}
    </main>
  );
}

/** One section's button; the current one is marked `aria-current="page"`. */
function SectionButton({
  current,
  section,
  onChoose,
  children,
}: {
  current: Section;
  section: Section;
  onChoose: (section: Section) => void;
  children: string;
}) {
  return (
    <button
      type="button"
      className="secondary small"
      aria-current={current === section ? 'page' : undefined}
      data-testid={`section-${section}`}
      onClick={() => onChoose(section)}
    >
      {children}
    </button>
  );
}
