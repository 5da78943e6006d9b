import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// `npm start` serves the API on PORT (8000); `npm run dev` serves the client with HMR and
// forwards the API and the sockets to it.
const server = `http://127.0.0.1:${process.env.PORT ?? 8000}`;

// One config for the client build (Vite) and the test suite (Vitest).
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist/client', emptyOutDir: true },
  server: {
    proxy: {
      '/api': server,
      '/healthz': server,
      '/socket.io': { target: server, ws: true },
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
