/** Suite hooks of the tests that need Postgres and Redis (apart from services.ts, which the benchmarks import outside vitest). */
import { afterEach, beforeAll } from 'vitest';
import { servicesMissing } from './services.js';

/**
 * Looks for Postgres and Redis before the file's tests: under CI their absence fails the file,
 * elsewhere `what` is skipped with a message. Returns why they are missing, if they are.
 */
export function needServices(what: string): () => string | undefined {
  let missing: string | undefined;
  beforeAll(async () => {
    missing = await servicesMissing();
    if (missing && process.env.CI)
      throw new Error(`${missing}; .ci/run starts Postgres and Redis.`);
    if (missing)
      console.warn(`${what} skipped: ${missing}. Start Postgres and Redis (see .ci/run).`);
  });
  return () => missing;
}

/** Cleanups that run after each test, the last added first. */
export function cleanupAfterEach(): Array<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });
  return cleanups;
}
