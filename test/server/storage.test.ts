/**
 * Storage: (a) SqliteStore behaves like boardgame.io's own InMemory store for everything the
 * Server uses (one contract suite run against both); (b) the transactional outbox of SqliteStore:
 * which writes insert rows, which are refused, and that state, log and outbox commit together.
 *
 * States are made the way the Master makes them: `createMatch`, then the server's reducer
 * (isClient false) from state n to n+1, and `setState(matchID, stateWithoutDeltalog, deltalog)`.
 */
import type { OutboxRecord } from '../../src/server/db/rows.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Game, LogEntry, Server as ServerTypes, State, StorageAPI } from 'boardgame.io';
import { INVALID_MOVE } from 'boardgame.io/core';
import type * as InternalModule from 'boardgame.io/internal';
import type { Logger } from 'pino';
import { Server, createMatch } from '../../src/server/bgio.js';
import { SqliteStore, openSqlite } from '../../src/server/db/sqlite.js';
import { OutboxChanges } from '../../src/server/outbox/changes.js';
import { LocalPubSub } from '../../src/server/transport.js';
import { Master } from '../storage/backends.js';
import type { OutboxRow } from '../../src/server/outbox/types.js';
import { VerificationPlugin } from '../../src/plugin/index.js';
import type { VerificationData, WithVerification } from '../../src/plugin/index.js';

const require = createRequire(import.meta.url);
const { CreateGameReducer, ProcessGameConfig } =
  require('boardgame.io/internal') as typeof InternalModule;

// ---- a game that records intents in every way the outbox cares about ---------------------------
interface G {
  moves: number;
}

const typedGame: Game<G, WithVerification> = {
  name: 'storage-test',
  setup: () => ({ moves: 0 }),
  turn: {
    // A hook request: lands in the GAME_EVENT action that ended the turn.
    onEnd: ({ ctx, verification }) => {
      verification.request({ player: ctx.currentPlayer, reason: 'turn over' });
    },
  },
  moves: {
    pass: ({ G }) => {
      G.moves += 1;
    },
    lose: ({ G, playerID, verification }) => {
      G.moves += 1;
      verification.request({ player: playerID, reason: `seat ${playerID} lost` });
    },
    double: ({ G, verification }) => {
      G.moves += 1;
      verification.request({ player: '1', reason: 'first' });
      verification.request({ player: '0', reason: 'second' });
    },
    ask: ({ G, verification }, target: string) => {
      G.moves += 1;
      verification.request({ player: target, reason: 'asked', by: 'self' });
    },
    cheat: ({ playerID, verification }) => {
      verification.request({ player: playerID, reason: 'never sent' });
      return INVALID_MOVE;
    },
    win: ({ events, playerID }) => {
      events.endGame({ winner: playerID });
    },
  },
  plugins: [VerificationPlugin()],
};
// boardgame.io's non-generic APIs take `Game`; the plugin supplies `verification` at run time.
const game = typedGame as unknown as Game;
const processed = ProcessGameConfig(game);
const reducer = CreateGameReducer({ game: processed });

type Action =
  | {
      type: 'MAKE_MOVE' | 'GAME_EVENT';
      payload: { type: string; args: unknown[]; playerID: string };
    }
  | { type: 'UNDO' | 'REDO'; payload: { type: null; args: null; playerID: string } };

const move = (type: string, playerID = '0', ...args: unknown[]): Action => ({
  type: 'MAKE_MOVE',
  payload: { type, args, playerID },
});
const event = (type: string, playerID = '0'): Action => ({
  type: 'GAME_EVENT',
  payload: { type, args: [], playerID },
});
const undo = (playerID = '0'): Action => ({
  type: 'UNDO',
  payload: { type: null, args: null, playerID },
});
const redo = (playerID = '0'): Action => ({
  type: 'REDO',
  payload: { type: null, args: null, playerID },
});

/** What the Master hands to `setState` after dispatching one action. */
interface Step {
  state: State;
  deltalog: LogEntry[];
}

/** Runs one action like the Master: reducer, drop transients, split off the deltalog. */
function step(from: State, action: Action): Step {
  const next = reducer(from, action as Parameters<typeof reducer>[1]) as State & {
    transients?: unknown;
  };
  const { deltalog, transients: _transients, ...state } = next;
  return { state: state as State, deltalog: deltalog ?? [] };
}

interface Match {
  matchID: string;
  initialState: State;
  metadata: ServerTypes.MatchData;
  /** The newest state this "master" holds. */
  current: State;
  /** Computes the next state without storing it. */
  next(action: Action): Step;
  /** Computes the next state, stores it, and makes it current. */
  play(action: Action): Step;
}

function newMatch(
  store: StorageAPI.Sync,
  matchID: string,
  metadataOverrides: Partial<ServerTypes.MatchData> = {},
): Match {
  const created = createMatch({ game, numPlayers: 2, setupData: undefined, unlisted: false });
  if ('setupDataError' in created) throw new Error(created.setupDataError);
  created.metadata = { ...created.metadata, ...metadataOverrides };
  store.createMatch(matchID, created);
  const match: Match = {
    matchID,
    ...created,
    current: created.initialState,
    next: (action) => step(match.current, action),
    play(action) {
      const s = match.next(action);
      store.setState(matchID, s.state, s.deltalog);
      // The end of the event loop's turn: SqliteStore's transaction writes the turn's moves.
      if (store instanceof SqliteStore) store.flush();
      match.current = s.state;
      return s;
    },
  };
  return match;
}

function intentsOf(state: State): VerificationData['intents'] {
  return (state.plugins.verification!.data as VerificationData).intents;
}

// ---- (a) the contract, for InMemory and SqliteStore --------------------------------------------
function inMemory(): StorageAPI.Sync {
  return Server({ games: [game], origins: [] }).db as StorageAPI.Sync;
}

/**
 * `initialView` is what fetch returns for initialState: InMemory returns it as stored; our stores
 * drop G and plugin data because boardgame.io 0.50.2 sends it to every client unfiltered (#1159).
 */
function storageContract(
  name: string,
  makeStore: () => StorageAPI.Sync,
  initialView: (state: State) => State = (state) => state,
): void {
  describe(`storage contract: ${name}`, () => {
    it('is a synchronous store (the Master then skips its await path)', () => {
      expect(makeStore().type()).toBe(0); // StorageAPI.Type.SYNC
    });

    it('createMatch then fetch returns state, metadata, initialState and an empty log', () => {
      const store = makeStore();
      const match = newMatch(store, 'm1');
      const got = store.fetch('m1', { state: true, metadata: true, initialState: true, log: true });
      expect(got.state).toEqual(match.initialState);
      expect(got.initialState).toEqual(initialView(match.initialState));
      expect(got.metadata).toEqual(match.metadata);
      expect(got.metadata.gameName).toBe('storage-test');
      expect(got.log).toEqual([]);
    });

    it('fetch returns only the fields asked for', () => {
      const store = makeStore();
      newMatch(store, 'm1');
      expect(Object.keys(store.fetch('m1', { metadata: true }))).toEqual(['metadata']);
    });

    it('setState with a deltalog appends to the log in order and fetch returns the newest state', () => {
      const store = makeStore();
      const match = newMatch(store, 'm1');
      const steps = [
        match.play(move('lose', '0')),
        match.play(event('endTurn', '0')),
        match.play(move('pass', '1')),
        match.play(move('double', '1')),
      ];
      const got = store.fetch('m1', { state: true, initialState: true, log: true });
      expect(got.state).toEqual(match.current);
      expect(got.state._stateID).toBe(4);
      expect((got.state.G as G).moves).toBe(3);
      expect(got.initialState).toEqual(initialView(match.initialState));
      expect(got.log).toEqual(steps.flatMap((s) => s.deltalog));
      expect(got.log.map((e) => [e.action.type, e.action.payload.type, e._stateID])).toEqual([
        ['MAKE_MOVE', 'lose', 0],
        ['GAME_EVENT', 'endTurn', 1],
        ['MAKE_MOVE', 'pass', 2],
        ['MAKE_MOVE', 'double', 3],
      ]);
    });

    it('setMetadata replaces the metadata', () => {
      const store = makeStore();
      const match = newMatch(store, 'm1');
      const metadata: ServerTypes.MatchData = {
        ...match.metadata,
        players: { 0: { id: 0, name: 'Alice' }, 1: { id: 1 } },
        updatedAt: match.metadata.updatedAt + 1000,
        gameover: { winner: '0' },
      };
      store.setMetadata('m1', metadata);
      expect(store.fetch('m1', { metadata: true }).metadata).toEqual(metadata);
      store.setMetadata('m1', match.metadata);
      expect(store.fetch('m1', { metadata: true }).metadata).toEqual(match.metadata);
    });

    it('fetch of an unknown id returns undefined fields and log []', () => {
      const store = makeStore();
      newMatch(store, 'm1');
      const got = store.fetch('nope', {
        state: true,
        metadata: true,
        initialState: true,
        log: true,
      });
      expect(got.state).toBeUndefined();
      expect(got.metadata).toBeUndefined();
      expect(got.initialState).toBeUndefined();
      expect(got.log).toEqual([]);
    });

    it('wipe removes state and metadata and drops the match from listMatches', () => {
      const store = makeStore();
      const match = newMatch(store, 'm1');
      newMatch(store, 'm2');
      match.play(move('lose'));
      store.wipe('m1');
      const got = store.fetch('m1', { state: true, metadata: true });
      expect(got.state).toBeUndefined();
      expect(got.metadata).toBeUndefined();
      expect(store.listMatches()).toEqual(['m2']);
      expect(store.fetch('m2', { state: true }).state?._stateID).toBe(0);
    });

    it('listMatches filters by gameName, isGameover, updatedBefore and updatedAfter', () => {
      const store = makeStore();
      const specs: Array<[string, string, number, boolean]> = [
        ['a1', 'alpha', 1000, false],
        ['a2', 'alpha', 2000, true],
        ['b1', 'beta', 3000, false],
        ['b2', 'beta', 2000, false],
      ];
      for (const [id, gameName, updatedAt, over] of specs) {
        const match = newMatch(store, id, { gameName });
        // The Master rewrites metadata after every move; gameover arrives that way too.
        store.setMetadata(id, {
          ...match.metadata,
          updatedAt,
          ...(over ? { gameover: { winner: '0' } } : {}),
        });
      }
      const list = (opts?: StorageAPI.ListMatchesOpts) => store.listMatches(opts).sort();
      expect(list()).toEqual(['a1', 'a2', 'b1', 'b2']);
      expect(list({})).toEqual(['a1', 'a2', 'b1', 'b2']);
      expect(list({ gameName: 'alpha' })).toEqual(['a1', 'a2']);
      expect(list({ gameName: 'gamma' })).toEqual([]);
      expect(list({ where: { isGameover: true } })).toEqual(['a2']);
      expect(list({ where: { isGameover: false } })).toEqual(['a1', 'b1', 'b2']);
      expect(list({ where: { updatedBefore: 2000 } })).toEqual(['a1']);
      expect(list({ where: { updatedAfter: 2000 } })).toEqual(['b1']);
      expect(list({ where: { updatedAfter: 1000, updatedBefore: 3000 } })).toEqual(['a2', 'b2']);
      expect(list({ gameName: 'beta', where: { isGameover: false, updatedAfter: 2500 } })).toEqual([
        'b1',
      ]);
    });
  });
}

storageContract('InMemory (boardgame.io)', inMemory);
storageContract(
  'SqliteStore',
  () => new SqliteStore(openSqlite(':memory:')),
  (state) => ({
    ...state,
    G: {},
    plugins: {},
  }),
);

// ---- (b) the outbox of SqliteStore ---------------------------------------------------------------

function fakeLogger() {
  const logger = { warn: vi.fn(), error: vi.fn(), info: vi.fn(), debug: vi.fn() };
  return { logger, asLogger: logger as unknown as Logger };
}

function sqlite() {
  const { logger, asLogger } = fakeLogger();
  // A listener's throw is reported to the same logger the store logs to.
  const changes = new OutboxChanges((error) => asLogger.error({ err: error }, 'listener failed'));
  const store = new SqliteStore(openSqlite(':memory:'), { logger: asLogger, changes });
  // Reading the tables directly, as the store's own reads do: the turn's moves written first.
  const outbox = (): OutboxRecord[] => {
    store.flush();
    return store.db.prepare('SELECT * FROM outbox ORDER BY state_id, idx').all() as OutboxRecord[];
  };
  const stored = (matchID: string) => store.fetch(matchID, { state: true, log: true });
  /** Stored state and log, serialised: "did anything change?" */
  const snapshot = (matchID: string) => JSON.stringify(stored(matchID));
  return { store, changes, logger, outbox, stored, snapshot };
}

function seat(store: SqliteStore, matchID: string, playerID: string, role: string): void {
  store.db
    .prepare(
      `INSERT INTO seats (match_id, player_id, login_id, session_id, role, user_id, lock_id, credentials_hash, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      matchID,
      playerID,
      `auth-${playerID}`,
      `session-${playerID}`,
      role,
      `user-${playerID}`,
      `lock-${playerID}`,
      'hash',
      Date.now(),
    );
}

/** Both seats of a two-player match taken by wearers: every target is bound. */
function seatBoth(store: SqliteStore, matchID: string): void {
  seat(store, matchID, '0', 'wearer');
  seat(store, matchID, '1', 'wearer');
}

const NO_WEARER = (playerID: string) =>
  `No wearer in seat ${playerID}: nobody sat there when this was recorded, so nobody is asked.`;

describe('SqliteStore outbox', () => {
  it('a MAKE_MOVE with 2 intents inserts 2 queued rows keyed matchID:_stateID:i, actor extension', () => {
    const { store, outbox } = sqlite();
    const match = newMatch(store, 'm1');
    seatBoth(store, 'm1');
    match.play(move('pass'));
    const s = match.play(move('double', '0'));
    expect(s.state._stateID).toBe(2);
    expect(intentsOf(s.state)).toHaveLength(2);
    expect(outbox()).toEqual([
      expect.objectContaining({
        id: 'm1:2:0',
        match_id: 'm1',
        state_id: 2,
        idx: 0,
        player_id: '1',
        reason: 'first',
        requested_by: 'rules',
        requester_id: '0',
        actor: 'extension',
        status: 'queued',
        message: null,
      }),
      expect.objectContaining({
        id: 'm1:2:1',
        state_id: 2,
        idx: 1,
        player_id: '0',
        reason: 'second',
        actor: 'extension',
        status: 'queued',
      }),
    ]);
    // The next action without a request inserts nothing.
    match.play(move('pass'));
    expect(outbox()).toHaveLength(2);
  });

  it('a GAME_EVENT deltalog inserts the intents of the hooks it triggered', () => {
    const { store, outbox } = sqlite();
    const match = newMatch(store, 'm1');
    seatBoth(store, 'm1');
    const s = match.play(event('endTurn', '0'));
    expect(s.deltalog.map((e) => e.action.type)).toEqual(['GAME_EVENT']);
    expect(outbox()).toEqual([
      expect.objectContaining({
        id: 'm1:1:0',
        player_id: '0',
        reason: 'turn over',
        requested_by: 'rules',
        actor: 'extension',
        status: 'queued',
      }),
    ]);
  });

  it('UNDO and REDO are stored but insert nothing, although their plugin data holds intents', () => {
    const { store, outbox, stored } = sqlite();
    const match = newMatch(store, 'm1');
    match.play(move('lose', '0'));
    match.play(move('lose', '0'));
    expect(outbox().map((r) => r.id)).toEqual(['m1:1:0', 'm1:2:0']);

    const undone = match.play(undo('0'));
    expect(undone.deltalog.map((e) => e.action.type)).toEqual(['UNDO']);
    expect(intentsOf(undone.state)).toHaveLength(1); // restored from the undo stack
    expect(stored('m1').state._stateID).toBe(3);

    const redone = match.play(redo('0'));
    expect(redone.deltalog.map((e) => e.action.type)).toEqual(['REDO']);
    expect(intentsOf(redone.state)).toHaveLength(1); // the redone move's data comes back
    expect(stored('m1').state._stateID).toBe(4);

    expect(stored('m1').log.map((e) => e.action.type)).toEqual([
      'MAKE_MOVE',
      'MAKE_MOVE',
      'UNDO',
      'REDO',
    ]);
    expect(outbox().map((r) => r.id)).toEqual(['m1:1:0', 'm1:2:0']);
  });

  it('an invalid move (empty deltalog, unchanged _stateID) inserts nothing and changes nothing', () => {
    const { store, outbox, snapshot, stored } = sqlite();
    const match = newMatch(store, 'm1');
    match.play(move('lose', '0'));
    const before = snapshot('m1');
    const rejected = match.next(move('cheat', '0'));
    expect(rejected.state._stateID).toBe(1);
    expect(rejected.deltalog).toEqual([]);
    // The enhanced state still holds the previous action's intents and the plugin api objects.
    expect(intentsOf(rejected.state)).toHaveLength(1);
    expect(rejected.state.plugins.verification).toHaveProperty('api');
    store.setState('m1', rejected.state, rejected.deltalog);
    expect(snapshot('m1')).toBe(before);
    expect(stored('m1').state.plugins.verification).not.toHaveProperty('api');
    expect(outbox().map((r) => r.id)).toEqual(['m1:1:0']);
  });

  it('a state whose _stateID is not stored+1 (stale, forged jump, same id) is refused', () => {
    const { store, outbox, snapshot, logger } = sqlite();
    const match = newMatch(store, 'm1');
    const old = match.play(move('pass', '0')); // stored 1
    match.play(move('pass', '0')); // stored 2
    const before = snapshot('m1');

    const stale = step(old.state, move('lose', '0')); // offers 2 again, from state 1
    expect(stale.state._stateID).toBe(2);
    store.setState('m1', stale.state, stale.deltalog);

    const valid = match.next(move('double', '0'));
    const jump = { ...valid.state, _stateID: valid.state._stateID + 5 };
    store.setState('m1', jump, valid.deltalog);

    const older = step(match.initialState, move('lose', '0')); // offers 1
    store.setState('m1', older.state, older.deltalog);

    // Same _stateID as stored, but with a deltalog: a forged rewrite, not an invalid move.
    const forged = { ...match.current, G: { moves: 999 } };
    store.setState('m1', forged, valid.deltalog);

    expect(snapshot('m1')).toBe(before);
    expect(outbox()).toEqual([]);
    expect(logger.warn).toHaveBeenCalledTimes(4);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('two writers offering the same n+1: the first commits, the second is refused', () => {
    const { store, outbox, stored, logger } = sqlite();
    const match = newMatch(store, 'm1');
    match.play(move('pass', '0'));
    const a = match.next(move('lose', '0'));
    const b = match.next(move('double', '0'));
    expect(a.state._stateID).toBe(2);
    expect(b.state._stateID).toBe(2);
    store.setState('m1', a.state, a.deltalog);
    store.setState('m1', b.state, b.deltalog);
    const got = stored('m1');
    expect(got.state).toEqual(a.state);
    expect(got.log.map((e) => e.action.payload.type)).toEqual(['pass', 'lose']);
    expect(outbox().map((r) => [r.id, r.reason])).toEqual([['m1:2:0', 'seat 0 lost']]);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('replaying the exact same setState twice inserts no duplicate; the replay is refused by compare-and-set', () => {
    const { store, outbox, stored, logger } = sqlite();
    const match = newMatch(store, 'm1');
    const s = match.play(move('double', '0'));
    const after = JSON.stringify(stored('m1'));
    store.setState('m1', s.state, s.deltalog);
    expect(JSON.stringify(stored('m1'))).toBe(after);
    expect(stored('m1').log).toHaveLength(1);
    expect(outbox().map((r) => r.id)).toEqual(['m1:1:0', 'm1:1:1']);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]![1]).toMatch(/refused/);
  });

  it('atomicity: when the outbox insert fails (trigger RAISE(ABORT)), state and log roll back and setState does not throw', () => {
    const { store, changes, outbox, snapshot, stored, logger } = sqlite();
    const match = newMatch(store, 'm1');
    match.play(move('pass', '0'));
    const before = snapshot('m1');
    store.db.exec(
      `CREATE TRIGGER outbox_fails BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`,
    );
    const listener = vi.fn();
    changes.subscribe(listener);
    const s = match.next(move('double', '0'));
    expect(() => store.setState('m1', s.state, s.deltalog)).not.toThrow();
    expect(snapshot('m1')).toBe(before);
    expect(outbox()).toEqual([]);
    expect(listener).not.toHaveBeenCalled();
    expect(logger.error).toHaveBeenCalledTimes(1);

    // Not a compare-and-set refusal: once the outbox works again, the same write commits.
    store.db.exec('DROP TRIGGER outbox_fails');
    store.setState('m1', s.state, s.deltalog);
    expect(stored('m1').state._stateID).toBe(2);
    expect(outbox()).toHaveLength(2);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('atomicity: with the outbox table gone, state and log are not written and setState does not throw', () => {
    const { store, snapshot, logger } = sqlite();
    const match = newMatch(store, 'm1');
    const before = snapshot('m1');
    store.db.exec('DROP TABLE outbox');
    const s = match.next(move('lose', '0'));
    expect(() => store.setState('m1', s.state, s.deltalog)).not.toThrow();
    expect(snapshot('m1')).toBe(before);
    expect(logger.error).toHaveBeenCalled();
  });

  it('an intent for a seat nobody sits in is inserted as failed at commit, and stays so when someone sits down later', () => {
    const { store, changes, outbox } = sqlite();
    const match = newMatch(store, 'm1');
    seat(store, 'm1', '0', 'wearer'); // seat 1 is empty
    const listener = vi.fn();
    changes.subscribe(listener);
    match.play(move('double', '0'));
    expect(outbox()).toEqual([
      expect.objectContaining({
        id: 'm1:1:0',
        player_id: '1',
        reason: 'first',
        requested_by: 'rules',
        requester_id: '0',
        actor: null,
        status: 'failed',
        message: NO_WEARER('1'),
      }),
      expect.objectContaining({
        id: 'm1:1:1',
        player_id: '0',
        reason: 'second',
        actor: 'extension',
        status: 'queued',
        message: null,
      }),
    ]);
    // The failed row is committed (and announced) with the others: the room sees why.
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener.mock.calls[0]![0].map((r: OutboxRow) => [r.id, r.status])).toEqual([
      ['m1:1:0', 'failed'],
      ['m1:1:1', 'queued'],
    ]);

    // Whoever takes seat 1 afterwards is not asked for what was recorded before they sat down;
    // requests recorded from now on are theirs.
    seat(store, 'm1', '1', 'wearer');
    match.play(move('double', '0'));
    const rows = outbox();
    expect(rows.map((r) => [r.id, r.player_id, r.actor, r.status, r.message])).toEqual([
      ['m1:1:0', '1', null, 'failed', NO_WEARER('1')],
      ['m1:1:1', '0', 'extension', 'queued', null],
      ['m1:2:0', '1', 'extension', 'queued', null],
      ['m1:2:1', '0', 'extension', 'queued', null],
    ]);
  });

  it("by: 'self' from an unseated requester is inserted as failed: no wearer first, then no session", () => {
    const { store, outbox } = sqlite();
    const match = newMatch(store, 'm1');
    // Neither seat taken: the target is checked first, so the row says nobody sits in seat 1.
    match.play(move('ask', '0', '1'));
    expect(outbox()).toEqual([
      expect.objectContaining({
        id: 'm1:1:0',
        player_id: '1',
        requested_by: 'self',
        requester_id: '0',
        actor: null,
        status: 'failed',
        message: NO_WEARER('1'),
      }),
    ]);

    // The target seated, the requester not: the requester has no role to ask with.
    seat(store, 'm1', '1', 'wearer');
    match.play(move('ask', '0', '1'));
    const row = outbox().find((r) => r.id === 'm1:2:0');
    expect(row).toMatchObject({
      player_id: '1',
      requested_by: 'self',
      requester_id: '0',
      actor: null,
      status: 'failed',
    });
    expect(row!.message).toMatch(/^Seat 0 has no Chaster session/);
  });

  it("by: 'self' from a seated requester gets the seat's role as actor; rules requests stay 'extension'", () => {
    const { store, outbox } = sqlite();
    const match = newMatch(store, 'm1');
    seat(store, 'm1', '0', 'keyholder');
    seat(store, 'm1', '1', 'wearer');
    match.play(move('ask', '0', '1'));
    match.play(event('endTurn', '0'));
    match.play(move('ask', '1', '1'));
    match.play(move('lose', '1'));
    const rows = outbox();
    expect(rows.every((r) => r.message === null)).toBe(true);
    // The endTurn hook's request (m1:2:0) is the rules': extension, whoever ended the turn.
    expect(rows.find((r) => r.id === 'm1:2:0')).toMatchObject({
      requested_by: 'rules',
      actor: 'extension',
      status: 'queued',
    });
    expect(
      rows
        .filter((r) => r.id !== 'm1:2:0')
        .map((r) => [r.id, r.requested_by, r.requester_id, r.actor, r.status]),
    ).toEqual([
      ['m1:1:0', 'self', '0', 'keyholder', 'queued'],
      ['m1:3:0', 'self', '1', 'wearer', 'queued'],
      ['m1:4:0', 'rules', '1', 'extension', 'queued'],
    ]);
  });

  it('changes hears once per commit with the inserted rows, and never for refused writes', () => {
    const { store, changes } = sqlite();
    const match = newMatch(store, 'm1');
    seatBoth(store, 'm1');
    const calls: OutboxRow[][] = [];
    const stop = changes.subscribe((rows) => calls.push([...rows]));

    const doubled = match.play(move('double', '0'));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.map((r) => [r.id, r.playerID, r.reason, r.actor, r.status])).toEqual([
      ['m1:1:0', '1', 'first', 'extension', 'queued'],
      ['m1:1:1', '0', 'second', 'extension', 'queued'],
    ]);

    match.play(move('pass', '0')); // committed, no intents
    store.setState('m1', doubled.state, doubled.deltalog); // replay: refused
    const invalid = match.next(move('cheat', '0'));
    store.setState('m1', invalid.state, invalid.deltalog); // invalid move
    const stale = step(doubled.state, move('lose', '0'));
    store.setState('m1', { ...stale.state, _stateID: 2 }, stale.deltalog); // conflicting n
    expect(calls).toHaveLength(1);

    match.play(move('lose', '0'));
    expect(calls).toHaveLength(2);
    expect(calls[1]!.map((r) => r.id)).toEqual(['m1:3:0']);

    stop();
    match.play(move('lose', '0'));
    expect(calls).toHaveLength(2);
  });

  it('a throwing listener does not undo the commit or throw into boardgame.io', () => {
    const { store, changes, outbox, stored, logger } = sqlite();
    const match = newMatch(store, 'm1');
    changes.subscribe(() => {
      throw new Error('listener bug');
    });
    const s = match.next(move('lose', '0'));
    expect(() => store.setState('m1', s.state, s.deltalog)).not.toThrow();
    expect(stored('m1').state._stateID).toBe(1);
    expect(outbox()).toHaveLength(1);
    expect(logger.error).toHaveBeenCalledTimes(1);
  });
});

describe('SqliteStore keeps recent matches in memory', () => {
  const column = (store: SqliteStore, matchID: string) =>
    store.db
      .prepare('SELECT state_id, metadata, updated_at FROM matches WHERE match_id = ?')
      .get(matchID) as { state_id: number; metadata: string; updated_at: number };

  it("writes a move's updatedAt with the move, skipping the Master's metadata bump only", () => {
    const { store } = sqlite();
    const match = newMatch(store, 'm1', { updatedAt: 1000 });
    const before = column(store, 'm1').metadata;
    const t0 = Date.now();
    // Like the Master: fetch, commit the move, then write the fetched metadata with a new updatedAt.
    const { metadata } = store.fetch('m1', { metadata: true });
    match.play(move('pass', '0'));
    store.setMetadata('m1', { ...metadata, updatedAt: Date.now() });
    const after = column(store, 'm1');
    expect(after.metadata).toBe(before);
    expect(after.updated_at).toBeGreaterThanOrEqual(t0);
    expect(store.fetch('m1', { metadata: true }).metadata.updatedAt).toBe(after.updated_at);
    expect(store.listMatches({ where: { updatedAfter: t0 - 1 } })).toEqual(['m1']);

    // A real change right after a move is written, and so is a lone updatedAt change.
    match.play(move('pass', '1'));
    const renamed = store.fetch('m1', { metadata: true }).metadata;
    renamed.players[0]!.name = 'alice';
    store.setMetadata('m1', renamed);
    expect(JSON.parse(column(store, 'm1').metadata).players[0].name).toBe('alice');
    store.setMetadata('m1', { ...renamed, updatedAt: 5 });
    expect(column(store, 'm1').updated_at).toBe(5);
  });

  it('hands out copies of the metadata: editing one without setMetadata changes nothing', () => {
    const { store } = sqlite();
    newMatch(store, 'm1');
    store.fetch('m1', { metadata: true }).metadata.players[0]!.name = 'mallory';
    expect(store.fetch('m1', { metadata: true }).metadata.players[0]!.name).toBeUndefined();
  });

  it('refuses a move when the row changed behind its back, then reads the row again', () => {
    const { store, logger } = sqlite();
    const match = newMatch(store, 'm1');
    match.play(move('pass', '0'));
    // Another writer on the same file commits the next state first.
    const theirs = match.next(move('double', '0'));
    expect(theirs.state._stateID).toBe(2);
    store.db
      .prepare('UPDATE matches SET state = ?, state_id = ? WHERE match_id = ?')
      .run(JSON.stringify(theirs.state), theirs.state._stateID, 'm1');
    const ours = match.next(move('lose', '0'));
    store.setState('m1', ours.state, ours.deltalog);
    // The turn's transaction finds the row moved on.
    store.flush();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ matchID: 'm1' }),
      expect.stringContaining('setState refused'),
    );
    expect(column(store, 'm1').state_id).toBe(theirs.state._stateID);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 0 });
    expect(store.fetch('m1', { state: true }).state).toEqual(theirs.state);
  });

  it('forgets matches deleted by someone else once told to (the retention pruner does)', () => {
    const { store } = sqlite();
    newMatch(store, 'm1');
    expect(store.fetch('m1', { state: true }).state).toBeDefined();
    store.db.prepare('DELETE FROM matches WHERE match_id = ?').run('m1');
    store.dropCache();
    expect(store.fetch('m1', { state: true, metadata: true })).toEqual({
      state: undefined,
    });
  });
});

describe('SqliteStore on a file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
  });

  it('uses WAL and survives close and reopen with state, log and outbox intact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-storage-'));
    dirs.push(dir);
    const path = join(dir, 'nested', 'game.sqlite');

    const db = openSqlite(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const store = new SqliteStore(db);
    const match = newMatch(store, 'm1');
    match.play(move('double', '0'));
    match.play(event('endTurn', '0'));
    const before = store.fetch('m1', {
      state: true,
      metadata: true,
      initialState: true,
      log: true,
    });
    const outboxBefore = store.db.prepare('SELECT * FROM outbox ORDER BY id').all();
    expect(outboxBefore).toHaveLength(3);
    db.close();

    const reopened = new SqliteStore(openSqlite(path));
    expect(reopened.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const after = reopened.fetch('m1', {
      state: true,
      metadata: true,
      initialState: true,
      log: true,
    });
    expect(after).toEqual(before);
    expect(after.state).toEqual(match.current);
    expect(after.log.map((e) => e.action.type)).toEqual(['MAKE_MOVE', 'GAME_EVENT']);
    expect(reopened.db.prepare('SELECT * FROM outbox ORDER BY id').all()).toEqual(outboxBefore);
    expect(reopened.listMatches()).toEqual(['m1']);

    // The reopened store carries on from the stored _stateID.
    const next = step(match.current, move('lose', '1'));
    reopened.setState('m1', next.state, next.deltalog);
    expect(reopened.fetch('m1', { state: true }).state._stateID).toBe(3);
    reopened.db.close();
  });
});

describe('SqliteStore group commit', () => {
  const dirs: string[] = [];
  afterEach(() => {
    while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
  });
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  /** A move as boardgame.io's Master receives it (no credentials: the Master has no auth here). */
  const makeMove = (type: string, playerID: string) =>
    ({ type: 'MAKE_MOVE', payload: { type, args: [], playerID } }) as unknown as Parameters<
      InstanceType<typeof Master>['onUpdate']
    >[0];

  /** A store on a file, and a second connection that sees only what is committed. */
  function onFile() {
    const dir = mkdtempSync(join(tmpdir(), 'bgio-chaster-group-'));
    dirs.push(dir);
    const path = join(dir, 'game.sqlite');
    const { logger, asLogger } = fakeLogger();
    const changes = new OutboxChanges();
    const heard: string[] = [];
    changes.subscribe((rows) => heard.push(...rows.map((r) => r.id)));
    const store = new SqliteStore(openSqlite(path), { logger: asLogger, changes });
    const other = openSqlite(path);
    const committedID = (matchID: string) =>
      (
        other.prepare('SELECT state_id FROM matches WHERE match_id = ?').get(matchID) as {
          state_id: number;
        }
      ).state_id;
    return { store, other, logger, heard, committedID };
  }

  it('the moves of one turn commit together at its end; their broadcasts wait for that commit', async () => {
    const { store, other, heard, committedID } = onFile();
    const one = newMatch(store, 'm1');
    const two = newMatch(store, 'm2');
    const a = one.next(move('double', '0'));
    const b = two.next(move('lose', '0'));
    store.setState('m1', a.state, a.deltalog);
    store.setState('m2', b.state, b.deltalog);
    // Nothing is committed, announced or broadcast yet.
    expect([committedID('m1'), committedID('m2')]).toEqual([0, 0]);
    expect(heard).toEqual([]);
    const verdicts = [store.committed('m1', 1), store.committed('m2', 1)];
    expect(verdicts.every((v) => v instanceof Promise)).toBe(true);
    await turn();
    expect([committedID('m1'), committedID('m2')]).toEqual([1, 1]);
    expect(await Promise.all(verdicts)).toEqual([true, true]);
    expect(heard.sort()).toEqual(['m1:1:0', 'm1:1:1', 'm2:1:0']);
    other.close();
  });

  it('a move later in the same turn builds on the accepted one; both are written in order', async () => {
    const { store, other, committedID } = onFile();
    const match = newMatch(store, 'm1');
    const first = match.next(move('pass', '0'));
    store.setState('m1', first.state, first.deltalog);
    // boardgame.io's next action of this match reads the state the first one made.
    const seen = store.fetch('m1', { state: true }).state as State;
    expect(seen._stateID).toBe(1);
    const second = step(seen, move('lose', '0'));
    store.setState('m1', second.state, second.deltalog);
    expect(committedID('m1')).toBe(0);
    await turn();
    expect(committedID('m1')).toBe(2);
    expect(await store.committed('m1', 2)).toBe(true);
    const { log } = store.fetch('m1', { log: true });
    expect(log.map((e) => e.action.payload.type)).toEqual(['pass', 'lose']);
    other.close();
  });

  it('when the turn’s transaction fails, each move is written alone: only the failing one is refused', async () => {
    const { store, other, heard, committedID, logger } = onFile();
    const good = newMatch(store, 'm1');
    const bad = newMatch(store, 'm2');
    store.db.exec(
      `CREATE TRIGGER m2_fails BEFORE INSERT ON match_log WHEN NEW.match_id = 'm2'
       BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`,
    );
    const a = good.next(move('double', '0'));
    const b = bad.next(move('lose', '0'));
    store.setState('m1', a.state, a.deltalog);
    store.setState('m2', b.state, b.deltalog);
    const verdicts = [store.committed('m1', 1), store.committed('m2', 1)];
    await turn();
    expect(await Promise.all(verdicts)).toEqual([true, false]);
    expect([committedID('m1'), committedID('m2')]).toEqual([1, 0]);
    expect(heard.sort()).toEqual(['m1:1:0', 'm1:1:1']);
    expect(logger.error).toHaveBeenCalledTimes(1);
    // The refused move's state is forgotten: the store reads the row again.
    expect((store.fetch('m2', { state: true }).state as State)._stateID).toBe(0);
    other.close();
  });

  it('a move whose write fails is never broadcast, even one that ends the match (its metadata is written at once)', async () => {
    for (const type of ['pass', 'win']) {
      const { store, other } = onFile();
      const game: Game = {
        name: 'g',
        setup: () => ({ n: 0 }),
        moves: {
          pass: ({ G }) => ({ n: G.n + 1 }),
          win: ({ events }) => events.endGame({ winner: '0' }),
        },
      };
      const created = createMatch({ game, numPlayers: 2, setupData: undefined, unlisted: false });
      if ('setupDataError' in created) throw new Error(created.setupDataError);
      store.createMatch('m1', created);
      store.db.exec(
        `CREATE TRIGGER log_fails BEFORE INSERT ON match_log BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`,
      );
      const pubSub = new LocalPubSub(store.committed.bind(store));
      const heard: unknown[] = [];
      pubSub.subscribe('MATCH-m1', (payload) => heard.push(payload));
      const master = new Master(game, store, {
        send: () => {},
        sendAll: (payload) => pubSub.publish('MATCH-m1', payload),
      });
      await master.onUpdate(makeMove(type, '0'), 0, 'm1', '0');
      await turn();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(heard).toEqual([]);
      expect(
        (other.prepare('SELECT state_id FROM matches').get() as { state_id: number }).state_id,
      ).toBe(0);
      other.close();
    }
  });

  it('the next move’s in-place change to the state it fetched never reaches the pending move’s row', async () => {
    const { store, other } = onFile();
    const game: Game = {
      name: 'g',
      setup: () => ({ n: 0 }),
      turn: {
        activePlayers: { all: 'play' },
        stages: { play: { moves: { pass: ({ G }) => ({ n: G.n + 1 }) } } },
      },
    };
    const created = createMatch({ game, numPlayers: 2, setupData: undefined, unlisted: false });
    if ('setupDataError' in created) throw new Error(created.setupDataError);
    store.createMatch('m1', created);
    // Seat 1's move fails in SQL; seat 0's, made first in the same turn, commits.
    store.db.exec(
      `CREATE TRIGGER seat1_fails BEFORE INSERT ON match_log WHEN NEW.entry LIKE '%"playerID":"1"%'
       BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`,
    );
    const master = new Master(game, store, { send: () => {}, sendAll: () => {} });
    await master.onUpdate(makeMove('pass', '0'), 0, 'm1', '0');
    await master.onUpdate(makeMove('pass', '1'), 1, 'm1', '1');
    await turn();
    const row = other.prepare('SELECT state_id, state FROM matches').get() as {
      state_id: number;
      state: string;
    };
    expect(row.state_id).toBe(1);
    // Seat 1's move counted itself in the state it fetched, seat 0's pending one.
    expect((JSON.parse(row.state) as State).ctx._activePlayersNumMoves).toEqual({ 0: 1, 1: 0 });
    other.close();
  });

  it('reads of the log, metadata changes and listMatches write the pending moves first', () => {
    const { store, other, committedID } = onFile();
    const match = newMatch(store, 'm1');
    const s = match.next(move('pass', '0'));
    store.setState('m1', s.state, s.deltalog);
    expect(committedID('m1')).toBe(0);
    expect(store.fetch('m1', { log: true }).log).toHaveLength(1);
    expect(committedID('m1')).toBe(1);
    const t = step(s.state, move('pass', '0'));
    store.setState('m1', t.state, t.deltalog);
    store.listMatches();
    expect(committedID('m1')).toBe(2);
    other.close();
  });
});
