/**
 * Hostile socket packets, property-based (issue 5, item 3): random event names and argument
 * lists, forged `update` actions (unknown and forged action types, automatic, wrong argument
 * types, other players' IDs and credentials, other and unknown matchIDs, stale stateIDs, move
 * arguments the game does not declare, oversized event arguments), random `sync` packets (without
 * a seat: there are no anonymous spectators) and oversized payloads, sent through a raw socket.io
 * client.
 *
 * Each case sends its hostile packet(s) and then seat 0's valid `pass` on the same socket: packets
 * of a socket are judged in order and a match's actions are processed in order, so once the pass
 * is stored anything the hostile packets could have done has landed. The stored match
 * (`store.fetch(matchID, {state, log})`) must then hold exactly one more action — the pass, the
 * per-case positive control — no outbox row may exist, no match may be created or touched, and
 * Chaster (the emulator) must have received nothing. The accepted pass also resets the socket's
 * count of refused packets: a socket is disconnected after 8 refused packets in a row, which has a
 * property of its own. Each property ends with a legitimate `lose` with a declared argument that
 * does reach Chaster. Forgeries that must be refused on their own also run as fixed examples in
 * every run, before the random combinations.
 */
import type { LogEntry, State } from 'boardgame.io';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProcessGameConfig } from '../../src/server/bgio.js';
import type { AnyGame } from '../../src/server/bgio.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';
import { host, join, makeMove, startStack, until } from '../helpers/stack.js';
import type { Seat, Stack } from '../helpers/stack.js';
import { INHERITED_NAMES, jsonLeaf, rawSocket } from './helpers.js';
import { RUNS, TIMEOUT, params } from './runs.js';

/** socket.io's largest message (`maxHttpBufferSize` in src/server/game-server.ts). */
const SOCKET_LIMIT = 16 * 1024;
/** Refused packets in a row after which the server disconnects a socket (src/server/guard.ts). */
const MAX_REFUSALS = 8;
/** Largest JSON of a game event's arguments (src/server/guard.ts). */
const MAX_EVENT_ARGS_CHARS = 256;
const MOVES = Object.keys(PenaltyGame.moves!);
const ENABLED_EVENTS: string[] = ProcessGameConfig(PenaltyGame as AnyGame).flow.enabledEventNames;
// socket.io's client refuses to emit these itself.
const RESERVED = [
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
];

type Socket = Awaited<ReturnType<typeof rawSocket>>;

interface Room {
  stack: Stack;
  matchID: string;
  seats: [Seat, Seat];
  /** Another match, hosted by someone else: its credentials must not work here. */
  other: { matchID: string; seat: Seat };
  socket: Socket;
}

/** A two-wearer penalty room, another room, and a raw socket synced as seat 0. */
async function room(): Promise<Room> {
  const stack = await startStack({ games: [PenaltyGame] });
  const a = stack.emulator.createLock();
  const b = stack.emulator.createLock();
  const c = stack.emulator.createLock();
  const { matchID, seat } = await host(stack, a.tokens.wearer, { game: 'penalty', numPlayers: 2 });
  const seatB = await join(stack, b.tokens.wearer, matchID);
  const other = await host(stack, c.tokens.wearer, { game: 'penalty', numPlayers: 2 });
  const r = { stack, matchID, seats: [seat, seatB], other } as Omit<Room, 'socket'> as Room;
  r.socket = await connectSeat0(r);
  return r;
}

/** Opens a socket and syncs it as seat 0 (so it is in the match's room, like a real client). */
async function connectSeat0(r: Omit<Room, 'socket'>): Promise<Socket> {
  const socket = await rawSocket(r.stack, 'penalty');
  const synced = new Promise<void>((resolve) => socket.once('sync', () => resolve()));
  socket.emit('sync', r.matchID, '0', r.seats[0].credentials, 2);
  await synced;
  return socket;
}

interface Snapshot {
  state: State<{ moves: number }>;
  /** Entries in the match's log, and the last one (the log is append-only). */
  logLength: number;
  lastLog: LogEntry | undefined;
}

function stateIDOf(stack: Stack, matchID: string): number {
  const row = stack.server.store.db
    .prepare('SELECT state_id FROM matches WHERE match_id = ?')
    .get(matchID) as { state_id: number };
  return row.state_id;
}

function snapshot(stack: Stack, matchID: string): Snapshot {
  const { state } = stack.server.store.fetch(matchID, { state: true });
  expect(state).toBeDefined();
  const db = stack.server.store.db;
  const { n } = db
    .prepare('SELECT COUNT(*) AS n FROM match_log WHERE match_id = ?')
    .get(matchID) as {
    n: number;
  };
  const last = db
    .prepare('SELECT entry FROM match_log WHERE match_id = ? ORDER BY seq DESC LIMIT 1')
    .get(matchID) as { entry: string } | undefined;
  return {
    state: state as State<{ moves: number }>,
    logLength: n,
    lastLog: last ? (JSON.parse(last.entry) as LogEntry) : undefined,
  };
}

/** The whole stored log holds seat 0's passes and nothing else (checked once per property). */
function expectOnlyPassesLogged(r: Room): void {
  const { state, log } = r.stack.server.store.fetch(r.matchID, { state: true, log: true });
  expect(log!.length).toBe(state!._stateID);
  const others = log!.filter(
    (entry) =>
      entry.automatic !== undefined ||
      entry.action.type !== 'MAKE_MOVE' ||
      entry.action.payload.type !== 'pass' ||
      entry.action.payload.playerID !== '0',
  );
  expect(others).toEqual([]);
}

/**
 * One case: `hostile` sends its packets, then seat 0 passes. Checks that the pass is the one and
 * only change, that nothing was queued or sent, and that no match was created or touched.
 */
async function expectOnlyThePass(
  r: Room,
  context: string,
  hostile: (before: Snapshot) => void,
  afterHostile?: () => Promise<void>,
): Promise<void> {
  const before = snapshot(r.stack, r.matchID);
  const otherBefore = snapshot(r.stack, r.other.matchID);
  const matches = r.stack.server.store.listMatches();
  hostile(before);
  await afterHostile?.();
  r.socket.emit('update', makeMove('pass', r.seats[0]), before.state._stateID, r.matchID, '0');
  const target = before.state._stateID + 1;
  const deadline = Date.now() + 3_000;
  while (stateIDOf(r.stack, r.matchID) < target && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const after = snapshot(r.stack, r.matchID);
  const where = `${context}\nstored before: ${JSON.stringify(before.state.G)} #${before.state._stateID}, after: ${JSON.stringify(after.state.G)} #${after.state._stateID}`;
  expect(after.state._stateID, where).toBe(target);
  expect(after.state.G, where).toEqual({ moves: before.state.G.moves + 1 });
  expect(after.state.ctx.gameover, where).toBeUndefined();
  expect(after.logLength, where).toBe(before.logLength + 1);
  const last = after.lastLog!;
  expect(last, where).toMatchObject({
    _stateID: before.state._stateID,
    action: { type: 'MAKE_MOVE', payload: { type: 'pass', playerID: '0' } },
  });
  expect(last.automatic, where).toBeUndefined();
  expect(snapshot(r.stack, r.other.matchID), where).toEqual(otherBefore);
  expect(r.stack.server.store.listMatches(), where).toEqual(matches);
  expect(await r.stack.server.repository.requestsOf(r.matchID), where).toEqual([]);
  expect(await r.stack.server.repository.requestsOf(r.other.matchID), where).toEqual([]);
  expect(r.stack.emulator.requests(), where).toEqual([]);
}

/** Runs a surface: `arbitrary` values turned into hostile packets by `hostile`. */
async function hostileProperty<T>(
  r: Room,
  arbitrary: fc.Arbitrary<T>,
  hostile: (value: T, before: Snapshot, r: Room) => void,
  numRuns = RUNS,
  examples: Array<[T]> = [],
): Promise<number> {
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      cases += 1;
      const context = fc.stringify(value).slice(0, 600);
      await expectOnlyThePass(r, context, (before) => hostile(value, before, r));
    }),
    // Examples run first and count as runs: the random cases stay `numRuns`.
    { ...params(numRuns + examples.length), examples },
  );
  expectOnlyPassesLogged(r);
  await positiveControl(r);
  return cases;
}

/**
 * A legitimate `lose('0')` by seat 1 (a declared argument: the rules ask seat 0) still reaches
 * Chaster as actor `extension`.
 */
async function positiveControl(r: Room): Promise<void> {
  // Anything still in flight for the other match has landed by now.
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(snapshot(r.stack, r.other.matchID).state._stateID).toBe(0);
  const before = snapshot(r.stack, r.matchID);
  r.socket.emit(
    'update',
    makeMove('lose', r.seats[1], ['0']),
    before.state._stateID,
    r.matchID,
    '1',
  );
  await until(
    () => r.stack.emulator.requests().length === 1,
    'the legitimate lose to reach Chaster',
  );
  expect(r.stack.emulator.requests()).toEqual([
    expect.objectContaining({ actor: 'extension', status: 201 }),
  ]);
  const rows = await r.stack.server.repository.requestsOf(r.matchID);
  expect(rows.map((row) => [row.playerID, row.requestedBy])).toEqual([['0', 'rules']]);
  expect(snapshot(r.stack, r.matchID).state.G.moves).toBe(before.state.G.moves + 1);
}

// --- arbitraries ----------------------------------------------------------------------------------

/** Any value socket.io can carry: JSON, binary, nested. */
const anyArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, 1.5, 2 ** 53, '', 'MAKE_MOVE', '0', null) },
);

/**
 * A string that is neither a move of the game nor a name every object inherits (those have a test
 * of their own below).
 */
const unknownName = fc
  .oneof(
    fc.string({ maxLength: 20 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom(
      'Lose',
      'lose ',
      'pass\u0000',
      'setup',
      'flow',
      'moves',
      'plugins',
      'processMove',
    ),
  )
  .filter((s) => !MOVES.includes(s) && !INHERITED_NAMES.includes(s));

/**
 * A target for `lose` or `ask` that is not a seat of the match: the guard refuses what is not a
 * seat number (`seatArg`), the plugin a seat number the match does not have ('2', '99').
 */
const notASeat = fc
  .oneof(
    jsonLeaf,
    fc.array(jsonLeaf, { maxLength: 3 }),
    fc.constantFrom('2', '99', '-1', ' 0', '00', '0 ', 'undefined'),
  )
  .filter((v) => v !== null && v !== '0' && v !== '1');

interface Packet {
  action: Record<string, any>;
  stateID: unknown;
  matchID: unknown;
  playerID: unknown;
}

/** Arguments of a game event whose JSON is exactly `chars` characters long (12 or more). */
function eventArgs(chars: number): unknown[] {
  return [{ pad: 'x'.repeat(chars - '[{"pad":""}]'.length) }];
}

/** One forgery, as data (so fast-check can print it and examples can name it). */
type Forgery =
  | { kind: 'type'; value: unknown; withState: boolean }
  | { kind: 'event'; value: unknown }
  | { kind: 'automatic'; value: unknown }
  | { kind: 'playerID'; where: 'payload' | 'packet' | 'both'; value: unknown }
  | { kind: 'credentials'; value: unknown }
  | { kind: 'matchID'; value: unknown }
  | { kind: 'stateID'; value: unknown }
  | { kind: 'move'; value: unknown }
  | { kind: 'args'; move: string; value: unknown }
  | { kind: 'eventArgs'; chars: number }
  | { kind: 'extra'; where: 'payload' | 'action'; key: string; value: unknown }
  | {
      kind: 'replace';
      value: 'action null' | 'action string' | 'payload null' | 'payload array' | 'no payload';
    };

/** A whole forged state, as a RESET/UPDATE/SYNC would carry it: game over, G, an intent, a log. */
function forgedState(before: Snapshot) {
  const state = structuredClone(before.state) as State & { deltalog?: LogEntry[] };
  state.G = { moves: 999 };
  state.ctx = { ...state.ctx, gameover: { winner: '0' } };
  state._stateID = before.state._stateID + 1;
  state.plugins = {
    ...state.plugins,
    verification: {
      data: { intents: [{ player: '1', reason: 'forged', by: 'rules', requestedBy: null }] },
    },
  };
  state.deltalog = [
    {
      action: { type: 'MAKE_MOVE', payload: { type: 'lose', args: [], playerID: '1' } },
      _stateID: before.state._stateID,
      turn: state.ctx.turn,
      phase: state.ctx.phase,
    } as LogEntry,
  ];
  return state;
}

/** Applies one forgery to a packet (seat 0's valid `lose` to begin with). */
function forge(p: Packet, f: Forgery, r: Room, before: Snapshot): void {
  const action = typeof p.action === 'object' && p.action !== null ? p.action : undefined;
  const payload =
    action && typeof action.payload === 'object' && action.payload !== null ? action.payload : {};
  const current = before.state._stateID;
  switch (f.kind) {
    case 'type':
      if (!action) return;
      action.type = f.value;
      if (f.value === 'PLUGIN') {
        payload.type = 'verification';
        payload.args = [{ intents: [{ player: '1', reason: 'forged', by: 'rules' }] }];
      }
      if (f.withState) {
        const state = forgedState(before);
        Object.assign(action, { state, deltalog: state.deltalog, initialState: state });
      }
      return;
    case 'event':
      if (!action) return;
      action.type = 'GAME_EVENT';
      payload.type = f.value;
      return;
    case 'automatic':
      if (action) action.automatic = f.value;
      return;
    case 'playerID':
      if (f.where !== 'packet') payload.playerID = f.value;
      if (f.where !== 'payload') p.playerID = f.value;
      return;
    case 'credentials': {
      const real = r.seats[0].credentials;
      const forged: Record<string, unknown> = {
        'seat 1': r.seats[1].credentials,
        'other match': r.other.seat.credentials,
        flipped: real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A'),
        truncated: real.slice(0, -1),
        extended: real + 'A',
        'other match id': real.replace(r.matchID, r.other.matchID),
        'guessed secret': `${r.matchID}.0.${'A'.repeat(32)}`,
      };
      if (f.value === 'missing') delete payload.credentials;
      else
        payload.credentials =
          typeof f.value === 'string' && f.value in forged ? forged[f.value] : f.value;
      return;
    }
    case 'matchID':
      p.matchID = f.value === 'other' ? r.other.matchID : f.value;
      return;
    case 'stateID':
      if (f.value === 'stale') p.stateID = current === 0 ? -1 : current - 1;
      else if (f.value === 'next') p.stateID = current + 1;
      else if (
        typeof f.value === 'number' &&
        Number.isInteger(f.value) &&
        f.value > 0 &&
        f.value < 10_000
      )
        p.stateID = current + f.value;
      else if (f.value === 0.5) p.stateID = current + 0.5;
      else p.stateID = f.value;
      return;
    case 'move':
      payload.type = f.value;
      return;
    case 'args':
      // A move's arguments (not an event's: the game enables an event named `pass`).
      if (action) action.type = 'MAKE_MOVE';
      payload.type = f.move;
      payload.args = f.value;
      return;
    case 'eventArgs':
      // An event the game enables, whose arguments would be played were they not too large.
      if (!action) return;
      action.type = 'GAME_EVENT';
      payload.type = 'endTurn';
      payload.args = eventArgs(f.chars);
      return;
    case 'extra':
      if (f.where === 'payload') payload[f.key] = f.value;
      else if (action) action[f.key] = f.value;
      return;
    case 'replace':
      if (!action) return;
      if (f.value === 'action null') p.action = null as never;
      else if (f.value === 'action string') p.action = 'MAKE_MOVE' as never;
      else if (f.value === 'payload null') action.payload = null;
      else if (f.value === 'payload array') action.payload = Object.values(payload);
      else delete action.payload;
      return;
  }
}

/** Each forgery on its own must be refused: these run first, in every run. */
const FORGERY_EXAMPLES: Forgery[] = [
  ...['RESET', 'UPDATE', 'SYNC'].map((value): Forgery => ({
    kind: 'type',
    value,
    withState: true,
  })),
  { kind: 'type', value: 'PLUGIN', withState: false },
  { kind: 'type', value: 'UNDO', withState: false },
  { kind: 'type', value: 'REDO', withState: false },
  { kind: 'event', value: 'endGame' },
  { kind: 'automatic', value: true },
  { kind: 'playerID', where: 'payload', value: '1' },
  { kind: 'playerID', where: 'packet', value: '1' },
  { kind: 'playerID', where: 'both', value: '1' },
  ...['seat 1', 'other match', 'flipped', 'missing', 'guessed secret', 'other match id'].map(
    (value): Forgery => ({ kind: 'credentials', value }),
  ),
  { kind: 'matchID', value: 'other' },
  { kind: 'matchID', value: 'no-such-match' },
  { kind: 'stateID', value: 'stale' },
  { kind: 'stateID', value: 'next' },
  { kind: 'stateID', value: '0' },
  { kind: 'move', value: 'cheat' },
  { kind: 'move', value: 'Lose' },
  { kind: 'args', move: 'lose', value: ['2'] },
  { kind: 'args', move: 'lose', value: 7 },
  { kind: 'args', move: 'lose', value: ['1', '0'] },
  { kind: 'args', move: 'ask', value: ['01'] },
  { kind: 'args', move: 'ask', value: [] },
  { kind: 'args', move: 'pass', value: ['0'] },
  { kind: 'args', move: 'pass', value: [null] },
  { kind: 'args', move: 'finish', value: [true] },
  { kind: 'eventArgs', chars: MAX_EVENT_ARGS_CHARS + 1 },
  { kind: 'extra', where: 'payload', key: 'by', value: 'self' },
  { kind: 'replace', value: 'payload null' },
];

/** Any forgery, valued so that it alone makes the packet be refused. */
const forgery: fc.Arbitrary<Forgery> = fc.oneof(
  fc.record({
    kind: fc.constant('type' as const),
    value: fc.oneof(
      fc.constantFrom(
        'RESET',
        'UPDATE',
        'SYNC',
        'PLUGIN',
        'UNDO',
        'REDO',
        'STRIP_TRANSIENTS',
        'make_move',
        'MAKE_MOVE ',
      ),
      unknownName,
      anyArg.filter((v) => typeof v !== 'string'),
    ),
    withState: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('event' as const),
    value: fc.oneof(
      fc.constant('endGame'),
      unknownName.filter((s) => !ENABLED_EVENTS.includes(s)),
      anyArg.filter((v) => typeof v !== 'string'),
    ),
  }),
  fc.record({
    kind: fc.constant('automatic' as const),
    value: fc.constantFrom(true, 'true', 1, null, 'false', 0),
  }),
  fc.record({
    kind: fc.constant('playerID' as const),
    where: fc.constantFrom('payload' as const, 'packet' as const, 'both' as const),
    value: fc.oneof(
      { weight: 3, arbitrary: fc.constant('1') },
      { weight: 1, arbitrary: fc.constantFrom('2', '99', '00', ' 0') },
      { weight: 1, arbitrary: anyArg.filter((v) => v !== '0') },
    ),
  }),
  fc.record({
    kind: fc.constant('credentials' as const),
    value: fc.oneof(
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          'seat 1',
          'other match',
          'flipped',
          'truncated',
          'extended',
          'other match id',
          'guessed secret',
          'missing',
        ),
      },
      { weight: 1, arbitrary: anyArg },
    ),
  }),
  fc.record({
    kind: fc.constant('matchID' as const),
    value: fc.oneof(fc.constant('other'), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), anyArg),
  }),
  fc.record({
    kind: fc.constant('stateID' as const),
    value: fc.oneof(
      fc.constantFrom('stale', 'next', 0.5, -1, 2 ** 53, -0.5),
      fc.integer({ min: 1, max: 1_000 }),
      anyArg.filter((v) => typeof v !== 'number'),
    ),
  }),
  fc.record({
    kind: fc.constant('move' as const),
    value: fc.oneof(
      unknownName,
      anyArg.filter((v) => typeof v !== 'string'),
      fc.constantFrom('x'.repeat(65), 'cheat'),
    ),
  }),
  // Argument lists the game does not declare: `lose()`, `lose(seat)` and `ask(seat)` are declared,
  // the other moves take none. (boardgame.io would wrap a non-array in a list and spread an array
  // into the move's arguments; the guard takes only a declared list.)
  fc.record({
    kind: fc.constant('args' as const),
    move: fc.constantFrom('lose', 'ask'),
    value: fc.oneof(
      notASeat.map((target) => (Array.isArray(target) ? [target] : target)),
      notASeat.map((target) => [target]),
      fc.tuple(notASeat, anyArg).map(([target, more]) => [target, more]),
      // A seat, and one argument too many.
      fc.tuple(fc.constantFrom('0', '1'), anyArg).map(([target, more]) => [target, more]),
    ),
  }),
  fc.record({
    kind: fc.constant('args' as const),
    move: fc.constantFrom('pass', 'finish'),
    value: fc.oneof(
      fc.array(anyArg, { minLength: 1, maxLength: 3 }),
      anyArg.filter((v) => v !== null && !Array.isArray(v)),
    ),
  }),
  fc.record({
    kind: fc.constant('eventArgs' as const),
    chars: fc.integer({ min: MAX_EVENT_ARGS_CHARS + 1, max: 8_000 }),
  }),
  fc.record({
    kind: fc.constant('extra' as const),
    where: fc.constantFrom('payload' as const, 'action' as const),
    key: fc.constantFrom(
      'state',
      'G',
      'ctx',
      'plugins',
      'deltalog',
      'initialState',
      'clientOnly',
      'log',
      'by',
      'actor',
      'requestedBy',
    ),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({
    kind: fc.constant('replace' as const),
    value: fc.constantFrom(
      'action null' as const,
      'action string' as const,
      'payload null' as const,
      'payload array' as const,
      'no payload' as const,
    ),
  }),
);

/** Two forgeries that cancel out make a legitimate packet of another seat or match. */
function cancelling(forgeries: Forgery[]): boolean {
  const has = (test: (f: Forgery) => boolean) => forgeries.some(test);
  const seat1Creds = has((f) => f.kind === 'credentials' && f.value === 'seat 1');
  const asSeat1 = has((f) => f.kind === 'playerID' && f.where === 'both' && f.value === '1');
  const otherCreds = has((f) => f.kind === 'credentials' && f.value === 'other match');
  const otherMatch = has((f) => f.kind === 'matchID' && f.value === 'other');
  return (seat1Creds && asSeat1) || (otherCreds && otherMatch);
}

/** A packet the guard refuses, as data; each is refused for another reason. */
const REFUSED = [
  'spectator sync',
  'sync as seat 1 with seat 0 credentials',
  'pass with an argument',
  'lose for seat 1',
  'unknown move',
  'chat',
] as const;
type Refused = (typeof REFUSED)[number];

function sendRefused(r: Room, kind: Refused, stateID: number): void {
  const seat0 = r.seats[0];
  switch (kind) {
    case 'spectator sync':
      r.socket.emit('sync', r.matchID, null, null, 2);
      return;
    case 'sync as seat 1 with seat 0 credentials':
      r.socket.emit('sync', r.matchID, '1', seat0.credentials, 2);
      return;
    case 'pass with an argument':
      r.socket.emit('update', makeMove('pass', seat0, ['0']), stateID, r.matchID, '0');
      return;
    case 'lose for seat 1':
      r.socket.emit('update', makeMove('lose', seat0), stateID, r.matchID, '1');
      return;
    case 'unknown move':
      r.socket.emit('update', makeMove('Lose', seat0), stateID, r.matchID, '0');
      return;
    case 'chat':
      r.socket.emit('chat', r.matchID, { sender: '0', payload: 'hi' }, seat0.credentials);
      return;
  }
}

// --- surfaces ---------------------------------------------------------------------------------------

describe('hostile socket packets (property-based)', () => {
  it(
    'unknown event names with random argument lists are refused',
    async () => {
      const r = await room();
      const cases = await hostileProperty(
        r,
        fc.tuple(
          fc
            .oneof(
              fc.string({ maxLength: 30 }),
              fc.constantFrom(
                'chat',
                'matchData',
                'patch',
                'leave',
                'reset',
                'UPDATE',
                'Update',
                'update ',
                'sync ',
                'toString',
                '__proto__',
                'constructor',
                'authenticate',
                'error',
              ),
            )
            .filter((name) => name !== 'update' && name !== 'sync' && !RESERVED.includes(name)),
          fc.array(anyArg, { maxLength: 6 }),
          fc.boolean(),
        ),
        ([event, args, withMove], before, r) => {
          const list = withMove
            ? [makeMove('lose', r.seats[0]), before.state._stateID, r.matchID, '0', ...args]
            : args;
          r.socket.emit(event, ...list);
        },
      );
      expect(cases).toBe(RUNS);
    },
    TIMEOUT,
  );

  it(
    '`update` with random argument lists is refused',
    async () => {
      const r = await room();
      const cases = await hostileProperty(
        r,
        fc.oneof(
          fc.array(anyArg, { maxLength: 6 }),
          // A well-formed action among random companions.
          fc.tuple(fc.array(anyArg, { maxLength: 4 }), fc.nat({ max: 4 })).map(([rest, at]) => {
            const list: unknown[] = [...rest];
            list.splice(Math.min(at, list.length), 0, {
              type: 'MAKE_MOVE',
              payload: { type: 'lose', args: [], playerID: '0', credentials: 'x'.repeat(40) },
            });
            return list;
          }),
        ),
        (args, _before, r) => r.socket.emit('update', ...args),
      );
      expect(cases).toBe(RUNS);
    },
    TIMEOUT,
  );

  it(
    'forged `update` actions (types, automatic, seats, credentials, matchIDs, stateIDs, moves, undeclared move arguments, oversized event arguments, extra fields) are refused',
    async () => {
      const r = await room();
      const seenKinds = new Set<string>();
      const cases = await hostileProperty(
        r,
        fc.array(forgery, { minLength: 1, maxLength: 3 }).filter((f) => !cancelling(f)),
        (forgeries, before, r) => {
          const packet: Packet = {
            action: makeMove('lose', r.seats[0]),
            stateID: before.state._stateID,
            matchID: r.matchID,
            playerID: '0',
          };
          // Forgeries that replace the action or its payload come last: the others edit them.
          const ordered = [
            ...forgeries.filter((f) => f.kind !== 'replace'),
            ...forgeries.filter((f) => f.kind === 'replace'),
          ];
          for (const f of ordered) {
            seenKinds.add(f.kind);
            forge(packet, f, r, before);
          }
          r.socket.emit('update', packet.action, packet.stateID, packet.matchID, packet.playerID);
        },
        RUNS,
        FORGERY_EXAMPLES.map((f) => [[f]] as [Forgery[]]),
      );
      expect(cases).toBe(RUNS + FORGERY_EXAMPLES.length);
      // Every kind of forgery was tried.
      expect(seenKinds.size, [...seenKinds].join(', ')).toBe(12);
      // The bound the `eventArgs` forgeries cross: the same event with arguments of exactly 256
      // JSON characters is played.
      const before = snapshot(r.stack, r.matchID);
      r.socket.emit(
        'update',
        {
          type: 'GAME_EVENT',
          payload: {
            type: 'endTurn',
            args: eventArgs(MAX_EVENT_ARGS_CHARS),
            playerID: '0',
            credentials: r.seats[0].credentials,
          },
        },
        before.state._stateID,
        r.matchID,
        '0',
      );
      await until(
        () => stateIDOf(r.stack, r.matchID) === before.state._stateID + 1,
        'endTurn with 256 characters of arguments to be played',
      );
      const after = snapshot(r.stack, r.matchID);
      expect(after.state.ctx.turn).toBe(before.state.ctx.turn + 1);
      expect(after.lastLog?.action).toMatchObject({
        type: 'GAME_EVENT',
        payload: { type: 'endTurn' },
      });
    },
    TIMEOUT,
  );

  it(
    '`sync` without a seat (a spectator), of unknown or other matches, or as a seat without its credentials, is refused: no answer, nothing created or changed',
    async () => {
      const r = await room();
      const answered: unknown[] = [];
      r.socket.on('sync', (matchID: unknown) => {
        if (matchID !== r.matchID) answered.push(matchID);
      });
      let forOurMatch = 0;
      const ownSyncs = () => forOurMatch;
      r.socket.on('sync', (matchID: unknown) => {
        if (matchID === r.matchID) forOurMatch += 1;
      });
      const syncsBefore = ownSyncs();
      type SyncCase = [
        matchID: unknown,
        playerID: unknown,
        credentials: unknown,
        numPlayers: unknown,
      ];
      const cases = await hostileProperty(
        r,
        fc.tuple(
          fc.oneof(
            fc.constant('ours'),
            fc.constant('other'),
            fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
            anyArg,
          ),
          fc.oneof(fc.constantFrom('0', '1', '2', '99', null), anyArg),
          fc.oneof(fc.constantFrom('seat 1', 'other match', 'none'), anyArg),
          fc.oneof(fc.integer({ min: -5, max: 100 }), anyArg),
        ) as fc.Arbitrary<SyncCase>,
        ([matchID, playerID, credentials, numPlayers], _before, r) => {
          const id =
            matchID === 'ours' ? r.matchID : matchID === 'other' ? r.other.matchID : matchID;
          const creds =
            credentials === 'seat 1'
              ? r.seats[1].credentials
              : credentials === 'other match'
                ? r.other.seat.credentials
                : credentials === 'none'
                  ? undefined
                  : credentials;
          // There are no spectators: a sync without a seat (null) is refused like any other. The
          // one legitimate sync here is a seat's own credentials for that seat (seat 1 here, seat 0
          // of the other match), so those go to a seat that is not theirs.
          const seat =
            (id === r.matchID && playerID === '1' && creds === r.seats[1].credentials) ||
            (id === r.other.matchID &&
              playerID === r.other.seat.playerID &&
              creds === r.other.seat.credentials)
              ? '9'
              : playerID;
          r.socket.emit('sync', id, seat, creds, numPlayers);
        },
        RUNS,
        [
          // Spectators: of this match, of the other one, with a seat's credentials but no seat.
          [['ours', null, 'none', 2]],
          [['other', null, 'none', 2]],
          [['ours', null, 'seat 1', 2]],
          [['no-such-match-1', null, 'none', 2]],
          [['no-such-match-2', '0', 'seat 1', 2]],
          [['no-such-match-3', null, 'none', 16]],
          [['ours', '0', 'seat 1', 2]],
          [['ours', '1', 'other match', 2]],
          [['ours', '0', 'none', 2]],
          [['other', '0', 'seat 1', 2]],
        ],
      );
      expect(cases).toBe(RUNS + 10);
      expect(answered).toEqual([]);
      expect(ownSyncs()).toBe(syncsBefore);
    },
    TIMEOUT,
  );

  it(
    'packets over 16 KiB drop the connection, under it a forged one is refused; nothing changes',
    async () => {
      const r = await room();
      let dropped = 0;
      let cases = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.integer({ min: 1_024, max: SOCKET_LIMIT - 1_024 }),
            fc.integer({ min: SOCKET_LIMIT + 1_024, max: 4 * SOCKET_LIMIT }),
          ),
          fc.boolean(),
          fc.constantFrom('move argument', 'extra packet argument', 'credentials'),
          async (size, binary, where) => {
            cases += 1;
            const pad = binary ? Buffer.alloc(size, 1) : 'x'.repeat(size);
            const over = size > SOCKET_LIMIT;
            const context = `${size} ${binary ? 'binary' : 'text'} bytes as ${where}`;
            const closed = new Promise<boolean>((resolve) => {
              r.socket.once('disconnect', () => resolve(true));
              setTimeout(() => resolve(false), over ? 3_000 : 0);
            });
            await expectOnlyThePass(
              r,
              context,
              (before) => {
                // One pad per packet. Over the limit the packet is dropped unread; under it, it
                // is forged: seat 0's own pass with an argument (a pass takes none), an extra
                // packet argument, or credentials that are not a string of at most 256 characters.
                const stateID = before.state._stateID;
                if (where === 'move argument') {
                  r.socket.emit(
                    'update',
                    makeMove('pass', r.seats[0], [pad]),
                    stateID,
                    r.matchID,
                    '0',
                  );
                } else if (where === 'extra packet argument') {
                  r.socket.emit(
                    'update',
                    makeMove('pass', r.seats[0]),
                    stateID,
                    r.matchID,
                    '0',
                    pad,
                  );
                } else {
                  const forged = makeMove('pass', r.seats[0]) as {
                    payload: Record<string, unknown>;
                  };
                  forged.payload.credentials = pad;
                  r.socket.emit('update', forged, stateID, r.matchID, '0');
                }
              },
              async () => {
                expect(await closed, context).toBe(over);
                if (over) {
                  // The pass of this case goes out on a fresh connection.
                  dropped += 1;
                  r.socket.removeAllListeners();
                  r.socket = await connectSeat0(r);
                }
              },
            );
          },
        ),
        params(),
      );
      expect(cases).toBe(RUNS);
      expect(dropped).toBeGreaterThan(0);
      expectOnlyPassesLogged(r);
      const health = await fetch(`${r.stack.url}/healthz`);
      expect(health.status).toBe(200);
      await positiveControl(r);
    },
    TIMEOUT,
  );

  it(
    'a socket is disconnected after 8 refused packets in a row, never before; an accepted packet resets the count',
    async () => {
      const r = await room();
      let cases = 0;
      let disconnected = 0;
      const refused = fc.constantFrom(...REFUSED);
      const inARow = (n: number): Refused[] =>
        Array.from({ length: n }, (_, i) => REFUSED[i % REFUSED.length]!);
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.array(refused, { minLength: 1, maxLength: MAX_REFUSALS - 1 }),
            fc.array(refused, { minLength: MAX_REFUSALS, maxLength: MAX_REFUSALS + 4 }),
          ),
          async (packets) => {
            cases += 1;
            const over = packets.length >= MAX_REFUSALS;
            const context = `${packets.length} refused in a row: ${packets.join(', ')}`;
            let reason: string | undefined;
            const onDisconnect = (why: string) => (reason = why);
            r.socket.once('disconnect', onDisconnect);
            await expectOnlyThePass(
              r,
              context,
              (before) => {
                for (const kind of packets) sendRefused(r, kind, before.state._stateID);
              },
              async () => {
                if (!over) return;
                // The eighth refusal disconnects the socket; what it sent after that is never
                // judged. The pass of this case goes out on a fresh connection.
                await until(() => reason, `the server to disconnect the socket: ${context}`);
                expect(reason, context).toBe('io server disconnect');
                disconnected += 1;
                r.socket.removeAllListeners();
                r.socket = await connectSeat0(r);
              },
            );
            if (!over) {
              // The pass was played on the same socket after the refused packets, and it reset
              // the count for the next case.
              expect(reason, context).toBeUndefined();
              expect(r.socket.connected, context).toBe(true);
              r.socket.off('disconnect', onDisconnect);
            }
          },
        ),
        // Seven twice (the pass between them resets the count), then eight.
        {
          ...params(RUNS + 3),
          examples: [
            [inARow(MAX_REFUSALS - 1)],
            [inARow(MAX_REFUSALS - 1)],
            [inARow(MAX_REFUSALS)],
          ],
        },
      );
      expect(cases).toBe(RUNS + 3);
      expect(disconnected).toBeGreaterThan(0);
      // Every disconnect was the guard's, none for another reason.
      expect(r.stack.logs.filter((l) => l.includes('"msg":"socket disconnected'))).toHaveLength(
        disconnected,
      );
      expectOnlyPassesLogged(r);
      await positiveControl(r);
    },
    TIMEOUT,
  );

  it(
    'moves named after Object.prototype properties (toString, constructor, __proto__…) are refused and change nothing',
    async () => {
      const r = await room();
      const cases = await hostileProperty(
        r,
        fc.tuple(fc.constantFrom(...INHERITED_NAMES), fc.array(anyArg, { maxLength: 2 })),
        ([name, args], before, r) => {
          r.socket.emit(
            'update',
            makeMove(name, r.seats[0], args),
            before.state._stateID,
            r.matchID,
            '0',
          );
        },
      );
      expect(cases).toBe(RUNS);
    },
    TIMEOUT,
  );
});
