/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and says where the time went: self time by
 * package or source file, and inclusive time by function. Synchronous native calls (better-sqlite3
 * statements, fsync) show up as self time of the JavaScript function that made them.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package (innermost node_modules entry) or our source file a frame's URL belongs to. */
function where(url: string): string {
  const nm = url.match(/.*node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (nm) return nm[1]!;
  const own = url.match(/\/((?:src|bench|game|test)\/.*)$/);
  if (own) return own[1]!;
  return url;
}

/** Self time by package/file and inclusive time by function, as text. */
export function summarizeProfile(path: string, top = 20): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const sampled = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    sampled.set(id, (sampled.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000),
  );
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const ms = sampled.get(n.id) ?? 0;
    if (ms === 0) continue;
    total += ms;
    const file =
      where(n.callFrame.url) ||
      `(${n.callFrame.functionName || 'native'})`.replace('((', '(').replace('))', ')');
    self.set(file, (self.get(file) ?? 0) + ms);
    const seen = new Set<string>();
    for (let cur: number | undefined = n.id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)!.callFrame;
      const key = `${cf.functionName || '(anonymous)'} ${where(cf.url)}:${cf.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + ms);
    }
  }
  const lines = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, v]) =>
          `  ${v.toFixed(0).padStart(7)} ms ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`,
      )
      .join('\n');
  return `total ${total.toFixed(0)} ms sampled\nself time by package/file:\n${lines(self)}\ninclusive time by function:\n${lines(inclusive)}`;
}
