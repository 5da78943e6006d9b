/** The header: who you are, on which lock, and what the lock lacks. */
import type { Login } from '../../api.js';

/** Username, role and lock title; warns when the lock has no Verification Picture extension. */
export function Header({ login }: { login: Login }) {
  const { user, role, lock } = login;
  return (
    <header className="header">
      <div className="whoami" data-testid="whoami">
        <span className="username">{user.username}</span>
        <span className="sr-only"> · </span>
        <span className={`role role-${role}`}>{role}</span>
        <span className="sr-only"> · lock: </span>
        <span className="lock-title">
          {lock.title}
          {role === 'keyholder' ? ` (wearer ${lock.wearer})` : ''}
        </span>
      </div>
      {!lock.verificationPicture && (
        <p className="note" role="note">
          This lock has no Verification Picture extension: games can still be played, but Chaster
          will refuse every picture request for it. Add the extension to the lock to play for real.
        </p>
      )}
    </header>
  );
}
