/**
 * A move on Postgres costs two round trips: boardgame.io's Master fetches the metadata, then the
 * state; `PostgresStore` reads the state with the metadata and answers the second fetch with it,
 * then the write is one statement. The state so read answers one fetch only, and never after a
 * write of the match. The moves of one turn that record nothing share one statement, and one
 * that is refused there holds back no other.
 */
import type { Game, LogEntry, State } from 'boardgame.io';
import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresPool } from '../../src/server/db/pg-repository.js';
import { PostgresStore } from '../../src/server/db/postgres.js';
import { migratePostgres } from '../../src/server/db/postgres-schema.js';
import { freshDatabase } from '../helpers/services.js';
import { cleanupAfterEach, needServices } from '../helpers/services-suite.js';
import { Master, transportAPI } from './backends.js';

const missing = needServices('Postgres round-trip tests');
const cleanups = cleanupAfterEach();

const game: Game<{ n: number }> = {
  setup: () => ({ n: 0 }),
  moves: { add: ({ G }) => ({ n: G.n + 1 }) },
};

const add = (playerID: string) =>
  ({ type: 'MAKE_MOVE', payload: { type: 'add', args: [], playerID } }) as Parameters<
    InstanceType<typeof Master>['onUpdate']
  >[0];

/** A store on a fresh database whose pool counts the queries it is sent. */
async function counted() {
  const database = await freshDatabase();
  cleanups.push(database.drop);
  const pool: Pool = createPostgresPool(database.url, 2);
  cleanups.push(() => pool.end());
  await migratePostgres(pool);
  const queries: string[] = [];
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as unknown as { query: typeof query }).query = (...args: unknown[]) => {
    queries.push(String(args[0]).trim().split(/\s+/).slice(0, 2).join(' '));
    return query(...args);
  };
  return { store: new PostgresStore(pool), queries };
}

describe('PostgresStore round trips', () => {
  it('a move that records no intent is two queries: the read of metadata and state, the write', async (ctx) => {
    if (missing()) return ctx.skip();
    const { store, queries } = await counted();
    const master = new Master(game, store, transportAPI());
    await master.onSync('m1', '0', undefined, 2);
    for (const [i, playerID] of ['0', '0', '0'].entries()) {
      queries.length = 0;
      await master.onUpdate(add(playerID), i, 'm1', playerID);
      expect(queries).toEqual(['SELECT state,', 'WITH moved']);
    }
    const { state } = await store.fetch('m1', { state: true });
    expect(state?.G).toEqual({ n: 3 });
  });

  it('the state read with the metadata answers one fetch, and none after a write of the match', async (ctx) => {
    if (missing()) return ctx.skip();
    const { store, queries } = await counted();
    const master = new Master(game, store, transportAPI());
    await master.onSync('m1', '0', undefined, 2);
    await store.fetch('m1', { metadata: true });
    queries.length = 0;
    expect((await store.fetch('m1', { state: true })).state?._stateID).toBe(0);
    expect(queries).toEqual([]);
    await store.fetch('m1', { state: true });
    expect(queries).toEqual(['SELECT state']);

    await store.fetch('m1', { metadata: true });
    await master.onUpdate(add('0'), 0, 'm1', '0');
    queries.length = 0;
    // The move's own write dropped what was read before it: this is read again, and is fresh.
    expect((await store.fetch('m1', { state: true })).state?._stateID).toBe(1);
    expect(queries).toEqual(['SELECT state']);
  });
});

describe('PostgresStore group commit', () => {
  it('the quiet moves of one turn are one statement; a refused one holds back no other', async (ctx) => {
    if (missing()) return ctx.skip();
    const { store, queries } = await counted();
    const master = new Master(game, store, transportAPI());
    const ids = ['m1', 'm2', 'm3', 'm4'];
    for (const id of ids) await master.onSync(id, '0', undefined, 2);
    const states = await Promise.all(
      ids.map(async (id) => (await store.fetch(id, { state: true })).state as State),
    );
    const entry = (stateID: number): LogEntry[] => [
      {
        action: { type: 'MAKE_MOVE', payload: { type: 'add', args: [], playerID: '0' } },
        _stateID: stateID,
        turn: 1,
        phase: '',
      },
    ];
    queries.length = 0;
    // One turn: three moves that follow their stored state, and one that jumps ahead (refused).
    const writes = states.map((state, i) =>
      store.setState(ids[i]!, { ...state, G: { n: 1 }, _stateID: i === 3 ? 5 : 1 }, entry(0)),
    );
    const verdicts = ids.map((id, i) => store.committed(id, i === 3 ? 5 : 1));
    await Promise.all(writes);
    expect(queries.filter((q) => q.startsWith('WITH'))).toEqual(['WITH v']);
    expect(await Promise.all(verdicts)).toEqual([true, true, true, false]);
    for (const [i, id] of ids.entries()) {
      const { state, log } = await store.fetch(id, { state: true, log: true });
      expect(state?._stateID).toBe(i === 3 ? 0 : 1);
      expect(log).toHaveLength(i === 3 ? 0 : 1);
    }
  });

  it('a state that cannot be written fails alone: the other move of its turn commits, nothing throws out of the turn', async (ctx) => {
    if (missing()) return ctx.skip();
    const { store } = await counted();
    const master = new Master(game, store, transportAPI());
    for (const id of ['m1', 'm2']) await master.onSync(id, '0', undefined, 2);
    const [one, two] = await Promise.all(
      ['m1', 'm2'].map(async (id) => (await store.fetch(id, { state: true })).state as State),
    );
    const entry: LogEntry[] = [
      {
        action: { type: 'MAKE_MOVE', payload: { type: 'add', args: [], playerID: '0' } },
        _stateID: 0,
        turn: 1,
        phase: '',
      },
    ];
    // JSON.stringify throws on a BigInt: a game bug, which must cost only its own move.
    const writes = [
      store.setState('m1', { ...one!, G: { n: 1 }, _stateID: 1 }, entry),
      store.setState('m2', { ...two!, G: { n: 10n }, _stateID: 1 }, entry),
    ];
    const verdicts = [store.committed('m1', 1), store.committed('m2', 1)];
    await Promise.all(writes);
    expect(await Promise.all(verdicts)).toEqual([true, false]);
    expect((await store.fetch('m1', { state: true })).state?.G).toEqual({ n: 1 });
    expect((await store.fetch('m2', { state: true })).state?._stateID).toBe(0);
  });
});
