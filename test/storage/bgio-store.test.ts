/**
 * boardgame.io 0.50.2's own storage tests (src/server/db/inmemory.test.ts and flatfile.test.ts),
 * ported with their assertions and run against InMemory (the control), SqliteStore and
 * PostgresStore. Every call is awaited, so one body serves synchronous and asynchronous stores.
 *
 * Where a fixture had to change, or where our stores differ on purpose, a comment says so and the
 * test asserts what each store does: no assertion is dropped. Upstream's InMemory suite shares one
 * store across its tests (each builds on the last), and so does its port, in a fresh store per
 * backend; the FlatFile suite clears its store after each test, and its port opens one per test.
 */
import type { LogEntry, Server, State } from 'boardgame.io';
import { describe, expect, it } from 'vitest';
import { perSuite, perTest, storageBackends } from './backends.js';

const backends = storageBackends();
const open = perTest();

/** upstream's `{ a: 1 }`, with the `_stateID` our stores' compare-and-set keys on. */
const stateEntry = { a: 1, _stateID: 0 } as unknown as State;

describe.each(backends)('boardgame.io InMemory tests: $name', (backend) => {
  const suite = perSuite(backend);

  // Must return undefined when no game exists.
  it('must return undefined when no game exists', async (ctx) => {
    const { db } = suite.use(ctx);
    const { state } = await db.fetch('matchID', { state: true });
    expect(state).toEqual(undefined);
  });

  it('createMatch', async (ctx) => {
    const { db } = suite.use(ctx);
    // Create match.
    await db.createMatch('matchID', {
      metadata: {
        gameName: 'tic-tac-toe',
        updatedAt: new Date(2020, 1).getTime(),
      } as Server.MatchData,
      initialState: stateEntry,
    });

    // Must return created game.
    const { state } = await db.fetch('matchID', { state: true });
    expect(state).toEqual(stateEntry);

    // Fetch initial state. Ours hand it out without G and plugin data: boardgame.io 0.50.2 sends
    // it to every client unfiltered (initial-state.ts).
    const { initialState } = await db.fetch('matchID', { initialState: true });
    expect(initialState).toEqual(backend.initialView(stateEntry));
    if (backend.ours) expect(initialState).toMatchObject({ a: 1, G: {}, plugins: {} });
  });

  describe('listMatches', () => {
    it('filter by gameName', async (ctx) => {
      const { db } = suite.use(ctx);
      let keys = await db.listMatches();
      expect(keys).toEqual(['matchID']);
      keys = await db.listMatches({ gameName: 'tic-tac-toe' });
      expect(keys).toEqual(['matchID']);
      keys = await db.listMatches({ gameName: 'chess' });
      expect(keys).toEqual([]);
    });

    it('filter by isGameover', async (ctx) => {
      const { db } = suite.use(ctx);
      await db.createMatch('matchID2', {
        metadata: {
          gameName: 'tic-tac-toe',
          gameover: 'gameover',
          updatedAt: new Date(2020, 3).getTime(),
        } as Server.MatchData,
        initialState: stateEntry,
      });

      let keys = await db.listMatches({});
      expect(keys).toEqual(['matchID', 'matchID2']);
      keys = await db.listMatches({ where: { isGameover: true } });
      expect(keys).toEqual(['matchID2']);
      keys = await db.listMatches({ where: { isGameover: false } });
      expect(keys).toEqual(['matchID']);
    });

    it('filter by updatedBefore', async (ctx) => {
      const { db } = suite.use(ctx);
      await db.createMatch('matchID3', {
        metadata: {
          gameName: 'tic-tac-toe',
          updatedAt: new Date(2020, 5).getTime(),
        } as Server.MatchData,
        initialState: stateEntry,
      });
      const timestamp = new Date(2020, 4);

      let keys = await db.listMatches({});
      expect(keys).toEqual(['matchID', 'matchID2', 'matchID3']);
      keys = await db.listMatches({ where: { updatedBefore: timestamp.getTime() } });
      expect(keys).toEqual(['matchID', 'matchID2']);
    });

    it('filter by updatedAfter', async (ctx) => {
      const { db } = suite.use(ctx);
      const timestamp = new Date(2020, 4);

      let keys = await db.listMatches({});
      expect(keys).toEqual(['matchID', 'matchID2', 'matchID3']);
      keys = await db.listMatches({ where: { updatedAfter: timestamp.getTime() } });
      expect(keys).toEqual(['matchID3']);
    });

    it('filter combined', async (ctx) => {
      const { db } = suite.use(ctx);
      const timestamp = new Date(2020, 4);
      const timestamp2 = new Date(2020, 2, 15);
      let keys = await db.listMatches({
        gameName: 'chess',
        where: { isGameover: true },
      });
      expect(keys).toEqual([]);
      keys = await db.listMatches({
        where: { isGameover: true, updatedBefore: timestamp.getTime() },
      });
      expect(keys).toEqual(['matchID2']);
      keys = await db.listMatches({
        where: { isGameover: false, updatedBefore: timestamp.getTime() },
      });
      expect(keys).toEqual(['matchID']);
      keys = await db.listMatches({
        where: { isGameover: true, updatedAfter: timestamp.getTime() },
      });
      expect(keys).toEqual([]);
      keys = await db.listMatches({
        where: { isGameover: false, updatedAfter: timestamp.getTime() },
      });
      expect(keys).toEqual(['matchID3']);
      keys = await db.listMatches({
        where: {
          updatedBefore: timestamp.getTime(),
          updatedAfter: timestamp2.getTime(),
        },
      });
      expect(keys).toEqual(['matchID2']);
    });
  });

  it('remove', async (ctx) => {
    const { db } = suite.use(ctx);
    // Must remove game from DB
    await db.wipe('matchID');
    expect(await db.fetch('matchID', { state: true })).toEqual({});
    // Shall not return error
    await expect(Promise.resolve(db.wipe('matchID'))).resolves.toBeUndefined();
  });
});

describe.each(backends)('boardgame.io FlatFile tests: $name', (backend) => {
  /**
   * upstream's metadata is `{ metadata: true }`; our tables also need the game's name and
   * `updatedAt`, which boardgame.io's own createMatch always sets.
   */
  const metadataEntry = {
    metadata: true,
    gameName: 'flat',
    updatedAt: 0,
  } as unknown as Server.MatchData;

  it('basic', async (ctx) => {
    const { db } = await open(backend, ctx);
    // Must return undefined when no game exists.
    const result = await db.fetch('matchID', { state: true });
    expect(result.state).toEqual(undefined);

    // Create game.
    const state = stateEntry;
    await db.createMatch('matchID', {
      initialState: state,
      metadata: metadataEntry,
    });

    // Must return created game.
    {
      const result = await db.fetch('matchID', {
        state: true,
        metadata: true,
        initialState: true,
      });
      expect(result.state).toEqual({ a: 1, _stateID: 0 });
      // Ours: the initial state without G and plugin data (initial-state.ts).
      expect(result.initialState).toEqual(backend.initialView(result.state));
      expect(result.metadata).toEqual({ metadata: true, gameName: 'flat', updatedAt: 0 });
    }

    // Must return all keys
    const keys = await db.listMatches();
    expect(keys).toEqual(['matchID']);

    // Must remove match from DB. FlatFile answers `{}`; InMemory and our stores answer an empty
    // log for a match without one (what the Master sends on sync), and nothing else.
    await db.wipe('matchID');
    expect(await db.fetch('matchID', { metadata: true, state: true, log: true })).toEqual({
      log: [],
    });

    // Shall not return error
    await db.wipe('matchID');

    // FlatFile creates a match on setState. InMemory stores the state of a match it never
    // created (unlisted, without metadata); ours write nothing: a state is only ever the next one
    // of a created match, and a sync must not create a match (see the socket guard).
    await db.setState('game2', state);
    expect((await db.fetch('game2', { state: true })).state).toEqual(
      backend.ours ? undefined : state,
    );
    // FlatFile's clear() is its own, not part of the StorageAPI: every listed match is wiped.
    for (const id of await db.listMatches()) await db.wipe(id);
    await db.wipe('game2');
    const keys2 = await db.listMatches();
    expect(keys2).toHaveLength(0);
  });

  it('log', async (ctx) => {
    const { db } = await open(backend, ctx);
    const logEntry1: LogEntry = {
      _stateID: 0,
      action: {
        type: 'MAKE_MOVE',
        payload: { type: '', playerID: '0', args: [] },
      },
      turn: 0,
      phase: '',
    };

    const logEntry2: LogEntry = {
      _stateID: 1,
      action: {
        type: 'MAKE_MOVE',
        payload: { type: '', playerID: '0', args: [] },
      },
      turn: 1,
      phase: '',
    };

    // upstream appends to the log of a match never created, with a null state. Ours append a log
    // only with the state it belongs to, the stored _stateID + 1, of a created match.
    await db.createMatch('matchID', { initialState: stateEntry, metadata: metadataEntry });
    await db.setState('matchID', { ...stateEntry, _stateID: 1 }, [logEntry1]);
    await db.setState('matchID', { ...stateEntry, _stateID: 2 }, [logEntry2]);

    const result = await db.fetch('matchID', { log: true });
    expect(result.log).toEqual([logEntry1, logEntry2]);
  });

  describe('listMatches', () => {
    /** upstream's beforeEach: three matches in a fresh store. */
    async function seeded(ctx: Parameters<typeof open>[1]) {
      const opened = await open(backend, ctx);
      const { db } = opened;
      await db.createMatch('matchID', {
        initialState: stateEntry,
        metadata: {
          gameName: 'game1',
          updatedAt: new Date(2020, 3).getTime(),
        } as Server.MatchData,
      });

      await db.createMatch('matchID2', {
        initialState: stateEntry,
        metadata: {
          gameName: 'game1',
          gameover: 'gameover',
          updatedAt: new Date(2020, 5).getTime(),
        } as Server.MatchData,
      });

      await db.createMatch('matchID3', {
        initialState: stateEntry,
        metadata: {
          gameName: 'game2',
          updatedAt: new Date(2020, 4).getTime(),
        } as Server.MatchData,
      });
      return opened;
    }

    it('filter by gameName', async (ctx) => {
      const { db } = await seeded(ctx);
      let keys = await db.listMatches();
      expect(keys).toEqual(expect.arrayContaining(['matchID', 'matchID2', 'matchID3']));

      keys = await db.listMatches({ gameName: 'game1' });
      expect(keys).toEqual(expect.arrayContaining(['matchID', 'matchID2']));

      keys = await db.listMatches({ gameName: 'game2' });
      expect(keys).toEqual(['matchID3']);
    });

    it('filter by isGameover', async (ctx) => {
      const { db } = await seeded(ctx);
      let keys = await db.listMatches({});

      expect(keys).toEqual(expect.arrayContaining(['matchID', 'matchID2', 'matchID3']));

      keys = await db.listMatches({ where: { isGameover: true } });
      expect(keys).toEqual(['matchID2']);

      keys = await db.listMatches({ where: { isGameover: false } });
      expect(keys).toEqual(expect.arrayContaining(['matchID', 'matchID3']));
    });

    it('filter by updatedBefore', async (ctx) => {
      const { db } = await seeded(ctx);
      const timestamp = new Date(2020, 4);

      let keys = await db.listMatches({});
      expect(keys).toEqual(expect.arrayContaining(['matchID', 'matchID2', 'matchID3']));

      keys = await db.listMatches({
        where: { updatedBefore: timestamp.getTime() },
      });
      expect(keys).toEqual(expect.arrayContaining(['matchID']));
    });

    it('filter by updatedAfter', async (ctx) => {
      const { db } = await seeded(ctx);
      const timestamp = new Date(2020, 4);

      let keys = await db.listMatches({});
      expect(keys).toEqual(expect.arrayContaining(['matchID', 'matchID2', 'matchID3']));

      keys = await db.listMatches({
        where: { updatedAfter: timestamp.getTime() },
      });
      expect(keys).toEqual(['matchID2']);
    });

    it('filter combined', async (ctx) => {
      const { db } = await seeded(ctx);
      const timestamp = new Date(2020, 4);
      const timestamp2 = new Date(2020, 2, 15);
      let keys = await db.listMatches({
        gameName: 'chess',
        where: { isGameover: true },
      });
      expect(keys).toEqual([]);

      keys = await db.listMatches({
        where: { isGameover: true, updatedBefore: timestamp.getTime() },
      });
      expect(keys).toEqual([]);

      keys = await db.listMatches({
        where: { isGameover: false, updatedBefore: timestamp.getTime() },
      });
      expect(keys).toEqual(['matchID']);

      keys = await db.listMatches({
        where: { isGameover: true, updatedAfter: timestamp.getTime() },
      });
      expect(keys).toEqual(['matchID2']);

      keys = await db.listMatches({
        where: { isGameover: false, updatedAfter: timestamp.getTime() },
      });
      expect(keys).toEqual([]);

      keys = await db.listMatches({
        where: {
          updatedBefore: timestamp.getTime(),
          updatedAfter: timestamp2.getTime(),
        },
      });
      expect(keys).toEqual(['matchID']);
    });
  });
});
