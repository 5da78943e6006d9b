/** The game connection's bar above a board. */
import { useEffect, useState } from 'react';

/** The game connection's state; offers a reconnect when it has been down for a while. */
export function ConnectionBar({
  isConnected,
  onRejoin,
}: {
  isConnected: boolean;
  onRejoin: () => void;
}) {
  const [longDown, setLongDown] = useState(false);
  useEffect(() => {
    if (isConnected) {
      setLongDown(false);
      return;
    }
    // socket.io retries by itself; only offer a manual rejoin once that seems not to work.
    const timer = setTimeout(() => setLongDown(true), 8000);
    return () => clearTimeout(timer);
  }, [isConnected]);
  return (
    <div className={`connection ${isConnected ? 'online' : 'offline'}`} role="status">
      <span data-testid="connection">{isConnected ? 'Connected' : 'Reconnecting…'}</span>
      {longDown && (
        <button type="button" className="secondary small" onClick={onRejoin}>
          Reconnect now
        </button>
      )}
    </div>
  );
}
