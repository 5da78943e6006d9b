/**
 * Smoke test of the benchmarks: `npm run bench -- --quick` runs every benchmark at small sizes and
 * writes latest.json with the stable top-level numbers, BENCHMARKS.md with the targets table, and
 * the storage chart. Only their presence is checked, never their values: CI machines are too noisy
 * for timing assertions. Output goes to a temporary folder so the committed bench/results/latest.json,
 * BENCHMARKS.md and bench/storage-growth.svg stay as the last full run left them. What needs
 * Postgres and Redis (the postgres section, b-pg and bgio-postgres) is skipped with a message
 * without them (and without `CI`), and its keys are null; under `CI` the run fails instead.
 * The chart's pure parts (buckets, SVG) are checked on made-up data.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { storageChart } from '../bench/report.js';
import type { Results } from '../bench/report.js';
import { logBuckets } from '../bench/storage.js';
import type { GrowthRun } from '../bench/storage.js';

const root = resolve(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'bgio-chaster-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const REQUIRED = [
  'plugin_ratio_1',
  'plugin_ratio_20',
  'bgio_plugin_ratio_20',
  'peer_ratio_flatfile_20',
  'peer_ratio_flatfile_noqueue_20',
  'request_cpu_ms',
  'request_cpu_ratio',
  'delivery_ratio',
  'fairness_worst_ms',
  'commit_to_call_p99_ms',
  'latency_p50_ms',
  'latency_p99_ms',
  'kb_per_idle_match',
  'kb_per_idle_match_bare',
  'kb_per_idle_match_ratio',
  'floor_commit_cpu_ms',
  'floor_ratio_1',
  'floor_ratio_20',
  'ms_per_move_at_10',
  'ms_per_move_at_10000',
] as const;

/** The targets of issue 18, each a top-level key and a row of BENCHMARKS.md's Targets table. */
const TARGETS = [
  'peer_ratio_flatfile_20',
  'peer_ratio_bgio_postgres_20',
  'pg_peer_ratio_20',
  'plugin_ratio_20',
  'plugin_ratio_1',
  'postgres_plugin_ratio_20',
  'request_cpu_ratio',
  'delivery_ratio',
  'commit_to_call_p99_ms',
  'latency_p99_ms',
  'kb_per_idle_match',
] as const;

/** Keys that need Postgres: positive rates, ratios and CPU costs. */
const POSTGRES_POSITIVE = [
  'peer_ratio_bgio_postgres_20',
  'pg_peer_ratio_20',
  'postgres_plugin_ratio_20',
  'postgres_ratio_1',
  'postgres_ratio_20',
  'postgres_moves_per_second',
  'postgres_cpu_ms_per_move',
  'postgres_latency_p50_ms',
  'postgres_latency_p99_ms',
  'postgres3_moves_per_second',
  'postgres3_ratio',
  'postgres3_cpu_ms_per_move',
  'postgres3_latency_p50_ms',
  'postgres3_latency_p99_ms',
] as const;

function runQuick(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    // Every section and contender once: about a minute and a half on a busy two-core box.
    const timer = setTimeout(() => child.kill('SIGKILL'), 290_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

describe('npm run bench -- --quick', () => {
  it('writes latest.json with every required number, finite, and quick: true', async () => {
    const { code, output } = await runQuick();
    expect(code, output.slice(-4000)).toBe(0);
    const latest = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
    for (const key of REQUIRED) {
      expect(typeof latest[key], `${key} in ${JSON.stringify(latest)}`).toBe('number');
      expect(Number.isFinite(latest[key]), key).toBe(true);
    }
    expect(latest.quick).toBe(true);
    const markdown = readFileSync(join(out, 'BENCHMARKS.md'), 'utf8');
    for (const key of TARGETS) {
      expect(key in latest, `${key} in latest.json`).toBe(true);
      expect(latest.targets[key]?.meaning, `targets.${key}`).toBeTruthy();
      expect(markdown, `the Targets table's row for ${key}`).toContain(`| \`${key}\``);
    }
    // The storage chart: written next to BENCHMARKS.md, which shows it.
    const svg = readFileSync(join(out, 'storage-growth.svg'), 'utf8');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(markdown).toContain('](storage-growth.svg)');
    expect(latest.sections.storage.peers['flatfile-noqueue'].msAtEnd.median).toBeGreaterThan(0);

    for (const key of [...POSTGRES_POSITIVE, 'postgres_missing_requests']) {
      expect(key in latest, `${key} in latest.json`).toBe(true);
    }
    if (latest.sections.postgres === undefined) {
      // Skipped: only allowed outside CI, and it must say how to start the services.
      expect(process.env.CI, 'the postgres section was skipped under CI').toBeFalsy();
      expect(output).toMatch(/postgres: skipped — .*pg_ctlcluster/);
      expect(output).toMatch(/plugin-pg, bgio-postgres: skipped — .*pg_ctlcluster/);
      expect(latest.postgres_ratio_20).toBeNull();
      expect(latest.pg_peer_ratio_20).toBeNull();
      return;
    }
    for (const key of POSTGRES_POSITIVE) {
      expect(Number.isFinite(latest[key]) && latest[key] > 0, `${key} = ${latest[key]}`).toBe(true);
    }
    // Not timing: every request the moves asked for arrived, none twice, with 1 and 3 dispatchers.
    expect(latest.postgres_missing_requests).toBe(0);
    expect(latest.postgres_duplicate_requests).toBe(0);
    const delivery = latest.sections.postgres.delivery;
    for (const setup of ['sqlite', 'postgres', 'postgres3']) {
      expect(delivery[setup].expected, setup).toBeGreaterThan(0);
      expect(delivery[setup].arrived, setup).toBe(delivery[setup].expected);
    }
  }, 300_000);
});

describe('storage chart', () => {
  it('buckets every move once, five buckets a decade, a short last bucket joined to the one before', () => {
    const ms = Array.from({ length: 1000 }, (_, i) => i + 1);
    const points = logBuckets(ms);
    // Moves 1–9, 10–15, 16–24, 25–39, 40–62, 63–99, …, 631–1000 (the last, 1000, joined).
    expect(points[0]).toEqual([5, 5]);
    expect(points[1]).toEqual([13, 12.5]);
    expect(points.at(-1)).toEqual([816, 815.5]);
    expect(points).toHaveLength(11);
    for (let i = 1; i < points.length; i++)
      expect(points[i]![0]).toBeGreaterThan(points[i - 1]![0]);
  });

  it('draws one line per store with points, on log axes, with a legend and a dark scheme', () => {
    const run = (store: GrowthRun['store'], moves: number, ms: (move: number) => number) =>
      ({
        store,
        moves,
        msAtStart: 0,
        msAtEnd: 0,
        storageMsAtStart: 0,
        storageMsAtEnd: 0,
        curve: [],
        points: logBuckets(Array.from({ length: moves }, (_, i) => ms(i + 1))),
      }) satisfies GrowthRun;
    const results = {
      sections: {
        storage: {
          runs: [
            run('sqlite', 10_000, () => 0.05),
            run('inmemory', 10_000, (m) => 0.03 + m / 1e6),
            run('bgio-postgres', 1000, (m) => 5 + m / 100),
          ],
        },
      },
    } as unknown as Results;
    const svg = storageChart(results)!;
    expect(svg.match(/<path /g)).toHaveLength(3);
    expect(svg).toContain('b: SqliteStore');
    expect(svg).toContain('bgio-postgres');
    expect(svg).not.toContain('FlatFile');
    expect(svg).toContain('prefers-color-scheme: dark');
    // Decade ticks from 0.01 to 100 ms and from 1 to 10,000 moves.
    for (const tick of ['>0.01<', '>100<', '>1<', '>10,000<']) expect(svg).toContain(tick);
    expect(storageChart({ sections: {} } as unknown as Results)).toBeUndefined();
  });
});
