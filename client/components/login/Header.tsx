/** The header: who you are, on which lock, what the lock lacks, and whether this is the sandbox. */
import type { LoginAnswer } from 'bgio-chaster/client';

/**
 * Username, role and lock title; warns when the lock has no Verification Picture extension, and
 * says when the server plays Chaster itself (sandbox mode).
 */
export function Header({ login }: { login: LoginAnswer }) {
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
      {login.sandbox === true && (
        <p className="note" role="note" data-testid="sandbox-note">
          Sandbox: this server asks a local Chaster emulator, never Chaster; no real lock is
          touched.
        </p>
      )}
      {!lock.verificationPicture && (
        <p className="note" role="note">
          This lock has no Verification Picture extension: games can still be played, but Chaster
          will refuse every picture request for it. Add the extension to the lock to play for real.
        </p>
      )}
    </header>
  );
}
