/**
 * The outbox's change notifications on Postgres: each changed row is NOTIFYed as JSON inside the
 * transaction that changed it (so listeners hear it only once it commits), and read back by each
 * instance's LISTEN connection. The payload is written and read only here.
 */
import type { Pool, PoolClient } from 'pg';
import type { OutboxChanges } from '../outbox/changes.js';
import type { OutboxRow } from '../outbox/types.js';

/** Channel on which every instance hears outbox changes (inserted and updated rows). */
export const OUTBOX_CHANNEL = 'bgio_chaster_outbox';

/** NOTIFYs `rows` in one statement; listeners hear them when the transaction commits. */
export async function notifyOutboxRows(
  client: PoolClient,
  rows: readonly OutboxRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await client.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [
    OUTBOX_CHANNEL,
    rows.map((row) => JSON.stringify(row)),
  ]);
}

/** The row a notification's payload carries. */
export function outboxRowOf(payload: string): OutboxRow {
  return JSON.parse(payload) as OutboxRow;
}

/**
 * Holds one connection that LISTENs to every instance's outbox changes (its own included) and
 * announces them; resolves to a function that stops listening and releases the connection.
 */
export async function listenOutbox(
  pool: Pool,
  changes: OutboxChanges,
  onError: (error: unknown, what: string) => void,
): Promise<() => Promise<void>> {
  const client = await pool.connect();
  // A checked-out client's 'error' has no pool listener: unhandled, it would end the process.
  client.on('error', (error) => onError(error, 'outbox LISTEN connection error'));
  client.on('notification', (message) => {
    let row: OutboxRow;
    try {
      row = outboxRowOf(message.payload ?? '');
    } catch (error) {
      onError(error, 'bad outbox notification');
      return;
    }
    changes.announce([row]);
  });
  await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
  return async () => {
    await client.query(`UNLISTEN ${OUTBOX_CHANNEL}`).catch(() => {});
    client.release();
  };
}
