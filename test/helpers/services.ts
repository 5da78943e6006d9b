/**
 * Real Postgres and Redis for the scale-out tests: a fresh database per test on the local server,
 * dropped afterwards. Without the services the tests skip with a message, and fail under CI.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { waitFor } from './http-core.js';

export const POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Why Postgres or Redis cannot be used here, or undefined when both answer. */
export function servicesMissing(): Promise<string | undefined> {
  return servicesMissingAt(POSTGRES_URL, REDIS_URL);
}

/** Why the Postgres and Redis at these URLs cannot be used, or undefined when both answer. */
export async function servicesMissingAt(
  postgresUrl: string,
  redisUrl: string,
): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    return `Postgres at ${postgresUrl} does not answer (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    return `Redis at ${redisUrl} does not answer (${(error as Error).message})`;
  } finally {
    redis.disconnect();
  }
  return undefined;
}

/** Drops database `name` once its connections have closed (after a second, closes them). */
export async function dropDatabase(client: pg.Client, name: string): Promise<void> {
  // pg's Pool.end() resolves before its connections have closed, and FORCE would kill a closing
  // one, whose FATAL then surfaces as an unhandled error: give them a moment.
  await waitFor(
    async () =>
      (
        await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
          [name],
        )
      ).rows[0]!.n === 0,
    'the connections to close',
    1000,
  ).catch(() => {}); // Still open after a second: FORCE closes them.
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** Creates an empty database and returns its URL and a function that drops it. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `bgio_chaster_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await dropDatabase(client, name);
      } finally {
        await client.end();
      }
    },
  };
}
