/**
 * Smoke test of the benchmarks: `npm run bench -- --quick` runs every benchmark at small sizes and
 * writes latest.json with the stable top-level numbers. Only their presence is checked, never
 * their values: CI machines are too noisy for timing assertions. Output goes to a temporary folder
 * so the committed bench/results/latest.json and BENCHMARKS.md stay as the last full run left them.
 * The postgres section needs the machine's Postgres and Redis: without them (and without `CI`) it
 * is skipped with a message and its keys are null; under `CI` the run fails instead.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'bgio-chaster-bench-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const REQUIRED = [
  'plugin_ratio_1',
  'plugin_ratio_20',
  'bgio_plugin_ratio_20',
  'delivery_ratio',
  'fairness_worst_ms',
  'latency_p50_ms',
  'latency_p99_ms',
  'kb_per_idle_match',
  'ms_per_move_at_10',
  'ms_per_move_at_10000',
] as const;

/** Keys of the postgres section: positive rates, ratios and CPU costs. */
const POSTGRES_POSITIVE = [
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
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
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
    expect(existsSync(join(out, 'BENCHMARKS.md'))).toBe(true);

    for (const key of [...POSTGRES_POSITIVE, 'postgres_missing_requests']) {
      expect(key in latest, `${key} in latest.json`).toBe(true);
    }
    if (latest.sections.postgres === undefined) {
      // Skipped: only allowed outside CI, and it must say how to start the services.
      expect(process.env.CI, 'the postgres section was skipped under CI').toBeFalsy();
      expect(output).toMatch(/postgres: skipped — .*pg_ctlcluster/);
      expect(latest.postgres_ratio_20).toBeNull();
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
  }, 120_000);
});
