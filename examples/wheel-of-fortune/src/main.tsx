/** The page's entry: mounts `App` into `#root`. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'bgio-chaster/react/styles.css';
import { App } from './App.js';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
