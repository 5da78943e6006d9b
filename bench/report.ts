/**
 * What a benchmark run writes: the top-level numbers of latest.json (stable keys, for comparing
 * runs mechanically), the console table, and BENCHMARKS.md.
 */
import type { FairnessResult } from './fairness.js';
import type { DeliveryResult } from './delivery.js';
import type { FloorResult } from './floor.js';
import type { PostgresResult } from './postgres.js';
import type { ScaleConfig, ScalePoint } from './scale.js';
import type { Summary } from './stats.js';
import { median, round, spread } from './stats.js';
import type { GrowthRun, StorageResult } from './storage.js';
import type { SyncResult } from './sync.js';
import { sizesOf } from './throughput.js';
import type { Contender, ThroughputResult } from './throughput.js';

/** When and how a section was measured. */
interface Stamp {
  quick: boolean;
  at: string;
  /** When the run that measured it started (older results: absent). */
  run?: string;
}

/** Every section's full result, as latest.json keeps it. */
export interface Sections {
  throughput?: Stamp & ThroughputResult;
  floor?: Stamp & FloorResult;
  delivery?: Stamp & DeliveryResult;
  scale?: Stamp & { config: ScaleConfig; points: ScalePoint[] };
  storage?: Stamp & StorageResult;
  sync?: Stamp & SyncResult;
  postgres?: Stamp & PostgresResult;
  fairness?: Stamp & FairnessResult;
}

/** The box the figures come from. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
  commit?: string;
  /** True when src/ or bench/ had uncommitted changes. */
  dirty?: boolean;
}

/** One target (issues 6 and 18) and whether this run met it. */
export interface Target {
  target: string;
  value: number;
  met: boolean;
  /** What the figure is (the issue's wording). */
  meaning?: string;
}

/** The stable top-level numbers. NaN (written as null) when a section was never run. */
export interface TopLevel {
  /** b / a moves/s (paired), at 1 and 20 matches. */
  plugin_ratio_1: number;
  plugin_ratio_20: number;
  /** Plain boardgame.io running the plugin / without it, moves/s at 20 matches: boardgame.io's share. */
  bgio_plugin_ratio_20: number;
  /** b / boardgame.io + FlatFile as shipped, moves/s at 20 matches (and with its write queue off). */
  peer_ratio_flatfile_20: number;
  peer_ratio_flatfile_noqueue_20: number;
  /** b / boardgame.io + bgio-postgres, and b-pg (ours on Postgres) / the same, at 20 matches. */
  peer_ratio_bgio_postgres_20: number;
  pg_peer_ratio_20: number;
  /** b-pg / a, moves/s at 20 matches. */
  postgres_plugin_ratio_20: number;
  /** Side b's server CPU per delivered request at 20 matches (ms), and / a bare undici loop's. */
  request_cpu_ms: number;
  request_cpu_ratio: number;
  delivery_ratio: number;
  /** Commit → the dispatcher calling the Chaster client, 20-match load, p99 ms. */
  commit_to_call_p99_ms: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  /** b's memory per idle match at the largest size, a's, and b / a. */
  kb_per_idle_match: number;
  kb_per_idle_match_bare: number;
  kb_per_idle_match_ratio: number;
  /** CPU ms of one durable SQLite commit of a move, and the best b/a it allows at 1 and 20. */
  floor_commit_cpu_ms: number;
  floor_ratio_1: number;
  floor_ratio_20: number;
  ms_per_move_at_10: number;
  ms_per_move_at_10000: number;
  /** Worst commit → delivery of a quiet room's first request while one user floods, in ms. */
  fairness_worst_ms: number;
  /** Postgres, one instance / SQLite, moves/s (paired), at 1 and 20 concurrent matches. */
  postgres_ratio_1: number;
  postgres_ratio_20: number;
  /** Postgres, one instance, 20 matches: moves/s, and CPU ms per move (server + Postgres backends). */
  postgres_moves_per_second: number;
  postgres_cpu_ms_per_move: number;
  /** Postgres, one instance, 20 matches: commit → Chaster. */
  postgres_latency_p50_ms: number;
  postgres_latency_p99_ms: number;
  /** Three instances on one Postgres + Redis, 20 matches: total moves/s, and / one instance. */
  postgres3_moves_per_second: number;
  postgres3_ratio: number;
  /** Three instances: CPU ms per move summed over the servers, plus the Postgres backends. */
  postgres3_cpu_ms_per_move: number;
  postgres3_latency_p50_ms: number;
  postgres3_latency_p99_ms: number;
  /** Over every window of the postgres section: expected requests never received, and extras. */
  postgres_missing_requests: number;
  postgres_duplicate_requests: number;
  /** True when any section in this file was measured in quick mode. */
  quick: boolean;
  targets: Record<string, Target>;
}

/** latest.json. */
export interface Results extends TopLevel {
  generatedAt: string;
  machine: Machine;
  sections: Sections;
}

/** The median of a paired ratio of the throughput section, `<x>/<y>_<matches>`. */
function ratioOf(t: ThroughputResult | undefined, key: string): number {
  return t?.ratios?.[key]?.median ?? Number.NaN;
}

/** Computes the top-level numbers and the targets from the sections. */
export function topLevel(s: Sections): TopLevel {
  const largestOf = (side: 'plugin' | 'bare') =>
    (s.scale?.points ?? [])
      .filter((p) => p.side === side)
      .reduce<ScalePoint | undefined>(
        (a, p) => (a === undefined || p.matches > a.matches ? p : a),
        undefined,
      );
  const largest = largestOf('plugin');
  const bare = largestOf('bare');
  const bareKb = bare && bare.matches === largest?.matches ? bare.kbPerIdleMatch : Number.NaN;
  const th = s.throughput;
  const n = th?.config.matches ?? 20;
  const requestCpu = th?.requestCpuMs?.median ?? Number.NaN;
  const undiciCpu = s.delivery?.undiciCpuMsPerRequest.median ?? Number.NaN;
  const numbers = {
    plugin_ratio_1: th?.ratio1.median ?? Number.NaN,
    plugin_ratio_20: th?.ratioN.median ?? Number.NaN,
    bgio_plugin_ratio_20: th?.bgioPluginRatioN?.median ?? Number.NaN,
    peer_ratio_flatfile_20: ratioOf(th, `plugin/flatfile_${n}`),
    peer_ratio_flatfile_noqueue_20: ratioOf(th, `plugin/flatfile-noqueue_${n}`),
    peer_ratio_bgio_postgres_20: ratioOf(th, `plugin/bgio-postgres_${n}`),
    pg_peer_ratio_20: ratioOf(th, `plugin-pg/bgio-postgres_${n}`),
    postgres_plugin_ratio_20: ratioOf(th, `plugin-pg/bare_${n}`),
    request_cpu_ms: requestCpu,
    request_cpu_ratio: requestCpu / undiciCpu,
    delivery_ratio: s.delivery?.ratio.median ?? Number.NaN,
    commit_to_call_p99_ms: th?.latencyParts?.commitToCall.p99 ?? Number.NaN,
    latency_p50_ms: th?.latency.p50 ?? Number.NaN,
    latency_p99_ms: th?.latency.p99 ?? Number.NaN,
    kb_per_idle_match: largest?.kbPerIdleMatch ?? Number.NaN,
    kb_per_idle_match_bare: bareKb,
    kb_per_idle_match_ratio: (largest?.kbPerIdleMatch ?? Number.NaN) / bareKb,
    floor_commit_cpu_ms: s.floor?.commitCpuMs.median ?? Number.NaN,
    floor_ratio_1: s.floor?.ratio1 ?? Number.NaN,
    floor_ratio_20: s.floor?.ratioN ?? Number.NaN,
    ms_per_move_at_10: s.storage?.sqlite.msAtStart.median ?? Number.NaN,
    ms_per_move_at_10000: s.storage?.sqlite.msAtEnd.median ?? Number.NaN,
    fairness_worst_ms: s.fairness?.worstMs ?? Number.NaN,
    ...postgresNumbers(s.postgres),
  };
  const rounded = Object.fromEntries(
    Object.entries(numbers).map(([k, v]) => [k, round(v, 4)]),
  ) as typeof numbers;
  const target = (meaning: string, text: string, value: number, met: boolean): Target => ({
    target: text,
    value: round(value, 4),
    met: Number.isFinite(value) && met,
    meaning,
  });
  const atLeast = (meaning: string, value: number, bound: number) =>
    target(meaning, `≥ ${bound}`, value, value >= bound);
  const atMost = (meaning: string, value: number, bound: number) =>
    target(meaning, `≤ ${bound}`, value, value <= bound);
  const x = numbers;
  return {
    ...rounded,
    quick: Object.values(s).some((section) => (section as Stamp | undefined)?.quick === true),
    // Issue 18's table, in its order, then the earlier targets.
    targets: {
      peer_ratio_flatfile_20: atLeast(
        'b / boardgame.io + FlatFile (as shipped), moves/s, 20 matches',
        x.peer_ratio_flatfile_20,
        8,
      ),
      peer_ratio_bgio_postgres_20: atLeast(
        'b / boardgame.io + bgio-postgres, 20 matches',
        x.peer_ratio_bgio_postgres_20,
        12,
      ),
      pg_peer_ratio_20: atLeast(
        'b-pg / boardgame.io + bgio-postgres, same Postgres, 20 matches',
        x.pg_peer_ratio_20,
        5,
      ),
      plugin_ratio_20: atLeast(
        'b / plain boardgame.io in memory, 20 matches',
        x.plugin_ratio_20,
        0.7,
      ),
      plugin_ratio_1: atLeast('the same, 1 match', x.plugin_ratio_1, 0.9),
      postgres_plugin_ratio_20: atLeast(
        'b-pg / plain boardgame.io in memory, 20 matches',
        x.postgres_plugin_ratio_20,
        0.4,
      ),
      request_cpu_ratio: atMost(
        'server CPU per delivered request in the 20-match run / CPU per request of a bare undici loop',
        x.request_cpu_ratio,
        2,
      ),
      delivery_ratio: atLeast(
        'dispatcher / bare undici, requests/s, backlog drain',
        x.delivery_ratio,
        0.8,
      ),
      commit_to_call_p99_ms: atMost(
        'setState commit → the dispatcher calling the Chaster client, 20-match load, ms',
        x.commit_to_call_p99_ms,
        5,
      ),
      latency_p99_ms: atMost(
        'commit → the emulator receiving it, 20-match load, ms',
        x.latency_p99_ms,
        25,
      ),
      kb_per_idle_match: target(
        `KiB at ${largest?.matches ?? '?'} matches, relative to plain boardgame.io's own`,
        `≤ 1.15 × a (a = ${Number.isFinite(bareKb) ? round(bareKb, 1) : '?'} KiB)`,
        x.kb_per_idle_match,
        x.kb_per_idle_match <= 1.15 * bareKb,
      ),
      fairness_worst_ms: target(
        "commit → delivery of a quiet room's first request while one user floods, ms",
        `≤ ${s.fairness?.boundMs ?? '?'} (one send per busy wearer at the budget's rate, + 1 s)`,
        x.fairness_worst_ms,
        x.fairness_worst_ms <= (s.fairness?.boundMs ?? 0),
      ),
      storage_growth: target(
        'SQLite ms/move at move 10,000 / at move 10',
        'flat: ≤ 1.5',
        x.ms_per_move_at_10000 / x.ms_per_move_at_10,
        x.ms_per_move_at_10000 / x.ms_per_move_at_10 <= 1.5,
      ),
      // Only when measured: a run without Postgres has nothing to miss.
      ...(s.postgres
        ? {
            postgres_exactly_once: target(
              `every request exactly once, Postgres, ${s.postgres.config.instances} dispatchers on one outbox (missing + duplicates)`,
              '0',
              x.postgres_missing_requests + x.postgres_duplicate_requests,
              x.postgres_missing_requests + x.postgres_duplicate_requests === 0,
            ),
          }
        : {}),
    },
  };
}

/** The postgres section's top-level numbers (NaN when it was not run). */
function postgresNumbers(p: PostgresResult | undefined) {
  const n = p?.config.matches;
  const one = p?.summary[`postgres_${n}`];
  const three = p?.summary[`postgres3_${n}`];
  const all = p ? Object.values(p.delivery) : [];
  const sum = (pick: (d: PostgresResult['delivery']['sqlite']) => number) =>
    p ? all.reduce((a, d) => a + pick(d), 0) : Number.NaN;
  return {
    postgres_ratio_1: p?.ratio1.median ?? Number.NaN,
    postgres_ratio_20: p?.ratioN.median ?? Number.NaN,
    postgres_moves_per_second: one?.movesPerSecond.median ?? Number.NaN,
    postgres_cpu_ms_per_move: one?.totalCpuMsPerMove.median ?? Number.NaN,
    postgres_latency_p50_ms: p?.latency.postgres.p50 ?? Number.NaN,
    postgres_latency_p99_ms: p?.latency.postgres.p99 ?? Number.NaN,
    postgres3_moves_per_second: three?.movesPerSecond.median ?? Number.NaN,
    postgres3_ratio: p?.scaleRatio.median ?? Number.NaN,
    postgres3_cpu_ms_per_move: three?.totalCpuMsPerMove.median ?? Number.NaN,
    postgres3_latency_p50_ms: p?.latency.postgres3.p50 ?? Number.NaN,
    postgres3_latency_p99_ms: p?.latency.postgres3.p99 ?? Number.NaN,
    postgres_missing_requests: sum((d) => d.missing),
    postgres_duplicate_requests: sum((d) => d.duplicates),
  };
}

const f = (v: number | undefined, digits = 2) =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : String(round(v, digits));
const s2 = (x: Summary | undefined, digits = 2) => (x ? spread(x, digits) : 'n/a');

/** The console table: the stable numbers and the targets. */
export function renderTable(r: Results): string {
  const t = r.targets;
  const rows: Array<[string, string, string]> = [
    [
      'peer_ratio_flatfile_20 (b / bgio + FlatFile as shipped)',
      f(r.peer_ratio_flatfile_20, 1),
      mark(t.peer_ratio_flatfile_20),
    ],
    [
      'peer_ratio_flatfile_noqueue_20 (b / FlatFile, queue off)',
      f(r.peer_ratio_flatfile_noqueue_20, 2),
      '',
    ],
    [
      'peer_ratio_bgio_postgres_20 (b / bgio + bgio-postgres)',
      f(r.peer_ratio_bgio_postgres_20, 2),
      mark(t.peer_ratio_bgio_postgres_20),
    ],
    ['pg_peer_ratio_20 (b-pg / bgio-postgres)', f(r.pg_peer_ratio_20, 2), mark(t.pg_peer_ratio_20)],
    ['plugin_ratio_20 (b/a moves/s, 20 matches)', f(r.plugin_ratio_20, 3), mark(t.plugin_ratio_20)],
    ['plugin_ratio_1 (b/a moves/s, 1 match)', f(r.plugin_ratio_1, 3), mark(t.plugin_ratio_1)],
    [
      'postgres_plugin_ratio_20 (b-pg / a)',
      f(r.postgres_plugin_ratio_20, 3),
      mark(t.postgres_plugin_ratio_20),
    ],
    [
      'floor_ratio_1 / _20 (best b/a a durable commit allows)',
      `${f(r.floor_ratio_1, 3)} / ${f(r.floor_ratio_20, 3)}`,
      '',
    ],
    ['floor_commit_cpu_ms (one durable SQLite commit)', f(r.floor_commit_cpu_ms, 4), ''],
    [
      'bgio_plugin_ratio_20 (boardgame.io + plugin / a, 20 matches)',
      f(r.bgio_plugin_ratio_20, 3),
      '',
    ],
    [
      'request_cpu_ratio (server CPU per request / bare undici)',
      `${f(r.request_cpu_ratio, 2)} (${f(r.request_cpu_ms, 3)} ms)`,
      mark(t.request_cpu_ratio),
    ],
    ['delivery_ratio (dispatcher / undici)', f(r.delivery_ratio, 3), mark(t.delivery_ratio)],
    [
      'commit_to_call_p99_ms (commit → client call)',
      f(r.commit_to_call_p99_ms),
      mark(t.commit_to_call_p99_ms),
    ],
    ['latency_p50_ms (commit → emulator)', f(r.latency_p50_ms), ''],
    ['latency_p99_ms (commit → emulator)', f(r.latency_p99_ms), mark(t.latency_p99_ms)],
    [
      'kb_per_idle_match (b; a)',
      `${f(r.kb_per_idle_match, 1)}; ${f(r.kb_per_idle_match_bare, 1)}`,
      mark(t.kb_per_idle_match),
    ],
    ['ms_per_move_at_10', f(r.ms_per_move_at_10, 3), ''],
    ['ms_per_move_at_10000', f(r.ms_per_move_at_10000, 3), mark(t.storage_growth)],
    ['postgres_ratio_1 (Postgres/SQLite moves/s, 1 match)', f(r.postgres_ratio_1, 3), ''],
    ['postgres_ratio_20 (Postgres/SQLite moves/s, 20 matches)', f(r.postgres_ratio_20, 3), ''],
    ['postgres_moves_per_second (1 instance, 20 matches)', f(r.postgres_moves_per_second, 0), ''],
    ['postgres_cpu_ms_per_move (server + backends)', f(r.postgres_cpu_ms_per_move, 3), ''],
    [
      'postgres_latency_p50_ms / p99 (commit → emulator)',
      `${f(r.postgres_latency_p50_ms)} / ${f(r.postgres_latency_p99_ms)}`,
      '',
    ],
    ['postgres3_moves_per_second (3 instances, total)', f(r.postgres3_moves_per_second, 0), ''],
    ['postgres3_ratio (3 instances / 1)', f(r.postgres3_ratio, 3), ''],
    ['postgres3_cpu_ms_per_move (3 servers + backends)', f(r.postgres3_cpu_ms_per_move, 3), ''],
    [
      'postgres3_latency_p50_ms / p99',
      `${f(r.postgres3_latency_p50_ms)} / ${f(r.postgres3_latency_p99_ms)}`,
      '',
    ],
    [
      'postgres_missing / duplicate requests',
      `${f(r.postgres_missing_requests, 0)} / ${f(r.postgres_duplicate_requests, 0)}`,
      mark(t.postgres_exactly_once),
    ],
    [
      "fairness_worst_ms (a quiet room's first request under a flood)",
      f(r.fairness_worst_ms, 0),
      mark(t.fairness_worst_ms),
    ],
    ['quick', String(r.quick), ''],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  const v = Math.max(...rows.map(([, x]) => x.length));
  return rows.map(([k, x, m]) => `${k.padEnd(w)}  ${x.padStart(v)}  ${m}`).join('\n');
}

function mark(t: Target | undefined): string {
  if (!t) return '';
  return `${t.met ? 'met' : 'MISSED'} (target ${t.target})`;
}

function yes(t: Target | undefined): string {
  if (!t) return 'n/a';
  return t.met ? 'met' : '**missed**';
}

/** BENCHMARKS.md: method, machine, figures, findings (`notes`), how to reproduce. */
export function renderMarkdown(r: Results, notes: string, chart?: string): string {
  const s = r.sections;
  const m = r.machine;
  const out: string[] = [];
  out.push('# Benchmarks');
  out.push('');
  out.push(
    '<!-- Generated by `npm run bench` (bench/run.ts). The findings come from bench/notes.md; edit that file, not this one. -->',
  );
  out.push('');
  out.push(
    `Measured ${r.generatedAt.slice(0, 16).replace('T', ' ')} UTC, ${r.quick ? '**quick mode** (small sizes, one repetition: a smoke test, not figures to quote)' : 'full mode'}, ` +
      `on ${m.cpu} (${m.cores} cores, ${m.memoryGiB} GiB), Node ${m.node}, ${m.platform}` +
      (m.commit ? `, commit ${m.commit}${m.dirty ? ' with uncommitted changes' : ''}` : '') +
      '.',
  );
  // `--only` keeps the other sections of an earlier run: say which run each figure comes from.
  const runs = new Map<string, string[]>();
  for (const [name, section] of Object.entries(s)) {
    const stamp = section as Stamp | undefined;
    const at = (stamp?.run ?? stamp?.at)?.slice(0, 16).replace('T', ' ');
    if (at) runs.set(at, [...(runs.get(at) ?? []), name]);
  }
  if (runs.size > 1) {
    out.push(
      `Sections come from more than one run (the line above is the newest): ${[...runs]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([at, names]) => `${names.join(', ')} from the run started ${at} UTC`)
        .join('; ')}.`,
    );
  }
  out.push(
    `Load average before/after: ${m.loadAverageBefore.join(' ')} / ${m.loadAverageAfter.join(' ')}` +
      (Math.max(...m.loadAverageBefore, ...m.loadAverageAfter) > m.cores * 0.5
        ? ` — **the box was busy with other work**, so absolute figures are noisy; the paired ratios are more trustworthy than the rates.`
        : '.'),
  );
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push('| key | meaning | target | this run | |');
  out.push('|---|---|---|---|---|');
  for (const [key, t] of Object.entries(r.targets)) {
    out.push(
      `| \`${key}\` | ${t.meaning ?? ''} | ${t.target} | ${f(t.value, t.value >= 100 ? 0 : 3)} | ${yes(t)} |`,
    );
  }
  out.push('');
  if (s.floor) {
    out.push(
      `**The floor** (below): one durable SQLite commit of a move costs ${f(1000 * r.floor_commit_cpu_ms, 1)} µs of CPU here, so while the server is CPU-bound no server that stores each move can beat b/a = ${f(s.floor.ratio1, 3)} at 1 match or ${f(s.floor.ratioN, 3)} at ${s.floor.bareCpuMsPerMove.matches} matches (this run's b/a: ${f(r.plugin_ratio_1, 3)} and ${f(r.plugin_ratio_20, 3)}).`,
    );
    out.push('');
  }
  out.push(
    'Figures are medians over repetitions, with the spread as (min–max). "a" is plain boardgame.io (InMemory, no plugin); "b" is this project (VerificationPlugin, SQLite store, outbox, dispatcher, emulator); "b-pg" is b on Postgres. The peers are plain boardgame.io on a durable store from npm: boardgame.io\'s own FlatFile (node-persist) and bgio-postgres (Sequelize).',
  );

  if (s.throughput) out.push(...throughputMarkdown(s.throughput));
  if (s.floor) out.push(...floorMarkdown(s.floor, r));

  if (s.delivery) {
    const d = s.delivery;
    out.push('');
    out.push('## Delivery throughput');
    out.push('');
    out.push(
      `A backlog of ${d.config.requests} outbox rows (one per emulated wearer session, written through the reducer and \`SqliteStore.setState\`), drained by \`createDispatcher\` with the rate limit lifted and ${d.config.connections} sends in flight over a ${d.config.connections}-connection client, ` +
        `against a bare undici \`Pool\` loop with ${d.config.connections} connections and ${d.config.connections} workers sending the same requests. Both in the bench process, alternating, ${d.config.reps} repetition${d.config.reps === 1 ? '' : 's'}; the emulator in its own process. SQLite \`synchronous\`: ${d.config.synchronous ?? 'library default'}.`,
    );
    out.push('');
    out.push('| | requests/s | CPU ms/request (bench process) |');
    out.push('|---|---|---|');
    out.push(
      `| dispatcher | ${s2(d.dispatcherPerSecond, 0)} | ${s2(d.dispatcherCpuMsPerRequest, 3)} |`,
    );
    out.push(
      `| bare undici loop | ${s2(d.undiciPerSecond, 0)} | ${s2(d.undiciCpuMsPerRequest, 3)} |`,
    );
    out.push('');
    out.push(
      `Ratio (paired): ${s2(d.ratio, 3)}. The dispatcher kept ${s2(d.meanInFlight, 1)} of ${d.config.connections} sends in flight on average, so it is not starved of work: each request costs it more event-loop time.`,
    );
  }

  if (s.scale) {
    const sc = s.scale;
    out.push('');
    out.push('## Scale on one machine');
    out.push('');
    out.push(
      `N two-player matches created through the HTTP API, both seats connected (2N Node SocketIO clients in the bench process), on a fresh server child warmed up with a few played matches. ` +
        `Memory per idle match = (server RSS with the N matches and their sockets − RSS before them) / N, both after a forced GC. ` +
        `Then a steady pace for ${sc.config.durationMs / 1000} s: each match moves once every ${sc.config.paceMs / 1000} s (random phase, seats taking turns, every 4th move a \`lose\`, whose request's commit → Chaster latency is measured as in the throughput section). ` +
        `Clients and server share the box's ${m.cores} cores, so the round trips include the clients' own queueing.`,
    );
    out.push('');
    out.push(
      '| side | synchronous | matches | sockets | KiB per idle match (JS heap part) | RSS before → idle → peak MiB | moves/s | round trip p50 / p99 ms | failed | CPU server / clients | commit → Chaster p50 / p99 ms (commit → client call) |',
    );
    out.push('|---|---|---|---|---|---|---|---|---|---|---|');
    for (const p of sc.points) {
      out.push(
        `| ${p.side === 'plugin' ? 'b' : 'a'} | ${p.synchronous ?? '—'} | ${p.matches} | ${p.sockets} | ${f(p.kbPerIdleMatch, 1)} (${f(p.heapKbPerIdleMatch, 1)}) | ` +
          `${f(p.rssMiB.base, 0)} → ${f(p.rssMiB.idle, 0)} → ${f(p.rssMiB.peakUnderLoad, 0)} | ${f(p.movesPerSecond, 0)} | ` +
          `${f(p.roundTripMs.p50)} / ${f(p.roundTripMs.p99)} | ${p.failedMoves} | ${f(100 * p.serverCpuShare, 0)}% / ${f(100 * p.clientCpuShare, 0)}% | ` +
          (p.latencyMs
            ? `${f(p.latencyMs.p50)} / ${f(p.latencyMs.p99)}` +
              (p.toSendMs ? ` (${f(p.toSendMs.p50)} / ${f(p.toSendMs.p99)})` : '')
            : '—') +
          ' |',
      );
    }
  }

  if (s.scale) {
    const parts = s.scale.points.filter((p) => p.latencyPartsMs && p.toSendMs);
    if (parts.length > 0) {
      out.push('');
      out.push(
        'Where commit → Chaster went (p50 / p99 ms): ' +
          parts
            .map(
              (p) =>
                `${p.matches} matches ${p.synchronous}: commit → client call ${f(p.toSendMs!.p50)} / ${f(p.toSendMs!.p99)}, ` +
                `call → socket write ${f(p.latencyPartsMs!.callToWrite.p50)} / ${f(p.latencyPartsMs!.callToWrite.p99)}, ` +
                `write → arrival ${f(p.latencyPartsMs!.writeToArrival.p50)} / ${f(p.latencyPartsMs!.writeToArrival.p99)}` +
                (p.dispatcherCalls
                  ? `, client calls in flight mean ${f(p.dispatcherCalls.meanInFlight, 1)} (max ${p.dispatcherCalls.maxInFlight}), call duration ${f(p.dispatcherCalls.durationP50, 1)} / ${f(p.dispatcherCalls.durationP99, 1)}`
                  : '') +
                (p.emulatorCpuShare !== undefined
                  ? `, emulator CPU ${f(100 * p.emulatorCpuShare, 0)}% of a core`
                  : ''),
            )
            .join('; ') +
          '.',
      );
    }
  }

  if (s.storage) {
    const st = s.storage;
    const reps = st.runs.filter((run) => run.store === 'sqlite').length;
    out.push('');
    out.push('## Storage growth');
    out.push('');
    out.push(
      `One match in-process, each move driven the way boardgame.io's Master drives storage (fetch metadata, fetch state, game reducer, \`setState\` with the deltalog and \`setMetadata\`, together on an asynchronous store as the Master does); every 10th move a \`lose\` (on SQLite, an outbox row). ` +
        `"At move 10" is the median of moves 10–29 of fresh matches, "at the end" the median of the long match's last ${st.window} moves (the peers': ${st.peerWindow ?? '—'}), measured interleaved move for move (after a warm-up match) so that other load on the box weighs on both alike. ` +
        `SqliteStore and boardgame.io's InMemory play ${st.moves.toLocaleString('en')} moves, SQLite at \`synchronous = ${st.synchronous}\` to keep fsync noise out of a growth test (its cost is the sync section). ` +
        (st.peerMoves
          ? `The peers rewrite the whole log on every move, so they play ${st.peerMoves.toLocaleString('en')} moves: FlatFile with node-persist's write queue off (as shipped, each move whose writes overlap also waits for node-persist's 1-second tick, which would hide the growth), and bgio-postgres on a fresh database (over loopback TCP, so its figures include the round trips). `
          : '') +
        `${reps} repetition(s).` +
        (st.skipped
          ? ` Not run: ${Object.entries(st.skipped)
              .map(([k, why]) => `${k} (${why})`)
              .join(', ')}.`
          : ''),
    );
    out.push('');
    if (chart) {
      out.push(
        `![Storage growth: ms per move against move number, one line per store (log–log)](${chart.split('\\').join('/')})`,
      );
      out.push('');
    }
    out.push(
      '| store | moves | ms/move at move 10 | ms/move at the end | end / start | size per 1,000 moves |',
    );
    out.push('|---|---|---|---|---|---|');
    out.push(
      `| SqliteStore (b) | ${st.moves.toLocaleString('en')} | ${s2(st.sqlite.msAtStart, 3)} | ${s2(st.sqlite.msAtEnd, 3)} | ${s2(st.sqlite.growth, 2)} | ${s2(
        {
          ...st.sqlite.bytesPer1000Moves,
          median: st.sqlite.bytesPer1000Moves.median / 1024,
          min: st.sqlite.bytesPer1000Moves.min / 1024,
          max: st.sqlite.bytesPer1000Moves.max / 1024,
        },
        0,
      )} KiB |`,
    );
    out.push(
      `| boardgame.io InMemory | ${st.moves.toLocaleString('en')} | ${s2(st.inmemory.msAtStart, 3)} | ${s2(st.inmemory.msAtEnd, 3)} | ${s2(st.inmemory.growth, 2)} | (memory) |`,
    );
    const peerLabel = {
      'flatfile-noqueue': 'boardgame.io FlatFile, write queue off',
      'bgio-postgres': 'bgio-postgres',
    } as const;
    for (const [kind, g] of Object.entries(st.peers ?? {})) {
      out.push(
        `| ${peerLabel[kind as keyof typeof peerLabel]} | ${(st.peerMoves ?? 0).toLocaleString('en')} | ${s2(g.msAtStart, 3)} | ${s2(g.msAtEnd, 3)} | ${s2(g.growth, 2)} | — |`,
      );
    }
  }

  if (s.sync) {
    const sy = s.sync;
    out.push('');
    out.push('## SQLite `synchronous`: FULL vs NORMAL');
    out.push('');
    out.push(
      `WAL + NORMAL: a commit is in the WAL before \`setState\` returns, so a process crash loses no committed move; an OS crash or power loss can lose the last commits (never corrupt the file). FULL also fsyncs the WAL on every commit, so it survives those too. ` +
        `Storage level: the loop of the previous section, ${sy.storageMoves} moves on a fresh file per run, alternating.`,
    );
    out.push('');
    out.push('| synchronous | ms/move p50 | ms/move p99 |');
    out.push('|---|---|---|');
    for (const mode of ['FULL', 'NORMAL'] as const) {
      out.push(
        `| ${mode} | ${s2(sy.storage[mode].msPerMoveP50, 3)} | ${s2(sy.storage[mode].msPerMoveP99, 3)} |`,
      );
    }
    out.push('');
    out.push(`FULL / NORMAL (paired): ${s2(sy.storageSlowdown, 1)}×.`);
    if (sy.endToEnd) {
      out.push('');
      out.push('End to end, side b, 20 concurrent matches (method of the throughput section):');
      out.push('');
      out.push(
        '| synchronous | moves/s | server CPU ms/move | round trip p50 ms | commit → Chaster p50 / p99 ms |',
      );
      out.push('|---|---|---|---|---|');
      for (const mode of ['FULL', 'NORMAL'] as const) {
        const e = sy.endToEnd[mode];
        out.push(
          `| ${mode} | ${s2(e.movesPerSecond, 0)} | ${s2(e.serverCpuMsPerMove, 3)} | ${s2(e.roundTripP50Ms)} | ${s2(e.latencyP50Ms)} / ${s2(e.latencyP99Ms)} |`,
        );
      }
    }
  }

  if (s.postgres) out.push(...postgresMarkdown(s.postgres));
  if (s.fairness) out.push(...fairnessMarkdown(s.fairness));

  out.push('');
  out.push(notes.trim());
  out.push('');
  out.push('## How to reproduce');
  out.push('');
  out.push('```sh');
  out.push('npm ci');
  out.push(
    'npm run bench                 # everything, full sizes (about ten minutes); rewrites bench/results/latest.json and BENCHMARKS.md',
  );
  out.push(
    'npm run bench -- --quick      # small sizes, about a minute; what CI runs as a smoke test (no timing assertions)',
  );
  out.push(
    'npm run bench -- --only delivery,storage   # some sections; the others are kept from the previous latest.json',
  );
  out.push(
    'npm run bench -- --only postgres   # SQLite vs Postgres, and 3 instances on Postgres + Redis (needs both running locally)',
  );
  out.push(
    'npm run bench -- --profile    # also writes CPU profiles of the server children to bench/results/profiles/ and prints their top frames',
  );
  out.push(
    'npm run bench -- --only throughput --sides plugin,flatfile   # some contenders of the throughput section (experiments)',
  );
  out.push(
    'npm run bench -- --only floor # the durable-commit floor again (side a comes from latest.json)',
  );
  out.push(
    'npm run bench -- --out DIR    # write latest.json, BENCHMARKS.md and the storage chart to DIR instead',
  );
  out.push(
    'npm run bench -- --render     # only re-render BENCHMARKS.md and the chart from latest.json (after editing bench/notes.md)',
  );
  out.push('```');
  out.push('');
  out.push(
    'Compare runs with the top-level keys of `bench/results/latest.json` (every key of the Targets table, `bgio_plugin_ratio_20`, `peer_ratio_flatfile_noqueue_20`, `request_cpu_ms`, `latency_p50_ms`, `kb_per_idle_match_bare`, `kb_per_idle_match_ratio`, the `floor_*` keys, `ms_per_move_at_10`, `ms_per_move_at_10000`, the `postgres_*` and `postgres3_*` keys, `quick`, and `targets`). ' +
      'The postgres section, b-pg and bgio-postgres need Postgres on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (or `BENCH_POSTGRES_URL` / `BENCH_REDIS_URL`); without them they are skipped with a message, and under `CI` the run fails. ' +
      "The peers come from their npm packages (`boardgame.io`'s FlatFile with `node-persist`, and `bgio-postgres`), devDependencies of the bench only. " +
      'All traffic stays on 127.0.0.1; every loop is bounded in count and time. Run on an otherwise idle machine for figures worth quoting: the ratios are paired per repetition, but the clients, the server and the emulator share the same cores.',
  );
  out.push('');
  return out.join('\n');
}

/** The BENCHMARKS.md section of the postgres benchmark. */
function postgresMarkdown(p: Stamp & PostgresResult): string[] {
  const c = p.config;
  const n = c.matches;
  const out: string[] = [];
  out.push('');
  out.push('## Postgres, and several instances on one Postgres and Redis');
  out.push('');
  out.push(
    `Side b (this project) three ways, each on fresh storage and fresh server children: **SQLite** (one instance, the default store, \`synchronous\` ${p.synchronous.sqlite ?? '?'}), ` +
      `**Postgres** (one instance, a fresh database on the machine's ${p.postgresVersion?.split(' ').slice(0, 2).join(' ') ?? 'Postgres'}, ${p.synchronous.postgres ?? 'server default'}, no Redis) and ` +
      `**Postgres ×${c.instances}** (${c.instances} instances on one fresh database and one Redis; all ${c.instances} dispatchers drain the same outbox). ` +
      `Every match has both seats connected: seat 0 makes moves one after another, each waiting for its own update (the closed loop of the throughput section; every 10th move a \`lose\`, one request), seat 1 watches. ` +
      `Match i is created on instance i and joined on instance i + 1; seat 0's socket goes to instance i, seat 1's to instance i + 1 (modulo ${c.instances}), so with ${c.instances} instances the matches are spread round-robin and every watcher gets the moves through Redis from another instance. ` +
      `Per repetition each setup warms up (${c.warmupMoves} moves on one match per instance), then 1 match × ${c.moves1} moves (one-instance setups) and ${n} concurrent matches × ${c.movesPerMatch} moves; the setups' order rotates (${c.reps} repetition${c.reps === 1 ? '' : 's'}). ` +
      `Server CPU is summed over the instances; "Postgres CPU" is the CPU time of the backends serving the benchmark's database (from /proc: WAL writer, checkpointer and Redis not included), because on SQLite the same storage work is inside the server's own CPU time. ` +
      `"Watcher lag" is the time from seat 0's update to seat 1's update of the same state (negative when the watcher got it first). ` +
      `A window ends once no outbox row is left to send; then the emulator's requests are counted per wearer session against what the moves asked for (warm-ups included).`,
  );
  out.push('');
  out.push(
    '| setup | matches | moves/s | server CPU ms/move | Postgres CPU ms/move | total CPU ms/move | round trip p50 ms | watcher lag p50 ms |',
  );
  out.push('|---|---|---|---|---|---|---|---|');
  const label: Record<string, string> = {
    sqlite: 'SQLite',
    postgres: 'Postgres',
    postgres3: `Postgres ×${c.instances}`,
  };
  for (const setup of ['sqlite', 'postgres', 'postgres3'] as const) {
    for (const matches of [1, n]) {
      const x = p.summary[`${setup}_${matches}`];
      if (!x) continue;
      out.push(
        `| ${label[setup]} | ${matches} | ${s2(x.movesPerSecond, 0)} | ${s2(x.serverCpuMsPerMove, 3)} | ${x.dbCpuMsPerMove.n ? s2(x.dbCpuMsPerMove, 3) : '—'} | ${s2(x.totalCpuMsPerMove, 3)} | ${s2(x.roundTripP50Ms)} | ${s2(x.watcherLagP50Ms)} |`,
      );
    }
  }
  out.push('');
  out.push(
    `Ratios (paired per repetition): Postgres / SQLite moves/s ${s2(p.ratio1, 3)} at 1 match, ${s2(p.ratioN, 3)} at ${n}; ` +
      `total CPU per move Postgres / SQLite ${s2(p.cpuRatioN, 2)}× at ${n}; ` +
      `${c.instances} instances / 1 instance on Postgres ${s2(p.scaleRatio, 3)}, ${c.instances} instances on Postgres / SQLite ${s2(p.scaleVsSqlite, 3)} (moves/s at ${n}).`,
  );
  out.push('');
  out.push(`Delivery and commit → Chaster latency at ${n} matches (requests over all windows):`);
  out.push('');
  out.push(
    '| setup | commit → Chaster p50 / p99 / max ms | of which commit → client call p50 / p99 ms | requests expected | arrived | missing | duplicates | answers other than 201 |',
  );
  out.push('|---|---|---|---|---|---|---|---|');
  for (const setup of ['sqlite', 'postgres', 'postgres3'] as const) {
    const l = p.latency[setup];
    const c2 = p.commitToCall?.[setup];
    const d = p.delivery[setup];
    out.push(
      `| ${label[setup]} | ${f(l.p50)} / ${f(l.p99)} / ${f(l.max)} | ${c2 ? `${f(c2.p50)} / ${f(c2.p99)}` : 'n/a'} | ${d.expected} | ${d.arrived} | ${d.missing} | ${d.duplicates} | ${d.non201} |`,
    );
  }
  return out;
}

/** The BENCHMARKS.md section of the fairness benchmark. */
function fairnessMarkdown(x: Stamp & FairnessResult): string[] {
  const c = x.config;
  return [
    '',
    '## Fairness under a flood',
    '',
    `One game server on SQLite with a Chaster budget of ${c.ratePerMinute} requests a minute and an in-process emulator. ` +
      `One user floods from ${c.floodRooms} one-seat rooms (${c.floodPerRoom} requests each, every move a request for themselves); once the flood is being sent, ${c.quietRooms} quiet rooms of other users each make one request, ${c.quietEveryMs} ms apart. ` +
      `Each quiet request is timed from its move's commit to its \`delivered\` status in the feed. ` +
      `The bound is one send per room with rows due (the flooder's and the quiet one) at the budget's rate, plus one second for the pass and the round trip.`,
    '',
    '| quiet requests: commit → delivered ms | worst | bound | first come, first served (estimate) | flood rows still queued after the last quiet request |',
    '|---|---|---|---|---|',
    `| ${x.delaysMs.join(', ')} | ${x.worstMs} | ${x.boundMs} | ${x.fifoEstimateMs} | ${x.backlogLeft} |`,
  ];
}

/** How the throughput section names each contender. */
const CONTENDER_LABEL: Record<Contender, string> = {
  bare: 'a: plain boardgame.io, InMemory',
  'bgio-plugin': 'bgio-plugin: a running the plugin',
  plugin: 'b: this project, SQLite',
  'plugin-quiet': 'b, no requests (every move a `pass`)',
  'plugin-pg': 'b-pg: this project, Postgres',
  flatfile: 'boardgame.io + FlatFile, as shipped',
  'flatfile-noqueue': "boardgame.io + FlatFile, node-persist's write queue off",
  'bgio-postgres': 'boardgame.io + bgio-postgres',
};

/** Short names of the contenders, for ratios. */
const SHORT: Record<Contender, string> = {
  bare: 'a',
  'bgio-plugin': 'bgio-plugin',
  plugin: 'b',
  'plugin-quiet': 'b without requests',
  'plugin-pg': 'b-pg',
  flatfile: 'FlatFile',
  'flatfile-noqueue': 'FlatFile (queue off)',
  'bgio-postgres': 'bgio-postgres',
};

/** The BENCHMARKS.md section of the throughput benchmark. */
function throughputMarkdown(th: Stamp & ThroughputResult): string[] {
  const c = th.config;
  const n = c.matches;
  const out: string[] = [];
  out.push('');
  out.push('## Move throughput, plugin cost and the peers');
  out.push('');
  out.push(
    `Same game everywhere (moves \`pass\`, \`lose\`; every 10th move a \`lose\`, which on b and b-pg commits an outbox row that is delivered to the emulator). ` +
      `One boardgame.io Node client per match (SocketIO, websocket) makes moves one after another, each waiting for the server's update. ` +
      `The server runs in a child process; its CPU is its own \`process.cpuUsage()\`, read over IPC, plus on Postgres the CPU of the backends serving its database (from /proc); b's window closes once the emulator has every request, so delivery CPU counts. ` +
      `Per repetition each contender gets fresh storage and a fresh server, warm-up moves, then 1 match and ${n} concurrent matches (moves per match in the table); ` +
      `**bgio-plugin** (plain boardgame.io with InMemory running b's game with \`VerificationPlugin\`, nothing reading its intents) splits b/a into what boardgame.io charges for any plugin and what this project's server adds; ` +
      `**b, no requests** is b playing only \`pass\` moves, so that b's server CPU per delivered request is the paired difference. ` +
      `The peers run from their npm packages under plain boardgame.io with \`BareGame\`: FlatFile as shipped (a write that overlaps another waits for node-persist's 1-second tick, so a match alone makes about a move a second and gets a short 1-match window), FlatFile with node-persist's write queue off, and bgio-postgres (Sequelize's query logging off) in its own fresh database on the same Postgres as b-pg. The peers and b-pg play shorter matches than a and b (the table's moves per match): the peers rewrite their whole log on every move, so a shorter match flatters them. ` +
      `Contenders alternate and their order rotates each repetition (${c.reps} repetition${c.reps === 1 ? '' : 's'}). SQLite \`synchronous\` on b: ${th.synchronous ?? c.synchronous ?? 'library default'}${c.synchronous ? '' : " (the library's default)"}.` +
      (th.skipped
        ? ` Not run: ${Object.entries(th.skipped)
            .map(([k, why]) => `${k} (${why})`)
            .join(', ')}.`
        : ''),
  );
  out.push('');
  out.push(
    '| contender | matches × moves | moves/s | server CPU ms/move | + Postgres CPU ms/move | round trip p50 ms | server event-loop delay p99 ms |',
  );
  out.push('|---|---|---|---|---|---|---|');
  for (const matches of [1, n]) {
    for (const contender of Object.keys(CONTENDER_LABEL) as Contender[]) {
      const x = th.summary[`${contender}_${matches}`];
      if (!x) continue;
      const sizes = sizesOf(contender, c);
      const pg = contender === 'plugin-pg' || contender === 'bgio-postgres';
      const dbCpu =
        pg && x.totalCpuMsPerMove
          ? {
              ...x.totalCpuMsPerMove,
              median: x.totalCpuMsPerMove.median - x.serverCpuMsPerMove.median,
            }
          : undefined;
      out.push(
        `| ${CONTENDER_LABEL[contender]} | ${matches} × ${matches === 1 ? sizes.moves1 : sizes.movesPerMatch} | ${s2(x.movesPerSecond, 0)} | ${s2(x.serverCpuMsPerMove, 3)} | ${dbCpu ? f(dbCpu.median, 3) : '—'} | ${s2(x.roundTripP50Ms)} | ${s2(x.eventLoopDelayP99Ms, 1)} |`,
      );
    }
  }
  out.push('');
  const ratios = Object.entries(th.ratios ?? {});
  if (ratios.length > 0) {
    out.push('Moves/s ratios, paired per repetition:');
    out.push('');
    out.push('| ratio | 1 match | ' + `${n} matches |`);
    out.push('|---|---|---|');
    const pairs = [...new Set(ratios.map(([k]) => k.slice(0, k.lastIndexOf('_'))))];
    for (const pair of pairs) {
      const [x, y] = pair.split('/') as [Contender, Contender];
      out.push(
        `| ${SHORT[x]} / ${SHORT[y]} | ${s2(th.ratios?.[`${pair}_1`], 3)} | ${s2(th.ratios?.[`${pair}_${n}`], 3)} |`,
      );
    }
    out.push('');
  }
  out.push(
    `Server CPU per move b/a (paired): ${s2(th.cpuRatio1, 2)}× at 1 match, ${s2(th.cpuRatioN, 2)}× at ${n}.` +
      (th.requestCpuMs && th.requestCpuMs.n > 0
        ? ` b's server CPU per delivered request at ${n} matches (b − b without requests, per request; claim, send, outcome and the outbox row's share of the commit): ${s2(th.requestCpuMs, 3)} ms.`
        : ''),
  );
  out.push('');
  out.push(
    `Commit → Chaster latency under the ${n}-match load (b): from the moment \`SqliteStore.setState\`'s transaction committed to the moment the emulator (its own process) parsed the request's headers, on the monotonic clock both processes share; ` +
      `${th.latency.n} requests: p50 ${f(th.latency.p50)} ms, p99 ${f(th.latency.p99)} ms, max ${f(th.latency.max)} ms` +
      (th.latency.unmatched ? ` (${th.latency.unmatched} unpaired)` : '') +
      (th.latencyParts
        ? `. Its parts (p50 / p99): commit → the dispatcher calling the Chaster client ${f(th.latencyParts.commitToCall.p50)} / ${f(th.latencyParts.commitToCall.p99)} ms; ` +
          `call → undici writing the request to the socket ${f(th.latencyParts.callToWrite.p50)} / ${f(th.latencyParts.callToWrite.p99)} ms; ` +
          `socket write → arrival at the emulator ${f(th.latencyParts.writeToArrival.p50)} / ${f(th.latencyParts.writeToArrival.p99)} ms`
        : '') +
      '.',
  );
  return out;
}

/** The BENCHMARKS.md section of the floor benchmark. */
function floorMarkdown(x: Stamp & FloorResult, r: Results): string[] {
  const c = x.config;
  const us = (v: Summary) => ({
    ...v,
    median: 1000 * v.median,
    min: 1000 * v.min,
    max: 1000 * v.max,
  });
  return [
    '',
    '## The physical floor: one durable commit',
    '',
    `One durable SQLite transaction of a move's size, with nothing of this project in it: UPDATE a ${c.stateBytes}-byte JSON state row (compare-and-set on its state id) and INSERT a log row, WAL, \`synchronous = NORMAL\`, SQLite's own checkpoints, cycling over 20 match rows; ${c.commits.toLocaleString('en')} commits per repetition after a warm-up, ${c.reps} repetition${c.reps === 1 ? '' : 's'}, CPU from \`process.cpuUsage()\`. ` +
      `A server that stores each move before it answers spends at least this on top of plain boardgame.io's own CPU per move (a, from the throughput section), so while it is CPU-bound its b/a can be at most a / (a + commit CPU).`,
    '',
    '| CPU µs per commit | wall µs per commit | `JSON.stringify` of the state, µs | a: server CPU ms/move, 1 / 20 matches | best b/a, 1 match | best b/a, 20 matches | measured b/a, 1 / 20 |',
    '|---|---|---|---|---|---|---|',
    `| ${s2(us(x.commitCpuMs), 1)} | ${s2(us(x.commitWallMs), 1)} | ${s2(us(x.stringifyCpuMs), 1)} | ${f(x.bareCpuMsPerMove[1], 3)} / ${f(x.bareCpuMsPerMove.N, 3)} | ${f(x.ratio1, 3)} | ${f(x.ratioN, 3)} | ${f(r.plugin_ratio_1, 3)} / ${f(r.plugin_ratio_20, 3)} |`,
  ];
}

/** Medians per bucket over a store's runs: [move, ms] points, for the chart. */
function curveOf(runs: GrowthRun[]): Array<[number, number]> {
  const withPoints = runs.filter((r) => r.points && r.points.length > 0);
  if (withPoints.length === 0) return [];
  const shortest = Math.min(...withPoints.map((r) => r.points!.length));
  return withPoints[0]!
    .points!.slice(0, shortest)
    .map(([move], i) => [move, median(withPoints.map((r) => r.points![i]![1]))]);
}

/** The stores of the chart, in legend order: label, colour, dash pattern. */
const CHART_STORES: Array<{
  store: GrowthRun['store'];
  label: string;
  color: string;
  dash: string;
  width: number;
}> = [
  { store: 'sqlite', label: 'b: SqliteStore', color: '#e8590c', dash: '', width: 3 },
  {
    store: 'inmemory',
    label: 'InMemory (not durable)',
    color: '#1c7ed6',
    dash: '2 4',
    width: 2,
  },
  {
    store: 'flatfile-noqueue',
    label: 'FlatFile, queue off',
    color: '#2f9e44',
    dash: '8 4',
    width: 2,
  },
  { store: 'bgio-postgres', label: 'bgio-postgres', color: '#ae3ec9', dash: '12 4 2 4', width: 2 },
];

/** Escapes text for SVG. */
function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The storage-growth chart as an SVG document (plain strings, no chart library): ms per move
 * against move number on log–log axes, one line per store, with a legend; its colours follow the
 * reader's light or dark scheme. Undefined when latest.json has no storage curves.
 */
export function storageChart(r: Results): string | undefined {
  const runs = r.sections.storage?.runs ?? [];
  const lines = CHART_STORES.map((s) => ({
    ...s,
    points: curveOf(runs.filter((run) => run.store === s.store)).filter(([, ms]) => ms > 0),
  })).filter((l) => l.points.length > 1);
  if (lines.length === 0) return undefined;
  const all = lines.flatMap((l) => l.points);
  const xMax = 10 ** Math.ceil(Math.log10(Math.max(...all.map(([m]) => m))));
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...all.map(([, ms]) => ms))));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...all.map(([, ms]) => ms))));
  const W = 900;
  const H = 410;
  const left = 70;
  const right = 640;
  const top = 50;
  const bottom = 360;
  const x = (move: number) => left + ((right - left) * Math.log10(move)) / Math.log10(xMax);
  const y = (ms: number) =>
    bottom - ((bottom - top) * Math.log10(ms / yMin)) / Math.log10(yMax / yMin);
  const num = (v: number) => (v >= 1 ? v.toLocaleString('en') : String(Number(v.toPrecision(1))));
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="title desc" font-family="-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="13">`,
    '<title id="title">Storage: milliseconds per move against move number, one line per store</title>',
    `<desc id="desc">${xml(
      lines
        .map(
          (l) =>
            `${l.label}: ${l.points.map(([m, ms]) => `move ${m} ${Number(ms.toPrecision(3))} ms`).join(', ')}`,
        )
        .join('; '),
    )}</desc>`,
    '<style>',
    '.text { fill: #1f2328; } .muted { fill: #59636e; } .grid { stroke: #d1d9e0; } .axis { stroke: #59636e; }',
    '@media (prefers-color-scheme: dark) { .text { fill: #e6edf3; } .muted { fill: #9198a1; } .grid { stroke: #3d444d; } .axis { stroke: #9198a1; } }',
    '</style>',
    `<text class="text" x="${left}" y="26" font-size="16" font-weight="600">Storage growth: ms per move (median) against move number, log–log</text>`,
  );
  for (let d = 1; d <= xMax; d *= 10) {
    out.push(
      `<line class="grid" x1="${x(d).toFixed(1)}" y1="${top}" x2="${x(d).toFixed(1)}" y2="${bottom}" stroke-width="1"/>`,
      `<text class="muted" x="${x(d).toFixed(1)}" y="${bottom + 20}" text-anchor="middle">${num(d)}</text>`,
    );
  }
  for (let d = yMin; d <= yMax * 1.0001; d *= 10) {
    out.push(
      `<line class="grid" x1="${left}" y1="${y(d).toFixed(1)}" x2="${right}" y2="${y(d).toFixed(1)}" stroke-width="1"/>`,
      `<text class="muted" x="${left - 8}" y="${(y(d) + 4).toFixed(1)}" text-anchor="end">${num(d)}</text>`,
    );
  }
  out.push(
    `<line class="axis" x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke-width="1.5"/>`,
    `<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke-width="1.5"/>`,
    `<text class="text" x="${(left + right) / 2}" y="${bottom + 44}" text-anchor="middle">move number in the match</text>`,
    `<text class="text" transform="translate(20 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">ms per move</text>`,
  );
  for (const l of lines) {
    const path = l.points
      .map(([m, ms], i) => `${i === 0 ? 'M' : 'L'}${x(m).toFixed(1)} ${y(ms).toFixed(1)}`)
      .join(' ');
    out.push(
      `<path d="${path}" fill="none" stroke="${l.color}" stroke-width="${l.width}" stroke-linejoin="round"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`,
    );
    for (const [m, ms] of l.points) {
      out.push(
        `<circle cx="${x(m).toFixed(1)}" cy="${y(ms).toFixed(1)}" r="2.5" fill="${l.color}"/>`,
      );
    }
  }
  lines.forEach((l, i) => {
    const ly = top + 10 + i * 44;
    const last = l.points[l.points.length - 1]!;
    const moves = runs.find((run) => run.store === l.store)?.moves ?? last[0];
    out.push(
      `<line x1="${right + 24}" y1="${ly}" x2="${right + 64}" y2="${ly}" stroke="${l.color}" stroke-width="${l.width}"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`,
      `<text class="text" x="${right + 72}" y="${ly + 4}">${xml(l.label)}</text>`,
      `<text class="muted" x="${right + 72}" y="${ly + 22}" font-size="12">${num(Number(l.points[0]![1].toPrecision(2)))} → ${num(Number(last[1].toPrecision(2)))} ms, ${moves.toLocaleString('en')} moves</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
