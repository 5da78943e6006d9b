/**
 * The Chaster emulator in its own process, for the benchmarks. It records when each verification
 * request arrives (the monotonic clock every process of the box shares) and, like a wearer who
 * always answers, clears the pending request once answered so the next one is accepted again.
 * Its calls: `locks {n}` → created locks, `arrivals` → arrivals since the last call, `stats`,
 * `requests {from}` → the emulator's own request list (with the status it answered) from index
 * `from` on, and its length.
 */
import { createChasterEmulator } from '../src/emulator/index.js';
import type { CreatedLock } from '../src/emulator/index.js';
import { cpuMs, monotonicMs, serveParent } from './procs.js';

/** One verification request as it reached the emulator. */
export interface Arrival {
  sessionId: string;
  /** monotonicMs() when the request's headers were parsed. */
  t: number;
}

const VERIFICATION = /^\/api\/extensions\/sessions\/([^/]+)\/verification-picture\/request$/;

const emulator = createChasterEmulator();
let arrivals: Arrival[] = [];
let count = 0;

emulator.server.prependListener('request', (req, res) => {
  if (req.method !== 'POST') return;
  const m = VERIFICATION.exec(req.url ?? '');
  if (!m) return;
  const sessionId = decodeURIComponent(m[1]!);
  arrivals.push({ sessionId, t: monotonicMs() });
  count += 1;
  if (process.env.BENCH_AUTO_SUBMIT !== '0') {
    // The wearer "submits" at once, so the lock takes the next request (201, not already pending).
    res.once('finish', () => {
      emulator.submit(sessionId).catch(() => {});
    });
  }
});

const url = await emulator.listen(0, '127.0.0.1');

serveParent(
  {
    locks: (payload) => {
      const { n } = payload as { n: number };
      const out: CreatedLock[] = [];
      for (let i = 0; i < n; i++) out.push(emulator.createLock());
      return out;
    },
    arrivals: () => {
      const out = arrivals;
      arrivals = [];
      return out;
    },
    stats: () => ({ received: count, cpuMs: cpuMs(), rss: process.memoryUsage().rss }),
    requests: (payload) => {
      const all = emulator.requests();
      const from = (payload as { from?: number } | undefined)?.from ?? 0;
      return { length: all.length, items: all.slice(from) };
    },
  },
  { url, token: emulator.token },
);
