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

/** Postgres refuses a NOTIFY payload of 8000 bytes or more; stay clear of it. */
const MAX_PAYLOAD_BYTES = 7_500;
/** What a row's texts are cut to when the whole row would not fit in one payload. */
const CUT_TEXT_CHARS = 200;

/**
 * A row's payload, always small enough to NOTIFY: when the row as stored would not fit, its
 * free texts (`reason`, `message`) are cut for the announcement (the stored row keeps them).
 */
export function outboxPayload(row: OutboxRow): string {
  const whole = JSON.stringify(row);
  if (Buffer.byteLength(whole) < MAX_PAYLOAD_BYTES) return whole;
  const cut = (text: string | null) =>
    text === null ? null : Array.from(text).slice(0, CUT_TEXT_CHARS).join('');
  return JSON.stringify({ ...row, reason: cut(row.reason), message: cut(row.message) });
}

/** NOTIFYs `rows` in one statement; listeners hear them when the transaction commits. */
export async function notifyOutboxRows(
  client: PoolClient,
  rows: readonly OutboxRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await client.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [
    OUTBOX_CHANNEL,
    rows.map(outboxPayload),
  ]);
}

/** The row a notification's payload carries. */
export function outboxRowOf(payload: string): OutboxRow {
  return JSON.parse(payload) as OutboxRow;
}

/** A LISTEN connection that comes back by itself; see `listenOutbox`. */
export interface OutboxListener {
  /** False while the connection is lost and being made again: changes made meanwhile are missed. */
  readonly listening: boolean;
  /** Stops listening for good and releases the connection. */
  stop(): Promise<void>;
}

/**
 * Holds one connection that LISTENs to every instance's outbox changes (its own included) and
 * announces them. When the connection is lost (a restart, a terminated backend), it connects
 * again with backoff; `listening` says whether it currently hears anything.
 */
export async function listenOutbox(
  pool: Pool,
  changes: OutboxChanges,
  onError: (error: unknown, what: string) => void,
  retry: { minMs?: number; maxMs?: number } = {},
): Promise<OutboxListener> {
  const minMs = retry.minMs ?? 500;
  const maxMs = retry.maxMs ?? 30_000;
  let client: PoolClient | undefined;
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  const lost = (error: unknown) => {
    if (client === undefined) return;
    const gone = client;
    client = undefined;
    gone.removeAllListeners('notification');
    // A broken client must not go back to the pool as if it were healthy.
    gone.release(error instanceof Error ? error : true);
    if (!stopped) schedule();
  };
  const schedule = () => {
    const delay = Math.min(maxMs, minMs * 2 ** Math.min(failures, 16));
    failures++;
    timer = setTimeout(() => void connect().catch(() => {}), delay * (0.5 + Math.random() / 2));
    timer.unref();
  };
  const connect = async () => {
    let next: PoolClient;
    try {
      next = await pool.connect();
    } catch (error) {
      onError(error, 'outbox LISTEN connection failed; trying again');
      if (!stopped) schedule();
      return;
    }
    // A checked-out client's 'error' has no pool listener: unhandled, it would end the process.
    next.on('error', (error) => {
      onError(error, 'outbox LISTEN connection lost; connecting again');
      if (client === next) lost(error);
    });
    next.on('end', () => {
      if (client === next) lost(new Error('outbox LISTEN connection ended'));
    });
    next.on('notification', (message) => {
      let row: OutboxRow;
      try {
        row = outboxRowOf(message.payload ?? '');
      } catch (error) {
        onError(error, 'bad outbox notification');
        return;
      }
      changes.announce([row]);
    });
    client = next;
    try {
      await next.query(`LISTEN ${OUTBOX_CHANNEL}`);
      failures = 0;
    } catch (error) {
      onError(error, 'outbox LISTEN failed; trying again');
      lost(error);
      return;
    }
    if (stopped) await stop();
  };
  const stop = async () => {
    stopped = true;
    clearTimeout(timer);
    const last = client;
    client = undefined;
    if (!last) return;
    await last.query(`UNLISTEN ${OUTBOX_CHANNEL}`).catch(() => {});
    last.release();
  };
  await connect();
  return {
    get listening() {
      return client !== undefined;
    },
    stop,
  };
}
