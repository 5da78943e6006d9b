/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and says where the time went: self time by
 * package or source file, and inclusive time by function; or, over one time window, self time by
 * group (ours, boardgame.io, socket.io, JSON, sqlite, undici, GC…) and the top frames.
 * Synchronous native calls (better-sqlite3 statements, fsync) and builtins (`JSON.stringify`) show
 * up as self time of the JavaScript function that made them; Node's own bindings (`writev`) and
 * internals are charged to the nearest caller in a package or in our code.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the monotonic clock every process of the box shares. */
  startTime: number;
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

/** Packages by the group a profile summary charges them to. */
const GROUPS: Array<[RegExp, string]> = [
  [/^better-sqlite3$/, 'sqlite'],
  [
    /^(socket\.io|socket\.io-parser|socket\.io-adapter|engine\.io|engine\.io-parser|ws|koa-socket-2|@socket\.io\/.*)$/,
    'socket.io',
  ],
  [
    /^(boardgame\.io|immer|redux|p-queue|lodash\..*|rfc6902|@babel\/runtime|flatted)$/,
    'boardgame.io',
  ],
  [/^undici$/, 'undici'],
  [/^(koa|@koa\/.*|koa-.*|co-body|raw-body|cors)$/, 'koa (HTTP)'],
  [/^(pino|pino-.*|sonic-boom|thread-stream)$/, 'pino'],
  [/^zod$/, 'zod'],
];

/** socket.io-parser functions that are mostly the `JSON.stringify` / `JSON.parse` they call. */
const JSON_CALLERS = new Set(['encodeAsString', 'tryParse']);

/** The group a frame's own time belongs to, or undefined to charge it to its caller. */
function groupOf(frame: ProfileNode['callFrame']): string | undefined {
  const { functionName: name, url } = frame;
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return '(idle)';
  if (name === '(program)') return 'V8 (program)';
  const nm = url.match(/.*node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (nm) {
    if (nm[1] === 'socket.io-parser' && JSON_CALLERS.has(name)) return 'JSON';
    for (const [re, group] of GROUPS) if (re.test(nm[1]!)) return group;
    if (nm[1] === 'tsx' || nm[1] === 'esbuild') return 'startup (tsx)';
    return `other: ${nm[1]}`;
  }
  const own = url.match(/\/(src\/[^/]+(?:\/[^/]+)?)\//) ?? url.match(/\/(src)\/[^/]+$/);
  if (own) return `ours (${own[1]})`;
  if (/\/bench\//.test(url)) return 'bench harness (server-child)';
  return undefined;
}

/**
 * Self time over `window` ([start, end] in monotonic ms; the whole profile when absent), by group
 * and by frame, as Markdown: what the profile of a contender's server says about where a move's
 * CPU goes.
 */
export function groupedProfile(path: string, window?: [number, number], top = 15): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const sampled = new Map<number, number>();
  let t = profile.startTime / 1000;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    t += dt;
    if (window && (t < window[0] || t > window[1])) return;
    sampled.set(id, (sampled.get(id) ?? 0) + dt);
  });
  const groups = new Map<string, number>();
  const frames = new Map<string, { ms: number; group: string }>();
  let busy = 0;
  for (const [id, ms] of sampled) {
    const node = byId.get(id)!;
    let group = groupOf(node.callFrame);
    let via = '';
    // Native bindings and Node internals: charge the nearest caller with a group.
    for (
      let cur = parent.get(id);
      group === undefined && cur !== undefined;
      cur = parent.get(cur)
    ) {
      group = groupOf(byId.get(cur)!.callFrame);
      via = ' (via node)';
    }
    group ??= 'node (no caller)';
    if (group !== '(idle)') busy += ms;
    groups.set(group, (groups.get(group) ?? 0) + ms);
    const cf = node.callFrame;
    const file = where(cf.url) || '(native)';
    const key = `\`${cf.functionName || '(anonymous)'}\` ${file}`;
    const f = frames.get(key) ?? { ms: 0, group: group + via };
    f.ms += ms;
    frames.set(key, f);
  }
  const pct = (ms: number) => `${((100 * ms) / busy).toFixed(1)}%`;
  const out: string[] = [];
  out.push(
    `Busy ${busy.toFixed(0)} ms sampled (idle excluded from the shares; "via node": a Node binding or internal charged to its caller).`,
  );
  out.push('');
  out.push('| group | ms | share |');
  out.push('|---|---|---|');
  for (const [g, ms] of [...groups].sort((a, b) => b[1] - a[1])) {
    if (g === '(idle)') continue;
    out.push(`| ${g} | ${ms.toFixed(0)} | ${pct(ms)} |`);
  }
  out.push('');
  out.push('| frame (self time) | group | ms | share |');
  out.push('|---|---|---|---|');
  for (const [k, f] of [...frames]
    .filter(([, f]) => f.group !== '(idle)')
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, top)) {
    out.push(`| ${k} | ${f.group} | ${f.ms.toFixed(0)} | ${pct(f.ms)} |`);
  }
  return out.join('\n');
}
