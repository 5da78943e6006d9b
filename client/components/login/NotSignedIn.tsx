/**
 * What the page shows until signed in: signing in, or why it cannot, and where the right link
 * comes from.
 */
import { useLogin } from 'bgio-chaster/react';
import { roomFromUrl } from '../../url.js';
import { ErrorBox, Loading } from '../common/Feedback.js';

/** The login provider's fallback: a loading line, or the problem and what to do about it. */
export function NotSignedIn() {
  const login = useLogin();
  if (login.status === 'signing_in' || login.status === 'ready') {
    return (
      <main className="page narrow">
        <Loading>Signing you in with Chaster…</Loading>
      </main>
    );
  }
  if (login.status === 'error') {
    return (
      <main className="page narrow">
        <h1>Chaster Games</h1>
        <ErrorBox error={login.error} onRetry={login.retry} />
      </main>
    );
  }
  const room = roomFromUrl();
  return (
    <main className="page narrow">
      <h1>Chaster Games</h1>
      <div className="panel" data-testid="error" role="alert">
        <p>
          <strong>{login.message}</strong>
        </p>
        <p>This page needs a Chaster session to know who you are. Open it:</p>
        <ul>
          <li>
            from Chaster: your lock (wearers) or the keyholder page of the lock (keyholders) → the
            games extension;
          </li>
          <li>
            or, in development, from a sandbox link printed by <code>npm start</code>.
          </li>
        </ul>
        {room && (
          <p>
            You were invited to room <code>{room}</code>: open the game from Chaster and enter this
            code under “Join by code”.
          </p>
        )}
      </div>
    </main>
  );
}
