/**
 * VerificationPlugin through boardgame.io's own testing approach: a single-player `Client` (the
 * reducer runs with isClient false, so every hook runs), `Local()` multiplayer (a real master on
 * InMemory), and the server's reducer (`InitializeGame` + `CreateGameReducer`) for what the
 * master commits.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Game, LogEntry, State } from 'boardgame.io';
import { INVALID_MOVE } from 'boardgame.io/core';
import { CreateGameReducer, InitializeGame, ProcessGameConfig } from 'boardgame.io/internal';
import { VerificationPlugin, VerificationRequestError } from '../../src/plugin/index.js';
import type {
  VerificationPluginOptions,
  VerificationRequestInput,
  WithVerification,
} from '../../src/plugin/index.js';
import {
  caughtUp,
  intentsOf,
  localSeats,
  startClient,
  stopClients,
  until,
} from '../helpers/game-client.js';

interface G {
  n: number;
  rolls: number[];
}

type TestGame = Game<G, WithVerification>;

/** A fresh game object each time: `Local()` keeps one master per game object. */
function makeGame(
  options: VerificationPluginOptions = {},
  extra: Partial<TestGame> = {},
): TestGame {
  return {
    name: 'verification-test',
    setup: () => ({ n: 0, rolls: [] }),
    moves: {
      pass: ({ G }) => {
        G.n += 1;
      },
      lose: ({ G, playerID, verification }) => {
        G.n += 1;
        verification.request({ player: playerID, reason: `seat ${playerID} lost` });
      },
      three: ({ verification }) => {
        verification.request({ player: '1', reason: 'first' });
        verification.request({ player: '0', reason: 'second' });
        verification.request({ player: '1', reason: 'third', by: 'self' });
      },
      ask: ({ verification }, target: string) => {
        verification.request({ player: target, reason: 'asked', by: 'self' });
      },
      /** Forwards any input, to exercise the runtime checks. */
      raw: ({ verification }, input: unknown) => {
        verification.request(input as VerificationRequestInput);
      },
      many: ({ verification }, count: number) => {
        for (let i = 0; i < count; i++) verification.request({ player: '0', reason: `#${i}` });
      },
      roll: ({ G, random, verification, playerID }) => {
        const die = random.D6();
        G.rolls.push(die);
        if (die <= 3) verification.request({ player: playerID, reason: `rolled ${die}` });
      },
      loseThenEndTurn: ({ playerID, verification, events }) => {
        verification.request({ player: playerID, reason: 'move' });
        events.endTurn();
      },
    },
    plugins: [VerificationPlugin(options)],
    ...extra,
  };
}

/** A game whose `turn.onEnd` hook records a request (by the rules, or 'self'). */
function hookGame(by: 'rules' | 'self' = 'rules'): TestGame {
  return makeGame(
    {},
    {
      turn: {
        onEnd: ({ ctx, verification }) => {
          verification.request({ player: ctx.currentPlayer, reason: 'turn over', by });
        },
      },
    },
  );
}

// ---- the typing check: compiled by `npx tsc -p tsconfig.json` -------------------------------
/** The shortest way to write a move with the plugin must type-check against `WithVerification`. */
export const TypedGame: Game<{ x: number }, WithVerification> = {
  setup: () => ({ x: 0 }),
  moves: {
    ask: ({ verification }) => verification.request({ player: '0', reason: 'x' }),
    // @ts-expect-error `reason` is required
    noReason: ({ verification }) => verification.request({ player: '0' }),
    badBy: ({ verification }) =>
      // @ts-expect-error `by` is 'rules' | 'self', never an actor chosen by the game
      verification.request({ player: '0', reason: 'x', by: 'keyholder' }),
    // @ts-expect-error the API has no way to choose the actor or send anything
    send: ({ verification }) => verification.send({ player: '0' }),
  },
  plugins: [VerificationPlugin()],
};

// ---- helpers ----------------------------------------------------------------------------------
/**
 * boardgame.io's non-generic entry points (`InitializeGame`, `ProcessGameConfig`) take `Game`,
 * to which `Game<G, WithVerification>` is not assignable (the plugin API makes the hook context
 * parameters narrower); the plugin supplies `verification` at run time.
 */
const untyped = (game: TestGame): Game => game as unknown as Game;

function functionsIn(value: unknown, path = '$'): string[] {
  if (typeof value === 'function') return [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => functionsIn(v, `${path}.${k}`));
}

/** The server's way of running an action: a reducer with isClient false. */
function serverReducer(game: TestGame) {
  const processed = ProcessGameConfig(untyped(game));
  const reducer = CreateGameReducer({ game: processed });
  return (state: State, type: string, args: unknown[] = [], playerID = '0') =>
    reducer(state, {
      type: 'MAKE_MOVE',
      payload: { type, args, playerID },
    }) as State & { deltalog?: LogEntry[]; transients?: { error?: { type: string } } };
}

afterEach(() => {
  stopClients();
  vi.restoreAllMocks();
});

// ---- single-player Client ----------------------------------------------------------------------
describe('VerificationPlugin in a single-player Client', () => {
  it('starts with no intents after setup', () => {
    const { raw } = startClient(makeGame(), 2);
    expect(raw().plugins.verification!.data).toEqual({ intents: [] });
  });

  it('stores the intents a move recorded in the state committed by that action', () => {
    const { client, raw } = startClient(makeGame(), 2);
    client.moves.lose!();
    const state = raw();
    expect(state._stateID).toBe(1);
    expect(state.G.n).toBe(1);
    expect(intentsOf(state)).toEqual([
      { player: '0', reason: 'seat 0 lost', by: 'rules', requestedBy: '0' },
    ]);
  });

  it('getState() applies playerView even in single-player, so the raw store holds the intents', () => {
    const { client, raw } = startClient(makeGame(), 2);
    client.moves.lose!();
    expect(client.getState()!.plugins.verification!.data).toEqual({ intents: [] });
    expect(intentsOf(raw())).toHaveLength(1);
  });

  it('keeps intents fresh per action: the next action without a request has []', () => {
    const { client, raw } = startClient(makeGame(), 2);
    client.moves.lose!();
    expect(intentsOf(raw())).toHaveLength(1);
    client.moves.pass!();
    expect(raw()._stateID).toBe(2);
    expect(intentsOf(raw())).toEqual([]);
    client.moves.lose!();
    client.moves.lose!();
    expect(intentsOf(raw())).toEqual([
      { player: '0', reason: 'seat 0 lost', by: 'rules', requestedBy: '0' },
    ]);
  });

  it('keeps several requests of one action in the order they were made', () => {
    const { client, raw } = startClient(makeGame(), 2);
    client.moves.three!();
    expect(intentsOf(raw())).toEqual([
      { player: '1', reason: 'first', by: 'rules', requestedBy: '0' },
      { player: '0', reason: 'second', by: 'rules', requestedBy: '0' },
      { player: '1', reason: 'third', by: 'self', requestedBy: '0' },
    ]);
  });

  it("records by: 'self' with requestedBy = the mover's playerID", () => {
    const { client, raw } = startClient(makeGame(), 3);
    client.events.endTurn!();
    client.events.endTurn!();
    expect(raw().ctx.currentPlayer).toBe('2');
    client.moves.ask!('0');
    expect(intentsOf(raw())).toEqual([
      { player: '0', reason: 'asked', by: 'self', requestedBy: '2' },
    ]);
  });

  it('a request from turn.onEnd (triggered by events.endTurn()) lands in that action with requestedBy null', () => {
    const { client, raw } = startClient(hookGame(), 2);
    client.moves.pass!();
    expect(intentsOf(raw())).toEqual([]);
    client.events.endTurn!();
    const state = raw();
    expect(state.ctx.turn).toBe(2);
    expect(intentsOf(state)).toEqual([
      { player: '0', reason: 'turn over', by: 'rules', requestedBy: null },
    ]);
    client.moves.pass!();
    expect(intentsOf(raw())).toEqual([]);
  });

  it('a move that ends the turn commits its own request and the hook’s in one action, in order', () => {
    const { client, raw } = startClient(hookGame(), 2);
    client.moves.loseThenEndTurn!();
    const state = raw();
    expect(state._stateID).toBe(1);
    expect(intentsOf(state).map(({ player, reason }) => ({ player, reason }))).toEqual([
      { player: '0', reason: 'move' },
      { player: '0', reason: 'turn over' },
    ]);
    expect(intentsOf(state)[0]!.requestedBy).toBe('0');
  });

  it('a request in the hook of a move-triggered endTurn is the rules’, not the mover’s (requestedBy null)', () => {
    const { client, raw } = startClient(hookGame(), 2);
    client.moves.loseThenEndTurn!();
    expect(intentsOf(raw())[1]).toEqual({
      player: '0',
      reason: 'turn over',
      by: 'rules',
      requestedBy: null,
    });
  });
});

// ---- bad calls ---------------------------------------------------------------------------------
describe('bad calls throw VerificationRequestError with a readable message', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    [
      'player not a seat',
      { player: '2', reason: 'x' },
      /player must be a seat of this match \(0, 1\), got "2"/,
    ],
    ['player not a string', { player: 0, reason: 'x' }, /player must be a seat.*got 0/],
    ['empty reason', { player: '0', reason: '' }, /reason must be a non-empty string/],
    ['blank reason', { player: '0', reason: '   ' }, /reason must be a non-empty string/],
    [
      'reason over 200 characters',
      { player: '0', reason: 'x'.repeat(201) },
      /at most 200 characters/,
    ],
    ['reason not a string', { player: '0', reason: 42 }, /reason must be a non-empty string/],
    [
      'reason with a NUL',
      { player: '0', reason: 'lost\u0000' },
      /must not contain control characters/,
    ],
    ['reason with a line break', { player: '0', reason: 'lost\nround' }, /control characters/],
    [
      'by not rules/self',
      { player: '0', reason: 'x', by: 'keyholder' },
      /by must be 'rules' or 'self', got "keyholder"/,
    ],
  ];

  for (const [name, input, message] of cases) {
    it(`${name}: the move throws and the state does not change`, () => {
      const { client, raw } = startClient(makeGame(), 2);
      const before = JSON.stringify(raw());
      let thrown: unknown;
      try {
        client.moves.raw!(input);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(VerificationRequestError);
      expect(thrown).toBeInstanceOf(TypeError);
      expect((thrown as VerificationRequestError).name).toBe('VerificationRequestError');
      expect((thrown as VerificationRequestError).code).toBe('invalid_verification_request');
      expect((thrown as Error).message).toMatch(/^verification\.request: /);
      expect((thrown as Error).message).toMatch(message);
      expect(JSON.stringify(raw())).toBe(before);
    });
  }

  it('a reason of exactly maxReasonLength is accepted, one more is refused', () => {
    const { client, raw } = startClient(makeGame({ maxReasonLength: 5 }), 2);
    client.moves.raw!({ player: '0', reason: '12345' });
    expect(intentsOf(raw())).toHaveLength(1);
    expect(() => client.moves.raw!({ player: '0', reason: '123456' })).toThrow(
      /at most 5 characters/,
    );
  });

  it('more than maxPerAction requests in one action throws; exactly maxPerAction is fine', () => {
    const { client, raw } = startClient(makeGame({ maxPerAction: 2 }), 2);
    client.moves.many!(2);
    expect(intentsOf(raw())).toHaveLength(2);
    const before = JSON.stringify(raw());
    expect(() => client.moves.many!(3)).toThrow(VerificationRequestError);
    expect(() => client.moves.many!(3)).toThrow(/at most 2 requests per action/);
    expect(JSON.stringify(raw())).toBe(before);
  });

  it('the default cap is 16 per action', () => {
    const { client, raw } = startClient(makeGame(), 2);
    client.moves.many!(16);
    expect(intentsOf(raw())).toHaveLength(16);
    expect(() => client.moves.many!(17)).toThrow(/at most 16 requests per action/);
  });

  it("by: 'self' from a hook without a player (turn.onBegin at match creation) throws", () => {
    const game = makeGame(
      {},
      {
        turn: {
          onBegin: ({ ctx, verification }) => {
            verification.request({ player: ctx.currentPlayer, reason: 'hi', by: 'self' });
          },
        },
      },
    );
    expect(() => InitializeGame({ game: untyped(game), numPlayers: 2 })).toThrow(
      VerificationRequestError,
    );
    expect(() => InitializeGame({ game: untyped(game), numPlayers: 2 })).toThrow(
      /by 'self' needs a move made by a seat/,
    );
  });

  it("by: 'self' in turn.onEnd triggered by events.endTurn() throws: a hook has no requesting seat", () => {
    const { client, raw } = startClient(hookGame('self'), 2);
    const before = JSON.stringify(raw());
    expect(() => client.events.endTurn!()).toThrow(VerificationRequestError);
    expect(JSON.stringify(raw())).toBe(before);
  });

  it('on the server reducer, a bad call makes the action throw and nothing is committed', () => {
    const game = makeGame();
    const run = serverReducer(game);
    const initial = InitializeGame({ game: untyped(game), numPlayers: 2 });
    const snapshot = JSON.stringify(initial);
    expect(() => run(initial, 'raw', [{ player: '7', reason: 'x' }])).toThrow(
      VerificationRequestError,
    );
    expect(JSON.stringify(initial)).toBe(snapshot);
  });
});

// ---- Local() multiplayer -----------------------------------------------------------------------
describe('VerificationPlugin with Local() multiplayer', () => {
  /** Seats 0 and 1 and a spectator, and what their master stored. */
  function localMatch(game: TestGame) {
    const { clients, stored } = localSeats(game, 2, ['0', '1', undefined]);
    const [p0, p1, spectator] = clients;
    return { p0, p1, spectator, stored };
  }

  it('hides intents from every player and spectator while the master stores them', async () => {
    const { p0, p1, spectator, stored } = localMatch(makeGame());
    await caughtUp([p0, p1, spectator]);
    p0.moves.lose!();
    // Right after the move: the mover's own client already shows nothing.
    expect(p0.getState()!.plugins.verification!.data).toEqual({ intents: [] });
    await caughtUp([p0, p1, spectator], 1);
    for (const client of [p0, p1, spectator]) {
      expect(client.getState()!.plugins.verification!.data).toEqual({ intents: [] });
      expect((client.store.getState() as State).plugins.verification!.data).toEqual({
        intents: [],
      });
      expect(JSON.stringify(client.getState())).not.toContain('seat 0 lost');
    }
    const state = stored();
    expect(state._stateID).toBe(1);
    expect(intentsOf(state)).toEqual([
      { player: '0', reason: 'seat 0 lost', by: 'rules', requestedBy: '0' },
    ]);
  });

  it('the master stores fresh intents per action', async () => {
    const { p0, p1, stored } = localMatch(makeGame());
    await caughtUp([p0, p1]);
    p0.moves.lose!();
    await until(() => stored()._stateID === 1, 'first commit');
    expect(intentsOf(stored())).toHaveLength(1);
    p0.moves.pass!();
    await until(() => stored()._stateID === 2, 'second commit');
    expect(intentsOf(stored())).toEqual([]);
  });
});

// ---- the server's reducer ------------------------------------------------------------------------
describe('VerificationPlugin on the server reducer (InitializeGame + CreateGameReducer)', () => {
  it('the state the master would commit carries that action’s intents, and the deltalog names the move', () => {
    const game = makeGame();
    const run = serverReducer(game);
    const s0 = InitializeGame({ game: untyped(game), numPlayers: 2 });
    const s1 = run(s0, 'three');
    expect(s1._stateID).toBe(1);
    expect(s1.deltalog!.map((e) => e.action.type)).toEqual(['MAKE_MOVE']);
    expect(intentsOf(s1).map((i) => i.reason)).toEqual(['first', 'second', 'third']);
    const s2 = run(s1, 'pass');
    expect(intentsOf(s2)).toEqual([]);
  });

  it('an INVALID_MOVE keeps _stateID and yields an error transient and an empty deltalog', () => {
    const game = makeGame(
      {},
      {
        moves: {
          cheat: ({ playerID, verification }) => {
            verification.request({ player: playerID, reason: 'never' });
            return INVALID_MOVE;
          },
        },
      },
    );
    const run = serverReducer(game);
    const s0 = InitializeGame({ game: untyped(game), numPlayers: 2 });
    const s1 = run(s0, 'cheat');
    expect(s1._stateID).toBe(0);
    expect(s1.deltalog).toEqual([]);
    expect(s1.transients?.error?.type).toBe('action/invalid_move');
    expect(intentsOf(s1)).toEqual([]);
  });
});

// ---- purity ------------------------------------------------------------------------------------
describe('VerificationPlugin is deterministic and does no I/O', () => {
  function playScript(): string {
    const { client, raw } = startClient({ ...makeGame(), seed: 'fixed-seed' }, 2);
    client.moves.roll!();
    client.moves.lose!();
    client.events.endTurn!();
    client.moves.roll!();
    client.moves.roll!();
    client.moves.three!();
    return JSON.stringify(raw());
  }

  it('same seed and same moves give identical state JSON twice', () => {
    const first = playScript();
    const second = playScript();
    expect(second).toBe(first);
    const state = JSON.parse(first) as State<G>;
    expect(state.G.rolls).toHaveLength(3);
    expect(intentsOf(state).map((i) => i.reason)).toEqual(['first', 'second', 'third']);
  });

  it('committed state holds no functions and survives a JSON round trip unchanged', () => {
    const { client, raw } = startClient(makeGame(), 2);
    client.moves.three!();
    const state = raw();
    expect(functionsIn(state)).toEqual([]);
    expect(Object.keys(state.plugins.verification!)).toEqual(['data']);
    expect(JSON.parse(JSON.stringify(state.plugins.verification))).toStrictEqual(
      state.plugins.verification,
    );
  });

  it('the plugin module imports nothing but types, and a move never touches the network', () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    for (const file of ['verification.ts', 'types.ts']) {
      const source = readFileSync(new URL(`../../src/plugin/${file}`, import.meta.url), 'utf8');
      const imports = source.match(/^\s*import\s[^;]*;/gm) ?? [];
      expect(imports.length).toBeGreaterThan(0);
      for (const line of imports) expect(line).toMatch(/^\s*import type\s/);
      expect(source).not.toMatch(/\brequire\(|\bimport\(|\bfetch\(/);
    }
    const { client } = startClient(makeGame(), 2);
    client.moves.lose!();
    client.moves.three!();
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
