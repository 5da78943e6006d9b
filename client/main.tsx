/**
 * Entry of the React client. For now it only tells the visitor whether the page was opened
 * from Chaster; the lobby, boards and verification timeline arrive with the games.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { parseChasterHash } from './hash.js';

function App() {
  const hash = parseChasterHash(window.location.hash);
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 480, margin: '2rem auto' }}>
      <h1>bgio-chaster</h1>
      {hash.ok ? (
        <p>Chaster session found. Games arrive in the next release.</p>
      ) : (
        <p>
          {hash.reason} Open this page from your lock in Chaster, or from a sandbox link printed by{' '}
          <code>npm start</code>.
        </p>
      )}
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
