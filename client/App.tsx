/**
 * The app's root: the configuration page at `/config` (Chaster's token, no login of ours);
 * everywhere else, signs in from Chaster's hash, then shows the signed-in page.
 */
import { ChasterLoginProvider } from 'bgio-chaster/react';
import { ConfigurationPage } from './components/config/ConfigurationPage.js';
import { NotSignedIn } from './components/login/NotSignedIn.js';
import { SignedInPage } from './components/login/SignedInPage.js';

/** Whether this is the configuration page (`/config`, with or without a trailing slash). */
function isConfigurationPath(path: string): boolean {
  return path.replace(/\/+$/, '') === '/config';
}

/** Root component; the game server is the page's own origin. */
export function App() {
  if (isConfigurationPath(window.location.pathname)) return <ConfigurationPage />;
  return (
    <ChasterLoginProvider fallback={<NotSignedIn />}>
      <SignedInPage />
    </ChasterLoginProvider>
  );
}
