/** The page shown when the URL carries no usable Chaster session: how to open it properly. */

/** Explains why nothing can load and where the right link comes from. */
export function NoLoginView({ reason, room }: { reason: string; room: string | null }) {
  return (
    <main className="page narrow">
      <h1>Chaster Games</h1>
      <div className="panel" data-testid="error" role="alert">
        <p>
          <strong>{reason}</strong>
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
