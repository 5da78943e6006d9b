/**
 * WAL checkpoints off the event loop. A checkpoint copies the WAL back into the database file and
 * fsyncs both; SQLite runs one inside the commit that crosses `wal_autocheckpoint`, so now and
 * then one player's move waited for the disk on behalf of every move before it. A worker thread
 * with its own connection runs PASSIVE checkpoints (they never block the writer) several times a
 * second instead, and the main connection's own checkpoint stays as a backstop at a larger WAL,
 * where it finds the pages already copied.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';

/** WAL size (pages) at which the main connection checkpoints by itself after all. */
const BACKSTOP_PAGES = 10_000;

// Plain CommonJS, run with `eval`: no build step or file path to resolve at run time.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // Busy: the main connection's backstop is checkpointing right now.
    if (error.code !== 'SQLITE_BUSY') parentPort.postMessage(String(error.message));
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** A running checkpointer. */
export interface Checkpointer {
  /** Stops the worker and closes its connection. */
  stop(): Promise<void>;
}

/** Starts checkpointing a WAL database file from a worker thread every `everyMs`. */
export function startCheckpointer(
  db: Database,
  { everyMs = 100, onError }: { everyMs?: number; onError?: (message: string) => void } = {},
): Checkpointer | undefined {
  if (db.memory || db.pragma('journal_mode', { simple: true }) !== 'wal') return undefined;
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { driver, path: db.name, everyMs } });
  worker.unref();
  worker.on('message', (message: string) => onError?.(message));
  worker.on('error', (error) => onError?.(error.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // Unreferenced, the worker would let a process with nothing else to do exit right here,
      // before the caller closes its database.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
