/**
 * `npm run bench [-- --quick] [--only <name>[,<name>…]] [--sides <contender>[,…]] [--out <dir>]
 * [--profile] [--render]`
 *
 * Runs the benchmarks of issue 6 (throughput, delivery, scale, storage, sync), the peers and the
 * physical floor of issue 18 (throughput and storage against boardgame.io's FlatFile and
 * bgio-postgres; floor: one durable SQLite commit), and the Postgres section (postgres: one
 * instance on Postgres beside SQLite, and three instances on one Postgres and Redis). What needs
 * Postgres or Redis is skipped with a message when they do not answer, an error under `CI`. Prints
 * a table, and writes `<out>/latest.json` (default bench/results), BENCHMARKS.md and the storage
 * chart (at the repo root and bench/storage-growth.svg for a full run; in `<out>` when `--out` is
 * given; a quick run without `--out` leaves both alone, since they hold a full run's figures).
 * `--only` runs some sections and keeps the others from the previous latest.json. `--sides` runs
 * only some of the throughput section's contenders (experiments, profiles; ratios without both
 * of their sides are left out). `--profile` writes CPU profiles of the server children to
 * `<out>/profiles/` and prints where their time went. `--render` only rewrites BENCHMARKS.md and
 * the chart from the existing latest.json (after editing bench/notes.md).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDelivery } from './delivery.js';
import { runFairness } from './fairness.js';
import { runFloor } from './floor.js';
import { runPostgres } from './postgres.js';
import { groupedProfile, summarizeProfile } from './profile.js';
import { renderMarkdown, renderTable, storageChart, topLevel } from './report.js';
import type { Machine, Results, Sections } from './report.js';
import { runScale } from './scale.js';
import { serverNodeArgs, startEmulator } from './servers.js';
import { HOW_TO_START, servicesMissing } from './services.js';
import { runStorage } from './storage.js';
import { runSync } from './sync.js';
import { CONTENDERS, runThroughput } from './throughput.js';
import type { Contender, ThroughputConfig } from './throughput.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SECTIONS = [
  'throughput',
  'floor',
  'delivery',
  'scale',
  'storage',
  'sync',
  'postgres',
  'fairness',
] as const;
type SectionName = (typeof SECTIONS)[number];

/** Command-line options. */
export interface RunOptions {
  quick: boolean;
  only?: SectionName[];
  /** The throughput section's contenders to run (default all). */
  sides?: Contender[];
  /** Where latest.json (and, when set, BENCHMARKS.md) go. */
  out?: string;
  profile?: boolean;
  /** Only re-render BENCHMARKS.md from the existing latest.json (after editing bench/notes.md). */
  render?: boolean;
  log?: (line: string) => void;
}

/** The comma-separated names of `flag`'s value, each one of `allowed`, else an error naming it. */
function namesIn<T extends string>(
  flag: string,
  noun: string,
  value: string,
  allowed: readonly T[],
): T[] {
  const names = value.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!allowed.includes(name as T)) {
      throw new Error(`${flag}: unknown ${noun} "${name}"; choose from ${allowed.join(', ')}`);
    }
  }
  return names as T[];
}

function parseArgs(argv: string[]): RunOptions {
  const options: RunOptions = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') options.quick = true;
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--render') options.render = true;
    else if (arg === '--only' || arg === '--out' || arg === '--sides') {
      const value = argv[++i];
      if (!value) throw new Error(`${arg} needs a value`);
      if (arg === '--out') options.out = value;
      else if (arg === '--sides') options.sides = namesIn(arg, 'side', value, CONTENDERS);
      else options.only = namesIn(arg, 'benchmark', value, SECTIONS);
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        `npm run bench [-- --quick] [--only ${SECTIONS.join(',')}] [--sides ${CONTENDERS.join(',')}] [--out DIR] [--profile] [--render]\n`,
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

/** Sizes of every benchmark, full and quick. */
function configs(quick: boolean) {
  // BENCH_PG_SYNCHRONOUS_COMMIT=off (experiments): Postgres without an fsync per commit.
  const pgSync = process.env.BENCH_PG_SYNCHRONOUS_COMMIT as 'on' | 'off' | undefined;
  // The peers and b-pg play matches of 150 moves (the postgres section's length): the peers
  // rewrite their whole log on every move, so longer matches would cost minutes, and a shorter
  // match only flatters them. FlatFile as shipped makes about one move a second when it plays
  // one match alone: its 1-match window is short.
  const throughput: ThroughputConfig = quick
    ? {
        reps: 1,
        warmupMoves: 50,
        moves1: 150,
        matches: 20,
        movesPerMatch: 40,
        sizes: {
          flatfile: { warmupMoves: 2, moves1: 3, movesPerMatch: 3 },
          'bgio-postgres': { warmupMoves: 20, moves1: 30, movesPerMatch: 10 },
          'plugin-pg': { warmupMoves: 20, moves1: 30, movesPerMatch: 10 },
        },
      }
    : {
        reps: 3,
        warmupMoves: 300,
        moves1: 1000,
        matches: 20,
        movesPerMatch: 500,
        sizes: {
          flatfile: { warmupMoves: 5, moves1: 10, movesPerMatch: 150 },
          'flatfile-noqueue': { warmupMoves: 100, moves1: 300, movesPerMatch: 150 },
          'bgio-postgres': { warmupMoves: 100, moves1: 300, movesPerMatch: 150 },
          'plugin-pg': { warmupMoves: 100, moves1: 300, movesPerMatch: 150 },
        },
      };
  return {
    throughput,
    floor: quick
      ? { commits: 2000, reps: 1, stateBytes: 2048 }
      : { commits: 20_000, reps: 3, stateBytes: 2048 },
    delivery: quick
      ? { requests: 300, connections: 8, reps: 1 }
      : { requests: 6000, connections: 8, reps: 5 },
    // Side a at the largest size even in quick mode: the memory target is relative to it.
    scale: quick
      ? { matches: [20, 50], paceMs: 1000, durationMs: 4000, bareReference: true }
      : {
          matches: [100, 500, 1000],
          paceMs: 2000,
          durationMs: 20_000,
          bareReference: true,
          alsoSynchronous: ['NORMAL' as const],
        },
    // The peers rewrite their whole log on every move: 1,000 moves keep a run to seconds.
    storage: quick
      ? { moves: 10_000, window: 200, reps: 1, peerMoves: 200, peerWindow: 20, peerWarmup: 50 }
      : { moves: 10_000, window: 200, reps: 3, peerMoves: 1000, peerWindow: 50, peerWarmup: 200 },
    // The quick run must stay a few seconds: five server children and two databases at least.
    postgres: quick
      ? {
          reps: 1,
          warmupMoves: 20,
          moves1: 30,
          matches: 20,
          movesPerMatch: 10,
          instances: 3,
          startTogether: true,
          synchronousCommit: pgSync,
        }
      : {
          reps: 3,
          warmupMoves: 100,
          moves1: 300,
          matches: 20,
          movesPerMatch: 150,
          instances: 3,
          synchronousCommit: pgSync,
        },
    fairness: quick
      ? { ratePerMinute: 600, floodRooms: 3, floodPerRoom: 40, quietRooms: 2, quietEveryMs: 200 }
      : { ratePerMinute: 600, floodRooms: 5, floodPerRoom: 100, quietRooms: 8, quietEveryMs: 500 },
    sync: quick
      ? { storageMoves: 300, reps: 1 }
      : {
          storageMoves: 2000,
          reps: 3,
          endToEnd: { ...throughput, reps: 2, moves1: 100, movesPerMatch: 300 },
        },
  };
}

function machine(loadBefore: number[]): Machine {
  let commit: string | undefined;
  let dirty: boolean | undefined;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    dirty =
      execFileSync('git', ['status', '--porcelain', '--', 'src', 'bench'], { cwd: ROOT })
        .toString()
        .trim() !== '';
  } catch {
    // Not a git checkout.
  }
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageBefore: loadBefore.map((l) => Math.round(l * 100) / 100),
    loadAverageAfter: os.loadavg().map((l) => Math.round(l * 100) / 100),
    commit,
    dirty,
  };
}

function previousSections(path: string): Sections {
  if (!existsSync(path)) return {};
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as Results).sections ?? {};
  } catch {
    return {};
  }
}

/**
 * Writes BENCHMARKS.md and the storage chart it shows for `results` (into `outDir` when `--out`
 * was given, else the repo root and bench/storage-growth.svg: not bench/results/, whose files
 * other than latest.json .gitignore leaves out).
 */
async function writeMarkdown(
  results: Results,
  options: RunOptions,
  outDir: string,
): Promise<string> {
  const notes = readFileSync(join(ROOT, 'bench', 'notes.md'), 'utf8');
  const mdPath =
    options.out !== undefined ? join(outDir, 'BENCHMARKS.md') : join(ROOT, 'BENCHMARKS.md');
  const chartPath =
    options.out !== undefined
      ? join(outDir, 'storage-growth.svg')
      : join(ROOT, 'bench', 'storage-growth.svg');
  const chart = storageChart(results);
  if (chart) writeFileSync(chartPath, chart);
  let markdown = renderMarkdown(
    results,
    notes,
    chart ? relative(dirname(mdPath), chartPath) : undefined,
  );
  try {
    // Formatted as `npm run lint` (prettier --check) expects; prettier is a dev dependency.
    const prettier = await import('prettier');
    const config = await prettier.resolveConfig(join(ROOT, 'BENCHMARKS.md'));
    markdown = await prettier.format(markdown, { ...config, parser: 'markdown' });
  } catch {
    // Without prettier the file is still valid Markdown.
  }
  writeFileSync(mdPath, markdown);
  return mdPath;
}

/** Runs the benchmarks and writes the results; resolves to what latest.json holds. */
export async function run(options: RunOptions): Promise<Results> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const outDir = resolve(options.out ?? join(ROOT, 'bench', 'results'));
  mkdirSync(outDir, { recursive: true });
  const latestPath = join(outDir, 'latest.json');
  if (options.render) {
    const results = JSON.parse(readFileSync(latestPath, 'utf8')) as Results;
    log(`wrote ${await writeMarkdown(results, options, outDir)} from ${latestPath}`);
    return results;
  }
  const selected = options.only ?? [...SECTIONS];
  const sizes = configs(options.quick);
  const loadBefore = os.loadavg();
  const profileDir = join(outDir, 'profiles');
  if (options.profile) {
    mkdirSync(profileDir, { recursive: true });
    for (const file of readdirSync(profileDir)) {
      if (file.endsWith('.cpuprofile')) rmSync(join(profileDir, file));
    }
    serverNodeArgs.push('--cpu-prof', '--cpu-prof-dir', profileDir);
  }

  log(`bgio-chaster benchmarks (${options.quick ? 'quick' : 'full'}): ${selected.join(', ')}`);
  log(
    `load average before: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores`,
  );
  const sections: Sections = options.only ? previousSections(latestPath) : {};
  const started = new Date().toISOString();
  const stamp = () => ({ quick: options.quick, at: new Date().toISOString(), run: started });
  const emulator = await startEmulator();
  try {
    for (const name of selected) {
      const t0 = performance.now();
      log(`\n${name}`);
      switch (name) {
        case 'throughput':
          sections.throughput = {
            ...stamp(),
            ...(await runThroughput(
              { ...sizes.throughput, contenders: options.sides },
              emulator,
              log,
            )),
          };
          break;
        case 'floor':
          sections.floor = { ...stamp(), ...runFloor(sizes.floor, sections.throughput, log) };
          break;
        case 'delivery':
          sections.delivery = { ...stamp(), ...(await runDelivery(sizes.delivery, emulator, log)) };
          break;
        case 'scale':
          sections.scale = { ...stamp(), ...(await runScale(sizes.scale, emulator, log)) };
          break;
        case 'storage':
          sections.storage = { ...stamp(), ...(await runStorage(sizes.storage, log)) };
          break;
        case 'sync':
          sections.sync = { ...stamp(), ...(await runSync(sizes.sync, emulator, log)) };
          break;
        case 'fairness':
          sections.fairness = { ...stamp(), ...(await runFairness(sizes.fairness, log)) };
          break;
        case 'postgres': {
          const missing = await servicesMissing();
          if (missing && process.env.CI) throw new Error(`postgres: ${missing}. ${HOW_TO_START}.`);
          if (missing) {
            log(`  postgres: skipped — ${missing}. ${HOW_TO_START}.`);
            break;
          }
          sections.postgres = { ...stamp(), ...(await runPostgres(sizes.postgres, emulator, log)) };
          break;
        }
      }
      log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await emulator.stop();
  }

  const results: Results = {
    ...topLevel(sections),
    generatedAt: new Date().toISOString(),
    machine: machine(loadBefore),
    sections,
  };
  writeFileSync(latestPath, `${JSON.stringify(results, null, 2)}\n`);
  log(`\n${renderTable(results)}`);
  log(`wrote ${latestPath}`);
  if (options.out !== undefined || !results.quick) {
    log(`wrote ${await writeMarkdown(results, options, outDir)}`);
  } else {
    log(
      'quick run: BENCHMARKS.md left as it is (it shows a full run); pass --out DIR to render one',
    );
  }
  if (options.profile) {
    // Main threads only (thread 0); tsx's loader thread writes a profile too.
    const mains = readdirSync(profileDir).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
    for (const file of mains) {
      log(`\nprofile ${file}\n${summarizeProfile(join(profileDir, file), 25)}`);
      // The throughput section's multi-match window of this child, by self time and group.
      const pid = Number(file.split('.')[3]);
      const window = sections.throughput?.windows.find(
        (w) => w.pid === pid && w.matches > 1 && w.monotonicMs,
      );
      if (window) {
        log(
          `\n${window.contender} ${window.matches}-match window of ${file}:\n` +
            groupedProfile(join(profileDir, file), window.monotonicMs, 25),
        );
      }
    }
  }
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run(parseArgs(process.argv.slice(2))).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
