/**
 * The history's data side: loads the recent matches of the lock's wearer (`useHistory`) and lays
 * them out with the kit's `MatchHistory`, for the keyholder and for the wearer themselves.
 */
import { MatchHistory, useHistory, useSignedIn } from 'bgio-chaster/react';
import { gameTitle } from '../../labels.js';
import { ErrorBox, Loading } from '../common/Feedback.js';
import './history.css';

/** The wearer's recent matches; a wearer may go back into a match still being played. */
export function HistoryEntrypoint({ onEnter }: { onEnter: (matchID: string) => void }) {
  const { login } = useSignedIn();
  const history = useHistory();
  const wearer = login.role === 'wearer';
  return (
    <div className="panel history" data-testid="history-panel">
      {history.error !== null && <ErrorBox error={history.error} onRetry={history.refresh} />}
      {history.data === undefined ? (
        history.loading && <Loading>Loading the matches…</Loading>
      ) : (
        <MatchHistory
          matches={history.data.matches}
          lockTitle={history.data.lockTitle}
          gameTitle={gameTitle}
          title={wearer ? 'Your recent matches' : `Recent matches of ${login.lock.wearer}`}
          actions={(match) =>
            wearer && match.result === 'playing' ? (
              <button
                type="button"
                className="small"
                onClick={() => onEnter(match.matchID)}
                aria-label={`Return to the ${gameTitle(match.game)} room ${match.matchID}`}
              >
                Return to the room
              </button>
            ) : null
          }
        >
          <div className="history-tools">
            <p className="muted small">
              {wearer
                ? 'Every request made to you in each match, and where it stands.'
                : `Every request made to ${login.lock.wearer} in each match, including rooms you did not sit in.`}
            </p>
            <button type="button" className="secondary small" onClick={history.refresh}>
              Refresh
            </button>
          </div>
        </MatchHistory>
      )}
    </div>
  );
}
