/**
 * How many cases the hostile-input and abuse suites run. `npm test` runs the small version;
 * the full run (≥ 1,000 cases per surface) is `FULL_RUN=1 npx vitest run test/hostile`.
 */

/** True for the full run. */
export const FULL = Boolean(process.env.FULL_RUN);

/** Cases per property: 1,000 in the full run, a fast sample in `npm test`. */
export const RUNS = FULL ? 1000 : 60;

/** Per-test timeout: the full run takes a while per surface. */
export const TIMEOUT = FULL ? 600_000 : 20_000;

/** fast-check parameters for one surface; `FC_SEED` replays a failure. */
export function params(numRuns = RUNS): { numRuns: number; seed?: number; endOnFailure: boolean } {
  const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
  // Shrinking against a live server multiplies the run time; the first counterexample is enough.
  return seed === undefined
    ? { numRuns, endOnFailure: true }
    : { numRuns, seed, endOnFailure: true };
}
