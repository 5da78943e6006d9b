/**
 * The storage-related tests of boardgame.io 0.50.2's src/master/master.test.ts (`sync`, `update`,
 * `patch`, `connectionChange`), ported with their assertions and run with InMemory (the control),
 * SqliteStore and PostgresStore behind boardgame.io's own Master. Upstream runs its "with async
 * storage API" variants on a test wrapper around InMemory; here PostgresStore is the asynchronous
 * store, and every variant runs on every backend. (`subscribe`, `authentication` and `chat` test
 * the Master's callbacks and its Auth, not storage.)
 *
 * upstream mocks boardgame.io's logger; here console.error, which that logger writes to, is spied
 * on. Where a fixture had to change or our stores differ on purpose, a comment says so and the
 * test asserts what each store does. Suites whose tests build on each other upstream share one
 * store here too.
 */
import { createRequire } from 'node:module';
import type { Game, Server, State } from 'boardgame.io';
import type * as InternalModule from 'boardgame.io/internal';
import { INVALID_MOVE, PlayerView } from 'boardgame.io/core';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TestContext } from 'vitest';
import {
  Master,
  expectLogged,
  perSuite,
  perTest,
  spyOnErrors,
  storageBackends,
  transportAPI,
} from './backends.js';
import type { Backend } from './backends.js';

const require = createRequire(import.meta.url);
const { InitializeGame } = require('boardgame.io/internal') as typeof InternalModule;

const backends = storageBackends();
const open = perTest();
const error = spyOnErrors();

beforeEach(() => {
  error.mockClear();
});
afterEach(() => {
  vi.useRealTimers();
});

type Action = Parameters<InstanceType<typeof Master>['onUpdate']>[0];

/** boardgame.io's action creators (src/core/action-creators.ts), which no entry exports. */
const ActionCreators = {
  makeMove: (type: string, args?: unknown, playerID?: string | null): Action =>
    ({ type: 'MAKE_MOVE', payload: { type, args, playerID } }) as Action,
  gameEvent: (type: string, args?: unknown, playerID?: string | null): Action =>
    ({ type: 'GAME_EVENT', payload: { type, args, playerID } }) as Action,
  undo: (playerID?: string | null): Action =>
    ({ type: 'UNDO', payload: { type: null, args: null, playerID } }) as Action,
};

const game: Game = { seed: 0 };

/**
 * upstream creates matches with `initialState: {}`; our stores key the compare-and-set on
 * `_stateID`, which every state the Master makes has.
 */
const emptyState = { _stateID: 0 } as State;

function validateNotTransientState(state: unknown) {
  expect(state).toEqual(expect.not.objectContaining({ transients: expect.anything() }));
}

/** The first argument of the n-th call of a mock. */
function sent(mock: ReturnType<typeof vi.fn>, n = 0) {
  return mock.mock.calls[n]![0];
}

describe.each(backends)('sync: $name', (backend) => {
  const send = vi.fn();
  const suite = perSuite(backend);
  let master: InstanceType<typeof Master>;
  beforeAll(() => {
    if (suite.current) master = new Master(game, suite.current.store, transportAPI(send));
  });
  beforeEach(() => {
    send.mockClear();
  });

  it('causes server to respond', async (ctx) => {
    suite.use(ctx);
    await master.onSync('matchID', '0', undefined, 2);
    expect(send).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'sync',
      }),
    );
  });

  it('sync a second time does not create a game', async (ctx) => {
    const { db } = suite.use(ctx);
    const fetchResult = await db.fetch('matchID', { metadata: true });
    await master.onSync('matchID', '0', undefined, 2);
    expect(await db.fetch('matchID', { metadata: true })).toMatchObject(fetchResult);
  });

  it('should not have metadata', async (ctx) => {
    const { db } = suite.use(ctx);
    await db.setState('oldGameID', {} as State);
    await master.onSync('oldGameID', '0');
    // [0][0] = first call, first argument
    const { filteredMetadata } = sent(send).args[1];
    if (backend.ours) {
      // Ours never store a state for a match that was not created, so the Master found no match
      // and created one, with metadata. (Our server never lets a sync get this far: guard.ts.)
      expect(filteredMetadata).toEqual([{ id: 0 }, { id: 1 }]);
    } else {
      expect(filteredMetadata).toBeUndefined();
    }
  });

  it('should have metadata', async (ctx) => {
    const { store, db } = await open(backend, ctx);
    const metadata = {
      gameName: 'tic-tac-toe',
      setupData: {},
      players: {
        '0': {
          id: 0,
          credentials: 'qS2m4Ujb_',
          name: 'Alice',
        },
        '1': {
          id: 1,
          credentials: 'nIQtXFybDD',
          name: 'Bob',
        },
      },
      createdAt: 0,
      updatedAt: 0,
    };
    await db.createMatch('matchID', { metadata, initialState: emptyState });
    const masterWithMetadata = new Master(game, store, transportAPI(send));
    await masterWithMetadata.onSync('matchID', '0', undefined, 2);

    const expectedMetadata = [
      { id: 0, name: 'Alice' },
      { id: 1, name: 'Bob' },
    ];
    expect(sent(send).args[1].filteredMetadata).toMatchObject(expectedMetadata);
  });

  it('should not create match for games that require setupData', async (ctx) => {
    const { store, db } = await open(backend, ctx);
    const game: Game = {
      validateSetupData: () => 'requires setupData',
    };
    const master = new Master(game, store, transportAPI(send));

    const matchID = 'matchID';
    const res = await master.onSync(matchID, '0', undefined, 2);

    expect(res).toEqual({ error: 'game requires setupData' });
    expect(send).not.toHaveBeenCalled();
    expect(await db.fetch(matchID, { state: true })).toEqual({ state: undefined });
  });
});

describe.each(backends)('update: $name', (backend) => {
  const game: Game = {
    moves: {
      A: ({ G }) => G,
    },
  };
  const action = ActionCreators.gameEvent('endTurn');

  /** upstream's beforeEach: a fresh store, a Master, and a synced match. */
  async function setup(ctx: TestContext) {
    const opened = await open(backend, ctx);
    const send = vi.fn();
    const sendAll = vi.fn();
    const master = new Master(game, opened.store, transportAPI(send, sendAll));
    await master.onSync('matchID', '0', undefined, 2);
    error.mockClear();
    return { ...opened, master, send, sendAll };
  }

  it('basic', async (ctx) => {
    const { master, sendAll } = await setup(ctx);
    await master.onUpdate(action, 0, 'matchID', '0');
    expect(sendAll).toBeCalled();
    const value = sent(sendAll);
    expect(value.type).toBe('update');
    expect(value.args[0]).toBe('matchID');
    expect(value.args[1]).toMatchObject({
      G: {},
      _stateID: 1,
      ctx: {
        currentPlayer: '1',
        numPlayers: 2,
        phase: null,
        playOrder: ['0', '1'],
        playOrderPos: 1,
        turn: 2,
      },
    });
  });

  it('missing action', async (ctx) => {
    const { master, sendAll } = await setup(ctx);
    const { error } = (await master.onUpdate(null as unknown as Action, 0, 'matchID', '0')) as {
      error: string;
    };
    expect(sendAll).not.toHaveBeenCalled();
    expect(error).toBe('missing action or action payload');
  });

  it('missing action payload', async (ctx) => {
    const { master, sendAll } = await setup(ctx);
    const { error } = (await master.onUpdate({} as Action, 0, 'matchID', '0')) as {
      error: string;
    };
    expect(sendAll).not.toHaveBeenCalled();
    expect(error).toBe('missing action or action payload');
  });

  it('invalid matchID', async (ctx) => {
    const { master, sendAll } = await setup(ctx);
    await master.onUpdate(action, 0, 'default:unknown', '1');
    expect(sendAll).not.toHaveBeenCalled();
    expectLogged(error, `game not found, matchID=[default:unknown]`);
  });

  it('invalid stateID', async (ctx) => {
    const { master, sendAll } = await setup(ctx);
    await master.onUpdate(action, 100, 'matchID', '0');
    expect(sendAll).not.toHaveBeenCalled();
    expectLogged(
      error,
      `invalid stateID, was=[100], expected=[0] - playerID=[0] - action[endTurn]`,
    );
  });

  it('invalid playerID', async (ctx) => {
    const { master, sendAll } = await setup(ctx);
    await master.onUpdate(action, 0, 'matchID', '100');
    await master.onUpdate(ActionCreators.makeMove('move'), 1, 'matchID', '100');
    expect(sendAll).not.toHaveBeenCalled();
    expectLogged(error, `player not active - playerID=[100] - action[move]`);
  });

  it('invalid move', async (ctx) => {
    const { master, sendAll } = await setup(ctx);
    await master.onUpdate(ActionCreators.makeMove('move'), 0, 'matchID', '0');
    expect(sendAll).not.toHaveBeenCalled();
    expectLogged(
      error,
      `move not processed - canPlayerMakeMove=false - playerID=[0] - action[move]`,
    );
  });

  it('valid matchID / stateID / playerID', async (ctx) => {
    const { master, sendAll } = await setup(ctx);
    await master.onUpdate(action, 0, 'matchID', '0');
    expect(sendAll).toHaveBeenCalled();
  });

  it('allow execution of moves with ignoreStaleStateID truthy', async (ctx) => {
    const sendAll = vi.fn();
    const game: Game = {
      setup: () => {
        const G = {
          players: {
            '0': {
              cards: ['card3'],
            },
            '1': {
              cards: [],
            },
          },
          cards: ['card0', 'card1', 'card2'],
          discardedCards: [],
        };
        return G;
      },
      playerView: PlayerView.STRIP_SECRETS,
      turn: {
        activePlayers: { currentPlayer: { stage: 'A' } },
        stages: {
          A: {
            moves: {
              A: ({ G, playerID }) => {
                const card = G.players[playerID].cards.shift();
                G.discardedCards.push(card);
              },
              B: {
                move: ({ G, playerID }) => {
                  const card = G.cards.pop();
                  G.players[playerID].cards.push(card);
                },
                ignoreStaleStateID: true,
              },
            },
          },
        },
      },
    };

    const send = vi.fn();
    const { store, db } = await open(backend, ctx);
    const master = new Master(game, store, transportAPI(send, sendAll));

    const setActivePlayers = ActionCreators.gameEvent('setActivePlayers', [{ all: 'A' }], '0');
    const actionA = ActionCreators.makeMove('A', null, '0');
    const actionB = ActionCreators.makeMove('B', null, '1');
    const actionC = ActionCreators.makeMove('B', null, '0');

    // test: simultaneous moves
    await master.onSync('matchID', '0', undefined, 2);
    await master.onUpdate(actionA, 0, 'matchID', '0');
    await master.onUpdate(setActivePlayers, 1, 'matchID', '0');
    await Promise.all([
      master.onUpdate(actionB, 2, 'matchID', '1'),
      master.onUpdate(actionC, 2, 'matchID', '0'),
    ]);
    await Promise.all([
      master.onSync('matchID', '0', undefined, 2),
      master.onSync('matchID', '1', undefined, 2),
    ]);

    const G = sent(sendAll, sendAll.mock.calls.length - 1).args[1].G;
    const expected = {
      players: {
        '0': {
          cards: ['card1'],
        },
      },
      cards: ['card0'],
      discardedCards: ['card3'],
    };
    if (backend.name !== 'PostgresStore') {
      // A synchronous store runs each update to its end before the next one starts.
      expect(G).toMatchObject(expected);
      return;
    }
    // On an asynchronous store the two updates may both read state 2 and both offer state 3:
    // then the compare-and-set commits one and refuses the other (its client syncs again), where
    // InMemory would keep the last write and lose the first without a word. The Master broadcasts
    // before it stores (our transport holds a broadcast until its commit), so the stored state is
    // the one to read: it holds every move its _stateID counts, and no other.
    const { state } = await db.fetch('matchID', { state: true });
    const stored = state.G as { players: Record<string, { cards: string[] }>; cards: string[] };
    if (state._stateID === 4) {
      // One update read the other's commit: both moves, one after the other, in either order.
      expect(stored).toMatchObject({ cards: ['card0'], discardedCards: ['card3'] });
      expect(stored.players['0']!.cards).toHaveLength(1);
      expect([...stored.players['0']!.cards, ...stored.players['1']!.cards].sort()).toEqual([
        'card1',
        'card2',
      ]);
    } else {
      expect(state._stateID).toBe(3);
      expect(stored).toMatchObject({ cards: ['card0', 'card1'], discardedCards: ['card3'] });
      expect([...stored.players['0']!.cards, ...stored.players['1']!.cards]).toEqual(['card2']);
    }
  });

  describe('undo / redo', () => {
    it('player 0 can undo', async (ctx) => {
      const { master } = await setup(ctx);
      const move = ActionCreators.makeMove('A', null, '0');
      await master.onUpdate(move, 0, 'matchID', '0');
      expect(error).not.toHaveBeenCalled();
      await master.onUpdate(ActionCreators.undo(), 1, 'matchID', '0');
      expect(error).not.toHaveBeenCalled();

      // Negative case: All moves already undone.
      await master.onUpdate(ActionCreators.undo(), 2, 'matchID', '0');
      expectLogged(error, `No moves to undo`);
    });

    it('player 1 can’t undo', async (ctx) => {
      const { master } = await setup(ctx);
      await master.onUpdate(ActionCreators.undo(), 2, 'matchID', '1');
      expectLogged(error, `playerID=[1] cannot undo / redo right now`);
    });

    it('player can’t undo with multiple active players', async (ctx) => {
      const { master } = await setup(ctx);
      const setActivePlayers = ActionCreators.gameEvent('setActivePlayers', [{ all: 'A' }], '0');
      await master.onUpdate(setActivePlayers, 0, 'matchID', '0');
      await master.onUpdate(ActionCreators.undo('0'), 1, 'matchID', '0');
      expectLogged(error, `playerID=[0] cannot undo / redo right now`);
    });

    it('player can undo if they are the only active player', async (ctx) => {
      const { master } = await setup(ctx);
      const move = ActionCreators.makeMove('A', null, '0');
      await master.onUpdate(move, 0, 'matchID', '0');
      expect(error).not.toHaveBeenCalled();
      const endStage = ActionCreators.gameEvent('endStage', undefined, '0');
      await master.onUpdate(endStage, 1, 'matchID', '0');
      expect(error).not.toBeCalled();
      await master.onUpdate(ActionCreators.undo(), 2, 'matchID', '0');
      expect(error).not.toBeCalled();

      // Clean-up active players.
      const endStage2 = ActionCreators.gameEvent('endStage', undefined, '1');
      await master.onUpdate(endStage2, 3, 'matchID', '1');
    });
  });

  it('game over', async (ctx) => {
    const { master } = await setup(ctx);
    let event = ActionCreators.gameEvent('endGame');
    await master.onUpdate(event, 0, 'matchID', '0');
    event = ActionCreators.gameEvent('endTurn');
    await master.onUpdate(event, 1, 'matchID', '0');
    expectLogged(error, `game over - matchID=[matchID] - playerID=[0] - action[endTurn]`);
  });

  /** upstream's metadata of the gameover and updatedAt tests. */
  const dbMetadata = (extra: Partial<Server.MatchData> = {}) =>
    ({
      gameName: 'tic-tac-toe',
      ...extra,
      setupData: {},
      players: { '0': { id: 0 }, '1': { id: 1 } },
      createdAt: 0,
      updatedAt: 0,
    }) as Server.MatchData;

  // upstream also runs this "with async storage API"; PostgresStore is that case here.
  it('writes gameover to metadata', async (ctx) => {
    const send = vi.fn();
    const id = 'gameWithMetadata';
    const { store, db } = await open(backend, ctx);
    // InMemory keeps metadata for a match it has no state of; ours write nothing for a match never
    // created. Either way the sync below creates the match with fresh metadata.
    await db.setMetadata(id, dbMetadata());
    const masterWithMetadata = new Master(game, store, transportAPI(send));
    await masterWithMetadata.onSync(id, '0', undefined, 2);

    const gameOverArg = 'gameOverArg';
    const event = ActionCreators.gameEvent('endGame', gameOverArg);
    await masterWithMetadata.onUpdate(event, 0, id, '0');
    const { metadata } = await db.fetch(id, { metadata: true });
    expect(metadata.gameover).toEqual(gameOverArg);
  });

  it('writes gameover to metadata with null gameover', async (ctx) => {
    const send = vi.fn();
    const id = 'gameWithMetadataNullGameover';
    const { store, db } = await open(backend, ctx);
    const masterWithMetadata = new Master(game, store, transportAPI(send));
    await masterWithMetadata.onSync(id, '0', undefined, 2);
    await db.setMetadata(id, dbMetadata({ gameover: null }));

    const gameOverArg = 'gameOverArg';
    const event = ActionCreators.gameEvent('endGame', gameOverArg);
    await masterWithMetadata.onUpdate(event, 0, id, '0');
    const { metadata } = await db.fetch(id, { metadata: true });
    expect(metadata.gameover).toEqual(gameOverArg);
  });

  it('writes updatedAt to metadata with async storage API', async (ctx) => {
    const send = vi.fn();
    const id = 'gameWithMetadata';
    const { store, db } = await open(backend, ctx);
    await db.setMetadata(id, dbMetadata());
    const masterWithMetadata = new Master(game, store, transportAPI(send));
    await masterWithMetadata.onSync(id, '0', undefined, 2);
    const { metadata: synced } = await db.fetch(id, { metadata: true });

    const updatedAt = new Date(2020, 3, 4, 5, 6, 7);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(updatedAt);
    const event = ActionCreators.gameEvent('endTurn', null, '0');
    await masterWithMetadata.onUpdate(event, 0, id, '0');
    const { metadata } = await db.fetch(id, { metadata: true });
    if (backend.ours) {
      // The clock says 2020, before the match was created: ours never move updatedAt backwards.
      // The move's commit keeps the later time, and the Master's bump right after it is skipped.
      expect(synced.updatedAt).toBeGreaterThan(updatedAt.getTime());
      expect(metadata.updatedAt).toEqual(synced.updatedAt);
    } else {
      expect(metadata.updatedAt).toEqual(updatedAt.getTime());
    }
  });

  // upstream also runs this "with async DB"; PostgresStore is that case here.
  it('processes update if there is no metadata', async (ctx) => {
    const send = vi.fn();
    const id = 'gameWithoutMetadata';
    const { store, db } = await open(backend, ctx);
    const masterWithoutMetadata = new Master(game, store, transportAPI(send));
    // Store state manually to bypass automatic metadata initialization on sync.
    let state = InitializeGame({ game });
    expect(state.ctx.turn).toBe(1);
    await db.setState(id, state);
    // Dispatch update to end the turn.
    const event = ActionCreators.gameEvent('endTurn', null, '0');
    await masterWithoutMetadata.onUpdate(event, 0, id, '0');
    // Confirm the turn ended.
    const fetched = await db.fetch(id, { state: true, metadata: true });
    state = fetched.state;
    const metadata: undefined | Server.MatchData = fetched.metadata;
    if (backend.ours) {
      // Ours store no state for a match that was not created (with its metadata): there is no
      // match without metadata, so the update finds no game.
      expect(state).toBeUndefined();
      expectLogged(error, `game not found, matchID=[${id}]`);
    } else {
      expect(state.ctx.turn).toBe(2);
    }
    expect(metadata).toBeUndefined();
  });
});

describe.each(backends)('patch: $name', (backend) => {
  const send = vi.fn();
  const sendAll = vi.fn();
  const suite = perSuite(backend);
  let master: InstanceType<typeof Master>;
  const move = ActionCreators.makeMove('A', null, '0');
  const action = ActionCreators.gameEvent('endTurn');

  beforeAll(async () => {
    if (!suite.current) return;
    master = new Master(
      {
        seed: 0,
        deltaState: true,
        setup: () => {
          return {
            players: {
              '0': {
                cards: ['card3'],
              },
              '1': {
                cards: [],
              },
            },
            cards: ['card0', 'card1', 'card2'],
            discardedCards: [],
          };
        },
        playerView: PlayerView.STRIP_SECRETS,
        turn: {
          activePlayers: { currentPlayer: { stage: 'A' } },
          stages: {
            A: {
              moves: {
                Invalid: () => {
                  return INVALID_MOVE;
                },
                A: {
                  client: false,
                  move: ({ G, playerID }) => {
                    const card = G.players[playerID].cards.shift();
                    G.discardedCards.push(card);
                  },
                },
                B: {
                  client: false,
                  ignoreStaleStateID: true,
                  move: ({ G, playerID }) => {
                    const card = G.cards.pop();
                    G.players[playerID].cards.push(card);
                  },
                },
              },
            },
          },
        },
      },
      suite.current.store,
      transportAPI(send, sendAll),
    );
    master.subscribe(({ state }) => {
      validateNotTransientState(state);
    });
    await master.onSync('matchID', '0', undefined, 2);
  });

  beforeEach(() => {
    send.mockClear();
    sendAll.mockClear();
  });

  it('basic', async (ctx) => {
    suite.use(ctx);
    await master.onUpdate(move, 0, 'matchID', '0');
    expect(sendAll).toBeCalled();

    const value = sent(sendAll);
    expect(value.type).toBe('patch');
    expect(value.args[0]).toBe('matchID');
    expect(value.args[1]).toBe(0);
    // prevState -- had a card
    expect(value.args[2].G.players[0].cards).toEqual(['card3']);
    // state -- doesnt have a card anymore
    expect(value.args[3].G.players[0].cards).toEqual([]);
  });

  it('invalid matchID', async (ctx) => {
    suite.use(ctx);
    await master.onUpdate(action, 1, 'default:unknown', '1');
    expect(sendAll).not.toHaveBeenCalled();
    expectLogged(error, `game not found, matchID=[default:unknown]`);
  });

  it('invalid stateID', async (ctx) => {
    suite.use(ctx);
    await master.onUpdate(action, 100, 'matchID', '0');
    expect(sendAll).not.toHaveBeenCalled();
    expectLogged(
      error,
      `invalid stateID, was=[100], expected=[1] - playerID=[0] - action[endTurn]`,
    );
  });

  it('invalid playerID', async (ctx) => {
    suite.use(ctx);
    await master.onUpdate(action, 1, 'matchID', '102');
    await master.onUpdate(ActionCreators.makeMove('move'), 1, 'matchID', '102');
    expect(sendAll).not.toHaveBeenCalled();
    expectLogged(error, `player not active - playerID=[102] - action[move]`);
  });

  it('disallowed move', async (ctx) => {
    suite.use(ctx);
    await master.onUpdate(ActionCreators.makeMove('move'), 1, 'matchID', '0');
    expect(sendAll).not.toHaveBeenCalled();
    expectLogged(
      error,
      `move not processed - canPlayerMakeMove=false - playerID=[0] - action[move]`,
    );
  });

  it('invalid move', async (ctx) => {
    suite.use(ctx);
    await master.onUpdate(ActionCreators.makeMove('Invalid', null, '0'), 1, 'matchID', '0');
    expect(sendAll).toHaveBeenCalled();
    expectLogged(error, 'invalid move: Invalid args: null');
  });

  it('valid matchID / stateID / playerID', async (ctx) => {
    suite.use(ctx);
    await master.onUpdate(action, 1, 'matchID', '0');
    expect(sendAll).toHaveBeenCalled();
  });

  describe('undo / redo', () => {
    it('player 0 can undo', async (ctx) => {
      suite.use(ctx);
      await master.onUpdate(ActionCreators.undo(), 2, 'matchID', '1');
      // The master allows this, but the reducer does not.
      expectLogged(error, `No moves to undo`);
    });

    it('player 1 can’t undo', async (ctx) => {
      suite.use(ctx);
      await master.onUpdate(ActionCreators.undo(), 2, 'matchID', '0');
      expectLogged(error, `playerID=[0] cannot undo / redo right now`);
    });

    it('player can’t undo with multiple active players', async (ctx) => {
      suite.use(ctx);
      const setActivePlayers = ActionCreators.gameEvent('setActivePlayers', [{ all: 'A' }], '0');
      await master.onUpdate(setActivePlayers, 2, 'matchID', '0');
      await master.onUpdate(ActionCreators.undo('0'), 3, 'matchID', '0');
      expectLogged(error, `playerID=[0] cannot undo / redo right now`);
    });

    it('player can undo if they are the only active player', async (ctx) => {
      suite.use(ctx);
      const endStage = ActionCreators.gameEvent('endStage', undefined, '1');
      await master.onUpdate(endStage, 2, 'matchID', '1');
      await master.onUpdate(ActionCreators.undo('0'), 3, 'matchID', '1');
      // The master allows this, but the reducer does not.
      expectLogged(error, `Cannot undo other players' moves`);

      // Clean-up active players.
      const endStage2 = ActionCreators.gameEvent('endStage', undefined, '1');
      await master.onUpdate(endStage2, 4, 'matchID', '1');
    });
  });

  it('game over', async (ctx) => {
    suite.use(ctx);
    let event = ActionCreators.gameEvent('endGame');
    await master.onUpdate(event, 3, 'matchID', '1');
    event = ActionCreators.gameEvent('endTurn');
    await master.onUpdate(event, 3, 'matchID', '1');
    expectLogged(error, `game over - matchID=[matchID] - playerID=[1] - action[endTurn]`);
  });
});

describe.each(backends)('connectionChange: $name', (backend: Backend) => {
  const send = vi.fn();
  const sendAll = vi.fn();
  const suite = perSuite(backend);
  let master: InstanceType<typeof Master>;

  const metadata = {
    gameName: 'tic-tac-toe',
    setupData: {},
    players: {
      '0': {
        id: 0,
        credentials: 'qS2m4Ujb_',
        name: 'Alice',
      },
      '1': {
        id: 1,
        credentials: 'nIQtXFybDD',
        name: 'Bob',
        isConnected: true,
      },
    },
    createdAt: 0,
    updatedAt: 0,
  };

  beforeAll(async () => {
    if (!suite.current) return;
    master = new Master(game, suite.current.store, transportAPI(send, sendAll));
    await suite.current.db.createMatch('matchID', { metadata, initialState: emptyState });
  });

  beforeEach(() => {
    master?.subscribe(({ state }) => {
      validateNotTransientState(state);
    });
    send.mockClear();
    sendAll.mockClear();
  });

  it('changes players metadata', async (ctx) => {
    const { db } = suite.use(ctx);
    await master.onConnectionChange('matchID', '0', undefined, true);

    const expectedPlayerData = { id: 0, name: 'Alice', isConnected: true };
    const {
      metadata: { players },
    } = await db.fetch('matchID', { metadata: true });
    expect(players['0']).toMatchObject(expectedPlayerData);
  });

  it('sends metadata to all', async (ctx) => {
    suite.use(ctx);
    await master.onConnectionChange('matchID', '1', undefined, false);
    const expectedMetadata = [
      { id: 0, name: 'Alice', isConnected: true },
      { id: 1, name: 'Bob', isConnected: false },
    ];
    const sentMessage = sent(sendAll);
    expect(sentMessage.type).toEqual('matchData');
    expect(sentMessage.args[1]).toMatchObject(expectedMetadata);
  });

  it('invalid matchID', async (ctx) => {
    suite.use(ctx);
    const result = await master.onConnectionChange('invalidMatchID', '0', undefined, true);
    expectLogged(error, 'metadata not found for matchID=[invalidMatchID]');
    expect(result && result.error).toEqual('metadata not found');
  });

  it('invalid playerID', async (ctx) => {
    suite.use(ctx);
    const result = await master.onConnectionChange('matchID', '3', undefined, true);
    expectLogged(error, 'Player not in the match, matchID=[matchID] playerID=[3]');
    expect(result && result.error).toEqual('player not in the match');
  });

  // upstream runs this on its async wrapper around InMemory; here on a fresh store of each backend.
  it('processes connection change with an async db', async (ctx) => {
    const { store, db } = await open(backend, ctx);
    const masterWithAsyncDb = new Master(game, store, transportAPI(send, sendAll));
    await db.createMatch('matchID', {
      metadata,
      initialState: emptyState,
    });

    await masterWithAsyncDb.onConnectionChange('matchID', '0', undefined, true);

    expect(sendAll).toHaveBeenCalled();
  });
});
