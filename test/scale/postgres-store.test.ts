/**
 * `PostgresStore`'s metadata writes: boardgame.io's per-move bump of `updatedAt` is not written
 * (the move's own transaction sets `updated_at`), any other bump writes `updated_at` alone, real
 * changes are written, and a stale bump from one instance cannot put back metadata another
 * instance just changed. A broadcast of a new state waits for its commit. Needs Postgres and
 * Redis (skips with a message without them, fails under CI).
 */
import type { LogEntry, State } from 'boardgame.io';
import { describe, expect, it } from 'vitest';
import {
  PostgresStore,
  RedisPubSub,
  createPostgresPool,
  migratePostgres,
} from '../../src/server/index.js';
import { CreateGameReducer, createMatch } from '../../src/server/bgio.js';
import type { AnyGame } from '../../src/server/bgio.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { waitFor } from '../helpers/http-core.js';
import { REDIS_URL, freshDatabase } from '../helpers/services.js';
import { cleanupAfterEach, needServices } from '../helpers/services-suite.js';

const missing = needServices('Postgres store tests');
const cleanups = cleanupAfterEach();

async function twoInstances() {
  const db = await freshDatabase();
  cleanups.push(db.drop);
  const pools = [createPostgresPool(db.url, 2), createPostgresPool(db.url, 2)];
  cleanups.push(async () => void (await Promise.all(pools.map((p) => p.end()))));
  await migratePostgres(pools[0]!);
  const [a, b] = pools.map((pool) => new PostgresStore(pool));
  const game = PenaltyGame as AnyGame;
  const match = createMatch({ game, numPlayers: 2, setupData: undefined, unlisted: false });
  if ('setupDataError' in match) throw new Error(String(match.setupDataError));
  match.metadata.updatedAt = 1000;
  await a!.createMatch('m1', match);
  const reducer = CreateGameReducer({ game });
  let current = match.initialState;
  /** One move through `store` the way the Master does it: fetch, then setState and setMetadata. */
  const play = async (store: PostgresStore, meanwhile?: () => Promise<void>) => {
    const { metadata } = await store.fetch('m1', { metadata: true });
    await meanwhile?.();
    const next = reducer(current, {
      type: 'MAKE_MOVE',
      payload: { type: 'pass', args: [], playerID: current.ctx.currentPlayer },
    } as never) as State & { deltalog: LogEntry[] };
    const { deltalog, ...state } = next;
    await Promise.all([
      store.setState('m1', state as State, deltalog),
      store.setMetadata('m1', { ...metadata, updatedAt: Date.now() }),
    ]);
    current = state as State;
  };
  const row = async () =>
    (
      await pools[0]!.query<{ metadata: { updatedAt: number }; updated_at: string }>(
        'SELECT metadata, updated_at FROM matches WHERE match_id = $1',
        ['m1'],
      )
    ).rows[0]!;
  return { a: a!, b: b!, play, row, current: () => current, reducer };
}

describe('PostgresStore metadata', () => {
  it("skips the Master's updatedAt bump; the move itself sets updated_at", async (ctx) => {
    if (missing()) return ctx.skip();
    const { a, play, row } = await twoInstances();
    const t0 = Date.now();
    await play(a);
    const after = await row();
    expect(after.metadata.updatedAt).toBe(1000);
    expect(Number(after.updated_at)).toBeGreaterThanOrEqual(t0);
    const { metadata } = await a.fetch('m1', { metadata: true });
    expect(metadata.updatedAt).toBe(Number(after.updated_at));
    expect(await a.listMatches({ where: { updatedAfter: t0 - 1 } })).toEqual(['m1']);
  });

  it('writes real changes, and a stale bump does not undo another instance’s change', async (ctx) => {
    if (missing()) return ctx.skip();
    const { a, b, play, row } = await twoInstances();
    await play(a);
    // Instance b renames seat 0 (a join) after a fetched the metadata for its next move.
    await play(a, async () => {
      const { metadata } = await b.fetch('m1', { metadata: true });
      metadata.players[0]!.name = 'alice';
      await b.setMetadata('m1', metadata);
      expect((await row()).metadata).toMatchObject({ players: { 0: { name: 'alice' } } });
    });
    expect((await row()).metadata).toMatchObject({ players: { 0: { name: 'alice' } } });
    const { state } = await b.fetch('m1', { state: true });
    expect(state._stateID).toBe(2);
  });

  it('writes a bump that follows no move (an invalid move) to updated_at alone, never putting back stale metadata', async (ctx) => {
    if (missing()) return ctx.skip();
    const { a, b, row } = await twoInstances();
    // Instance a fetches for a move that turns out invalid; meanwhile b renames seat 0.
    const { metadata: seenByA } = await a.fetch('m1', { metadata: true });
    const { metadata } = await b.fetch('m1', { metadata: true });
    metadata.players[0]!.name = 'alice';
    await b.setMetadata('m1', metadata);
    await a.setMetadata('m1', { ...seenByA, updatedAt: 5000 });
    const after = await row();
    expect(after.metadata).toMatchObject({ players: { 0: { name: 'alice' } } });
    expect(Number(after.updated_at)).toBe(5000);
    expect((await a.fetch('m1', { metadata: true })).metadata.updatedAt).toBe(5000);
  });

  it('appends the log in order and refuses stale, forged and repeated writes unchanged', async (ctx) => {
    if (missing()) return ctx.skip();
    const { a, play, current, reducer } = await twoInstances();
    for (let i = 0; i < 3; i++) await play(a);
    const stored = current();
    // boardgame.io's reducer bumps ctx._activePlayersNumMoves of the state it is given in place.
    const next = (from: State, type = 'pass') => {
      const { deltalog, ...state } = reducer(structuredClone(from), {
        type: 'MAKE_MOVE',
        payload: { type, args: [], playerID: from.ctx.currentPlayer },
      } as never) as State & { deltalog: LogEntry[] };
      return { state: state as State, deltalog };
    };
    // Replayed (same id), stale (an older base) and forged (a jump) writes.
    const replay = next({ ...stored, _stateID: stored._stateID - 1 });
    const forged = next({ ...stored, _stateID: stored._stateID + 5 });
    await a.setState('m1', replay.state, replay.deltalog);
    await a.setState('m1', forged.state, forged.deltalog);
    await a.setState('m1', stored, []);
    const { state, log } = await a.fetch('m1', { state: true, log: true });
    expect(state).toEqual(stored);
    expect(log).toHaveLength(3);
    expect(log.map((entry) => entry.action.type)).toEqual(['MAKE_MOVE', 'MAKE_MOVE', 'MAKE_MOVE']);
    const { rows } = await a.pool.query<{ seq: number }>(
      'SELECT seq FROM match_log WHERE match_id = $1 ORDER BY seq',
      ['m1'],
    );
    expect(rows.map((r) => r.seq)).toEqual([0, 1, 2]);
  });
});

describe('broadcasts wait for the commit', () => {
  it('committed() answers for the write in progress: true when it commits, false when refused', async (ctx) => {
    if (missing()) return ctx.skip();
    const { a, b, current, reducer } = await twoInstances();
    const { deltalog, ...state } = reducer(structuredClone(current()), {
      type: 'MAKE_MOVE',
      payload: { type: 'pass', args: [], playerID: '0' },
    } as never) as State & { deltalog: LogEntry[] };
    const first = a.setState('m1', state as State, deltalog);
    const second = b.setState('m1', state as State, deltalog);
    const [ok, refused] = [a.committed('m1', 1), b.committed('m1', 1)];
    expect(a.committed('m1', 2), 'no write of _stateID 2 is in progress').toBeUndefined();
    await Promise.all([first, second]);
    expect((await Promise.all([ok, refused])).sort()).toEqual([false, true]);
    expect(a.committed('m1', 1), 'the write is over').toBeUndefined();
  });

  it('RedisPubSub publishes a new state only once committed, never a refused one, anything else at once', async (ctx) => {
    if (missing()) return ctx.skip();
    let verdict: (ok: boolean) => void = () => {};
    const pending = new Map<number, Promise<boolean>>([
      [1, new Promise<boolean>((resolve) => (verdict = resolve))],
      [2, Promise.resolve(false)],
    ]);
    const pubSub = new RedisPubSub(REDIS_URL, undefined, (_matchID, stateID) =>
      pending.get(stateID),
    );
    cleanups.push(() => pubSub.close());
    const received: unknown[] = [];
    let subscribed = false;
    pubSub.subscribe('MATCH-m1', (payload) => {
      if ((payload as { type: string }).type === 'ping') subscribed = true;
      else received.push(payload);
    });
    await waitFor(() => {
      pubSub.publish('MATCH-m1', { type: 'ping' });
      return subscribed;
    }, 'the subscription');
    const update = (stateID: number) => ({ type: 'update', args: ['m1', { _stateID: stateID }] });
    pubSub.publish('MATCH-m1', update(1));
    pubSub.publish('MATCH-m1', update(2));
    pubSub.publish('MATCH-m1', update(3)); // no write in progress: as is
    pubSub.publish('MATCH-m1', { type: 'matchData', args: ['m1', []] });
    await waitFor(() => received.length === 2, 'the ungated messages');
    expect(received).toHaveLength(2);
    expect(received).toContainEqual(update(3));
    expect(received).toContainEqual({ type: 'matchData', args: ['m1', []] });
    verdict(true);
    await waitFor(() => received.length === 3, 'the committed update');
    expect(received[2]).toEqual(update(1));
  });
});
