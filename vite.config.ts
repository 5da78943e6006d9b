import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// One config for the client build (Vite) and the test suite (Vitest).
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist/client', emptyOutDir: true },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
