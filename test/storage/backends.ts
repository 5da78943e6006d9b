/**
 * The storage backends the storage tests run against, one `describe.each` each: boardgame.io's own
 * `InMemory` (the control), `SqliteStore` on `:memory:`, and `PostgresStore` in a fresh database.
 * Without Postgres the Postgres cases skip with a message saying how to start it; under CI they
 * fail instead (`needServices`).
 *
 * Our stores differ from InMemory on purpose in a few places, and the tests assert our behaviour
 * there, saying why: fetch returns the initial state without G and plugin data (initial-state.ts),
 * `setState` on a match never created does nothing, a move never moves `updatedAt` backwards, and
 * the sync log is bounded (bounds.ts).
 */
import { createRequire } from 'node:module';
import type { State, StorageAPI } from 'boardgame.io';
import type * as MasterModule from 'boardgame.io/master';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import type { TestContext } from 'vitest';
import { Server } from '../../src/server/bgio.js';
import type { AnyGame } from '../../src/server/bgio.js';
import { redactInitialState } from '../../src/server/db/initial-state.js';
import { createPostgresPool } from '../../src/server/db/pg-repository.js';
import { PostgresStore } from '../../src/server/db/postgres.js';
import { migratePostgres } from '../../src/server/db/postgres-schema.js';
import { SqliteStore, openSqlite } from '../../src/server/db/sqlite.js';
import { freshDatabase } from '../helpers/services.js';
import { cleanupAfterEach, needServices } from '../helpers/services-suite.js';

const require = createRequire(import.meta.url);

/** boardgame.io's Master (`boardgame.io/master` cannot be imported from Node ESM directly). */
export const Master = (require('boardgame.io/master') as typeof MasterModule).Master;

/** What the Master sends through. */
export type TransportAPI = ConstructorParameters<typeof Master>[2];

/** Any store the Server accepts. */
export type AnyStore = StorageAPI.Sync | StorageAPI.Async;

/** A store open for one test or one suite. */
export interface OpenStore {
  /** The store itself, as boardgame.io's Master gets it. */
  store: AnyStore;
  /**
   * The same store with every call awaited: a synchronous store's answers pass through `await`
   * unchanged, so one test body serves both kinds.
   */
  db: StorageAPI.Async;
  /**
   * Another store on the same database, with nothing remembered: what it fetches was read back
   * from the database (InMemory has no database: the same store).
   */
  reopen(): StorageAPI.Async;
  close(): Promise<void>;
}

/** One backend of the storage tests. */
export interface Backend {
  name: 'InMemory' | 'SqliteStore' | 'PostgresStore';
  /** Ours, not boardgame.io's control: where we differ on purpose, the tests assert ours. */
  ours: boolean;
  /** What fetch returns as `initialState` for a match created with `state`. */
  initialView(state: State): State;
  /** A fresh empty store; undefined when its database cannot be reached. */
  open(): Promise<OpenStore | undefined>;
}

function opened(
  store: AnyStore,
  reopen: () => AnyStore = () => store,
  close: () => Promise<void> = async () => {},
): OpenStore {
  return {
    store,
    db: store as unknown as StorageAPI.Async,
    reopen: () => reopen() as unknown as StorageAPI.Async,
    close,
  };
}

/**
 * The backends, in order: InMemory, SqliteStore, PostgresStore. Call once at the top of a test
 * file (it registers the file's Postgres check).
 */
export function storageBackends(): Backend[] {
  const missing = needServices('PostgresStore storage tests');
  return [
    {
      name: 'InMemory',
      ours: false,
      initialView: (state) => state,
      // The Server makes its InMemory store itself; the class is not exported on its own.
      open: async () => opened(Server({ games: [] as AnyGame[], origins: [] }).db as AnyStore),
    },
    {
      name: 'SqliteStore',
      ours: true,
      initialView: (state) => redactInitialState(state)!,
      open: async () => {
        const store = new SqliteStore(openSqlite(':memory:'));
        return opened(
          store,
          () => new SqliteStore(store.db),
          async () => {
            store.db.close();
          },
        );
      },
    },
    {
      name: 'PostgresStore',
      ours: true,
      initialView: (state) => redactInitialState(state)!,
      open: async () => {
        if (missing()) return undefined;
        const database = await freshDatabase();
        const pool = createPostgresPool(database.url, 4);
        await migratePostgres(pool);
        return opened(
          new PostgresStore(pool),
          () => new PostgresStore(pool),
          async () => {
            await pool.end();
            await database.drop();
          },
        );
      },
    },
  ];
}

/** Opens a fresh store of `backend` for one test, closed after it; skips when unavailable. */
export function perTest(): (backend: Backend, ctx: TestContext) => Promise<OpenStore> {
  const cleanups = cleanupAfterEach();
  return async (backend, ctx) => {
    const store = await backend.open();
    if (!store) return ctx.skip() as never;
    cleanups.push(store.close);
    return store;
  };
}

/** A store shared by the tests of one suite. */
export interface SuiteStore {
  /** The store, once the suite's `beforeAll` opened it; undefined when it is unavailable. */
  readonly current: OpenStore | undefined;
  /** The store for a test, which is skipped when the store is unavailable. */
  use(ctx: TestContext): OpenStore;
}

/**
 * Opens one store of `backend` for a whole suite, as upstream's suites that share one store across
 * their tests do (their tests build on each other); closed after the suite.
 */
export function perSuite(backend: Backend): SuiteStore {
  let store: OpenStore | undefined;
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(async () => {
    await store?.close();
  });
  return {
    get current() {
      return store;
    },
    use: (ctx) => store ?? ctx.skip(),
  };
}

/** A transport that records what the Master sends. */
export function transportAPI(
  send = vi.fn(),
  sendAll = vi.fn(),
): TransportAPI & {
  send: ReturnType<typeof vi.fn>;
  sendAll: ReturnType<typeof vi.fn>;
} {
  return { send, sendAll };
}

/**
 * boardgame.io logs errors as `console.error('ERROR:', message)`; upstream's tests mock that
 * logger, here console.error is spied on. Returns the spy.
 */
export function spyOnErrors() {
  return vi.spyOn(console, 'error').mockImplementation(() => {});
}

/** Asserts that boardgame.io logged `message` as an error. */
export function expectLogged(spy: ReturnType<typeof spyOnErrors>, message: string): void {
  expect(spy).toHaveBeenCalledWith('ERROR:', message);
}
