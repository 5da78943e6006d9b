/** The app's root: reads Chaster's hash and either signs in or explains how to open the page. */
import { useEffect, useState } from 'react';
import { parseChasterHash } from './hash.js';
import { roomFromUrl } from './url.js';
import { NoLoginView } from './components/login/NoLoginView.js';
import { LoginEntrypoint } from './components/login/LoginEntrypoint.js';

/** Root component. */
export function App() {
  const [hash, setHash] = useState(() => parseChasterHash(window.location.hash));
  useEffect(() => {
    // Pasting a new sandbox link into the same tab changes only the hash, without a reload.
    const onChange = () => setHash(parseChasterHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  if (!hash.ok) return <NoLoginView reason={hash.reason} room={roomFromUrl()} />;
  return <LoginEntrypoint key={hash.mainToken} mainToken={hash.mainToken} />;
}
