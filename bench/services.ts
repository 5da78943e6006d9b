/**
 * The machine's own Postgres and Redis, for the postgres section: whether they answer, a fresh
 * database per server run (dropped afterwards), and the CPU time of the Postgres backends that
 * serve one database. With SQLite the storage work is inside the server process and its CPU time;
 * with Postgres much of it runs in the backends, so they are read from /proc to compare like with
 * like.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { dropDatabase, servicesMissingAt } from '../test/helpers/services.js';

/** Server to create the benchmark databases on (an admin URL: any existing database). */
export const POSTGRES_URL =
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Redis for boardgame.io's pub/sub between instances. */
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** What to tell someone whose machine has neither running (the commands .ci/run uses). */
export const HOW_TO_START =
  'Start them with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` and ' +
  '`redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no`, ' +
  'or point BENCH_POSTGRES_URL / BENCH_REDIS_URL at others';

/** Why Postgres or Redis cannot be used, or undefined when both answer. */
export function servicesMissing(): Promise<string | undefined> {
  return servicesMissingAt(POSTGRES_URL, REDIS_URL);
}

/** CPU ms of each backend process (by pid) at one moment. */
export type BackendCpu = Map<number, number>;

/** A database made for one benchmark run. */
export interface BenchDatabase {
  url: string;
  name: string;
  /** `SELECT version()` of the server. */
  version: string;
  /** CPU ms of every backend connected to this database now (empty where /proc is unreadable). */
  backendCpu(): Promise<BackendCpu>;
  /** Drops the database (terminating its connections) and closes the admin connection. */
  drop(): Promise<void>;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of a process in ms, from /proc/<pid>/stat; undefined when unreadable. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / clockTicks() : undefined;
  } catch {
    return undefined;
  }
}

/** CPU ms the backends spent between two snapshots (new backends count from zero). */
export function backendCpuDelta(before: BackendCpu, after: BackendCpu): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/**
 * Creates an empty database `bgio_chaster_bench_<random>`; `synchronousCommit` sets Postgres's
 * `synchronous_commit` for it (default: the server's, normally `on`: an fsync per commit).
 */
export async function createDatabase(
  options: { synchronousCommit?: 'on' | 'off' } = {},
): Promise<BenchDatabase> {
  const name = `bgio_chaster_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    if (options.synchronousCommit) {
      await admin.query(
        `ALTER DATABASE ${name} SET synchronous_commit = ${options.synchronousCommit}`,
      );
    }
  } catch (error) {
    await admin.end().catch(() => {});
    throw error;
  }
  const version = (await admin.query<{ version: string }>('SELECT version()')).rows[0]!.version;
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    version,
    async backendCpu() {
      const { rows } = await admin.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = $1',
        [name],
      );
      const out: BackendCpu = new Map();
      for (const { pid } of rows) {
        const ms = processCpuMs(pid);
        if (ms !== undefined) out.set(pid, ms);
      }
      return out;
    },
    async drop() {
      try {
        await dropDatabase(admin, name);
      } finally {
        await admin.end().catch(() => {});
      }
    },
  };
}

/**
 * Starts counting the CPU of `db`'s backends; `stop()` resolves to the ms they spent since. Backends
 * come and go (a pool closes idle clients), so they are sampled every 500 ms and one that exits
 * before the end still counts up to its last sample.
 */
export async function watchBackends(db: BenchDatabase): Promise<{ stop(): Promise<number> }> {
  const before = await db.backendCpu();
  const seen: BackendCpu = new Map(before);
  const merge = (snapshot: BackendCpu) => {
    for (const [pid, ms] of snapshot) seen.set(pid, Math.max(ms, seen.get(pid) ?? 0));
  };
  const sampler = setInterval(() => void db.backendCpu().then(merge, () => {}), 500);
  return {
    async stop() {
      clearInterval(sampler);
      merge(await db.backendCpu());
      return backendCpuDelta(before, seen);
    },
  };
}
