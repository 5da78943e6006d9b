import { describe, expect, it } from 'vitest';
import { runChaos } from './chaos.js';

describe('crash test (small; `npm run chaos` runs 20 kills)', () => {
  it('SIGKILL at random moments under load from 10 matches: nothing lost, only in-flight requests resent, database intact', async () => {
    const report = await runChaos({ kills: 2, matches: 10, seed: 42 });
    expect(report.committedIntents).toBeGreaterThan(0);
    expect(report).toMatchObject({
      lost: 0,
      extraRows: 0,
      notFinal: 0,
      integrity: 'ok',
      unloadable: 0,
    });
    expect(report.outboxRows).toBe(report.committedIntents);
    // A resend is possible only for a request in flight when the process died.
    expect(report.duplicates).toBeLessThanOrEqual(report.inFlightAtKills);
  }, 120_000);
});
