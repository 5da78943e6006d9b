/**
 * The durable stores a boardgame.io developer would otherwise pick, from their published npm
 * packages (devDependencies, bench only): boardgame.io's own `FlatFile` (on `node-persist`) and the
 * community `bgio-postgres` adapter (Sequelize on `pg`).
 *
 * Each runs as its package ships it, under plain boardgame.io, whose transport queues a match's
 * actions so that one move's writes finish before the next move is read.
 */
import { createRequire } from 'node:module';
import type { StorageAPI } from 'boardgame.io';
import type * as ServerModule from 'boardgame.io/server';
import type * as PostgresModule from 'bgio-postgres';

const require = createRequire(import.meta.url);

/** The peer stores the bench measures. */
export type PeerStore = 'flatfile' | 'flatfile-noqueue' | 'bgio-postgres';

/** The parts of node-persist's storage that FlatFile keeps in `games` and the bench touches. */
interface PersistStorage {
  init(options: Record<string, unknown>): Promise<unknown>;
  stopExpiredKeysInterval(): void;
  stopWriteQueueInterval(): void;
}

/**
 * boardgame.io's FlatFile in `dir`. As shipped, node-persist queues a write that overlaps another
 * until its next 1-second tick; `writeQueue: false` (`flatfile-noqueue`) writes at once, to see
 * what the store costs without that wait. `close()` stops node-persist's timers (its sweep of
 * expired keys would otherwise read `dir` every two minutes, after the bench removed it).
 */
export function flatFile(
  dir: string,
  { writeQueue = true } = {},
): StorageAPI.Async & { close(): Promise<void> } {
  const { FlatFile } = require('boardgame.io/server') as typeof ServerModule;
  const store = new FlatFile({ dir });
  const persist = () => (store as unknown as { games: PersistStorage }).games;
  if (!writeQueue) {
    // FlatFile.connect() calls node-persist's init with dir, logging and ttl only.
    store.connect = async () => {
      await persist().init({ dir, logging: false, ttl: false, writeQueue: false });
    };
  }
  return Object.assign(store, {
    close: async () => {
      persist().stopExpiredKeysInterval();
      persist().stopWriteQueueInterval();
    },
  });
}

/** bgio-postgres on `url`, with Sequelize's per-query console logging off (as one deploys it). */
export function bgioPostgres(url: string): StorageAPI.Async & { close(): Promise<void> } {
  const { PostgresStore } = require('bgio-postgres') as typeof PostgresModule;
  const store = new PostgresStore(url, { logging: false });
  return Object.assign(store, { close: () => store.sequelize.close() });
}

/** Opens a peer store: FlatFile in the directory `where`, bgio-postgres on the URL `where`. */
export function openPeer(
  kind: PeerStore,
  where: string,
): StorageAPI.Async & { close?(): Promise<void> } {
  if (kind === 'bgio-postgres') return bgioPostgres(where);
  return flatFile(where, { writeQueue: kind === 'flatfile' });
}
