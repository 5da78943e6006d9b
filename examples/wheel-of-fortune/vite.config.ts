import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// One config for the page (`vite build` → dist/, which the server serves) and the tests.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    // The server logs JSON lines; a test refuses packets on purpose, so errors only.
    env: { LOG_LEVEL: 'error' },
    testTimeout: 20_000,
  },
});
