/**
 * What a benchmark run writes: the top-level numbers of latest.json (stable keys, for comparing
 * runs mechanically), the console table, and BENCHMARKS.md.
 */
import type { FairnessResult } from './fairness.js';
import type { DeliveryResult } from './delivery.js';
import type { PostgresResult } from './postgres.js';
import type { ScaleConfig, ScalePoint } from './scale.js';
import type { Summary } from './stats.js';
import { round, spread } from './stats.js';
import type { StorageResult } from './storage.js';
import type { SyncResult } from './sync.js';
import type { ThroughputResult } from './throughput.js';

/** When and how a section was measured. */
interface Stamp {
  quick: boolean;
  at: string;
}

/** Every section's full result, as latest.json keeps it. */
export interface Sections {
  throughput?: Stamp & ThroughputResult;
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

/** One target of issue 6 and whether this run met it. */
export interface Target {
  target: string;
  value: number;
  met: boolean;
}

/** The stable top-level numbers. NaN (written as null) when a section was never run. */
export interface TopLevel {
  plugin_ratio_1: number;
  plugin_ratio_20: number;
  /** Plain boardgame.io running the plugin / without it, moves/s at 20 matches: boardgame.io's share. */
  bgio_plugin_ratio_20: number;
  delivery_ratio: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  kb_per_idle_match: number;
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

/** Computes the top-level numbers and the targets from the sections. */
export function topLevel(s: Sections): TopLevel {
  const idle = s.scale?.points.filter((p) => p.side === 'plugin') ?? [];
  const largest = idle.reduce<ScalePoint | undefined>(
    (a, p) => (a === undefined || p.matches > a.matches ? p : a),
    undefined,
  );
  const numbers = {
    plugin_ratio_1: s.throughput?.ratio1.median ?? Number.NaN,
    plugin_ratio_20: s.throughput?.ratioN.median ?? Number.NaN,
    bgio_plugin_ratio_20: s.throughput?.bgioPluginRatioN?.median ?? Number.NaN,
    delivery_ratio: s.delivery?.ratio.median ?? Number.NaN,
    latency_p50_ms: s.throughput?.latency.p50 ?? Number.NaN,
    latency_p99_ms: s.throughput?.latency.p99 ?? Number.NaN,
    kb_per_idle_match: largest?.kbPerIdleMatch ?? Number.NaN,
    ms_per_move_at_10: s.storage?.sqlite.msAtStart.median ?? Number.NaN,
    ms_per_move_at_10000: s.storage?.sqlite.msAtEnd.median ?? Number.NaN,
    fairness_worst_ms: s.fairness?.worstMs ?? Number.NaN,
    ...postgresNumbers(s.postgres),
  };
  const rounded = Object.fromEntries(
    Object.entries(numbers).map(([k, v]) => [k, round(v, 4)]),
  ) as typeof numbers;
  const target = (text: string, value: number, met: boolean): Target => ({
    target: text,
    value: round(value, 4),
    met: Number.isFinite(value) && met,
  });
  return {
    ...rounded,
    quick: Object.values(s).some((section) => (section as Stamp | undefined)?.quick === true),
    targets: {
      plugin_ratio_20: target('≥ 0.85', numbers.plugin_ratio_20, numbers.plugin_ratio_20 >= 0.85),
      delivery_ratio: target('≥ 0.8', numbers.delivery_ratio, numbers.delivery_ratio >= 0.8),
      latency_p99_ms: target('≤ 25', numbers.latency_p99_ms, numbers.latency_p99_ms <= 25),
      kb_per_idle_match: target(
        `≤ 50 KB at ${largest?.matches ?? '?'} matches`,
        numbers.kb_per_idle_match,
        numbers.kb_per_idle_match <= 50,
      ),
      fairness_worst_ms: target(
        `≤ ${s.fairness?.boundMs ?? '?'} ms (one send per busy wearer at the budget's rate, + 1 s)`,
        numbers.fairness_worst_ms,
        numbers.fairness_worst_ms <= (s.fairness?.boundMs ?? 0),
      ),
      storage_growth: target(
        'flat: ms/move at 10,000 ≤ 1.5 × at 10',
        numbers.ms_per_move_at_10000 / numbers.ms_per_move_at_10,
        numbers.ms_per_move_at_10000 / numbers.ms_per_move_at_10 <= 1.5,
      ),
      // Only when measured: a run without Postgres has nothing to miss.
      ...(s.postgres
        ? {
            postgres_exactly_once: target(
              '0 missing, 0 duplicates',
              numbers.postgres_missing_requests + numbers.postgres_duplicate_requests,
              numbers.postgres_missing_requests + numbers.postgres_duplicate_requests === 0,
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
  const rows: Array<[string, string, string]> = [
    ['plugin_ratio_1 (b/a moves/s, 1 match)', f(r.plugin_ratio_1, 3), ''],
    [
      'plugin_ratio_20 (b/a moves/s, 20 matches)',
      f(r.plugin_ratio_20, 3),
      mark(r.targets.plugin_ratio_20),
    ],
    [
      'bgio_plugin_ratio_20 (boardgame.io + plugin / a, 20 matches)',
      f(r.bgio_plugin_ratio_20, 3),
      '',
    ],
    [
      'delivery_ratio (dispatcher / undici)',
      f(r.delivery_ratio, 3),
      mark(r.targets.delivery_ratio),
    ],
    ['latency_p50_ms (commit → emulator)', f(r.latency_p50_ms), ''],
    ['latency_p99_ms (commit → emulator)', f(r.latency_p99_ms), mark(r.targets.latency_p99_ms)],
    ['kb_per_idle_match', f(r.kb_per_idle_match, 1), mark(r.targets.kb_per_idle_match)],
    ['ms_per_move_at_10', f(r.ms_per_move_at_10, 3), ''],
    ['ms_per_move_at_10000', f(r.ms_per_move_at_10000, 3), mark(r.targets.storage_growth)],
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
      mark(r.targets.postgres_exactly_once),
    ],
    [
      "fairness_worst_ms (a quiet room's first request under a flood)",
      f(r.fairness_worst_ms, 0),
      mark(r.targets.fairness_worst_ms),
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
export function renderMarkdown(r: Results, notes: string): string {
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
    const at = (section as Stamp | undefined)?.at?.slice(0, 16).replace('T', ' ');
    if (at) runs.set(at, [...(runs.get(at) ?? []), name]);
  }
  if (runs.size > 1) {
    out.push(
      `Sections come from more than one run (the line above is the newest): ${[...runs]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([at, names]) => `${names.join(', ')} at ${at} UTC`)
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
  out.push('| figure | target | this run | |');
  out.push('|---|---|---|---|');
  const t = r.targets;
  out.push(
    `| plugin cost: b/a moves/s at 20 matches | ≥ 0.85 | ${f(r.plugin_ratio_20, 3)} | ${yes(t.plugin_ratio_20)} |`,
  );
  out.push(`| plugin cost: b/a moves/s at 1 match | — | ${f(r.plugin_ratio_1, 3)} | |`);
  out.push(
    `| delivery: dispatcher / bare undici, req/s | ≥ 0.8 | ${f(r.delivery_ratio, 3)} | ${yes(t.delivery_ratio)} |`,
  );
  out.push(`| commit → Chaster latency p50, 20-match load | — | ${f(r.latency_p50_ms)} ms | |`);
  out.push(
    `| commit → Chaster latency p99, 20-match load | ≤ 25 ms | ${f(r.latency_p99_ms)} ms | ${yes(t.latency_p99_ms)} |`,
  );
  out.push(
    `| memory per idle match | ${t.kb_per_idle_match?.target ?? '≤ 50 KB'} | ${f(r.kb_per_idle_match, 1)} KiB | ${yes(t.kb_per_idle_match)} |`,
  );
  out.push(
    `| storage: ms/move at move 10 → 10,000 | flat (≤ 1.5×) | ${f(r.ms_per_move_at_10, 3)} → ${f(r.ms_per_move_at_10000, 3)} | ${yes(t.storage_growth)} |`,
  );
  out.push(
    `| fairness: commit → delivery of a quiet room's first request while one user floods | ${t.fairness_worst_ms?.target ?? '—'} | ${f(r.fairness_worst_ms, 0)} ms (first come, first served: ~${f(s.fairness?.fifoEstimateMs ?? Number.NaN, 0)} ms) | ${yes(t.fairness_worst_ms)} |`,
  );
  if (s.postgres) {
    out.push(
      `| Postgres: every request exactly once (all setups, ${s.postgres.config.instances} dispatchers on one outbox) | 0 missing, 0 duplicates | ${f(r.postgres_missing_requests, 0)} missing, ${f(r.postgres_duplicate_requests, 0)} duplicates | ${yes(t.postgres_exactly_once)} |`,
    );
  }
  out.push('');
  out.push(
    'Figures are medians over repetitions, with the spread as (min–max). "a" is plain boardgame.io (InMemory, no plugin); "b" is this project (VerificationPlugin, SQLite store, outbox, dispatcher, emulator).',
  );

  if (s.throughput) {
    const th = s.throughput;
    const c = th.config;
    out.push('');
    out.push('## Move throughput and plugin cost');
    out.push('');
    out.push(
      `Same game both sides (moves \`pass\`, \`lose\`; every 10th move a \`lose\`, which on side b commits an outbox row that is delivered to the emulator). ` +
        `One boardgame.io Node client per match (SocketIO, websocket) makes moves one after another, each waiting for the server's update. ` +
        `The server runs in a child process; its CPU is its own \`process.cpuUsage()\`, read over IPC (side b's window closes once the emulator has every request, so delivery CPU counts). ` +
        `Per repetition each side gets a fresh server, ${c.warmupMoves} warm-up moves, then 1 match × ${c.moves1} moves and ${c.matches} concurrent matches × ${c.movesPerMatch} moves; ` +
        `a third side, **bgio-plugin**, is plain boardgame.io with InMemory running side b's game with \`VerificationPlugin\` (nothing reads its intents): it splits b/a into what boardgame.io charges for any plugin and what this project's server adds. ` +
        `Sides alternate and their order rotates each repetition (${c.reps} repetition${c.reps === 1 ? '' : 's'}). SQLite \`synchronous\` on side b: ${th.synchronous ?? c.synchronous ?? 'library default'}${c.synchronous ? '' : " (the library's default)"}.`,
    );
    out.push('');
    out.push(
      '| | moves/s | server CPU ms/move | round trip p50 ms | server event-loop delay p99 ms |',
    );
    out.push('|---|---|---|---|---|');
    for (const [key, label] of [
      ['bare_1', 'a, 1 match'],
      ['bgio-plugin_1', 'bgio-plugin, 1 match'],
      ['plugin_1', 'b, 1 match'],
      [`bare_${c.matches}`, `a, ${c.matches} matches`],
      [`bgio-plugin_${c.matches}`, `bgio-plugin, ${c.matches} matches`],
      [`plugin_${c.matches}`, `b, ${c.matches} matches`],
    ] as const) {
      const x = th.summary[key];
      if (!x) continue;
      out.push(
        `| ${label} | ${s2(x.movesPerSecond, 0)} | ${s2(x.serverCpuMsPerMove, 3)} | ${s2(x.roundTripP50Ms)} | ${s2(x.eventLoopDelayP99Ms, 1)} |`,
      );
    }
    out.push('');
    out.push(
      `Ratios b/a (paired per repetition): moves/s ${s2(th.ratio1, 3)} at 1 match, ${s2(th.ratioN, 3)} at ${c.matches}; ` +
        `server CPU per move ${s2(th.cpuRatio1, 2)}× at 1 match, ${s2(th.cpuRatioN, 2)}× at ${c.matches}.` +
        (th.bgioPluginRatioN
          ? ` boardgame.io's own cost of a plugin, bgio-plugin/a moves/s: ${s2(th.bgioPluginRatio1, 3)} at 1 match, ${s2(th.bgioPluginRatioN, 3)} at ${c.matches}.`
          : ''),
    );
    out.push('');
    out.push(
      `Commit → Chaster latency under the ${c.matches}-match load (side b): from the moment \`SqliteStore.setState\`'s transaction committed to the moment the emulator (its own process) parsed the request's headers, on the monotonic clock both processes share; ` +
        `${th.latency.n} requests: p50 ${f(th.latency.p50)} ms, p99 ${f(th.latency.p99)} ms, max ${f(th.latency.max)} ms` +
        (th.latency.unmatched ? ` (${th.latency.unmatched} unpaired)` : '') +
        (th.latencyParts
          ? `. Its parts (p50 / p99): commit → the dispatcher calling the Chaster client ${f(th.latencyParts.commitToCall.p50)} / ${f(th.latencyParts.commitToCall.p99)} ms; ` +
            `call → undici writing the request to the socket ${f(th.latencyParts.callToWrite.p50)} / ${f(th.latencyParts.callToWrite.p99)} ms; ` +
            `socket write → arrival at the emulator ${f(th.latencyParts.writeToArrival.p50)} / ${f(th.latencyParts.writeToArrival.p99)} ms`
          : '') +
        '.',
    );
  }

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
    out.push('');
    out.push('## Storage growth');
    out.push('');
    out.push(
      `One match of ${st.moves.toLocaleString('en')} moves in-process, each move driven the way boardgame.io's Master drives storage (fetch metadata, fetch state, game reducer, \`setState\` with the deltalog, \`setMetadata\`); every 10th move a \`lose\` (an outbox row). ` +
        `"At move 10" is the median of moves 10–29 of fresh matches, "at move 10,000" the median of the long match's last ${st.window} moves, measured interleaved move for move (after a 3,000-move warm-up match) so that other load on the box weighs on both alike. SQLite at \`synchronous = ${st.synchronous}\` to keep fsync noise out of a growth test (its cost is the next section). boardgame.io's own InMemory store runs the same loop. ${s.storage.runs.length / 2} repetition(s).`,
    );
    out.push('');
    out.push(
      '| store | ms/move at move 10 | ms/move at move 10,000 | end / start | size per 1,000 moves |',
    );
    out.push('|---|---|---|---|---|');
    out.push(
      `| SqliteStore | ${s2(st.sqlite.msAtStart, 3)} | ${s2(st.sqlite.msAtEnd, 3)} | ${s2(st.sqlite.growth, 2)} | ${s2(
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
      `| boardgame.io InMemory | ${s2(st.inmemory.msAtStart, 3)} | ${s2(st.inmemory.msAtEnd, 3)} | ${s2(st.inmemory.growth, 2)} | (memory) |`,
    );
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
    'npm run bench                 # everything, full sizes (several minutes); rewrites bench/results/latest.json and BENCHMARKS.md',
  );
  out.push(
    'npm run bench -- --quick      # small sizes, under a minute; what CI runs as a smoke test (no timing assertions)',
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
  out.push('npm run bench -- --out DIR    # write latest.json and BENCHMARKS.md to DIR instead');
  out.push(
    'npm run bench -- --render     # only re-render BENCHMARKS.md from latest.json (after editing bench/notes.md)',
  );
  out.push('```');
  out.push('');
  out.push(
    'Compare runs with the top-level keys of `bench/results/latest.json` (`plugin_ratio_1`, `plugin_ratio_20`, `delivery_ratio`, `latency_p50_ms`, `latency_p99_ms`, `kb_per_idle_match`, `ms_per_move_at_10`, `ms_per_move_at_10000`, the `postgres_*` and `postgres3_*` keys, `quick`, and `targets`). ' +
      'The postgres section needs Postgres on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (or `BENCH_POSTGRES_URL` / `BENCH_REDIS_URL`); without them it is skipped with a message, and under `CI` it fails. ' +
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
