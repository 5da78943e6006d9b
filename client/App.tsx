/** The app's root: signs in from Chaster's hash, then shows the signed-in page. */
import { ChasterLoginProvider } from 'bgio-chaster/react';
import { NotSignedIn } from './components/login/NotSignedIn.js';
import { SignedInPage } from './components/login/SignedInPage.js';

/** Root component; the game server is the page's own origin. */
export function App() {
  return (
    <ChasterLoginProvider fallback={<NotSignedIn />}>
      <SignedInPage />
    </ChasterLoginProvider>
  );
}
