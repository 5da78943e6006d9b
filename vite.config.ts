import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// `npm start` serves the API on PORT (8000); `npm run dev` serves the client with HMR and
// forwards the API and the sockets to it.
const server = `http://127.0.0.1:${process.env.PORT ?? 8000}`;
const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

// One config for the client build (Vite) and the test suite (Vitest).
export default defineConfig({
  plugins: [react()],
  resolve: {
    // The app in client/ imports the library by its package names (as tsconfig.json's `paths`),
    // built from source rather than from dist/.
    alias: [
      { find: /^bgio-chaster\/react\/styles\.css$/, replacement: src('react/styles.css') },
      { find: /^bgio-chaster\/([a-z]+)$/, replacement: src('$1/index.ts') },
      { find: /^bgio-chaster$/, replacement: src('plugin/index.ts') },
    ],
  },
  build: { outDir: 'dist/client', emptyOutDir: true },
  server: {
    proxy: {
      '/api': server,
      '/healthz': server,
      '/socket.io': { target: server, ws: true },
    },
  },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
