/** One Postgres transaction on a pooled client: COMMIT on success, ROLLBACK and rethrow on error. */
import type { Pool, PoolClient } from 'pg';

/** Runs `fn` inside BEGIN … COMMIT on one client of `pool`. */
export async function inTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
