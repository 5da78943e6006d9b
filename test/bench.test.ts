/**
 * Smoke test of the benchmarks: `npm run bench -- --quick` runs every benchmark at small sizes and
 * writes latest.json with the stable top-level numbers. Only their presence is checked, never
 * their values: CI machines are too noisy for timing assertions. Output goes to a temporary folder
 * so the committed bench/results/latest.json and BENCHMARKS.md stay as the last full run left them.
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
  'delivery_ratio',
  'latency_p50_ms',
  'latency_p99_ms',
  'kb_per_idle_match',
  'ms_per_move_at_10',
  'ms_per_move_at_10000',
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
  }, 120_000);
});
