/**
 * The socket transport's bookkeeping under every interleaving of what its handlers do: a `sync`
 * removes the socket from its match, awaits the Master, then adds it; a disconnect removes it. On
 * boardgame.io's own SocketIO some interleavings leave a socket id in a match's room without a
 * client entry, and every later broadcast of that match throws (the Master broadcasts before it
 * writes, so the write was skipped too). The same property is run on both classes: boardgame.io's
 * fails it, `MatchTransport` holds it. `LocalPubSub` publishes only what the store committed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocalPubSub, MatchTransport } from '../../src/server/index.js';
import type { GenericPubSub } from '../../src/server/index.js';
import { ProcessGameConfig, SocketIO, createMatch } from '../../src/server/bgio.js';
import type { AnyGame } from '../../src/server/bgio.js';
import { PenaltyGame } from '../fixtures/penalty-game.js';

const game = ProcessGameConfig(PenaltyGame as AnyGame) as AnyGame;
const MATCHES = ['A', 'B'] as const;
const SOCKETS = 3;

/** A pub/sub that delivers at once, so a throwing broadcast surfaces in `publish`. */
class DirectPubSub implements GenericPubSub<unknown> {
  readonly callbacks = new Map<string, Array<(payload: unknown) => void>>();
  publish(channel: string, payload: unknown): void {
    for (const callback of this.callbacks.get(channel) ?? []) callback(payload);
  }
  subscribe(channel: string, callback: (payload: unknown) => void): void {
    this.callbacks.set(channel, [...(this.callbacks.get(channel) ?? []), callback]);
  }
  unsubscribeAll(channel: string): void {
    this.callbacks.delete(channel);
  }
}

interface FakeSocket {
  id: string;
  disconnected: boolean;
  received: string[];
  emit(event: string, ...args: unknown[]): boolean;
}
interface Bookkeeping {
  clientInfo: Map<string, { matchID: string; socket: FakeSocket }>;
  roomInfo: Map<string, Set<string>>;
  addClient(client: unknown, game: AnyGame): void;
  removeClient(socketID: string): void;
}

type Step =
  | { kind: 'syncStart'; socket: number; match: number }
  | { kind: 'syncFinish'; pending: number }
  | { kind: 'disconnect'; socket: number }
  | { kind: 'broadcast'; match: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('syncStart' as const),
    socket: fc.nat(SOCKETS - 1),
    match: fc.nat(1),
  }),
  fc.record({ kind: fc.constant('syncFinish' as const), pending: fc.nat(5) }),
  fc.record({ kind: fc.constant('disconnect' as const), socket: fc.nat(SOCKETS - 1) }),
  fc.record({ kind: fc.constant('broadcast' as const), match: fc.nat(1) }),
);

const created = createMatch({ game, numPlayers: 2, setupData: undefined, unlisted: false });
if (!('initialState' in created)) throw new Error(created.setupDataError);
const { initialState } = created;

/**
 * Plays `steps` the way the SocketIO handlers would, broadcasting to each match at the end; then
 * (with `checkRooms`) checks that every room lists only live clients of its own.
 */
function play(
  makeTransport: (pubSub: DirectPubSub) => object,
  steps: Step[],
  checkRooms = true,
): void {
  const pubSub = new DirectPubSub();
  const transport = makeTransport(pubSub) as unknown as Bookkeeping;
  const sockets = Array.from({ length: SOCKETS }, (_, i): FakeSocket => {
    const received: string[] = [];
    return {
      id: `s${i}`,
      disconnected: false,
      received,
      emit(event: string, ...args: unknown[]) {
        received.push(`${event}:${String(args[0])}`);
        return true;
      },
    };
  });
  // The sync handler's second half, waiting for its Master: (socket, match).
  const pending: Array<[FakeSocket, string]> = [];
  const broadcast = (matchID: string) =>
    pubSub.publish(`MATCH-${matchID}`, { type: 'update', args: [matchID, initialState] });
  for (const s of [
    ...steps,
    ...MATCHES.map((_, match) => ({ kind: 'broadcast', match }) as Step),
  ]) {
    if (s.kind === 'syncStart') {
      const socket = sockets[s.socket]!;
      if (socket.disconnected) continue;
      transport.removeClient(socket.id);
      pending.push([socket, MATCHES[s.match]!]);
    } else if (s.kind === 'syncFinish') {
      if (pending.length === 0) continue;
      const [socket, matchID] = pending.splice(s.pending % pending.length, 1)[0]!;
      transport.addClient({ socket, matchID, playerID: '0', credentials: 'c' }, game);
    } else if (s.kind === 'disconnect') {
      const socket = sockets[s.socket]!;
      socket.disconnected = true;
      transport.removeClient(socket.id);
    } else {
      broadcast(MATCHES[s.match]!);
    }
  }
  if (!checkRooms) return;
  // Every id a room lists is a live client of that room.
  for (const [matchID, ids] of transport.roomInfo) {
    for (const id of ids) {
      const client = transport.clientInfo.get(id);
      expect(client?.matchID, `${id} in room ${matchID}`).toBe(matchID);
      expect(client?.socket.disconnected).toBe(false);
    }
  }
}

describe('socket transport bookkeeping', () => {
  it("boardgame.io's SocketIO fails the property (a stale socket id makes a broadcast throw)", () => {
    const failure = fc.check(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        play((pubSub) => new SocketIO({ pubSub: pubSub as never }), steps, false);
      }),
      { numRuns: 2000, seed: 1 },
    );
    expect(failure.failed).toBe(true);
    expect(String(failure.errorInstance)).toMatch(/reading 'playerID'/);
  });

  it('MatchTransport: after any interleaving of syncs and disconnects, rooms list only their live clients and broadcasts never throw', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 16 }), (steps) => {
        play((pubSub) => new MatchTransport({ pubSub: pubSub as never }), steps);
      }),
      { numRuns: 2000 },
    );
  });

  it('a socket hears only the match of its last answered sync', () => {
    const pubSub = new DirectPubSub();
    const transport = new MatchTransport({ pubSub: pubSub as never }) as unknown as Bookkeeping;
    const received: string[] = [];
    const socket = {
      id: 's',
      disconnected: false,
      emit: (event: string, matchID: string) => received.push(`${event}:${matchID}`),
    };
    transport.removeClient('s');
    transport.removeClient('s');
    transport.addClient({ socket, matchID: 'A', playerID: '0' }, game);
    transport.addClient({ socket, matchID: 'B', playerID: '0' }, game);
    for (const matchID of MATCHES) {
      pubSub.publish(`MATCH-${matchID}`, { type: 'update', args: [matchID, initialState] });
    }
    expect(received).toEqual(['update:B']);
    socket.disconnected = true;
    transport.removeClient('s');
    expect(transport.roomInfo.size).toBe(0);
    expect(pubSub.callbacks.size).toBe(0);
  });
});

describe('LocalPubSub', () => {
  const update = (stateID: number) => ({
    type: 'update',
    args: ['m', { ...initialState, _stateID: stateID }],
  });

  it('publishes a state once the store says it committed, never a refused one', async () => {
    const committed = new Map<number, boolean | Promise<boolean>>([
      [1, true],
      [2, false],
      [3, Promise.resolve(true)],
      [4, Promise.resolve(false)],
    ]);
    const pubSub = new LocalPubSub((_, stateID) => committed.get(stateID));
    const heard: number[] = [];
    pubSub.subscribe('MATCH-m', (payload) =>
      heard.push((payload as { args: [string, { _stateID: number }] }).args[1]._stateID),
    );
    for (const stateID of [1, 2, 3, 4, 5]) pubSub.publish('MATCH-m', update(stateID));
    // Nothing goes out in the same synchronous run: the Master writes right after publishing.
    expect(heard).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    // 5: the store knows nothing of it (not a write in progress): it goes out.
    expect(heard.sort()).toEqual([1, 3, 5]);
  });

  it("a subscriber's throw reaches onError, never the publisher, and the others still hear it", async () => {
    const errors: unknown[] = [];
    const pubSub = new LocalPubSub(undefined, (error) => errors.push(error));
    const heard: unknown[] = [];
    pubSub.subscribe('MATCH-m', () => {
      throw new TypeError("Cannot read properties of undefined (reading 'playerID')");
    });
    pubSub.subscribe('MATCH-m', (payload) => heard.push(payload));
    expect(() => pubSub.publish('MATCH-m', update(1))).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(heard).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });
});
