/**
 * Commit-to-Chaster latency, measured at four points on the monotonic clock every process of the
 * box shares: the server child notes when `setState`'s transaction committed an outbox row, when
 * the dispatcher called the Chaster client for it, and when undici wrote it to the socket
 * (diagnostics channel `undici:client:sendHeaders`); the emulator child notes when it arrived.
 * A wearer has at most one request in flight and rows are sent in commit order, so the k-th
 * commit, call, write and arrival for one session belong together.
 */
import type { EmulatorChild } from './clients.js';
import type { Arrival } from './emulator-child.js';
import type { Commit, Send } from './server-child.js';
import type { ServerChild } from './servers.js';

/** Latencies in ms: whole, and split into the dispatcher's part and the transport's part. */
export interface Latencies {
  /** Commit → arrival at the emulator. */
  total: number[];
  /** Commit → the dispatcher calling the Chaster client (claim, queueing on the event loop). */
  toSend: number[];
  /** Client call → undici writing the request to the socket. */
  sendToWrite: number[];
  /** Socket write → arrival (loopback, and the emulator process getting the CPU). */
  writeToArrival: number[];
  /** Commits, sends or arrivals left unpaired. */
  unmatched: number;
  /** The dispatcher's calls to the Chaster client over the same period. */
  calls: CallStats;
}

/** The dispatcher's calls to the Chaster client: concurrency and duration (ms). */
export interface CallStats {
  calls: number;
  meanInFlight: number;
  maxInFlight: number;
  durationP50: number;
  durationP99: number;
}

/**
 * Waits until the emulator has received `expected` requests; returns them. After `timeoutMs` it
 * throws, or with `lenient` returns what arrived (for callers that count the missing ones).
 */
export async function collectArrivals(
  emulator: EmulatorChild,
  expected: number,
  timeoutMs = 30_000,
  lenient = false,
): Promise<Arrival[]> {
  const got: Arrival[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    got.push(...(await emulator.call<Arrival[]>('arrivals')));
    if (got.length >= expected) return got;
    if (Date.now() > deadline) {
      if (lenient) return got;
      throw new Error(`the emulator received ${got.length} of ${expected} requests in time`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Forgets what the server and the emulator recorded so far. */
export async function resetLatency(server: ServerChild, emulator: EmulatorChild): Promise<void> {
  await emulator.call('arrivals');
  await server.child.call('commits');
  await server.child.call('sends');
  await server.child.call('writes');
  await server.child.call('calls');
}

/** Waits for `expected` arrivals (or, when undefined, as many as the server committed) and pairs. */
export async function collectLatencies(
  server: ServerChild,
  emulator: EmulatorChild,
  sessionOf: (matchID: string, playerID: string) => string | undefined,
  expected?: number,
  timeoutMs = 30_000,
): Promise<Latencies> {
  const committed = await server.child.call<Commit[]>('commits');
  const arrivals = await collectArrivals(emulator, expected ?? committed.length, timeoutMs);
  const commits = [...committed, ...(await server.child.call<Commit[]>('commits'))];
  const sends = await server.child.call<Send[]>('sends');
  const writes = await server.child.call<Send[]>('writes');
  const calls = await server.child.call<CallStats>('calls');
  return { ...pairLatencies(commits, sends, writes, arrivals, sessionOf), calls };
}

/** Pairs the k-th commit, client call, socket write and arrival of each session. */
export function pairLatencies(
  commits: Commit[],
  sends: Send[],
  writes: Send[],
  arrivals: Arrival[],
  sessionOf: (matchID: string, playerID: string) => string | undefined,
): Omit<Latencies, 'calls'> {
  const bySession = new Map<string, { c: number[]; s: number[]; w: number[]; a: number[] }>();
  const slot = (session: string) => {
    let v = bySession.get(session);
    if (!v) bySession.set(session, (v = { c: [], s: [], w: [], a: [] }));
    return v;
  };
  let unmatched = 0;
  for (const c of commits) {
    const session = sessionOf(c.matchID, c.playerID);
    if (session === undefined) unmatched++;
    else slot(session).c.push(c.t);
  }
  for (const s of sends) slot(s.sessionId).s.push(s.t);
  for (const w of writes) slot(w.sessionId).w.push(w.t);
  for (const a of arrivals) slot(a.sessionId).a.push(a.t);
  const out: Omit<Latencies, 'calls'> = {
    total: [],
    toSend: [],
    sendToWrite: [],
    writeToArrival: [],
    unmatched,
  };
  const byTime = (x: number, y: number) => x - y;
  for (const { c, s, w, a } of bySession.values()) {
    for (const list of [c, s, w, a]) list.sort(byTime);
    const n = Math.min(c.length, s.length, w.length, a.length);
    out.unmatched += Math.max(c.length, s.length, w.length, a.length) - n;
    for (let i = 0; i < n; i++) {
      out.total.push(a[i]! - c[i]!);
      out.toSend.push(s[i]! - c[i]!);
      out.sendToWrite.push(w[i]! - s[i]!);
      out.writeToArrival.push(a[i]! - w[i]!);
    }
  }
  return out;
}
